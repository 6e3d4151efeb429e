"""Per-call cost of one ``decide()`` from Python with 50 events of history
(not a test), on the scenarios of the Rust, C ABI and Java benches
(crates/contactguard/benches/scenario/mod.rs, decide_ffi.rs, Bench.java):
a 10:30 call (Thursday 2026-10-15, New York) to debtor ``c1`` about debt
``d1`` from a mobile number, not autodialed;

- allowed: ``us-reg-f+us-ma``, a history of letters and emails, calls only
  in its oldest part;
- denied: ``us-reg-f+us-ma+conduct``, calls and texts that a cap denies, so
  the engine also searches ``retry_at``.

49 attempts (one every 23 hours going back) and one consent, built once as
a ``History``; the ask as a typed ``Ask`` (the fast path) and as a dict.

Timing: ROUNDS rounds of PER_ROUND calls, the paths taking turns in every
round; each round is timed in wall-clock and in this thread's CPU time
(``time.thread_time_ns``, which other load on the machine cannot
inflate), and the medians over the rounds are printed, in ns per call, as
``key=value`` lines that ``benches/bindings.py`` reads. Run by
``make bench-bindings`` (with the Rust, C ABI and Java figures), or alone
with the release wheel installed.
"""

from __future__ import annotations

import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List

import contactguard as cg

ASK_AT = 1_792_074_600  # 2026-10-15T14:30:00Z, 10:30 in New York
ROUNDS = 101
PER_ROUND = 2_000


def iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def history(denied: bool) -> List[Dict[str, Any]]:
    """49 attempts, one every 23 hours going back, and a consent."""
    events = []
    for i in range(49):
        k = i % 6
        if denied:
            channel, result = [("call", "no_answer"), ("sms", "delivered"), ("email", "delivered"),
                               ("call", "voicemail"), ("call", "not_connected"), ("sms", "failed")][k]
        elif k == 0 and i > 40:
            channel, result = "call", "no_answer"
        elif k in (0, 2, 4):
            channel, result = "letter", "delivered"
        else:
            channel, result = "email", "delivered"
        events.append({"type": "attempt", "at": iso(ASK_AT - 3600 * 23 * (i + 1)), "channel": channel,
                       "to": "c1", "role": "debtor", "debt": "d1", "result": result})
    events.append({"type": "consent", "at": "2026-08-01T12:00:00Z", "to": "c1", "channel": "sms",
                   "granted": True})
    return events


def main() -> int:
    ask_dict: Dict[str, Any] = {"at": iso(ASK_AT), "channel": "call", "to": "c1", "role": "debtor", "debt": "d1",
                                "timezones": ["America/New_York"], "place": "mobile", "purpose": "collection",
                                "autodialed": False}
    typed = cg.Ask(datetime.fromtimestamp(ASK_AT, tz=timezone.utc), "call", "c1", "debtor", "d1",
                   timezones=["America/New_York"], place="mobile", purpose="collection", autodialed=False)
    print(f"contactguard {cg.__version__}, Python {platform.python_version()}; 50 events of history; "
          f"{ROUNDS} rounds of {PER_ROUND} calls, the paths taking turns in each")
    for name, denied in (("allowed", False), ("denied", True)):
        policy = cg.Policy.preset("us-reg-f+us-ma+conduct" if denied else "us-reg-f+us-ma")
        h = cg.History(history(denied))
        d = policy.decide(typed, h)
        # The scenario is what it says, and both ask forms agree.
        if d.allow == denied or (d.retry_at is not None) != denied or policy.decide(ask_dict, h) != d:
            print(f"{name}: unexpected decision {d}", file=sys.stderr)
            return 1
        paths: List[Callable[[], Any]] = [lambda: policy.decide(typed, h), lambda: policy.decide(ask_dict, h)]
        for f in paths:  # warm up
            for _ in range(10 * PER_ROUND):
                f()
        wall: List[List[float]] = [[] for _ in paths]
        cpu: List[List[float]] = [[] for _ in paths]
        for _ in range(ROUNDS):
            for i, f in enumerate(paths):
                w0, c0 = time.perf_counter_ns(), time.thread_time_ns()
                for _ in range(PER_ROUND):
                    f()
                c1, w1 = time.thread_time_ns(), time.perf_counter_ns()
                wall[i].append((w1 - w0) / PER_ROUND)
                cpu[i].append((c1 - c0) / PER_ROUND)
        for label, i in (("ask", 0), ("dict", 1)):
            print(f"python.{label}.{name}.cpu_ns={statistics.median(cpu[i]):.0f} "
                  f"python.{label}.{name}.wall_ns={statistics.median(wall[i]):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
