"""The package's stubs match the compiled module (``mypy.stubtest``) and
the pure-Python half type-checks under ``mypy --strict``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy")


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Outside the source tree, so mypy sees the installed package only; one
    # directory for both runs, so the second reuses the first's cache.
    return tmp_path_factory.mktemp("mypy")


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_stubtest(outside: Path) -> None:
    r = _run(["mypy.stubtest", "contactguard"], outside)
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_strict(outside: Path) -> None:
    r = _run(["mypy", "--strict", "-p", "contactguard"], outside)
    assert r.returncode == 0, r.stdout + r.stderr
