"""The shape the code keeps: modules of one idea (at most 400 lines), type-checked, lint-clean.

These run the same checks a reviewer runs (``mypy src``, ``ruff check``, ``ruff format --check``),
so a change that breaks them fails here, with the checker's own report, on every machine.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "bastion"
MAX_MODULE_LINES = 400


def test_no_module_in_src_is_over_400_lines():
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in sorted(SOURCE.rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}, f"split these modules (one idea each, at most {MAX_MODULE_LINES} lines)"


def run_checker(module: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (it comes with the test extra: pip install -e '.[test]')")
    return subprocess.run(
        [sys.executable, "-m", module, *arguments], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


def test_mypy_finds_no_type_error_in_src():
    result = run_checker("mypy", "src")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_finds_no_lint_error():
    result = run_checker("ruff", "check", "src", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_leaves_every_file_unchanged():
    result = run_checker("ruff", "format", "--check", "src", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr
