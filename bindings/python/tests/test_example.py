"""The notebook-style example audits the bundled sample log."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT

EXAMPLE = ROOT / "examples" / "python" / "audit_sample.py"
SAMPLE = ROOT / "examples" / "data" / "sample-log.csv"


@pytest.mark.skipif(not SAMPLE.exists(), reason="examples/data/sample-log.csv is not in this checkout")
def test_example_audits_the_sample_log() -> None:
    r = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "would have been denied" in r.stdout
    # The sample's injected SMS bombing shows up under the conduct overlay.
    assert "conduct.1: At most 3 text messages to one person per local day" in r.stdout
