"""The audit of pandas, polars and pyarrow tables.

The central property: the audit's verdict for every attempt row equals
``Policy.decide`` on that row's ask with the history of every earlier row
(time order, ties in table order), each attempt recorded after it is
decided whether or not it was allowed.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import random
import warnings

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import contactguard as cg

BASE = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)  # a Monday
ZONES = ["Asia/Shanghai", "America/New_York", "America/New_York|America/Chicago", None, "Asia/Shangai"]
COLUMNS = [
    "at", "type", "channel", "to", "role", "debt", "result", "timezones", "place", "purpose",
    "autodialed", "days_past_due", "granted", "reason", "until",
]

POLICIES = {
    name: cg.Policy.preset(name) for name in ["cn+conduct", "us-reg-f+us-ma", "us-reg-f+conduct", "ph"]
}

Row = Dict[str, Any]


def ask_of(row: Row) -> Dict[str, Any]:
    ask = {k: row[k] for k in ("at", "channel", "to", "role", "debt")}
    if row.get("timezones"):
        ask["timezones"] = row["timezones"].split("|")
    for k in ("place", "purpose", "autodialed", "days_past_due"):
        if row.get(k) is not None:
            ask[k] = row[k]
    return ask


def event_of(row: Row) -> Dict[str, Any]:
    ty = row.get("type") or "attempt"
    keep = {
        "attempt": ("at", "channel", "to", "role", "debt", "result", "place"),
        "consent": ("at", "to", "channel", "granted"),
        "opt_out": ("at", "to", "channel"),
        "cease": ("at", "to", "debt"),
        "hold": ("at", "debt", "reason", "until"),
        "request_contact": ("at", "to", "debt"),
        "unreachable": ("at", "to", "debt"),
    }[ty]
    ev = {k: row[k] for k in keep if row.get(k) is not None}
    ev["type"] = ty
    return ev


def replay(rows: List[Row], policy: cg.Policy) -> List[Optional[Tuple[bool, List[str], Optional[datetime]]]]:
    """The reference: one ``decide`` per attempt row on the growing history."""
    order = sorted(range(len(rows)), key=lambda i: (rows[i]["at"], i))
    history: List[Dict[str, Any]] = []
    out: List[Optional[Tuple[bool, List[str], Optional[datetime]]]] = [None] * len(rows)
    for i in order:
        row = rows[i]
        if (row.get("type") or "attempt") == "attempt":
            d = policy.decide(ask_of(row), history)
            out[i] = (d.allow, [x.id for x in d.denials], d.retry_at)
        history.append(event_of(row))
    return out


def frame(rows: List[Row]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["at"] = pd.to_datetime(df["at"], utc=True)
    df["until"] = pd.to_datetime(df["until"], utc=True)
    df["autodialed"] = df["autodialed"].astype("boolean")
    df["granted"] = df["granted"].astype("boolean")
    df["days_past_due"] = df["days_past_due"].astype("Int64")
    return df


def verdicts(out: Any) -> List[Optional[Tuple[bool, List[str], Optional[datetime]]]]:
    if isinstance(out, pd.DataFrame):
        table = pa.Table.from_pandas(out[["allow", "rules", "retry_at"]], preserve_index=False)
    elif isinstance(out, pl.DataFrame):
        table = out.select(["allow", "rules", "retry_at"]).to_arrow()
    elif isinstance(out, pa.RecordBatch):
        table = pa.Table.from_batches([out])
    else:
        table = out
    result: List[Optional[Tuple[bool, List[str], Optional[datetime]]]] = []
    for allow, rules, retry in zip(
        table.column("allow").to_pylist(), table.column("rules").to_pylist(), table.column("retry_at").to_pylist()
    ):
        result.append(None if allow is None else (allow, list(rules), retry))
    return result


def attempt(minutes: int, to: str = "p1", debt: str = "d1", **kw: Any) -> Row:
    row: Row = {
        "at": (BASE + timedelta(minutes=minutes)).isoformat(),
        "type": None,
        "channel": "sms",
        "to": to,
        "role": "debtor",
        "debt": debt,
        "result": "delivered",
        "timezones": "Asia/Shanghai",
        "purpose": "collection",
    }
    row.update(kw)
    return row


@st.composite
def logs(draw: st.DrawFn) -> List[Row]:
    people = [("p1", "debtor", "d1"), ("p2", "debtor", "d2"), ("p3", "emergency_contact", "d1"),
              ("p4", "co_debtor", "d2"), ("p5", "third_party", "d3")]
    n = draw(st.integers(min_value=1, max_value=40))
    span = draw(st.sampled_from([6 * 60, 3 * 24 * 60, 20 * 24 * 60]))
    rows: List[Row] = []
    for _ in range(n):
        to, role, debt = draw(st.sampled_from(people))
        at = (BASE + timedelta(minutes=draw(st.integers(0, span)))).isoformat()
        kind = draw(st.sampled_from(["attempt"] * 12 + ["consent", "opt_out", "cease", "hold", "request_contact",
                                                        "unreachable"]))
        row: Row = {"at": at, "to": to, "role": role, "debt": debt, "type": None if kind == "attempt" else kind}
        if kind == "attempt":
            row.update(
                channel=draw(st.sampled_from(["call", "sms", "email", "call"])),
                result=draw(st.sampled_from(["no_answer", "voicemail", "conversation", "delivered", "failed",
                                             "not_connected"])),
                timezones=draw(st.sampled_from(ZONES)),
                place=draw(st.sampled_from([None, "mobile", "home", "work"])),
                purpose=draw(st.sampled_from([None, "collection", "collection", "location", "notice"])),
                autodialed=draw(st.sampled_from([None, True, False])),
                days_past_due=draw(st.sampled_from([None, 3, 40])),
            )
        elif kind in ("consent", "opt_out"):
            row.update(channel=draw(st.sampled_from(["call", "sms"])), granted=draw(st.booleans()))
            if kind == "opt_out":
                row["granted"] = None
            row["role"] = row["debt"] = None
        elif kind == "hold":
            row.update(reason=draw(st.sampled_from(["dispute", "repayment_plan", "promise_to_pay"])), to=None,
                       role=None)
            if draw(st.booleans()):
                row["until"] = (BASE + timedelta(minutes=draw(st.integers(0, span)))).isoformat()
        else:
            row["role"] = None
        rows.append(row)
    return rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=logs(), policy_name=st.sampled_from(sorted(POLICIES)), threads=st.sampled_from([1, 2]))
def test_audit_equals_replaying_decide(rows: List[Row], policy_name: str, threads: int) -> None:
    policy = POLICIES[policy_name]
    want = replay(rows, policy)
    df = frame(rows)
    for log in (df, pl.from_pandas(df), pa.Table.from_pandas(df, preserve_index=False)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cg.AuditWarning)  # the misspelled zone
            got = verdicts(cg.audit(log, policy, threads=threads))
            # Asks without a zone included: a rule reads back exactly the
            # look-back the ledger keeps, so `contactguard.zone` agrees too.
            assert got == want


def test_kinds_are_preserved() -> None:
    rows = [attempt(m) for m in range(0, 300, 60)]
    df = frame(rows)
    out = cg.audit(df, "cn+conduct")
    assert isinstance(out, pd.DataFrame) and list(out.columns) == [
        *df.columns, "allow", "rules", "retry_at", "could_not_evaluate"
    ]
    assert out.index.equals(df.index)
    assert str(out["allow"].dtype) == "boolean"
    assert str(out["retry_at"].dtype) == "datetime64[us, UTC]"
    assert "allow" not in df.columns  # the input is not modified
    pl_out = cg.audit(pl.from_pandas(df), "cn+conduct")
    assert isinstance(pl_out, pl.DataFrame) and pl_out.columns[-4:] == [
        "allow", "rules", "retry_at", "could_not_evaluate"
    ]
    table = pa.Table.from_pandas(df, preserve_index=False)
    pa_out = cg.audit(table, "cn+conduct")
    assert isinstance(pa_out, pa.Table) and pa_out.column_names[-4:] == [
        "allow", "rules", "retry_at", "could_not_evaluate"
    ]
    assert pa_out.schema.field("retry_at").type == pa.timestamp("us", tz="UTC")
    batch_out = cg.audit(table.to_batches()[0], "cn+conduct")
    assert isinstance(batch_out, pa.RecordBatch)
    again = cg.audit(pa_out, "cn+conduct")  # re-auditing replaces the result columns
    assert again.column_names == pa_out.column_names
    want = verdicts(out)
    assert verdicts(pl_out) == verdicts(pa_out) == verdicts(batch_out) == verdicts(again) == want
    assert [w[0] if w else None for w in want] == [True, True, True, False, False]


def test_sms_bombing_is_found() -> None:
    rows = [attempt(m) for m in range(0, 12 * 60, 30)]  # 24 texts in 12 hours
    out = cg.audit(frame(rows), "cn+conduct")
    assert out["allow"].sum() == 3
    assert all("conduct.1" in r for r in out["rules"][3:])


def test_unsorted_rows_and_chunked_tables() -> None:
    rows = [attempt(m, to=f"p{m % 3}", debt=f"d{m % 3}") for m in range(0, 2000, 7)]
    shuffled = rows[::2] + rows[1::2]
    df = frame(shuffled)
    table = pa.Table.from_pandas(df, preserve_index=False)
    chunked = pa.concat_tables([table.slice(0, 50), table.slice(50, 100), table.slice(150)])
    assert chunked.column("at").num_chunks == 3
    want = verdicts(cg.audit(table, "cn+conduct", threads=1))
    assert verdicts(cg.audit(chunked, "cn+conduct", threads=2)) == want
    assert want == replay(shuffled, POLICIES["cn+conduct"])


def test_physical_types() -> None:
    rows = [attempt(m, to=f"p{m % 2}") for m in range(0, 600, 45)]
    df = frame(rows)
    want = verdicts(cg.audit(df, "cn+conduct"))
    text_at = df.assign(at=[r["at"] for r in rows])  # RFC 3339 text
    cats = df.astype({"channel": "category", "to": "category", "role": "category", "timezones": "category"})
    ms = df.assign(at=df["at"].astype("datetime64[ms, Asia/Shanghai]"))
    ints = df.assign(to=[int(r["to"][1:]) for r in rows], debt=[1] * len(rows))
    lists = pa.Table.from_pandas(df, preserve_index=False)
    lists = lists.set_column(
        lists.column_names.index("timezones"), "timezones", pa.array([["Asia/Shanghai"]] * len(rows))
    )
    polars_cat = pl.from_pandas(df).with_columns(pl.col("channel").cast(pl.Categorical))
    for log in (text_at, cats, ms, ints, lists, polars_cat):
        assert verdicts(cg.audit(log, "cn+conduct")) == want


def test_lifetime_cap_and_long_span() -> None:
    # A lifetime cap keeps every attempt; a long log with a look-back policy
    # prunes old attempts: both must match the full replay.
    lifetime = cg.Policy.from_toml(
        'format = "contactguard-policy/1"\n[[rules]]\nid = "x.once"\ntitle = "t"\ncite = "c"\n'
        'status = "convention"\nkind = "cap"\nlimit = 300\nscope = "recipient"\nlifetime = true\n'
    )
    rows = [attempt(m * 97, to="p1", channel="call", result=r)
            for m, r in zip(range(700), ["no_answer", "conversation", "voicemail", "failed"] * 200)]
    for policy in (lifetime, POLICIES["us-reg-f+conduct"], POLICIES["cn+conduct"]):
        assert verdicts(cg.audit(frame(rows), policy, threads=2)) == replay(rows, policy)


def test_non_attempt_rows_get_nulls() -> None:
    rows = [attempt(0), {"at": BASE.isoformat(), "type": "hold", "debt": "d1", "reason": "complaint"}]
    out = cg.audit(frame(rows), "cn+conduct")
    assert out["allow"].isna().tolist() == [False, True]
    assert out["retry_at"].isna().tolist() == [True, True]


def test_naive_timestamps_are_rejected() -> None:
    df = frame([attempt(0)])
    naive = df.assign(at=df["at"].dt.tz_localize(None))
    for log in (naive, pl.from_pandas(naive), pa.Table.from_pandas(naive)):
        with pytest.raises(cg.InputError) as e:
            cg.audit(log, "cn")
        assert (e.value.code, e.value.field) == ("input.naive_datetime", "at")
        assert e.value.help and "tz_localize" in e.value.help


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"channel": "fax"}, "input.invalid", "channel"),
        ({"to": None}, "input.missing", "to"),
        ({"type": "telegram"}, "input.invalid", "type"),
        ({"role": "cousin"}, "input.invalid", "role"),
        ({"at": "yesterday"}, "input.invalid", "at"),
    ],
)
def test_bad_rows_name_row_and_column(change: Dict[str, Any], code: str, field: str) -> None:
    rows = [attempt(m) for m in range(5)]
    rows[3] = {**rows[3], **change}
    df = pd.DataFrame(rows)  # `at` as text, so a bad instant is a row error
    with pytest.raises(cg.InputError) as e:
        cg.audit(df, "cn")
    assert (e.value.code, e.value.field, e.value.row) == (code, field, 3)
    assert str(e.value).startswith(f"`{field}`: row 3: ")


def test_missing_at_column_and_wrong_types() -> None:
    with pytest.raises(cg.InputError) as e:
        cg.audit(pd.DataFrame({"to": ["p1"]}), "cn")
    assert (e.value.code, e.value.field) == ("input.missing", "at")
    df = frame([attempt(0)]).assign(channel=[1.5])
    with pytest.raises(cg.InputError) as e:
        cg.audit(df, "cn")
    assert (e.value.code, e.value.field) == ("input.column_type", "channel")
    with pytest.raises(cg.InputError):
        cg.audit([{"at": "x"}], "cn")  # type: ignore[type-var]


def test_empty_log() -> None:
    empty = frame([attempt(0)]).iloc[0:0]
    out = cg.audit(empty, "cn")
    assert len(out) == 0 and "allow" in out.columns


def test_a_misspelled_zone_is_recorded_and_counted() -> None:
    # Four texts to one debtor on one day under cn+conduct, the first with
    # its zone misspelled: the same verdicts as `contactguard audit`.
    rows = [attempt(m * 60, timezones="Asia/Shanghai") for m in range(4)]
    rows[0]["timezones"] = "Asia/Shangai"
    with pytest.warns(cg.AuditWarning, match="Asia/Shangai"):
        out = cg.audit(frame(rows), "cn+conduct")
    assert out["rules"].tolist() == [["contactguard.zone"], [], [], ["conduct.1"]]
    assert out["could_not_evaluate"].tolist() == [True, False, False, False]
    with pytest.raises(cg.InputError) as e:
        cg.audit(frame(rows), "cn+conduct", strict=True)
    assert (e.value.field, e.value.row) == ("timezone", 0)


def test_a_missing_result_is_recorded() -> None:
    rows = [attempt(m) for m in range(5)]
    rows[3]["result"] = None
    with pytest.warns(cg.AuditWarning, match="result"):
        out = cg.audit(frame(rows), "cn+conduct")
    assert out["allow"].tolist() == [True, True, True, False, False]


def test_column_names_and_spellings_in_any_case() -> None:
    rows = [attempt(m) for m in range(0, 300, 60)]
    want = verdicts(cg.audit(frame(rows), "cn+conduct"))
    shouting = frame(rows).rename(columns=str.upper)
    shouting["CHANNEL"] = "SMS"
    assert verdicts(cg.audit(shouting, "cn+conduct")) == want
    with pytest.raises(cg.InputError) as e:
        cg.audit(frame(rows).assign(TIMEZONE="Asia/Shanghai"), "cn")
    assert e.value.field == "timezone"


def test_large_components_with_misspelled_zones_equal_decide() -> None:
    # One component of more than 300 events (the ledger's retention is
    # exercised) with misspelled zones, checked against decide row by row.
    rng = random.Random(13)
    people = [("p1", "debtor", "d1"), ("p2", "emergency_contact", "d1"), ("p1", "debtor", "d2"),
              ("p3", "guarantor", "d2")]
    rows: List[Row] = []
    for _ in range(420):
        to, role, debt = rng.choice(people)
        at = (BASE + timedelta(minutes=rng.randrange(0, 30 * 24 * 60))).isoformat()
        kind = rng.choice(["attempt"] * 10 + ["opt_out", "hold", "cease"])
        if kind == "attempt":
            rows.append(attempt(0, to=to, debt=debt, at=at, role=role,
                                channel=rng.choice(["call", "sms", "email"]),
                                result=rng.choice(["no_answer", "conversation", "delivered", "voicemail"]),
                                timezones=rng.choice(ZONES)))
        elif kind == "opt_out":
            rows.append({"at": at, "type": "opt_out", "to": to, "channel": rng.choice(["call", "sms"])})
        elif kind == "hold":
            rows.append({"at": at, "type": "hold", "debt": debt, "reason": "promise_to_pay",
                         "until": (BASE + timedelta(days=rng.randrange(1, 40))).isoformat()})
        else:
            rows.append({"at": at, "type": "cease", "to": to, "debt": debt})
    for name in ("cn+conduct", "us-reg-f+conduct"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cg.AuditWarning)
            got = verdicts(cg.audit(frame(rows), name, threads=2))
        assert got == replay(rows, POLICIES[name])


# Event rows no rule of the policy reads: the warning of `contactguard
# audit`, word for word (the strings below are the ones
# crates/contactguard-cli/tests/audit.rs asserts on the CLI's output).

CLI_LOG = Path(__file__).resolve().parents[3] / "crates" / "contactguard-cli" / "tests" / "data" / "audit" / "violations.csv"
HOLD_UNDER_CN = "1 hold row (repayment_plan), but no rule of cn reads holds with that reason; add `conduct`"


def hold(minutes: int, reason: str, debt: str = "d1") -> Row:
    row: Row = {k: None for k in COLUMNS}
    row.update(at=(BASE + timedelta(minutes=minutes)).isoformat(), type="hold", debt=debt, reason=reason)
    return row


def audit_warnings(log: Any, policy: str, **kw: Any) -> List[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cg.audit(log, policy, **kw)
    assert all(issubclass(w.category, cg.AuditWarning) for w in caught), [str(w.message) for w in caught]
    return [str(w.message) for w in caught]


@pytest.mark.parametrize("kind", ["pandas", "polars", "pyarrow"])
def test_a_hold_no_rule_reads_warns_as_the_cli_does(kind: str) -> None:
    df = frame([attempt(0), hold(30, "repayment_plan"), attempt(60)])
    log: Any = {"pandas": df, "polars": pl.from_pandas(df), "pyarrow": pa.Table.from_pandas(df, preserve_index=False)}[kind]
    assert audit_warnings(log, "cn") == [HOLD_UNDER_CN]
    assert audit_warnings(log, "cn+conduct") == []
    with pytest.warns(cg.AuditWarning) as record:
        out = cg.audit(log, "cn")
    assert [str(w.message) for w in record] == [HOLD_UNDER_CN]
    # The warning changes nothing: the same verdicts as without the hold.
    got = verdicts(out)
    assert got[1] is None
    assert [got[0], got[2]] == verdicts(cg.audit(frame([attempt(0), attempt(60)]), "cn"))


def test_holds_with_reasons_read_and_unread() -> None:
    # cn+conduct reads repayment plans (conduct.7); us-reg-f reads disputes
    # only (us-reg-f.15): one warning for the two unread rows, plural.
    rows = [attempt(0), hold(1, "dispute"), hold(2, "repayment_plan"), hold(3, "repayment_plan", debt="d2")]
    assert audit_warnings(frame(rows), "us-reg-f") == [
        "2 hold rows (repayment_plan), but no rule of us-reg-f reads holds with that reason; add `conduct`"
    ]
    assert audit_warnings(frame(rows), "us-reg-f+conduct") == []


def test_the_cli_sample_log_warns_the_same() -> None:
    # The CLI's own test log, read as text: the same warnings, in the same
    # order, as `contactguard audit violations.csv --policy ...`.
    log = pd.read_csv(CLI_LOG, dtype=str, keep_default_na=False).replace("", None)
    assert audit_warnings(log, "cn") == [HOLD_UNDER_CN]
    assert audit_warnings(log, "us-reg-f") == [
        "1 hold row (repayment_plan), but no rule of us-reg-f reads holds with that reason; add `conduct`",
        "1 unreachable row, but no rule of us-reg-f reads `unreachable` events; add `cn`",
    ]
    assert audit_warnings(log, "cn+conduct") == []


def test_strict_refuses_event_rows_no_rule_reads() -> None:
    rows = [attempt(0), attempt(10), hold(30, "repayment_plan"), attempt(60)]
    with pytest.raises(cg.InputError) as e:
        cg.audit(frame(rows), "cn", strict=True)
    assert (e.value.code, e.value.field, e.value.row) == ("input.invalid", "type", 2)
    assert HOLD_UNDER_CN in e.value.message and e.value.help
    out = cg.audit(frame(rows), "cn+conduct", strict=True)
    assert out["allow"].tolist()[2] is pd.NA


def all_columns(out: pa.Table) -> List[Tuple[Any, ...]]:
    """Every result column, row by row (verdicts plus `could_not_evaluate`)."""
    return list(
        zip(
            out.column("allow").to_pylist(),
            out.column("rules").to_pylist(),
            out.column("retry_at").to_pylist(),
            out.column("could_not_evaluate").to_pylist(),
        )
    )


def ordered_and_shuffled(rows: List[Row], policy: cg.Policy, perm: List[int]) -> None:
    """Rows with distinct instants, audited in time order and as `perm`
    reorders them: each row gets the same four results either way, on one
    thread (streamed replay, straight or through a sorted index) and two
    (the partitioned replay), and the verdicts are `decide`'s."""
    ordered = sorted(rows, key=lambda r: r["at"])
    shuffled = [ordered[i] for i in perm]
    t_ordered = pa.Table.from_pandas(frame(ordered), preserve_index=False)
    t_shuffled = pa.Table.from_pandas(frame(shuffled), preserve_index=False)
    results = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cg.AuditWarning)
        for threads in (1, 2):
            a = all_columns(cg.audit(t_ordered, policy, threads=threads))
            b = all_columns(cg.audit(t_shuffled, policy, threads=threads))
            assert [b[perm.index(i)] for i in range(len(perm))] == a
            results.append(a)
    assert results[0] == results[1]
    want = replay(ordered, policy)
    got = [None if r[0] is None else (r[0], list(r[1]), r[2]) for r in results[0]]
    assert got == want


def test_time_ordered_and_shuffled_tables_give_identical_results() -> None:
    rng = random.Random(14)
    minutes = rng.sample(range(0, 20 * 24 * 60), 1500)
    rows: List[Row] = []
    for m in minutes:
        p = rng.randrange(12)
        if rng.random() < 0.9:
            rows.append(attempt(m, to=f"p{p}", debt=f"d{p % 5}", channel=rng.choice(["sms", "call"]),
                                result=rng.choice(["delivered", "no_answer", "conversation"])))
        else:
            rows.append({"at": (BASE + timedelta(minutes=m)).isoformat(), "type": "opt_out", "to": f"p{p}",
                         "channel": "sms"})
    perm = list(range(len(rows)))
    rng.shuffle(perm)
    for name in ("cn+conduct", "us-reg-f+conduct"):
        ordered_and_shuffled(rows, POLICIES[name], perm)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=logs(), policy_name=st.sampled_from(sorted(POLICIES)), data=st.data())
def test_ordered_and_shuffled_agree_on_any_log(rows: List[Row], policy_name: str, data: st.DataObject) -> None:
    seen = set()
    distinct = []
    for r in rows:  # rows of the same instant replay in row order: keep one per instant
        if r["at"] not in seen:
            seen.add(r["at"])
            distinct.append(r)
    perm = data.draw(st.permutations(list(range(len(distinct)))))
    ordered_and_shuffled(distinct, POLICIES[policy_name], perm)


@pytest.mark.parametrize("threads", [1, 2])
def test_rows_of_one_instant_replay_in_table_order(threads: int) -> None:
    # Five attempts at one instant to one person, after one later row first
    # in the table (not in time order) or last (in time order): the cap
    # denies the later attempts in table order, whichever path replays them.
    ties = [attempt(600, result=r) for r in ("delivered", "failed", "delivered", "delivered", "failed")]
    later = attempt(700)
    for rows in ([later] + ties, ties + [later]):
        want = replay(rows, POLICIES["cn+conduct"])
        got = verdicts(cg.audit(frame(rows), "cn+conduct", threads=threads))
        assert got == want
        tied = [want[i] for i, r in enumerate(rows) if r is not later]
        assert tied[0] is not None and tied[0][0] and tied[-1] is not None and not tied[-1][0]
