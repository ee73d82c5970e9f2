"""Pinned copies of Bastion's public surface (STYLE.md item 12), and the one check that compares against them.

A snapshot changes only on purpose: run the failing test file again with ``BASTION_UPDATE_SNAPSHOTS=1``,
then review the snapshot's diff like any other change of the contract.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

SNAPSHOTS = Path(__file__).resolve().parent
REPO_ROOT = SNAPSHOTS.parents[1]
UPDATE_VARIABLE = "BASTION_UPDATE_SNAPSHOTS"
PUBLIC_SURFACE_TESTS = "tests/test_public_surface.py"


def updating() -> bool:
    return os.environ.get(UPDATE_VARIABLE) == "1"


def assert_matches_snapshot(name: str, current: str, *, test_file: str = PUBLIC_SURFACE_TESTS) -> None:
    """Fail with a diff when ``current`` differs from the snapshot ``name``; rewrite it when updating."""
    path = SNAPSHOTS / name
    shown = path.relative_to(REPO_ROOT)
    update = f"{UPDATE_VARIABLE}=1 pytest {test_file}"
    if updating():
        if not path.exists() or path.read_text(encoding="utf-8") != current:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(current, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"There is no snapshot {shown} yet. Create it with `{update}` and review it before committing.")
    pinned = path.read_text(encoding="utf-8")
    if pinned != current:
        diff = "".join(
            difflib.unified_diff(
                pinned.splitlines(keepends=True),
                current.splitlines(keepends=True),
                fromfile=f"{shown} (pinned)",
                tofile="current",
            )
        )
        pytest.fail(
            f"{shown} no longer matches, so the public surface changed:\n\n{diff}\n"
            f"If the change is intended, update the snapshot with `{update}` and review its diff.",
            pytrace=False,
        )
