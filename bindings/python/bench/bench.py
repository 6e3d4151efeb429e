"""Timings of the Python module (not a test): one ``decide`` call, and the
audit's throughput on 1 and 2 threads against a plain pandas implementation
of the same rules written the way a data scientist would (groupby, rolling
windows, shifts), measured in the same run on the same log.

Run with ``make bench-python`` (it builds the release wheel into a fresh
environment first). ``--rows`` sets the size of the synthetic log.

Issue 14's Python figures: ``--count-decide PATH`` (the release build of
``crates/contactguard/examples/count_decide.rs``) times the same 50-event
scenarios in Rust in the same run, so the Python/Rust ratio is from one
machine state; ``--cli PATH`` (the release ``contactguard`` binary) audits
the same synthetic log with ``contactguard audit`` for a per-row
comparison; ``--decide-only`` skips the audits.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Tuple

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa

import contactguard as cg

#: The rules both implementations apply. Each is a common contact limit a
#: data scientist would check in a log.
BENCH_POLICY = """\
format = "contactguard-policy/1"
name = "bench"

[[rules]]
id = "bench.window"
title = "Contact only between 08:00 and 21:00 local time"
cite = "benchmark"
status = "convention"
kind = "window"
windows = [{ days = ["any"], start = "08:00", end = "21:00" }]

[[rules]]
id = "bench.sms-day"
title = "At most 3 texts to a person per local day"
cite = "benchmark"
status = "convention"
kind = "cap"
limit = 3
scope = "recipient"
period = "day"
count = { channels = ["sms"] }
when = { channels = ["sms"] }

[[rules]]
id = "bench.calls-24h"
title = "At most 5 calls to a person in any 24 hours"
cite = "benchmark"
status = "convention"
kind = "cap"
limit = 5
scope = "recipient"
rolling = "24h"
count = { channels = ["call"] }
when = { channels = ["call"] }

[[rules]]
id = "bench.redial"
title = "No call within 5 minutes of an unanswered call"
cite = "benchmark"
status = "convention"
kind = "cooldown"
scope = "recipient"
rolling = "5m"
after = { channels = ["call"], results = ["no_answer"] }
when = { channels = ["call"] }
"""

ZONE = "Asia/Shanghai"
RULE_IDS = ["bench.window", "bench.sms-day", "bench.calls-24h", "bench.redial"]


def make_log(rows: int, seed: int = 7) -> pd.DataFrame:
    """A month of contacts: ~rows/40 recipients, calls and texts at random
    seconds, bursts that break each rule now and then."""
    rng = np.random.default_rng(seed)
    people = max(rows // 40, 1)
    who = rng.integers(0, people, rows)
    start = pd.Timestamp("2026-03-01T00:00:00", tz=ZONE).value // 10**9
    # Mostly daytime, some at night; bursts: a tenth of rows follow a
    # recipient's previous contact within minutes.
    secs = rng.integers(0, 30 * 86400, rows)
    burst = rng.random(rows) < 0.1
    secs = np.where(burst, (secs // 86400) * 86400 + 10 * 3600 + rng.integers(0, 3600, rows), secs)
    at = pd.to_datetime(start + secs, unit="s", utc=True)
    channel = np.where(rng.random(rows) < 0.55, "call", "sms")
    result = np.where(
        channel == "call",
        rng.choice(["no_answer", "conversation", "voicemail"], rows, p=[0.6, 0.25, 0.15]),
        "delivered",
    )
    df = pd.DataFrame(
        {
            "at": at,
            "channel": channel,
            "to": pd.Series(who).map(lambda i: f"p{i:07d}"),
            "role": "debtor",
            "debt": pd.Series(who).map(lambda i: f"L{i:07d}"),
            "result": result,
            "timezone": ZONE,
            "purpose": "collection",
        }
    )
    # One row per recipient and second keeps ties out of the comparison.
    df = df.drop_duplicates(["to", "at"]).reset_index(drop=True)
    return df


def pandas_audit(log: pd.DataFrame) -> pd.DataFrame:
    """The same four rules in plain pandas, as a data scientist would write
    them: sort, local time, groupby + cumcount / rolling / shift."""
    df = log.sort_values(["at"], kind="stable").copy()
    local = df["at"].dt.tz_convert(ZONE)
    secs = local.dt.hour * 3600 + local.dt.minute * 60 + local.dt.second
    df["bench.window"] = (secs < 8 * 3600) | (secs > 21 * 3600)

    sms = df["channel"] == "sms"
    day = local.dt.date
    sent_before = df[sms].groupby([df.loc[sms, "to"], day[sms]]).cumcount()
    df["bench.sms-day"] = False
    df.loc[sms, "bench.sms-day"] = sent_before >= 3

    calls = df[df["channel"] == "call"]
    counts = (
        calls.assign(one=1)
        .groupby("to")
        .rolling("24h", on="at", closed="left")["one"]
        .sum()
        .rename("calls_before")
        .reset_index()
    )
    before = calls[["to", "at"]].merge(counts, on=["to", "at"], how="left")["calls_before"].fillna(0)
    df["bench.calls-24h"] = False
    df.loc[calls.index, "bench.calls-24h"] = before.to_numpy() >= 5

    unanswered_at = calls["at"].where(calls["result"] == "no_answer")
    last_unanswered = unanswered_at.groupby(calls["to"]).transform(lambda s: s.ffill().shift())
    df["bench.redial"] = False
    df.loc[calls.index, "bench.redial"] = (calls["at"] - last_unanswered) < pd.Timedelta(minutes=5)

    df["allow"] = ~df[RULE_IDS].any(axis=1)
    return df.sort_index()


def best_of(fn: Callable[[], Any], repeat: int) -> Tuple[Tuple[float, float], Any]:
    """The fastest of ``repeat`` runs: (wall seconds, CPU seconds of the
    process, all threads), and the last result. On a shared machine the CPU
    time is the fairer figure."""
    best, out = (float("inf"), float("inf")), None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        if wall < best[0]:
            best = (wall, cpu)
    return best, out


def per_call_ns(fn: Callable[[], Any], calls: int = 20000, repeat: int = 7) -> Tuple[float, float]:
    """Median and best of ``repeat`` runs of ``calls`` calls, in ns/call."""
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter_ns()
        for _ in range(calls):
            fn()
        runs.append((time.perf_counter_ns() - t0) / calls)
    return statistics.median(runs), min(runs)


#: 2026-10-15T14:30:00Z, 10:30 in New York: the instant of the scenarios of
#: ``crates/contactguard/examples/count_decide.rs`` (and the C ABI bench).
ASK_AT = 1_792_074_600


def _utc_text(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def count_decide_scenario(denied: bool, events: int = 50) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
    """The ask and history of count_decide.rs's ``allowed``/``denied``
    scenarios (``dense``, 50 events: 49 attempts one every 23 hours going
    back, and a consent), built the same way so that Python and Rust decide
    the same thing."""
    attempts = max(events - 1, 0)
    step = 3600 * 23 * 49 // attempts if attempts > 49 else 3600 * 23
    out: List[Dict[str, Any]] = []
    for i in range(attempts):
        when = ASK_AT - step * (i + 1)
        old = (ASK_AT - when) > 3600 * 23 * 41
        k = i % 6
        if denied:
            channel, result = {
                0: ("call", "no_answer"),
                1: ("sms", "delivered"),
                3: ("call", "voicemail"),
                4: ("call", "not_connected"),
                5: ("sms", "failed"),
            }.get(k, ("email", "delivered"))
        elif k == 0 and old:
            channel, result = "call", "no_answer"
        elif k in (0, 2, 4):
            channel, result = "letter", "delivered"
        else:
            channel, result = "email", "delivered"
        out.append({"type": "attempt", "at": _utc_text(when), "channel": channel,
                    "to": "c1", "role": "debtor", "debt": "d1", "result": result})
    out.append({"type": "consent", "at": "2026-08-01T12:00:00Z", "to": "c1", "channel": "sms", "granted": True})
    ask = {"at": _utc_text(ASK_AT), "channel": "call", "to": "c1", "role": "debtor", "debt": "d1",
           "timezones": ["America/New_York"], "place": "mobile", "purpose": "collection", "autodialed": False}
    return ask, out


def per_call_samples(fn: Callable[[], Any], calls: int = 50000, warmup: int = 2000) -> List[int]:
    """``calls`` single-call timings in ns (each includes one
    ``perf_counter_ns`` pair; see ``timer_ns``)."""
    clock = time.perf_counter_ns
    for _ in range(warmup):
        fn()
    out = [0] * calls
    for i in range(calls):
        t0 = clock()
        fn()
        out[i] = clock() - t0
    return out


def quantile(xs: List[int], q: float) -> float:
    s = sorted(xs)
    return float(s[min(len(s) - 1, int(q * len(s)))])


def rust_decide_ns(binary: str, scenario: str, n: int = 200_000) -> Tuple[float, float]:
    """count_decide's wall and CPU time per decide: (N decides − set-up
    alone) / N, the better of 3 runs each."""
    def run(count: int) -> Tuple[float, float]:
        best = (float("inf"), float("inf"))
        for _ in range(3):
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run([binary, scenario, "50", str(count)], check=True, stdout=subprocess.DEVNULL)
            wall = time.perf_counter() - t0
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
            best = min(best, (wall, cpu))
        return best
    full, setup = run(n), run(0)
    return (full[0] - setup[0]) / n * 1e9, (full[1] - setup[1]) / n * 1e9


def bench_decide_history(count_decide: str | None) -> List[Dict[str, Any]]:
    """Issue 14's figure: one ``Policy.decide`` with a 50-event ``History``
    object, median and p99 per call, beside the same decide in Rust."""
    rows = []
    for scenario, presets in [
        ("allowed", "us-reg-f+us-ma"),
        ("denied", "us-reg-f+us-ma"),
        ("denied", "us-reg-f+us-ma+conduct"),
    ]:
        ask, events = count_decide_scenario(scenario == "denied")
        policy = cg.Policy.preset(presets)
        history = cg.History(events)
        typed = cg.Ask(ask["at"], "call", "c1", "debtor", "d1", timezones=ask["timezones"],
                       place="mobile", purpose="collection", autodialed=False)
        d = policy.decide(ask, history)
        assert d == policy.decide(typed, history) == policy.decide(ask, events)
        assert d.allow == (scenario == "allowed") and (d.retry_at is not None) == (scenario == "denied")
        rust = None
        if count_decide and presets == ("us-reg-f+us-ma" if scenario == "allowed" else "us-reg-f+us-ma+conduct"):
            rust = rust_decide_ns(count_decide, scenario)
        aware = {**ask, "at": datetime.fromtimestamp(ASK_AT, timezone.utc)}
        assert policy.decide(aware, history) == d
        for label, fn in [("dict", lambda: policy.decide(ask, history)),
                          ("dict, at as datetime", lambda: policy.decide(aware, history)),
                          ("Ask", lambda: policy.decide(typed, history))]:
            samples = per_call_samples(fn)
            rows.append({"scenario": scenario, "policy": presets, "ask": label,
                         "denials": [x.id for x in d.denials],
                         "median": quantile(samples, 0.5), "p99": quantile(samples, 0.99),
                         "rust": rust})
    return rows


def timer_ns() -> float:
    """The median cost of one timed empty call (a ``perf_counter_ns`` pair
    and a lambda), included in every per-call sample."""
    return quantile(per_call_samples(lambda: None), 0.5)


def cli_audit(binary: str, log: pd.DataFrame, threads: int, in_order: bool = True) -> Tuple[float, float]:
    """``contactguard audit`` on the same log written as CSV (sorted by time
    unless ``in_order`` is false): the better of 3 runs, (wall seconds, CPU
    seconds of the child)."""
    with tempfile.TemporaryDirectory() as tmp:
        csv = os.path.join(tmp, "log.csv")
        policy = os.path.join(tmp, "bench.toml")
        with open(policy, "w", encoding="utf-8") as f:
            f.write(BENCH_POLICY)
        out = log.assign(at=log["at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
        if in_order:
            out = out.sort_values("at", kind="stable")
        out.to_csv(csv, index=False)
        cmd = [binary, "audit", csv, "--policy", policy, "--json"]
        if threads > 1:
            cmd += ["--threads", str(threads)]
        best = (float("inf"), float("inf"))
        for _ in range(3):
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL)
            wall = time.perf_counter() - t0
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            best = min(best, (wall, (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)))
        return best


def bench_decide() -> List[Tuple[str, float, float]]:
    policy = cg.Policy.preset("us-reg-f+us-ma+conduct")
    ask: Dict[str, Any] = {
        "at": "2026-10-14T10:30:00-04:00",
        "channel": "call",
        "to": "c1",
        "role": "debtor",
        "debt": "d1",
        "timezones": ["America/New_York"],
        "purpose": "collection",
        "place": "mobile",
        "autodialed": False,
        "days_past_due": 45,
    }
    events = [
        {
            "type": "attempt",
            "at": f"2026-10-{1 + i // 4:02d}T{9 + (i % 4) * 2:02d}:00:00-04:00",
            "channel": ["call", "sms", "email"][i % 3],
            "to": "c1",
            "role": "debtor",
            "debt": "d1",
            "result": ["no_answer", "delivered", "voicemail"][i % 3],
        }
        for i in range(50)
    ]
    history = cg.History(events)
    # The same 50 attempts spread over the 200 days before the ask: the ask
    # is allowed, so no retry_at search runs.
    spread = cg.History(
        [
            {**e, "at": (pd.Timestamp("2026-10-14T10:30:00-04:00") - pd.Timedelta(days=4 * (50 - i))).isoformat()}
            for i, e in enumerate(events)
        ]
    )
    typed = cg.Ask(**{k: v for k, v in ask.items() if k not in ("at", "channel", "to", "role", "debt")},
                   at=ask["at"], channel="call", to="c1", role="debtor", debt="d1")
    assert policy.decide(ask, history) == policy.decide(typed, history) == policy.decide(ask, events)
    assert policy.decide(ask, spread).allow and not policy.decide(ask, history).allow
    out = []
    for label, fn in [
        ("decide(dict ask), empty history", lambda: policy.decide(ask)),
        ("decide(Ask), empty history", lambda: policy.decide(typed)),
        ("decide(dict ask, History of 50), allowed", lambda: policy.decide(ask, spread)),
        ("decide(Ask, History of 50), allowed", lambda: policy.decide(typed, spread)),
        ("decide(dict ask, History of 50), denied", lambda: policy.decide(ask, history)),
    ]:
        med, best = per_call_ns(fn)
        out.append((label, med, best))
    med, best = per_call_ns(lambda: policy.decide(ask, events), calls=2000)
    out.append(("decide(dict ask, list of 50 dicts), denied", med, best))
    return out


def bench_audit(rows: int, cli: str | None = None) -> Dict[str, Any]:
    log = make_log(rows)
    n = len(log)
    policy = cg.Policy.from_toml(BENCH_POLICY)
    table = pa.Table.from_pandas(log, preserve_index=False)
    frame = pl.from_pandas(log)
    res: Dict[str, Any] = {"rows": n}
    for threads in (1, 2):
        t, out = best_of(lambda: cg.audit(table, policy, threads=threads), 3)
        res[f"arrow_{threads}"] = t
    # The same rows in time order, as the CLI reads them (its CSV is sorted).
    in_order = pa.Table.from_pandas(log.sort_values("at", kind="stable"), preserve_index=False)
    t, _ = best_of(lambda: cg.audit(in_order, policy, threads=1), 3)
    res["arrow_sorted_1"] = t
    t, _ = best_of(lambda: cg.audit(frame, policy, threads=2), 3)
    res["polars_2"] = t
    t, ours = best_of(lambda: cg.audit(log, policy, threads=2), 3)
    res["pandas_in_out_2"] = t
    if cli:
        res["cli_1"] = cli_audit(cli, log, 1)
        res["cli_2"] = cli_audit(cli, log, 2)
        res["cli_unsorted_1"] = cli_audit(cli, log, 1, in_order=False)
    t, theirs = best_of(lambda: pandas_audit(log), 2)
    res["pandas_impl"] = t
    # Both must say the same thing, or the comparison means nothing.
    same_allow = (ours["allow"].astype(bool).to_numpy() == theirs["allow"].to_numpy()).all()
    ours_rules = ours["rules"].map(lambda r: frozenset(r))
    theirs_rules = theirs[RULE_IDS].apply(lambda row: frozenset(c for c in RULE_IDS if row[c]), axis=1)
    res["agree"] = bool(same_allow and (ours_rules.to_numpy() == theirs_rules.to_numpy()).all())
    res["denied"] = int((~ours["allow"].astype(bool)).sum())
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=500_000)
    ap.add_argument("--count-decide", metavar="PATH", help="release build of examples/count_decide.rs")
    ap.add_argument("--cli", metavar="PATH", help="release contactguard binary, for the CLI audit")
    ap.add_argument("--decide-only", action="store_true", help="skip the audits")
    ap.add_argument("--audit-only", action="store_true", help="skip the decide timings")
    args = ap.parse_args()
    print(f"contactguard {cg.__version__}, Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} cores, pandas {pd.__version__}, polars {pl.__version__}, pyarrow {pa.__version__}")
    if not args.audit_only:
        print("\none decide() call from Python (policy us-reg-f+us-ma+conduct); a denial also searches retry_at:")
        for label, med, best in bench_decide():
            print(f"  {label:<45} median {med / 1000:6.2f} µs   best {best / 1000:6.2f} µs")
        print("\none decide() with a 50-event History object (count_decide.rs's scenarios), per call:")
        print(f"  (each sample includes the timer, {timer_ns():.0f} ns for an empty call)")
        for r in bench_decide_history(args.count_decide):
            line = (f"  {r['scenario']:<7} {r['policy']:<23} {r['ask']:<20} ask: median {r['median'] / 1000:5.2f} µs, "
                    f"p99 {r['p99'] / 1000:5.2f} µs")
            if r["rust"] is not None:
                wall, cpu = r["rust"]
                # The CPU figure: a child's wall time also counts waiting for a core.
                line += f"; Rust {cpu / 1000:5.2f} µs CPU ({wall / 1000:5.2f} wall), median/Rust {r['median'] / cpu:4.2f}x"
            print(line + (f"  denied by {r['denials']}" if r["denials"] else ""))
    if args.decide_only:
        return 0
    print(f"\naudit of a synthetic log ({args.rows:,} rows asked; rules: window, 3 texts/day, "
          "5 calls/24h, 5-minute redial):")
    r = bench_audit(args.rows, args.cli)
    n = r["rows"]
    def rate(t: Tuple[float, float]) -> str:
        wall, cpu = t
        return f"{n / wall / 1e6:6.3f} M rows/s wall ({wall:6.3f} s), {n / cpu / 1e6:6.3f} M rows per CPU-second"

    print(f"  rows after de-duplication: {n:,}; denied: {r['denied']:,}; verdicts agree with pandas: {r['agree']}")
    print(f"  contactguard, pyarrow Table, 1 thread   {rate(r['arrow_1'])}")
    print(f"  contactguard, pyarrow Table, 2 threads  {rate(r['arrow_2'])}")
    print(f"  contactguard, pyarrow, time order, 1 t. {rate(r['arrow_sorted_1'])}")
    print(f"  contactguard, polars DataFrame, 2 thr.  {rate(r['polars_2'])}")
    print(f"  contactguard, pandas in and out, 2 thr. {rate(r['pandas_in_out_2'])}")
    if "cli_1" in r:
        print(f"  contactguard audit CLI, CSV, streaming  {rate(r['cli_1'])}")
        print(f"  contactguard audit CLI, CSV, 2 threads  {rate(r['cli_2'])}")
        print(f"  contactguard audit CLI, unsorted CSV, 1 {rate(r['cli_unsorted_1'])}")
    print(f"  plain pandas (groupby + rolling)        {rate(r['pandas_impl'])}")
    print(f"  speed-up over pandas (wall): {r['pandas_impl'][0] / r['arrow_1'][0]:.1f}x on 1 thread, "
          f"{r['pandas_impl'][0] / r['arrow_2'][0]:.1f}x on 2; per CPU-second: "
          f"{r['pandas_impl'][1] / r['arrow_1'][1]:.1f}x")
    print(f"  load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0 if r["agree"] else 1


if __name__ == "__main__":
    sys.exit(main())
