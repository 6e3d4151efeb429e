"""The ledger scenarios (``tests/ledger-scenarios/*.json``, format
``contactguard-ledger-scenario/1``): every step on a fresh in-memory
ledger and on a fresh Redis ledger (its own key prefix), each step's
``expect`` asserted on both, and both backends' decisions identical
(allow, the set of denying rules, retry_at)."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

import contactguard as cg
from contactguard._vectors import _compare

from conftest import ROOT, RedisServer

FORMAT = "contactguard-ledger-scenario/1"
SCENARIOS = sorted((ROOT / "tests" / "ledger-scenarios").glob("*.json"))
_runs = itertools.count()

Outcome = Tuple[bool, Tuple[str, ...], Any]


def test_there_are_scenarios() -> None:
    assert SCENARIOS, f"no scenario files in {ROOT / 'tests' / 'ledger-scenarios'}"


def load(path: Path) -> Dict[str, Any]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict) and doc.get("format") == FORMAT, f"{path.name}: not {FORMAT}"
    for key in ("name", "cite", "policy", "secret", "steps"):
        assert key in doc, f"{path.name}: no `{key}`"
    return doc


def policy_of(doc: Dict[str, Any]) -> cg.Policy:
    spec = doc["policy"]
    return cg.Policy.preset(spec) if isinstance(spec, str) else cg.Policy.from_json(json.dumps(spec))


def run(doc: Dict[str, Any], ledger: cg.Ledger, backend: str) -> List[Optional[Outcome]]:
    """Runs the steps; returns each step's decision (None for complete and
    record). Fails on the first step whose expect does not hold."""
    tickets: Dict[str, cg.Ticket] = {}
    outcomes: List[Optional[Outcome]] = []
    for i, step in enumerate(doc["steps"]):
        where = f"{doc['name']} step {i} ({step.get('op')}) on {backend}"
        op = step["op"]
        decision: Optional[cg.Decision] = None
        if op == "check":
            decision = ledger.check(step["ask"])
        elif op == "check_and_record":
            admission = ledger.check_and_record(step["ask"])
            decision = admission.decision
            if "ticket" in step:
                assert step["ticket"] not in tickets, f"{where}: ticket `{step['ticket']}` named twice"
                if admission.ticket is not None:
                    tickets[step["ticket"]] = admission.ticket
        elif op == "complete":
            assert step["ticket"] in tickets, f"{where}: no admitted ticket `{step['ticket']}`"
            ledger.complete(tickets.pop(step["ticket"]), step["result"])
        elif op == "record":
            ledger.record(step["event"])
        else:
            pytest.fail(f"{where}: unknown op `{op}`")
        if decision is None:
            outcomes.append(None)
            continue
        problem = _compare(step["expect"], decision)
        assert problem is None, f"{where}: {problem} (why: {step['expect'].get('why')})"
        if op == "check_and_record" and "ticket" in step:
            assert (admission.ticket is not None) == decision.allow, where
        outcomes.append((decision.allow, tuple(sorted(d.id for d in decision.denials)), decision.retry_at))
    return outcomes


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_memory_and_redis_agree(path: Path, redis_server: RedisServer) -> None:
    doc = load(path)
    policy = policy_of(doc)
    memory = run(doc, cg.Ledger(policy, doc["secret"]), "memory")
    prefix = f"scenario:{os.getpid()}:{next(_runs)}:{doc['name']}:"
    with cg.Ledger.redis(policy, redis_server.url, doc["secret"], key_prefix=prefix) as ledger:
        redis = run(doc, ledger, "redis")
    for i, (m, r) in enumerate(zip(memory, redis)):
        assert m == r, f"{doc['name']} step {i}: memory {m} != redis {r}"
