"""Shared fixtures: where the repository and the conformance vectors are,
the asks, attempts and policy the tests build, and redis-servers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest

import contactguard as cg

#: The repository root (this file is bindings/python/tests/conftest.py).
ROOT = Path(__file__).resolve().parents[3]


def _expand(path: Path) -> List[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*.json") if p.is_file())
    return [path]


def vector_files() -> List[Path]:
    """Every vectors file the Python suite runs: the shared cases beside the
    clone (``../shared/vectors``), the project's own (``tests/vectors``),
    and the files or directories named in ``CONTACTGUARD_VECTORS``."""
    found: List[Path] = []
    for base in (ROOT.parent / "shared" / "vectors", ROOT / "tests" / "vectors"):
        if base.is_dir():
            found.extend(_expand(base))
    for entry in os.environ.get("CONTACTGUARD_VECTORS", "").split(":"):
        if entry.strip():
            found.extend(_expand(Path(entry.strip())))
    unique: List[Path] = []
    for f in found:
        if f.resolve() not in [u.resolve() for u in unique]:
            unique.append(f)
    return unique


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


# ------------------------------------------------------------------ asks
#: A policy of one rule: at most two calls a day to one recipient.
CAP_TOML = """\
format = "contactguard-policy/1"
name = "acme"

[[rules]]
id = "acme.calls"
title = "At most two calls a day"
cite = "ACME policy 1"
status = "convention"
kind = "cap"
limit = 2
scope = "recipient"
period = "day"
count = { channels = ["call"] }
when = { channels = ["call"] }
"""


@pytest.fixture
def policy() -> cg.Policy:
    """:data:`CAP_TOML` compiled."""
    return cg.Policy.from_toml(CAP_TOML)


def call_ask(at: str, to: str = "c1", debt: str = "d1", zone: str = "America/New_York",
             **more: Any) -> Dict[str, Any]:
    """An ask, in the wire format, to call the debtor ``to`` about ``debt``
    at ``at`` in the time zone ``zone``; ``more`` adds fields (``purpose``,
    ``place``, ...)."""
    return {"at": at, "channel": "call", "to": to, "role": "debtor", "debt": debt,
            "timezones": [zone], **more}


def call_attempt(at: str, result: str = "no_answer", to: str = "c1", debt: str = "d1") -> Dict[str, Any]:
    """A call attempt to the debtor ``to`` about ``debt``, as an event in
    the wire format."""
    return {"type": "attempt", "at": at, "channel": "call", "to": to, "role": "debtor", "debt": debt,
            "result": result}


# ------------------------------------------------------------------ Redis
# The Redis ledger's tests run against real redis-servers the fixtures
# start on free loopback ports. They are never skipped: without
# redis-server on PATH they fail (`make python-test` installs it, as
# mk/redis.mk does).


class RedisServer:
    """A redis-server in the foreground on a free loopback port, in its
    own temporary directory, with extra configuration lines (``{port}``
    in them is that port)."""

    def __init__(self, directory: Path, lines: List[str] = []) -> None:
        import shutil
        import socket
        import subprocess
        import time

        if shutil.which("redis-server") is None:
            raise RuntimeError("redis-server is not on PATH: install it (make python-test does, see mk/redis.mk)")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        directory.mkdir(parents=True, exist_ok=True)
        conf = directory / "redis.conf"
        conf.write_text(
            "\n".join(["bind 127.0.0.1", f"port {self.port}", f"dir {directory}", "save ''",
                       "appendonly no", f"logfile {directory / 'redis.log'}",
                       *(line.replace("{port}", str(self.port)) for line in lines)]) + "\n"
        )
        self.proc = subprocess.Popen(["redis-server", str(conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start: see {directory / 'redis.log'}")
                time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server for the session; tests use unique key prefixes."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[Callable[..., RedisServer]]:
    """Starts redis-servers of the test's own (stopped at its end)."""
    started: List[RedisServer] = []

    def start(*lines: str) -> RedisServer:
        s = RedisServer(tmp_path / f"redis{len(started)}", list(lines))
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()
