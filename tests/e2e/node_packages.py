"""The Node.js side of the end-to-end tests: the npm packages pinned in ``tests/package.json``.

``.ci/run`` installs them with ``npm ci`` in ``tests/``, Node.js 22 included (the ``node`` package, pinned in
the same file, ships the binary: the conformance suite needs Node.js 22, Debian's and the machine's are
older). Without them the tests that need them skip, naming the command that installs them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parents[1]
NODE_MODULES = TESTS_DIR / "node_modules"
INSTALL_HINT = "install them with `npm ci` in tests/ (.ci/run does)"


def node_binary() -> str:
    """The pinned Node.js of tests/node_modules, or skip the calling test saying how to get it."""
    if shutil.which("npm") is None and not NODE_MODULES.exists():
        pytest.skip(f"Node.js tests need npm and the packages of tests/package.json; {INSTALL_HINT}")
    pinned = NODE_MODULES / ".bin" / "node"
    if not pinned.exists():
        pytest.skip(f"Node.js tests need the pinned Node.js of tests/package.json; {INSTALL_HINT}")
    return str(pinned)


def package_dir(name: str) -> Path:
    """Where the pinned npm package ``name`` is installed, or skip the calling test saying how to install it."""
    directory = NODE_MODULES / name
    wanted = json.loads((TESTS_DIR / "package.json").read_text())["dependencies"][name]
    manifest = directory / "package.json"
    if not manifest.exists():
        pytest.skip(f"the npm package {name}@{wanted} is not installed; {INSTALL_HINT}")
    installed = json.loads(manifest.read_text())["version"]
    if installed != wanted:
        pytest.skip(f"tests/node_modules has {name}@{installed}, tests/package.json pins {wanted}; {INSTALL_HINT}")
    return directory


def node_version(node: str) -> str:
    return subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
