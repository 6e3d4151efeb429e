#!/usr/bin/env python3
"""A dialer-fleet worker in Python (the fleet protocol of issue #17, the
same as ``contactguard-fleet-worker``): ``worker.py URL POLICY SECRET``.

POLICY is a policy file (``.json``: JSON, else TOML) or, when no such file
exists, a preset expression; URL is the Redis URL (``-`` with Sentinel) or
``memory`` for the in-process ledger. Environment: ``CG_SENTINEL_MASTER``
with ``CG_SENTINEL_URLS`` (comma-separated), ``CG_WAIT_REPLICAS``,
``CG_WAIT_TIMEOUT_MS``, ``CG_KEY_PREFIX``, ``CG_CA_FILE``, and
``CG_LATENCY=1`` to end each answer with `` us=<microseconds>``.

Input lines: ``ASK <to> <debt> <at> <result>`` (check_and_record; when
admitted, complete with <result>; print ``ADMIT <to> <debt> <at> <result>``
or ``DENY <to> <debt> <at> <rule ids>``) and ``SLEEP <ms>``. Exit status:
0 at the end of the input, 2 on a setup error, 1 on a malformed line.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any, Dict, Optional

import contactguard as cg


def _env(name: str) -> Optional[str]:
    v = os.environ.get(name, "")
    return v or None


def load_policy(arg: str) -> cg.Policy:
    path = Path(arg)
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        return cg.Policy.from_json(text) if path.suffix == ".json" else cg.Policy.from_toml(text)
    return cg.Policy.preset(arg)


def open_ledger(url: str, policy: cg.Policy, secret: str) -> cg.Ledger:
    if url == "memory":
        return cg.Ledger(policy, secret)
    kw: Dict[str, Any] = {}
    if _env("CG_KEY_PREFIX"):
        kw["key_prefix"] = _env("CG_KEY_PREFIX")
    if _env("CG_CA_FILE"):
        kw["ca_file"] = _env("CG_CA_FILE")
    replicas = int(_env("CG_WAIT_REPLICAS") or "0")
    if replicas > 0:
        kw["wait_replicas"] = replicas
        kw["wait_timeout"] = int(_env("CG_WAIT_TIMEOUT_MS") or "1000") / 1000.0
    master, urls = _env("CG_SENTINEL_MASTER"), _env("CG_SENTINEL_URLS")
    if (master is None) != (urls is None):
        raise ValueError("CG_SENTINEL_MASTER and CG_SENTINEL_URLS go together")
    if master is not None and urls is not None:
        kw["sentinel_master"] = master
        kw["sentinel_urls"] = [u.strip() for u in urls.split(",")]
    if url == "-":
        if master is None:
            raise ValueError("URL `-` needs CG_SENTINEL_MASTER and CG_SENTINEL_URLS")
        # With Sentinel the URL gives only the scheme, user, password and database.
        url = "redis://localhost/"
    return cg.Ledger.redis(policy, url, secret, **kw)


def fleet_ask(to: str, debt: str, at: str) -> Dict[str, Any]:
    return {
        "at": at, "channel": "call", "to": to, "role": "debtor", "debt": debt,
        "timezones": ["America/New_York"], "place": "mobile", "purpose": "collection",
        "autodialed": False, "days_past_due": 30,
    }


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print("usage: worker.py URL POLICY SECRET < asks", file=sys.stderr)
        return 2
    try:
        ledger = open_ledger(argv[1], load_policy(argv[2]), argv[3])
    except (ValueError, OSError) as e:
        print(f"worker.py: {e}", file=sys.stderr)
        return 2
    latency = (_env("CG_LATENCY") or "0") != "0"
    out = sys.stdout
    with ledger:
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            if words[0] == "SLEEP" and len(words) == 2:
                time.sleep(int(words[1]) / 1000.0)
                continue
            if words[0] != "ASK" or len(words) != 5:
                print(f"worker.py: not `ASK to debt at result` nor `SLEEP ms`: {line.strip()!r}", file=sys.stderr)
                return 1
            _, to, debt, at, result = words
            start = time.perf_counter()
            try:
                adm = ledger.check_and_record(fleet_ask(to, debt, at))
                if adm.allow and adm.ticket is not None:
                    ledger.complete(adm.ticket, result)
                    answer = f"ADMIT {to} {debt} {at} {result}"
                else:
                    answer = f"DENY {to} {debt} {at} " + ",".join(d.id for d in adm.decision.denials)
            except cg.ContactGuardError as e:
                print(f"worker.py: {e}", file=sys.stderr)
                return 1
            if latency:
                answer += f" us={int((time.perf_counter() - start) * 1e6)}"
            out.write(answer + "\n")
            out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
