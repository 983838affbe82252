"""The external tools the deploy tests run: from PATH, else from `.tools/` (where `make test` puts them).

A missing tool fails the test that needs it — never a skip: CI must run these checks.
"""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def tool(name: str) -> str:
    """Path of `name`, or an AssertionError saying how to get it."""
    found = shutil.which(name) or shutil.which(name, path=str(REPO / ".tools"))
    assert found, f"{name} not found on PATH or in .tools/: run `make tools` (or `make test`, which does)"
    return found
