#!/usr/bin/env python3
"""A dialer fleet in any language shares one exact ledger (issue #17).

Starts a real redis-server (for ``--failover`` a primary, a replica and
three Sentinels), writes a policy with tight caps, starts one process per
``--worker`` command (the fleet protocol: ``CMD URL POLICY SECRET`` reading
``ASK``/``SLEEP`` lines, answering ``ADMIT``/``DENY``; see
``contactguard-fleet-worker`` and ``tests/fleet/worker.py``), feeds them
interleaved asks for a shared set of recipients concurrently and checks
the answers against the policy's numbers, computed here independently::

    fleet.py run --worker 'target/release/contactguard-fleet-worker' \\
                 --worker 'python3 tests/fleet/worker.py' [--failover]
    fleet.py bench --worker target/release/contactguard-fleet-worker

The policy (``POLICY`` below): at most 3 calls a calendar day to a
recipient (``fleet.recipient-day``) and 7 calls about a debt in 7 local
dates (``fleet.debt-7d``). Every ask of a run falls on one local day
(2026-03-03, America/New_York), so both caps are plain counts over the
whole run: the invariant checked is *admitted asks per recipient <= 3 and
per debt <= 7*, and, as the ledger is exact and every recipient is asked
more than enough, *exactly 7 per debt* when no ask was denied by Redis.
Each debt is shared by three recipients (3 x 3 > 7), so both caps bind.

The asks' times increase by one second in the order they are sent, and at
most ``--in-flight`` asks per worker are outstanding, so no worker sees an
ask more than the core's one-minute skew older than one already recorded.

``--failover`` (workers find the primary through the Sentinels and admit
only after ``WAIT`` 1 replica): half of the debts are asked about, the
primary is killed with SIGKILL, probes (one ask per worker, each for a
recipient and debt of its own, so that a probe whose pending attempt was
written but not acknowledged cannot touch the shared caps) are sent until
the Sentinels have promoted the replica and once more after that; every
probe answered in that outage must be ``DENY ... contactguard.redis``
(before the old primary rejoins as a replica, the promoted one has no
replica to acknowledge a write). The old primary then rejoins, probes are
sent until every worker admits again, and every debt is asked about. Then
a verifying worker asks each shared recipient until denied, on the
promoted primary: an admitted attempt lost in the failover would let it
(or its debt) be admitted past its cap, so the check is that admitted +
verification admissions stay within both caps, and that every verification
ends with a cap's denial.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

RECIPIENT_CAP = 3
DEBT_CAP = 7
RECIPIENTS_PER_DEBT = 3
CAP_RULES = {"fleet.recipient-day", "fleet.debt-7d"}
REDIS_RULE = "contactguard.redis"
SECRET = "fleet test secret (not a real one)"

POLICY = f"""\
format = "contactguard-policy/1"

[[rules]]
id = "fleet.recipient-day"
title = "At most {RECIPIENT_CAP} calls a day to a recipient"
cite = "fleet test (issue #17); docs/policy-format.md `cap`"
status = "convention"
kind = "cap"
limit = {RECIPIENT_CAP}
scope = "recipient"
period = "day"
count = {{ channels = ["call"] }}
when = {{ channels = ["call"] }}

[[rules]]
id = "fleet.debt-7d"
title = "At most {DEBT_CAP} calls about a debt in 7 days"
cite = "fleet test (issue #17); docs/policy-format.md `cap`"
status = "convention"
kind = "cap"
limit = {DEBT_CAP}
scope = "debt"
dates = 7
count = {{ channels = ["call"] }}
when = {{ channels = ["call"] }}
"""

# 10:00 in New York on Tuesday 2026-03-03; every ask of a run is that day.
BASE = datetime(2026, 3, 3, 15, 0, 0, tzinfo=timezone.utc)
NY = timezone(timedelta(hours=-5))


def stamp(seconds: float) -> str:
    t = (BASE + timedelta(seconds=seconds)).astimezone(NY)
    return t.isoformat(timespec="milliseconds")


def log(msg: str) -> None:
    print(f"fleet: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(port: int, *args: str, timeout: float = 2.0) -> str:
    r = subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True, timeout=timeout)
    return r.stdout


class Server:
    """A redis-server (or Sentinel) in the foreground, on a free port."""

    def __init__(self, dir: Path, name: str, lines: Sequence[str], sentinel: bool = False) -> None:
        self.port = free_port()
        self.name = name
        conf = dir / f"{name}.conf"
        data = dir / name
        data.mkdir(exist_ok=True)
        conf.write_text(
            "\n".join(
                ["bind 127.0.0.1", f"port {self.port}", f"dir {data}", "save ''", "appendonly no",
                 f"logfile {dir / (name + '.log')}", *lines]
            )
            + "\n"
        )
        args = ["redis-server", str(conf)] + (["--sentinel"] if sentinel else [])
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.conf, self.args = conf, args
        deadline = time.monotonic() + 10
        while "PONG" not in cli(self.port, "ping"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start (see {dir / (name + '.log')})")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(what: str, ok, timeout: float = 20.0, every: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not ok():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(every)


def replica_online(primary: int) -> bool:
    return "state=online" in cli(primary, "INFO", "replication")


# ---------------------------------------------------------------- workers


@dataclass
class Answer:
    verdict: str  # ADMIT or DENY
    to: str
    debt: str
    at: str
    rules: List[str]
    micros: Optional[int]
    when: float  # monotonic time it was read


@dataclass
class Worker:
    name: str
    proc: subprocess.Popen  # type: ignore[type-arg]
    in_flight: threading.Semaphore
    answers: List[Answer] = field(default_factory=list)
    sent: List[Tuple[str, str, str]] = field(default_factory=list)
    bad: List[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    cond: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.cond = threading.Condition(self.lock)

    def read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            words = line.split()
            micros = None
            if words and words[-1].startswith("us="):
                micros = int(words.pop()[3:])
            with self.cond:
                if len(words) == 5 and words[0] == "ADMIT":
                    self.answers.append(Answer("ADMIT", words[1], words[2], words[3], [], micros, time.monotonic()))
                elif len(words) in (4, 5) and words[0] == "DENY":
                    rules = words[4].split(",") if len(words) == 5 else []
                    self.answers.append(Answer("DENY", words[1], words[2], words[3], rules, micros, time.monotonic()))
                else:
                    self.bad.append(line.rstrip("\n"))
                self.cond.notify_all()
            self.in_flight.release()

    def ask(self, to: str, debt: str, at: str, result: str = "no_answer") -> None:
        self.in_flight.acquire()
        assert self.proc.stdin is not None
        with self.lock:
            self.sent.append((to, debt, at))
        self.proc.stdin.write(f"ASK {to} {debt} {at} {result}\n")
        self.proc.stdin.flush()

    def wait_answered(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.answers) + len(self.bad) < len(self.sent):
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None and len(self.answers) < len(self.sent):
                    raise RuntimeError(
                        f"worker {self.name}: {len(self.sent) - len(self.answers)} asks unanswered"
                        f" (exit status {self.proc.poll()})"
                    )
                self.cond.wait(min(left, 0.5))

    def close(self) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        return self.proc.wait(60)


def start_worker(
    i: int, cmd: str, url: str, policy: Path, env: Dict[str, str], in_flight: int
) -> Worker:
    argv = shlex.split(cmd) + [url, str(policy), SECRET]
    proc = subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
        env={**os.environ, **env},
    )
    w = Worker(f"{i}:{os.path.basename(shlex.split(cmd)[-1])}", proc, threading.Semaphore(in_flight))
    threading.Thread(target=w.read, daemon=True).start()
    return w


# ---------------------------------------------------------------- checks


class Fleet:
    def __init__(self, workers: List[Worker]) -> None:
        self.workers = workers
        self.clock = 0.0

    def next_at(self) -> str:
        self.clock += 1.0
        return stamp(self.clock)

    def feed(self, recipients: Sequence[Tuple[str, str]], rounds: int) -> None:
        """Each round asks every worker about every recipient, interleaved:
        for each recipient, one ask per worker before the next recipient."""
        for rnd in range(rounds):
            for k, (to, debt) in enumerate(recipients):
                n = len(self.workers)
                for j in range(n):
                    # Rotate who asks first, so that every worker races.
                    self.workers[(j + k + rnd) % n].ask(to, debt, self.next_at())
        for w in self.workers:
            w.wait_answered()

    def probe(self, tag: str) -> List[Answer]:
        """One ask per worker on a recipient and debt of its own; waits for
        every answer."""
        start = [len(w.answers) for w in self.workers]
        for i, w in enumerate(self.workers):
            w.ask(f"probe-{tag}-{i}", f"probe-debt-{tag}-{i}", self.next_at())
        for w in self.workers:
            w.wait_answered()
        return [w.answers[s] for w, s in zip(self.workers, start)]


def shared_recipients(debts: int) -> List[Tuple[str, str]]:
    return [(f"r{d}-{k}", f"d{d}") for d in range(debts) for k in range(RECIPIENTS_PER_DEBT)]


def check_caps(answers: Sequence[Answer], shared: Sequence[Tuple[str, str]], exact: bool) -> List[str]:
    """The caps, counted here from the policy's numbers."""
    problems = []
    per_to: Counter[str] = Counter()
    per_debt: Counter[str] = Counter()
    names = {to for to, _ in shared}
    for a in answers:
        if a.verdict == "ADMIT" and a.to in names:
            per_to[a.to] += 1
            per_debt[a.debt] += 1
    for to, n in per_to.items():
        if n > RECIPIENT_CAP:
            problems.append(f"{to}: {n} admitted, cap {RECIPIENT_CAP} a day")
    for debt in sorted({d for _, d in shared}):
        n = per_debt[debt]
        if n > DEBT_CAP:
            problems.append(f"{debt}: {n} admitted, cap {DEBT_CAP} in 7 days")
        elif exact and n != DEBT_CAP:
            problems.append(f"{debt}: {n} admitted, the exact ledger should have admitted {DEBT_CAP}")
    return problems


def answered_what_was_asked(w: Worker) -> List[str]:
    problems = [f"worker {w.name}: unparsable line {b!r}" for b in w.bad]
    got = [(a.to, a.debt, a.at) for a in w.answers]
    if got != w.sent:
        problems.append(f"worker {w.name}: answers do not match the asks in order")
    return problems


def summary(workers: Sequence[Worker]) -> str:
    parts = []
    for w in workers:
        c = Counter(a.verdict for a in w.answers)
        cap = sum(1 for a in w.answers if a.verdict == "DENY" and set(a.rules) & CAP_RULES)
        red = sum(1 for a in w.answers if REDIS_RULE in a.rules)
        parts.append(f"{w.name}: {len(w.answers)} asks, {c['ADMIT']} admitted, {cap} cap denials, {red} redis denials")
    return "; ".join(parts)


# ---------------------------------------------------------------- runs


def run(args: argparse.Namespace) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="contactguard-fleet."))
    policy = tmp / "fleet-policy.toml"
    policy.write_text(POLICY)
    servers: List[Server] = []
    workers: List[Worker] = []
    problems: List[str] = []
    try:
        quick = ["repl-diskless-sync-delay 0"]
        primary = Server(tmp, "primary", quick)
        servers.append(primary)
        env: Dict[str, str] = {"CG_KEY_PREFIX": f"fleet:{os.getpid()}:"}
        url = f"redis://127.0.0.1:{primary.port}/"
        if args.failover:
            replica = Server(tmp, "replica", quick + [f"replicaof 127.0.0.1 {primary.port}"])
            servers.append(replica)
            wait_for("the replica to sync", lambda: replica_online(primary.port))
            sentinels = []
            for i in range(3):
                s = Server(
                    tmp,
                    f"sentinel{i}",
                    [f"sentinel monitor m 127.0.0.1 {primary.port} 2",
                     "sentinel down-after-milliseconds m 400",
                     "sentinel failover-timeout m 4000"],
                    sentinel=True,
                )
                sentinels.append(s)
                servers.append(s)
            for s in sentinels:
                wait_for(
                    f"sentinel {s.port} to know the replica and the other sentinels",
                    lambda s=s: "num-slaves\n1" in cli(s.port, "SENTINEL", "master", "m")
                    and "num-other-sentinels\n2" in cli(s.port, "SENTINEL", "master", "m"),
                    timeout=30,
                )
            env.update({
                "CG_SENTINEL_MASTER": "m",
                "CG_SENTINEL_URLS": ",".join(f"redis://127.0.0.1:{s.port}/" for s in sentinels),
                "CG_WAIT_REPLICAS": "1",
                "CG_WAIT_TIMEOUT_MS": "500",
            })
        for i, cmd in enumerate(args.worker):
            workers.append(start_worker(i, cmd, "memory" if args.unshared else url, policy, env, args.in_flight))
        fleet = Fleet(workers)
        shared = shared_recipients(args.debts)
        log(f"{len(workers)} workers, {len(shared)} recipients on {args.debts} debts, {args.rounds} rounds"
            f"{', failover' if args.failover else ''}; redis on port {primary.port}; files in {tmp}"
            f" ({'kept' if args.keep else 'removed at the end; --keep keeps them'})")

        if args.unshared and args.failover:
            raise RuntimeError("--unshared is a control run without --failover")
        if not args.failover:
            fleet.feed(shared, args.rounds)
        else:
            half = len(shared) // 2 // RECIPIENTS_PER_DEBT * RECIPIENTS_PER_DEBT
            fleet.feed(shared[:half], args.rounds)
            before = sum(a.verdict == "ADMIT" for w in workers for a in w.answers)
            sentinel_port = sentinels[0].port
            killed = time.monotonic()
            primary.kill()
            log(f"killed the primary (port {primary.port}) with SIGKILL after {before} admissions")
            outage: List[Answer] = []
            promoted = None
            n = 0
            while promoted is None:
                outage += fleet.probe(f"o{n}")
                n += 1
                addr = cli(sentinel_port, "SENTINEL", "get-master-addr-by-name", "m").split()
                if len(addr) == 2 and int(addr[1]) != primary.port:
                    promoted = int(addr[1])
                if time.monotonic() - killed > 60:
                    raise RuntimeError("no failover within 60 s")
                time.sleep(0.1)
            # Promoted, and still without a replica: WAIT cannot succeed.
            outage += fleet.probe(f"o{n}")
            log(f"replica on port {promoted} promoted {time.monotonic() - killed:.1f} s after the kill;"
                f" {len(outage)} asks answered during the outage")
            rejoined = Server(tmp, "rejoined", quick + [f"replicaof 127.0.0.1 {promoted}"])
            servers.append(rejoined)
            bad = [a for a in outage if a.verdict != "DENY" or a.rules != [REDIS_RULE]]
            if bad:
                problems.append(f"{len(bad)} asks answered during the outage were not `DENY {REDIS_RULE}`: {bad[:3]}")
            if not outage:
                problems.append("no ask was answered during the outage")
            wait_for("the old primary to rejoin as a replica", lambda: replica_online(promoted), timeout=30)
            n = 0
            while True:
                back = fleet.probe(f"b{n}")
                n += 1
                if all(a.verdict == "ADMIT" for a in back):
                    break
                if time.monotonic() - killed > 90:
                    raise RuntimeError(f"workers still denied 90 s after the kill: {back}")
                time.sleep(0.1)
            log(f"every worker admits again {time.monotonic() - killed:.1f} s after the kill")
            fleet.feed(shared, args.rounds)
            # The verification: a fresh worker asks every shared recipient
            # until it is denied, through the Sentinels, on the new primary.
            checker = start_worker(len(workers), args.worker[0], url, policy, env, 1)
            verify = Fleet([checker])
            verify.clock = fleet.clock
            for to, debt in shared:
                for _ in range(RECIPIENT_CAP + 1):
                    checker.ask(to, debt, verify.next_at())
                    checker.wait_answered()
                    if checker.answers[-1].verdict == "DENY":
                        break
            checker.close()
            ends = {}
            for a in checker.answers:
                ends[a.to] = a
            for to, _ in shared:
                last = ends.get(to)
                if last is None or last.verdict != "DENY" or not set(last.rules) <= CAP_RULES or not last.rules:
                    problems.append(f"verification of {to} did not end with a cap's denial: {last}")
            extra = [a for a in checker.answers if a.verdict == "ADMIT"]
            log(f"verification on the promoted primary: {len(checker.answers)} asks, {len(extra)} admitted")
            problems += check_caps(
                [a for w in workers for a in w.answers] + checker.answers, shared, exact=False
            )
        all_answers = [a for w in workers for a in w.answers]
        shared_names = {to for to, _ in shared}
        on_shared = [a for a in all_answers if a.to in shared_names]
        redis_denials = sum(REDIS_RULE in a.rules for a in on_shared)
        if redis_denials:
            problems.append(f"{redis_denials} asks on the shared recipients were denied by Redis")
        problems += check_caps(on_shared, shared, exact=redis_denials == 0)
        for w in workers:
            problems += answered_what_was_asked(w)
            if not any(a.verdict == "DENY" and set(a.rules) & CAP_RULES for a in w.answers):
                problems.append(f"worker {w.name} saw no denial by a cap: no contention")
            # A slower worker may lose every race for the shared recipients:
            # that is allowed (only the caps are), and the summary shows it.
        for w in workers:
            status = w.close()
            if status != 0:
                problems.append(f"worker {w.name} exited with {status}")
        log(summary(workers))
        admitted = sum(a.verdict == "ADMIT" for a in on_shared)
        log(f"shared recipients: {len(on_shared)} asks, {admitted} admitted"
            f" ({len(shared)} recipients x cap {RECIPIENT_CAP}, {args.debts} debts x cap {DEBT_CAP})")
    finally:
        for w in workers:
            if w.proc.poll() is None:
                w.proc.kill()
        for s in reversed(servers):
            s.stop()
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if args.unshared:
        # The control: workers with a ledger each must be caught.
        caught = [p for p in problems if "admitted, cap" in p]
        for p in caught:
            log(f"caught, as it should be: {p}")
        if not caught:
            log("FAIL: workers that do not share a ledger were not caught exceeding a cap")
            return 1
        log("PASS (the checks catch workers that do not share a ledger)")
        return 0
    if problems:
        for p in problems:
            log(f"FAIL: {p}")
        return 1
    log("PASS" + (" (failover)" if args.failover else ""))
    return 0


# ---------------------------------------------------------------- bench


def pct(values: List[int], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return float(s[min(len(s) - 1, int(q * len(s)))])


def expected_admissions(asks: Sequence[Tuple[str, str]]) -> int:
    """How many of `asks` (recipient, debt), all on one local day and in
    this order, the policy admits: counted here from its numbers."""
    per_to: Counter[str] = Counter()
    per_debt: Counter[str] = Counter()
    for to, debt in asks:
        if per_to[to] < RECIPIENT_CAP and per_debt[debt] < DEBT_CAP:
            per_to[to] += 1
            per_debt[debt] += 1
    return sum(per_to.values())


def bench(args: argparse.Namespace) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="contactguard-fleet-bench."))
    policy = tmp / "fleet-policy.toml"
    policy.write_text(POLICY)
    server = Server(tmp, "bench", ["appendonly yes", f"appendfsync {args.appendfsync}"])
    url = f"redis://127.0.0.1:{server.port}/"
    cmd = shlex.split(args.worker[0])
    print(f"# {args.asks} asks per process; redis-server appendonly yes, appendfsync {args.appendfsync};"
          f" worker {args.worker[0]}")
    print("| mode | processes | asks/s per process (median) | asks/s total | admitted | p50 µs | p99 µs |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    try:
        for mode in ("contended", "uncontended"):
            for procs in args.procs:
                inputs = []
                expected = 0
                for w in range(procs):
                    lines = []
                    pairs = []
                    for i in range(args.asks):
                        if mode == "contended":
                            to, debt = f"c{i % 4}", f"cd{i % 4 // 2}"
                        else:
                            r = i % 500
                            to, debt = f"w{w}-r{r}", f"w{w}-d{r // 3}"
                        # 10 ms apart: a run stays within the one-minute skew.
                        lines.append(f"ASK {to} {debt} {stamp(i * 0.01)} no_answer\n")
                        pairs.append((to, debt))
                    # Contended: 4 recipients, 2 per debt (6 < 7), so the
                    # total does not depend on how the workers interleave.
                    if mode == "uncontended" or w == 0:
                        expected += expected_admissions(pairs)
                    f = tmp / f"in-{mode}-{procs}-{w}.txt"
                    f.write_text("".join(lines))
                    inputs.append(f)
                env = {**os.environ, "CG_LATENCY": "1", "CG_KEY_PREFIX": f"bench:{os.getpid()}:{mode}:{procs}:"}
                start = time.monotonic()
                running = []
                for f in inputs:
                    p = subprocess.Popen(cmd + [url, str(policy), SECRET], stdin=open(f), stdout=subprocess.PIPE,
                                         text=True, env=env)
                    running.append(p)
                outs: List[str] = [""] * procs
                ends: List[float] = [0.0] * procs

                def collect(k: int) -> None:
                    outs[k] = running[k].communicate()[0]
                    ends[k] = time.monotonic()

                threads = [threading.Thread(target=collect, args=(k,)) for k in range(procs)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                for p in running:
                    if p.returncode != 0:
                        raise RuntimeError(f"a bench worker exited with {p.returncode}")
                # A process's rate: its asks over the time from the start of
                # the run (all are spawned together) to its last answer.
                rates = [args.asks / (end - start) for end in ends]
                total_s = time.monotonic() - start
                micros, admitted, redis_denied = [], 0, 0
                for out in outs:
                    for line in out.splitlines():
                        words = line.split()
                        micros.append(int(words[-1][3:]))
                        admitted += words[0] == "ADMIT"
                        redis_denied += REDIS_RULE in line
                if redis_denied:
                    raise RuntimeError(f"{redis_denied} asks denied by Redis in the benchmark")
                if admitted != expected:
                    raise RuntimeError(f"{mode}, {procs} processes: {admitted} admitted, the caps allow {expected}")
                print(f"| {mode} | {procs} | {statistics.median(rates):.0f} | {procs * args.asks / total_s:.0f} |"
                      f" {admitted}/{procs * args.asks} | {pct(micros, 0.5):.0f} | {pct(micros, 0.99):.0f} |",
                      flush=True)
            # The in-process ledger, one process, the same asks as one worker.
            env = {**os.environ, "CG_LATENCY": "1"}
            start = time.monotonic()
            r = subprocess.run(cmd + ["memory", str(policy), SECRET], stdin=open(tmp / f"in-{mode}-1-0.txt"),
                               capture_output=True, text=True, env=env, check=True)
            secs = time.monotonic() - start
            micros = [int(line.split()[-1][3:]) for line in r.stdout.splitlines()]
            print(f"| {mode}, in-memory ledger | 1 | {args.asks / secs:.0f} | {args.asks / secs:.0f} |"
                  f" {sum(line.startswith('ADMIT') for line in r.stdout.splitlines())}/{args.asks} |"
                  f" {pct(micros, 0.5):.0f} | {pct(micros, 0.99):.0f} |", flush=True)
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="the fleet test")
    r.add_argument("--worker", action="append", required=True, help="a worker command (repeat)")
    r.add_argument("--failover", action="store_true", help="primary, replica, 3 Sentinels; kill -9 mid-run")
    r.add_argument("--debts", type=int, default=4, help="debts, each shared by 3 recipients")
    r.add_argument("--rounds", type=int, default=3, help="asks per worker per recipient")
    r.add_argument("--in-flight", type=int, default=4, help="outstanding asks per worker")
    r.add_argument("--unshared", action="store_true",
                   help="control run: each worker gets URL `memory` (a ledger of its own); passes only if"
                        " the checks catch a cap exceeded")
    r.add_argument("--keep", action="store_true", help="keep the servers' directory (logs, configuration)")
    b = sub.add_parser("bench", help="asks/s of 1..N worker processes")
    b.add_argument("--worker", action="append", required=True, help="the worker command (the first is used)")
    b.add_argument("--procs", type=lambda s: [int(x) for x in s.split(",")], default=[1, 2, 4, 8])
    b.add_argument("--asks", type=int, default=3000)
    b.add_argument("--appendfsync", default="everysec")
    args = ap.parse_args()
    return run(args) if args.cmd == "run" else bench(args)


if __name__ == "__main__":
    sys.exit(main())
