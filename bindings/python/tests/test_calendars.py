"""Holiday calendars from Python: the 2027 preset data, the Irish rule, and
an operator's policy file that adds a year to a preset's calendar."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Dict

import pytest

import contactguard as cg

from conftest import call_ask

OPERATOR_2028 = """\
format = "contactguard-policy/1"
name = "id-2028"
extends = ["id-ojk"]

[calendars.id]
source = "SKB on 2028 national holidays (excerpt)"
covers = [2028]
holidays = ["2028-01-03"]
"""


def call(at: str, zone: str) -> Dict[str, Any]:
    return call_ask(at, to="d1", debt="L1", zone=zone, place="mobile", purpose="collection")


def denied_by(decision: cg.Decision) -> set:
    return {d.id for d in decision.denials}


def test_indonesia_2027_is_loaded() -> None:
    policy = cg.Policy.preset("id-ojk")
    assert policy.decide(call("2027-01-04T10:00:00+07:00", "Asia/Jakarta")).allow
    for day in ("2027-03-10", "2027-03-11"):
        d = policy.decide(call(f"{day}T10:00:00+07:00", "Asia/Jakarta"))
        assert not d.allow and denied_by(d) == {"id-ojk.1"}
        assert "no data" not in d.denials[0].message, d.denials[0].message


def test_ireland_is_computed_for_any_year() -> None:
    policy = cg.Policy.preset("ie")
    assert not policy.decide(call("2027-03-17T10:00:00+00:00", "Europe/Dublin")).allow
    assert policy.decide(call("2027-03-18T10:00:00+00:00", "Europe/Dublin")).allow
    holiday = policy.decide(call("2031-08-04T10:00:00+01:00", "Europe/Dublin"))
    assert not holiday.allow and "no data" not in holiday.denials[0].message
    assert policy.decide(call("2031-08-05T10:00:00+01:00", "Europe/Dublin")).allow


@pytest.mark.parametrize("load", ["from_toml", "load"])
def test_operator_adds_a_year(load: str, tmp_path: Path) -> None:
    if load == "from_toml":
        policy = cg.Policy.from_toml(OPERATOR_2028, "id-2028.toml")
    else:
        path = tmp_path / "id-2028.toml"
        path.write_text(OPERATOR_2028)
        policy = cg.Policy.load(path)
    holiday = policy.decide(call("2028-01-03T10:00:00+07:00", "Asia/Jakarta"))
    assert not holiday.allow and denied_by(holiday) == {"id-ojk.1"}
    assert "no data" not in holiday.denials[0].message
    assert policy.decide(call("2028-01-04T10:00:00+07:00", "Asia/Jakarta")).allow
    # Without the operator's year, 2028 cannot be classified (fail closed).
    preset = cg.Policy.preset("id-ojk").decide(call("2028-01-04T10:00:00+07:00", "Asia/Jakarta"))
    assert not preset.allow and "no data for 2028" in preset.denials[0].message


def test_a_year_that_disagrees_with_the_preset_is_an_error() -> None:
    conflicting = OPERATOR_2028.replace("2028", "2027")
    with pytest.raises(cg.PolicyError) as e:
        cg.Policy.from_toml(conflicting, "conflict.toml")
    assert e.value.code == "policy.calendar_conflict"
    assert e.value.field == "calendars.id" and e.value.line == 5


def test_calendar_coverage_reports_status_and_when_it_runs_out() -> None:
    cov = {c["name"]: c for c in cg.Policy.preset("id-ojk+th+ie").calendar_coverage("2026-12-07")}
    assert [(y["year"], y["status"]) for y in cov["id"]["years"]] == [(2026, "official"), (2027, "official")]
    assert cov["id"]["runs_out"] == "2028-01-01" and cov["id"]["used_by"] == ["id-ojk.1"]
    assert [(y["year"], y["status"]) for y in cov["th"]["years"]] == [(2026, "partial"), (2027, "computed")]
    assert cov["ie"]["rule"] == "ie-owta-1997" and cov["ie"]["rule_from"] == 2023
    assert cov["ie"]["runs_out"] is None and cov["ie"]["years"] == []
    operator = cg.Policy.from_toml(OPERATOR_2028).calendar_coverage(date(2026, 12, 7))
    assert operator[0]["runs_out"] == "2029-01-01"
    assert operator[0]["years"][-1]["source"] == "SKB on 2028 national holidays (excerpt)"
    with pytest.raises(ValueError):
        cg.Policy.preset("id-ojk").calendar_coverage("next week")
