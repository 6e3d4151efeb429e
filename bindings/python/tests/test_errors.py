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


# One base class, one diagnostic shape: every family below is a
# `cg.ContactguardError` (and a `ValueError`), with `code`, `message`,
# `help`, `file`, `line`, `column`, `field` and `row`.

SHAPE = ("code", "message", "help", "file", "line", "column", "field", "row")

POLICY_TOML = """\
format = "contactguard-policy/1"
name = "acme"

[[rules]]
id = "acme.calls"
title = "At most two calls a day"
cite = "ACME policy 1"
kind = "cap"
limit = "two"
scope = "recipient"
period = "day"
count = { channels = ["call"] }
"""


def assert_shape(err: BaseException, cls: type, **want: object) -> None:
    """`err` is exactly `cls`, under the one base, with the diagnostic
    fields `want` and None in every other location field."""
    assert type(err) is cls
    assert isinstance(err, cg.ContactguardError) and isinstance(err, ValueError)
    for name in SHAPE:
        assert hasattr(err, name), name
    for name, value in want.items():
        assert getattr(err, name) == value, (name, getattr(err, name), value)
    for name in ("file", "line", "column", "field", "row"):
        if name not in want:
            assert getattr(err, name) is None, (name, getattr(err, name))
    assert err.message and str(err.message) in str(err)  # type: ignore[attr-defined]
    assert f"[{err.code}]" in str(err)  # type: ignore[attr-defined]


def test_one_base_class() -> None:
    assert cg.ContactGuardError is cg.ContactguardError
    for cls in (cg.PolicyError, cg.InputError, cg.LedgerError):
        assert issubclass(cls, cg.ContactguardError) and issubclass(cls, ValueError)
    assert issubclass(cg.ContactguardError, ValueError)
    assert {"ContactguardError", "ContactGuardError"} <= set(cg.__all__)


def test_malformed_toml_policy_file(tmp_path: Path) -> None:
    path = tmp_path / "acme.toml"
    path.write_text(POLICY_TOML)
    with pytest.raises(cg.ContactguardError) as e:
        cg.Policy.load(path)
    # `limit = "two"` is line 9; the value starts at column 9.
    assert_shape(e.value, cg.PolicyError, code="policy.invalid", file=str(path), line=9, column=9, field="rules[0].limit")
    assert e.value.filename == e.value.source_name == str(path)
    assert str(e.value).startswith(f"{path}:9:9: `rules[0].limit`: ")
    # A syntax error: where, but no field.
    path.write_text(POLICY_TOML.replace('name = "acme"', "name = acme"))
    with pytest.raises(cg.PolicyError) as e:
        cg.Policy.load(path)
    assert_shape(e.value, cg.PolicyError, code="policy.syntax", file=str(path), line=2, column=8)


def test_policy_file_that_cannot_be_read(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(cg.ContactguardError) as e:
        cg.Policy.load(missing)
    assert_shape(e.value, cg.PolicyError, code="policy.io", file=str(missing))
    assert not isinstance(e.value, OSError) and e.value.help
    binary = tmp_path / "binary.json"
    binary.write_bytes(b'{"format": \xff}')
    with pytest.raises(cg.ContactguardError) as e:
        cg.Policy.load(binary)
    assert_shape(e.value, cg.PolicyError, code="policy.encoding", file=str(binary))
    assert "byte 11" in str(e.value)


def test_unknown_preset() -> None:
    with pytest.raises(cg.ContactguardError) as e:
        cg.Policy.preset("cn+atlantis")
    assert type(e.value) is cg.PolicyError and e.value.code == "policy.unknown_preset"
    assert e.value.help and f"help: {e.value.help}" in str(e.value)


def test_threads_minus_one() -> None:
    with pytest.raises(cg.ContactguardError) as e:
        cg.audit(ONE_ROW, "cn", threads=-1)
    assert_shape(e.value, cg.InputError, code="input.invalid", field="threads")


@pytest.mark.parametrize("policy", [None, 3, ["cn"]])
def test_audit_policy_of_another_type(policy: object) -> None:
    with pytest.raises(cg.ContactguardError) as e:
        cg.audit(ONE_ROW, policy)  # type: ignore[arg-type]
    assert_shape(e.value, cg.InputError, code="input.invalid", field="policy")
    assert type(policy).__name__ in e.value.message


def test_audit_row_error() -> None:
    rows = pd.concat([ONE_ROW, ONE_ROW.assign(role="cousin")], ignore_index=True)
    with pytest.raises(cg.ContactguardError) as e:
        cg.audit(rows, "cn")
    assert_shape(e.value, cg.InputError, code="input.invalid", field="role", row=1)
    assert "cousin" in e.value.message


def test_ask_error() -> None:
    with pytest.raises(cg.ContactguardError) as e:
        cg.Policy.preset("cn").decide({"at": "2026-03-03T10:00:00+08:00", "channel": "fax", "to": "b", "role": "debtor", "debt": "d"})
    assert_shape(e.value, cg.InputError, code="input.invalid", field="ask.channel")


def test_calendar_coverage_as_of_that_is_not_a_date() -> None:
    with pytest.raises(cg.ContactguardError) as e:
        cg.Policy.preset("cn").calendar_coverage("next tuesday")
    assert_shape(e.value, cg.InputError, code="input.invalid", field="as_of")
    assert "next tuesday" in e.value.message and e.value.help


def test_ledger_errors() -> None:
    ledger = cg.Ledger(cg.Policy.preset("cn"))
    with pytest.raises(cg.ContactguardError) as e:
        ledger.restore(b"not a snapshot")
    assert_shape(e.value, cg.LedgerError, code="ledger.not_a_snapshot")
    ok = {"type": "attempt", "at": "2026-03-03T10:00:00+08:00", "channel": "sms", "to": "b", "role": "debtor", "debt": "d", "result": "delivered"}
    too_late = {**ok, "at": "2300-01-01T00:00:00Z"}
    with pytest.raises(cg.ContactguardError) as e:
        ledger.record_many([ok, too_late])
    assert_shape(e.value, cg.LedgerError, code="ledger.time_out_of_range", field="events[1]")
    assert ledger.stats()["attempts"] == 1  # the event before it stays recorded


def test_a_panic_is_internal_panic_not_panic_exception() -> None:
    with pytest.raises(cg.ContactguardError) as e:
        cg._contactguard._panic_for_tests("boom")  # type: ignore[attr-defined]
    assert_shape(e.value, cg.ContactguardError, code="internal.panic")
    assert "boom" in e.value.message and "a bug" in e.value.message


def test_str_reads_code_location_message_help() -> None:
    err = cg.PolicyError("bad limit", code="policy.invalid", file="a.toml", line=3, column=7, field="rules[0].limit", help="a number")
    assert str(err) == "a.toml:3:7: `rules[0].limit`: bad limit [policy.invalid]\n  help: a number"
    assert str(cg.InputError("no", code="input.missing")) == "no [input.missing]"
    # `source_name=` is still accepted, as the earlier name of `file`.
    assert cg.PolicyError("x", source_name="b.json").file == "b.json"


def test_errors_pickle_with_every_field() -> None:
    import pickle

    err = cg.PolicyError("m", code="policy.invalid", help="h", file="f.toml", line=1, column=2, field="rules", row=None)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is cg.PolicyError
    assert [getattr(back, n) for n in SHAPE] == [getattr(err, n) for n in SHAPE]
    assert str(back) == str(err)


def test_every_code_the_package_names_is_in_the_one_list() -> None:
    """The codes raised from Python code and Rust sources are the core's."""
    import pathlib
    import re

    codes = cg.error_codes()
    assert len(codes) == len(set(codes))
    assert {"policy.syntax", "internal.panic", "redis.unavailable", "io.read"} <= set(codes)
    root = pathlib.Path(__file__).resolve().parent.parent
    sources = list((root / "python").rglob("*.py")) + list((root / "src").rglob("*.rs"))
    named = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        named |= set(re.findall(r'code\s*=\s*"([a-z_]+\.[a-z_]+)"', text))
        named |= set(re.findall(r'"((?:policy|input|ledger|redis|internal|io|json|audit)\.[a-z_]+)"', text))
    assert named, "the scan found no codes at all"
    assert sorted(named - set(codes)) == []
