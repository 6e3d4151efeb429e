"""Shared fixtures: where the repository and the conformance vectors are."""

from __future__ import annotations

import os
from pathlib import Path
from typing import List

import pytest

#: The repository root (this file is bindings/python/tests/conftest.py).
ROOT = Path(__file__).resolve().parents[3]


def _expand(path: Path) -> List[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*.json") if p.is_file())
    return [path]


def vector_files() -> List[Path]:
    """Every vectors file the Python suite runs: the shared cases beside the
    clone (``../shared/vectors``), the project's own (``tests/vectors``),
    and the files or directories named in ``CONTACTGUARD_VECTORS``."""
    found: List[Path] = []
    for base in (ROOT.parent / "shared" / "vectors", ROOT / "tests" / "vectors"):
        if base.is_dir():
            found.extend(_expand(base))
    for entry in os.environ.get("CONTACTGUARD_VECTORS", "").split(":"):
        if entry.strip():
            found.extend(_expand(Path(entry.strip())))
    unique: List[Path] = []
    for f in found:
        if f.resolve() not in [u.resolve() for u in unique]:
            unique.append(f)
    return unique


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT
