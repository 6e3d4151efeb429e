"""Every error the package raises on purpose is one of its own classes (a
``ValueError``) with the shared diagnostic fields, including for the
arguments of ``audit`` and policy files passed by path."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import contactguard as cg

from conftest import ROOT

ONE_ROW = pd.DataFrame(
    {
        "type": ["attempt"],
        "at": [pd.Timestamp("2026-03-03T10:00:00+08:00")],
        "channel": ["sms"],
        "to": ["b-1"],
        "role": ["debtor"],
        "debt": ["d-1"],
        "result": ["delivered"],
        "timezone": ["Asia/Shanghai"],
    }
)


@pytest.mark.parametrize("threads", [-1, 0, True, 1.5, "2"])
def test_audit_threads_below_one_is_an_input_error(threads: object) -> None:
    with pytest.raises(cg.InputError) as e:
        cg.audit(ONE_ROW, "cn", threads=threads)  # type: ignore[arg-type]
    assert e.value.code == "input.invalid" and e.value.field == "threads"
    assert isinstance(e.value, ValueError)


def test_audit_takes_a_policy_file_by_path(tmp_path: Path) -> None:
    overlay = ROOT / "crates" / "contactguard-cli" / "tests" / "data" / "good-policy.toml"
    by_path = cg.audit(ONE_ROW, str(overlay), threads=1)
    by_object = cg.audit(ONE_ROW, cg.Policy.load(overlay), threads=1)
    assert by_path["allow"].tolist() == by_object["allow"].tolist()
    with pytest.raises(cg.PolicyError) as e:
        cg.audit(ONE_ROW, str(tmp_path / "nope.toml"))
    assert e.value.code == "policy.io" and e.value.filename == str(tmp_path / "nope.toml")
