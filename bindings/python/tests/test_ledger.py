"""``contactguard.Ledger`` over the Rust ledger."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any, Dict, List

import pytest

import contactguard as cg

from conftest import call_ask, call_attempt

DEBTOR = "+8613800000000"


def ask(hour: int = 10, to: str = DEBTOR) -> Dict[str, Any]:
    return call_ask(f"2026-03-02T{hour:02d}:00:00+08:00", to=to, debt="loan-1", zone="Asia/Shanghai")


def attempt(at: str, result: str = "no_answer") -> Dict[str, Any]:
    return call_attempt(at, result, to=DEBTOR, debt="loan-1")


def test_check_and_record_admits_up_to_the_cap(policy: cg.Policy) -> None:
    ledger = cg.Ledger(policy, key=b"a secret from the operator's vault")
    first = ledger.check_and_record(ask(10))
    assert first.allow and first.decision.allow and first.ticket is not None
    assert first.ticket.at == datetime(2026, 3, 2, 2, tzinfo=timezone.utc)
    ledger.complete(first.ticket, "no_answer")
    assert ledger.check_and_record(ask(11)).allow
    third = ledger.check_and_record(ask(12))
    assert not third.allow and third.ticket is None
    assert [d.id for d in third.decision.denials] == ["acme.calls"]
    assert not ledger.check(ask(13)).allow
    assert ledger.check(ask(13, to="someone-else")).allow
    assert ledger.stats()["attempts"] == 2


def test_completing_twice_is_an_error(policy: cg.Policy) -> None:
    ledger = cg.Ledger(policy)
    admitted = ledger.check_and_record(ask())
    assert admitted.ticket is not None
    ledger.complete(admitted.ticket, "conversation")
    with pytest.raises(cg.LedgerError) as e:
        ledger.complete(admitted.ticket, "conversation")
    assert e.value.code == "ledger.unknown_ticket"
    with pytest.raises(cg.InputError):
        ledger.complete(admitted.ticket, "maybe")


def test_record_and_check_agree_with_decide(policy: cg.Policy) -> None:
    history: List[Dict[str, Any]] = [
        attempt("2026-03-02T08:00:00+08:00"),
        attempt("2026-03-02T09:00:00+08:00", "voicemail"),
    ]
    ledger = cg.Ledger(policy)
    ledger.record(history[0])
    assert ledger.record_many(history[1:]) == 1
    for hour in (8, 9, 10):
        assert ledger.check(ask(hour)) == policy.decide(ask(hour), history)
    with pytest.raises(cg.InputError) as e:
        ledger.record({"type": "attempt", "at": "2026-03-02T08:00:00"})
    assert e.value.field is not None and e.value.field.startswith("event")


def test_snapshot_round_trip_and_refusals(policy: cg.Policy) -> None:
    ledger = cg.Ledger(policy, key="k" * 16)
    for hour in (9, 10):
        ledger.check_and_record(ask(hour))
    data = ledger.snapshot()
    assert isinstance(data, bytes) and data
    restored = cg.Ledger(policy, key="k" * 16)
    restored.restore(data)
    assert restored.check(ask(11)) == ledger.check(ask(11))
    assert not restored.check(ask(11)).allow
    with pytest.raises(cg.LedgerError) as e:
        cg.Ledger(policy, key="another key 1234").restore(data)
    assert e.value.code == "ledger.key_mismatch"
    corrupt = bytearray(data)
    corrupt[-1] ^= 0xFF
    with pytest.raises(cg.LedgerError) as e:
        restored.restore(bytes(corrupt))
    assert e.value.code in {"ledger.checksum", "ledger.corrupt"}
    assert not restored.check(ask(11)).allow  # unchanged by the refused restore
    with pytest.raises(cg.LedgerError):
        restored.restore(b"not a snapshot")
    assert isinstance(restored.policy, cg.Policy)


def test_threads_race_for_one_recipient(policy: cg.Policy) -> None:
    ledger = cg.Ledger(policy)
    with ThreadPoolExecutor(8) as pool:
        admitted = sum(pool.map(lambda _: ledger.check_and_record(ask(10)).allow, range(64)))
    assert admitted == 2


def test_prune(policy: cg.Policy) -> None:
    ledger = cg.Ledger(policy)
    ledger.check_and_record(ask(10))
    assert ledger.prune(datetime(2026, 6, 1, tzinfo=timezone.utc)) >= 1
    assert ledger.stats()["attempts"] == 0
    with pytest.raises(cg.InputError):
        ledger.prune(datetime(2026, 6, 1))


def test_calls_in_flight_never_end_the_day_past_cn_3() -> None:
    """Issue 13: cn allows 6 unanswered calls a local day (cn.3). With 5
    recorded and 3 calls asked on 3 threads before any ends, one is
    admitted: a pending call counts under every cap it could fall under."""
    ledger = cg.Ledger(cg.Policy.preset("cn"))
    for i in range(5):
        ledger.record(attempt(f"2026-03-03T09:{i}0:00+08:00"))
    asks = [dict(ask(11), at=f"2026-03-03T11:00:0{i}+08:00") for i in range(3)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        admissions = list(pool.map(ledger.check_and_record, asks))
    tickets = [a.ticket for a in admissions if a.ticket is not None]
    assert len(tickets) == 1
    assert ledger.stats()["pending"] == 1
    denied = [a for a in admissions if a.ticket is None]
    assert all("cn.3" in [d.id for d in a.decision.denials] for a in denied)
    with pytest.raises(cg.LedgerError) as e:
        ledger.complete(tickets[0], "pending")
    assert e.value.code == "ledger.pending_outcome"
    ledger.complete(tickets[0], "no_answer")
    assert not ledger.check(dict(ask(13), at="2026-03-03T13:00:00+08:00")).allow
    # Decided the same way by `decide` over a history with a pending call.
    history = [attempt(f"2026-03-03T09:{i}0:00+08:00", "pending" if i == 5 else "no_answer")
               for i in range(6)]
    assert not cg.Policy.preset("cn").decide(dict(ask(13), at="2026-03-03T13:00:00+08:00"), history).allow


def test_a_journaled_ledger_reopens_with_every_write(tmp_path: Any) -> None:
    policy = cg.Policy.preset("cn")
    key = b"a secret from the operator's vault"
    ledger = cg.Ledger.open_journaled(policy, tmp_path, key=key)
    for i in range(5):
        ledger.record(attempt(f"2026-03-03T09:{i}0:00+08:00"))
        if i == 2:
            ledger.checkpoint()
    sixth = ledger.check_and_record(dict(ask(11), at="2026-03-03T11:00:00+08:00"))
    assert sixth.ticket is not None
    del ledger

    again = cg.Ledger.open_journaled(policy, str(tmp_path), key=key, sync="never")
    assert again.stats()["attempts"] == 6 and again.stats()["pending"] == 1
    assert not again.check(dict(ask(12), at="2026-03-03T12:00:00+08:00")).allow
    again.complete(sixth.ticket, "conversation")
    assert again.check(dict(ask(12), at="2026-03-03T12:00:00+08:00")).allow
    with pytest.raises(cg.LedgerError) as e:
        again.restore(b"")
    assert e.value.code == "ledger.journaled"
    with pytest.raises(cg.LedgerError) as e:
        cg.Ledger(policy).checkpoint()
    assert e.value.code == "ledger.not_journaled"
    with pytest.raises(cg.InputError):
        cg.Ledger.open_journaled(policy, tmp_path, sync="sometimes")
