"""Single decisions, the typed classes, and the error classes."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict

import pytest

import contactguard as cg

from conftest import CAP_TOML, call_ask
from conftest import call_attempt as call

NY = timezone(timedelta(hours=-4))

ASK: Dict[str, Any] = call_ask("2026-10-14T07:59:00-04:00", purpose="collection")


@pytest.fixture(scope="module")
def regf() -> cg.Policy:
    return cg.Policy.preset("us-reg-f")


def test_window_denial_with_retry_at(regf: cg.Policy) -> None:
    d = regf.decide(ASK)
    assert d.allow is False
    assert [x.id for x in d.denials] == ["us-reg-f.1"]
    assert all(x.cite and x.message for x in d.denials)
    assert d.retry_at == datetime(2026, 10, 14, 12, 0, tzinfo=timezone.utc)
    assert d.retry_at is not None and d.retry_at.utcoffset() == timedelta(0)
    assert regf.decide({**ASK, "at": "2026-10-14T08:00:00-04:00"}).allow


def test_decision_shapes(regf: cg.Policy) -> None:
    d = regf.decide(ASK)
    as_dict = d.to_dict()
    assert as_dict["allow"] is False
    assert as_dict["denials"][0]["id"] == "us-reg-f.1"
    assert as_dict["retry_at"] == d.retry_at
    assert as_dict["obligations"] == d.obligations
    assert "us-reg-f.1" in repr(d)
    assert d == regf.decide(dict(ASK))
    allowed = regf.decide({**ASK, "at": "2026-10-14T12:00:00-04:00"})
    assert allowed.allow and allowed.denials == [] and allowed.retry_at is None


def test_at_as_aware_datetime_equals_text(regf: cg.Policy) -> None:
    text = regf.decide(ASK)
    aware = regf.decide({**ASK, "at": datetime(2026, 10, 14, 7, 59, tzinfo=NY)})
    utc = regf.decide({**ASK, "at": datetime(2026, 10, 14, 11, 59, tzinfo=timezone.utc)})
    assert text == aware == utc


def test_zoneinfo_datetime(regf: cg.Policy) -> None:
    zoneinfo = pytest.importorskip("zoneinfo")
    at = datetime(2026, 10, 14, 7, 59, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    assert regf.decide({**ASK, "at": at}) == regf.decide(ASK)


def _instant_or_error(at: Any) -> str:
    """The instant an ask keeps for ``at`` (nanoseconds included, from the
    repr), or the error it raises."""
    try:
        return repr(cg.Ask(at, "call", "c1", "debtor", "d1"))
    except cg.ContactguardError as e:
        return f"{type(e).__name__}: {e}"


class _MyDatetime(datetime):
    pass


def test_datetime_fields_give_the_same_instant_as_its_text() -> None:
    """A plain aware datetime is read from its fields; a subclass, or an
    offset with seconds, through its isoformat text. Either way the instant
    (or the error) is the one its isoformat text gives."""
    import zoneinfo

    import pandas as pd

    ny = zoneinfo.ZoneInfo("America/New_York")
    cases = [
        datetime(2026, 10, 14, 7, 59, tzinfo=NY),
        datetime(2026, 10, 14, 7, 59, 30, 123456, tzinfo=timezone.utc),
        datetime(2026, 3, 1, 0, 0, tzinfo=timezone(timedelta(hours=5, minutes=45))),
        datetime(2026, 3, 1, 0, 0, tzinfo=timezone(timedelta(hours=-23, minutes=-59))),
        datetime(2026, 11, 1, 1, 30, tzinfo=ny),  # the repeated hour, first time
        datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=ny),  # and the second
        datetime(2026, 3, 8, 2, 30, tzinfo=ny),  # a time the spring gap skips
        datetime(1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=5))),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-23))),
        datetime(2026, 1, 1, tzinfo=timezone(timedelta(seconds=3661))),
        datetime(2026, 1, 1, tzinfo=timezone(timedelta(seconds=60, microseconds=5))),
        _MyDatetime(2026, 10, 14, 7, 59, 1, 5, tzinfo=NY),
        pd.Timestamp("2026-10-14T07:59:00.123456789-04:00"),
    ]
    for dt in cases:
        assert _instant_or_error(dt) == _instant_or_error(dt.isoformat()), dt
    # The fields path really is exact to the microsecond and honours fold.
    first, second = (cg.Ask(dt, "call", "c1", "debtor", "d1").at for dt in cases[4:6])
    assert second - first == timedelta(hours=1)
    assert cg.Ask(cases[1], "call", "c1", "debtor", "d1").at == cases[1]
    assert "07:59:00.123456789" not in _instant_or_error(cases[-1])  # shown in UTC
    assert "11:59:00.123456789" in _instant_or_error(cases[-1])


class _Key(str):
    pass


def test_ask_dict_keys_of_any_origin(regf: cg.Policy) -> None:
    """An ask dict is read the same whatever its keys are: literals
    (interned), strings built at run time or parsed from JSON, a str
    subclass, extra keys of other types, and None values as missing."""
    import json

    base = regf.decide(ASK)
    assert not base.allow  # 07:59 in New York: the window denies
    built = {"".join(list(k)): v for k, v in ASK.items()}
    assert all(a is not b for a, b in zip(built, ASK) if len(a) > 1)
    assert regf.decide(built) == base
    assert regf.decide(json.loads(json.dumps(ASK))) == base
    assert regf.decide({_Key(k): v for k, v in ASK.items()}) == base
    assert regf.decide({**ASK, 7: "x", (1, 2): None, "note": "ignored"}) == base
    assert regf.decide({**ASK, "place": None, "days_past_due": None}) == base
    later = {**ASK, "at": "2026-10-14T10:00:00-04:00"}
    assert regf.decide({**json.loads(json.dumps(later)), 3.5: 1}).allow
    # `timezones: None` falls back to `timezone`, built or literal.
    tz = {k: v for k, v in ASK.items() if k != "timezones"}
    assert regf.decide({**tz, "timezones": None, "".join(["time", "zone"]): "America/New_York"}) == base
    # A missing key is named whatever else the dict holds.
    for extra in ({}, {1: 2}):
        with pytest.raises(cg.InputError) as e:
            regf.decide({**{k: v for k, v in built.items() if k != "debt"}, **extra})
        assert (e.value.code, e.value.field) == ("input.missing", "ask.debt")


def test_naive_datetime_is_rejected(regf: cg.Policy) -> None:
    with pytest.raises(cg.InputError) as e:
        regf.decide({**ASK, "at": datetime(2026, 10, 14, 7, 59)})
    assert e.value.code == "input.naive_datetime"
    assert e.value.field == "ask.at"
    assert "naive datetime" in str(e.value) and e.value.help
    with pytest.raises(cg.InputError) as e:
        regf.decide(ASK, [{**call("2026-10-13T10:00:00-04:00"), "at": datetime(2026, 10, 13, 10)}])
    assert e.value.code == "input.naive_datetime"
    assert e.value.field == "history[0].at"
    with pytest.raises(cg.InputError) as e:
        cg.Ask(datetime(2026, 1, 1), "call", "c1", "debtor", "d1")
    assert e.value.field == "at"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"channel": "fax"}, "input.invalid", "ask.channel"),
        ({"role": "cousin"}, "input.invalid", "ask.role"),
        ({"place": "moon"}, "input.invalid", "ask.place"),
        ({"purpose": "fun"}, "input.invalid", "ask.purpose"),
        ({"at": "2026-10-14T07:59:00"}, "input.invalid", "ask.at"),
        ({"at": 12}, "input.invalid", "ask.at"),
        ({"to": None}, "input.missing", "ask.to"),
        ({"autodialed": "yes"}, "input.invalid", "ask.autodialed"),
        ({"days_past_due": 1.5}, "input.invalid", "ask.days_past_due"),
        ({"timezones": 7}, "input.invalid", "ask.timezones"),
        ({"timezones": ["UTC", 7]}, "input.invalid", "ask.timezones[1]"),
        ({"timezones": ("UTC", "Asia/Shanghai", None)}, "input.invalid", "ask.timezones[2]"),
    ],
)
def test_bad_ask_names_the_field(regf: cg.Policy, change: Dict[str, Any], code: str, field: str) -> None:
    with pytest.raises(cg.InputError) as e:
        regf.decide({**ASK, **change})
    assert (e.value.code, e.value.field) == (code, field)
    assert isinstance(e.value, ValueError)


def test_missing_field(regf: cg.Policy) -> None:
    ask = dict(ASK)
    del ask["debt"]
    with pytest.raises(cg.InputError) as e:
        regf.decide(ask)
    assert (e.value.code, e.value.field) == ("input.missing", "ask.debt")


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"at": "2026-10-13T10:00:00Z", "to": "c1"}, "history[0].type"),
        ({"type": "telegram", "at": "2026-10-13T10:00:00Z"}, "history[0].type"),
        ({**call("2026-10-13T10:00:00Z"), "result": "maybe"}, "history[0].result"),
        ({"type": "hold", "at": "2026-10-13T10:00:00Z", "debt": "d1"}, "history[0]"),
        ({"type": "hold", "at": "2026-10-13T10:00:00Z", "debt": "d1", "reason": "x"}, "history[0].reason"),
        ({"type": "consent", "at": "2026-10-13T10:00:00Z", "to": "c1", "channel": "sms", "granted": "yes"},
         "history[0].granted"),
    ],
)
def test_bad_event_names_the_field(regf: cg.Policy, event: Dict[str, Any], field: str) -> None:
    with pytest.raises(cg.InputError) as e:
        regf.decide(ASK, [event])
    assert e.value.field == field


def test_history_kinds_agree() -> None:
    policy = cg.Policy.from_toml(CAP_TOML)
    ask = {**ASK, "at": "2026-10-14T15:00:00-04:00"}
    events = [call("2026-10-14T09:00:00-04:00"), call("2026-10-14T10:00:00-04:00")]
    typed = [cg.Attempt(e["at"], "call", "c1", "debtor", "d1", "no_answer") for e in events]
    by_dicts = policy.decide(ask, events)
    assert not by_dicts.allow and [x.id for x in by_dicts.denials] == ["acme.calls"]
    assert policy.decide(ask, tuple(events)) == by_dicts
    assert policy.decide(ask, typed) == by_dicts
    assert policy.decide(ask, cg.History(events)) == by_dicts
    assert policy.decide(ask, (e for e in events)) == by_dicts
    assert policy.decide(ask, ()).allow and policy.decide(ask).allow and policy.decide(ask, None).allow
    assert len(cg.History(events)) == 2 and len(cg.History()) == 0


def test_later_events_are_ignored() -> None:
    policy = cg.Policy.from_toml(CAP_TOML)
    ask = {**ASK, "at": "2026-10-14T09:30:00-04:00"}
    events = [call("2026-10-14T09:00:00-04:00"), call("2026-10-14T10:00:00-04:00")]
    assert policy.decide(ask, events).allow


def test_typed_ask_round_trip(regf: cg.Policy) -> None:
    ask = cg.Ask(
        "2026-10-14T07:59:00-04:00", "call", "c1", "debtor", "d1",
        timezones="America/New_York", purpose="collection", place="mobile", autodialed=False, days_past_due=40,
    )
    assert ask.at == datetime(2026, 10, 14, 11, 59, tzinfo=timezone.utc)
    assert (ask.channel, ask.to, ask.role, ask.debt) == ("call", "c1", "debtor", "d1")
    assert ask.timezones == ["America/New_York"]
    assert (ask.place, ask.autodialed, ask.purpose, ask.days_past_due) == ("mobile", False, "collection", 40)
    assert regf.decide(ask) == regf.decide(ask.to_dict())
    attempt = cg.Attempt("2026-10-13T10:00:00Z", "sms", "c1", "debtor", "d1", "delivered", place="mobile")
    assert attempt.to_dict()["type"] == "attempt" and attempt.result == "delivered"
    assert regf.decide(ask, [attempt]) == regf.decide(ask, [attempt.to_dict()])


def test_timezone_alias_and_single_name(regf: cg.Policy) -> None:
    base = regf.decide(ASK)
    ask = {k: v for k, v in ASK.items() if k != "timezones"}
    assert regf.decide({**ask, "timezone": "America/New_York"}) == base
    assert regf.decide({**ask, "timezones": "America/New_York"}) == base


def test_unknown_zone_fails_closed(regf: cg.Policy) -> None:
    d = regf.decide({**ASK, "at": "2026-10-14T12:00:00-04:00", "timezones": ["Mars/Olympus"]})
    assert not d.allow and d.denials[0].id == "contactguard.zone" and d.retry_at is None


def test_objects_are_immutable(regf: cg.Policy) -> None:
    d = regf.decide(ASK)
    for obj, attr in [(regf, "name"), (d, "allow"), (d.denials[0], "id"), (regf.rules[0], "id")]:
        with pytest.raises(AttributeError):
            setattr(obj, attr, "x")


def test_rules_and_presets() -> None:
    assert {"cn", "conduct", "us-reg-f"} <= set(cg.presets())
    policy = cg.Policy.preset("cn+conduct")
    assert policy.name == "cn+conduct"
    rules = policy.rules
    assert rules and all(r.id and r.title and r.cite and r.status and r.kind for r in rules)
    assert any(r.id.startswith("conduct.") for r in rules)
    assert "cn+conduct" in repr(policy)
    assert cg.preset_source("cn") is not None and cg.preset_source("nope") is None
    assert isinstance(policy.lookback_seconds, int)


def test_compose_is_the_union() -> None:
    a, b = cg.Policy.preset("us-reg-f"), cg.Policy.preset("us-ma")
    both = cg.Policy.compose([a, b])
    assert {r.id for r in both.rules} == {r.id for r in a.rules} | {r.id for r in b.rules}


def test_policy_error_carries_location() -> None:
    bad = CAP_TOML.replace("limit = 2", 'limit = "two"')
    with pytest.raises(cg.PolicyError) as e:
        cg.Policy.from_toml(bad, "acme.toml")
    err = e.value
    assert isinstance(err, cg.ContactGuardError) and isinstance(err, ValueError)
    assert (err.code, err.line, err.column, err.field) == ("policy.invalid", 10, 9, "rules[0].limit")
    assert err.source_name == "acme.toml"
    assert str(err).startswith("acme.toml:10:9: `rules[0].limit`: ")


def test_policy_error_json_and_presets() -> None:
    with pytest.raises(cg.PolicyError) as e:
        cg.Policy.from_json('{"format": "contactguard-policy/1",\n "rules": [{"id": "x", "title": "t",\n "cite": "c", "kind": "nope"}]}')
    assert e.value.line == 3 and e.value.field == "rules[0].kind" and e.value.column is not None
    with pytest.raises(cg.PolicyError) as e:
        cg.Policy.preset("cn+atlantis")
    assert e.value.code == "policy.unknown_preset" and e.value.help


def test_load_by_extension(tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text(CAP_TOML)
    toml_policy = cg.Policy.load(tmp_path / "p.toml")
    assert toml_policy.name == "acme"
    json_text = (
        '{"format": "contactguard-policy/1", "name": "j", "extends": ["us-reg-f"], "rules": []}'
    )
    (tmp_path / "p.json").write_text(json_text)
    assert cg.Policy.load(str(tmp_path / "p.json")).rules == cg.Policy.preset("us-reg-f").rules
    (tmp_path / "p.yaml").write_text("x")
    with pytest.raises(cg.PolicyError) as e:
        cg.Policy.load(tmp_path / "p.yaml")
    assert e.value.code == "policy.file_type"
    with pytest.raises(cg.PolicyError) as e:
        cg.Policy.load(tmp_path / "missing.toml")
    assert e.value.code == "policy.io" and isinstance(e.value, ValueError)
    assert e.value.filename is not None and e.value.filename.endswith("missing.toml")
    assert "missing.toml" in str(e.value) and "no such file" in str(e.value)
    (tmp_path / "binary.toml").write_bytes(b"format = \"x\"\n\xff\xfe\x00")
    with pytest.raises(cg.PolicyError) as e:
        cg.Policy.load(tmp_path / "binary.toml")
    assert e.value.code == "policy.encoding" and e.value.filename == str(tmp_path / "binary.toml")
    assert "not UTF-8" in str(e.value)
    (tmp_path / "bad.toml").write_text(CAP_TOML.replace("scope = ", "scop = "))
    with pytest.raises(cg.PolicyError) as e:
        cg.Policy.load(tmp_path / "bad.toml")
    assert e.value.source_name is not None and e.value.source_name.endswith("bad.toml")
    assert e.value.line is not None


def test_errors_pickle() -> None:
    import pickle

    err = cg.InputError("bad", code="input.invalid", field="ask.channel")
    back = pickle.loads(pickle.dumps(err))
    assert (back.code, back.field, str(back)) == ("input.invalid", "ask.channel", str(err))


def test_decide_from_many_threads() -> None:
    policy = cg.Policy.from_toml(CAP_TOML)
    history = cg.History([call("2026-10-14T09:00:00-04:00")])
    want = policy.decide({**ASK, "at": "2026-10-14T15:00:00-04:00"}, history)
    barrier = threading.Barrier(4)

    def work(_: int) -> bool:
        barrier.wait()
        return all(
            policy.decide({**ASK, "at": "2026-10-14T15:00:00-04:00"}, history) == want for _ in range(200)
        )

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(work, range(4)))
