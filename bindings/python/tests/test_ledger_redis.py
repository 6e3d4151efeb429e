"""``contactguard.Ledger.redis``: the ledger contract over a real
redis-server (the ``redis_server`` and ``own_redis`` fixtures of
conftest.py), against the in-process ledger's decisions."""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Tuple

import pytest

import contactguard as cg

from conftest import RedisServer, call_ask

SECRET = "python redis test secret"
_prefixes = itertools.count()


def prefix() -> str:
    return f"pytest:{os.getpid()}:{next(_prefixes)}:"


def ask(minute: int, to: str = "+15555550100", debt: str = "loan-1") -> Dict[str, Any]:
    return call_ask(f"2026-03-03T10:{minute:02d}:00-05:00", to=to, debt=debt)


def outcome(d: cg.Decision) -> Tuple[bool, List[str], Any]:
    return d.allow, sorted(x.id for x in d.denials), d.retry_at


def test_same_decisions_as_the_memory_ledger(redis_server: RedisServer) -> None:
    policy = cg.Policy.preset("us-reg-f+conduct")
    memory = cg.Ledger(policy, SECRET)
    with cg.Ledger.redis(policy, redis_server.url, SECRET, key_prefix=prefix()) as redis:
        assert redis.is_redis and not memory.is_redis
        assert redis.policy.name == memory.policy.name
        seen = []
        # Seven asks a day in the Reg F presumption window, two recipients
        # sharing a debt, completions with several results, an opt-out.
        for i in range(12):
            a = ask(i * 4, to=f"+1555555010{i % 2}", debt="loan-1")
            a["at"] = f"2026-03-0{3 + i // 6}T{9 + i % 6:02d}:00:00-05:00"
            a.update(place="mobile", purpose="collection", autodialed=False, days_past_due=40)
            want = memory.check_and_record(a)
            got = redis.check_and_record(a)
            assert outcome(got.decision) == outcome(want.decision), a
            assert outcome(redis.check(a)) == outcome(memory.check(a))
            if want.ticket is not None and got.ticket is not None:
                result = ["no_answer", "voicemail", "conversation"][i % 3]
                memory.complete(want.ticket, result)
                redis.complete(got.ticket, result)
                assert got.ticket.at == want.ticket.at
            seen.append(want.allow)
        assert True in seen and False in seen, seen
        opt_out = {"type": "opt_out", "at": "2026-03-05T08:00:00-05:00", "to": "+15555550100",
                   "channel": "call"}
        memory.record(opt_out)
        redis.record(opt_out)
        late = ask(0)
        late["at"] = "2026-03-05T12:00:00-05:00"
        assert outcome(redis.check(late)) == outcome(memory.check(late))
        assert not redis.check(late).allow


def test_admits_up_to_the_cap_then_completing_twice_is_an_error(
    redis_server: RedisServer, policy: cg.Policy
) -> None:
    with cg.Ledger.redis(policy, redis_server.url, SECRET, key_prefix=prefix()) as ledger:
        first, second, third = (ledger.check_and_record(ask(m)) for m in (0, 1, 2))
        assert first.allow and second.allow and not third.allow
        assert [d.id for d in third.decision.denials] == ["acme.calls"]
        assert third.ticket is None
        assert first.ticket is not None
        ledger.complete(first.ticket, "no_answer")
        with pytest.raises(cg.LedgerError) as e:
            ledger.complete(first.ticket, "no_answer")
        assert e.value.code == "ledger.unknown_ticket"
        with pytest.raises(cg.InputError):
            ledger.complete(first.ticket, "maybe")


def test_two_ledgers_on_one_redis_share_the_cap(redis_server: RedisServer, policy: cg.Policy) -> None:
    p = prefix()
    ledgers = [cg.Ledger.redis(policy, redis_server.url, SECRET, key_prefix=p) for _ in range(4)]
    with ThreadPoolExecutor(8) as pool:
        admitted = list(pool.map(lambda i: ledgers[i % 4].check_and_record(ask(0)).allow, range(40)))
    assert sum(admitted) == 2
    # Another secret sees other keys: nothing recorded for it.
    other = cg.Ledger.redis(policy, redis_server.url, "another secret", key_prefix=p)
    assert other.check(ask(1)).allow
    for ledger in ledgers + [other]:
        ledger.close()


def test_wrong_password_is_a_clear_error_at_open(own_redis: Callable[..., RedisServer], policy: cg.Policy) -> None:
    server = own_redis("user default off", "user dialer on >right-password ~* &* +@all")
    with pytest.raises(cg.LedgerError) as e:
        cg.Ledger.redis(policy, f"redis://dialer:wrong-password@127.0.0.1:{server.port}/", SECRET)
    text = str(e.value) + repr(e.value)
    assert e.value.code == "redis.unavailable"
    assert "wrong-password" not in text and SECRET not in text
    assert "authentication failed" in text.lower(), text
    # The right one works, and neither the password nor the secret shows.
    ledger = cg.Ledger.redis(policy, f"redis://dialer:right-password@127.0.0.1:{server.port}/", SECRET)
    assert ledger.check_and_record(ask(0)).allow
    assert "right-password" not in repr(ledger) and SECRET not in repr(ledger)
    ledger.close()


def test_unreachable_at_open_is_an_error(policy: cg.Policy, own_redis: Callable[..., RedisServer]) -> None:
    server = own_redis()
    server.stop()
    with pytest.raises(cg.LedgerError) as e:
        cg.Ledger.redis(policy, server.url, SECRET, connect_timeout=0.2)
    assert e.value.code == "redis.unavailable"


def test_server_stopped_denies_with_contactguard_redis(
    own_redis: Callable[..., RedisServer], policy: cg.Policy
) -> None:
    server = own_redis()
    ledger = cg.Ledger.redis(policy, server.url, SECRET, connect_timeout=0.2, io_timeout=0.2)
    admitted = ledger.check_and_record(ask(0))
    assert admitted.allow and admitted.ticket is not None
    server.stop()
    for m in range(1, 4):
        a = ledger.check_and_record(ask(m, to=f"+1555555020{m}"))
        assert not a.allow and a.ticket is None
        assert [d.id for d in a.decision.denials] == ["contactguard.redis"], a.decision
        c = ledger.check(ask(m))
        assert not c.allow and [d.id for d in c.denials] == ["contactguard.redis"]
    with pytest.raises(cg.LedgerError) as e:
        ledger.complete(admitted.ticket, "no_answer")
    assert e.value.code == "redis.unavailable"
    with pytest.raises(cg.LedgerError):
        ledger.record({"type": "opt_out", "at": "2026-03-03T11:00:00-05:00", "to": "x", "channel": "call"})
    ledger.close()


def test_the_gil_is_released_while_redis_is_slow(own_redis: Callable[..., RedisServer], policy: cg.Policy) -> None:
    server = own_redis()
    ledger = cg.Ledger.redis(policy, server.url, SECRET, io_timeout=0.3)
    assert ledger.check(ask(0)).allow
    os.kill(server.proc.pid, signal.SIGSTOP)
    try:
        done: List[cg.Decision] = []
        t = threading.Thread(target=lambda: done.append(ledger.check(ask(1))))
        t.start()
        spins, start = 0, time.monotonic()
        while time.monotonic() - start < 0.25:
            spins += 1
        t.join(10)
    finally:
        os.kill(server.proc.pid, signal.SIGCONT)
    # The thread waited on Redis without holding the GIL: this one ran.
    assert spins > 1000, spins
    assert done and not done[0].allow
    assert [d.id for d in done[0].denials] == ["contactguard.redis"]
    ledger.close()


def test_in_process_only_operations_are_refused(redis_server: RedisServer, policy: cg.Policy) -> None:
    ledger = cg.Ledger.redis(policy, redis_server.url, SECRET, key_prefix=prefix())
    refused = {
        "snapshot": ledger.snapshot,
        "restore": lambda: ledger.restore(b""),
        "stats": ledger.stats,
        "checkpoint": ledger.checkpoint,
        "prune": lambda: ledger.prune("2026-03-03T10:00:00Z"),
    }
    for name, call in refused.items():
        with pytest.raises(cg.LedgerError) as e:
            call()
        assert e.value.code == "ledger.unsupported", name
        assert f"`{name}`" in str(e.value) and "Redis" in str(e.value)
    assert ledger.record_many([]) == 0
    ledger.close()


def test_closed_by_its_with_block(redis_server: RedisServer, policy: cg.Policy) -> None:
    with cg.Ledger.redis(policy, redis_server.url, SECRET, key_prefix=prefix()) as ledger:
        assert ledger.check(ask(0)).allow
    with pytest.raises(cg.LedgerError) as e:
        ledger.check(ask(0))
    assert e.value.code == "ledger.closed"
    ledger.close()  # closing twice is fine
    # An in-process ledger is a context manager too, and stays usable.
    with cg.Ledger(policy) as memory:
        assert memory.check(ask(0)).allow
    assert memory.check(ask(0)).allow


def test_bad_arguments(redis_server: RedisServer, policy: cg.Policy, tmp_path: Any) -> None:
    url = redis_server.url
    cases: List[Tuple[Dict[str, Any], type, str]] = [
        ({"client_cert": str(tmp_path / "c.pem")}, cg.InputError, "client_key"),
        ({"client_key": str(tmp_path / "k.pem")}, cg.InputError, "client_cert"),
        ({"wait_timeout": 1.0}, cg.InputError, "wait_timeout"),
        ({"io_timeout": -1.0}, cg.InputError, "io_timeout"),
        ({"connect_timeout": float("nan")}, cg.InputError, "connect_timeout"),
        ({"sentinel_master": "m"}, cg.InputError, "sentinel_urls"),
        ({"sentinel_urls": ["redis://127.0.0.1:1/"]}, cg.InputError, "sentinel_master"),
    ]
    for kw, cls, field in cases:
        with pytest.raises(cls) as e:
            cg.Ledger.redis(policy, url, SECRET, **kw)
        assert e.value.field == field, (kw, e.value)
    with pytest.raises(cg.LedgerError) as le:
        cg.Ledger.redis(policy, url, SECRET, ca_file=str(tmp_path / "ca.pem"))
    assert le.value.code == "redis.config"
    with pytest.raises(cg.LedgerError) as le:
        cg.Ledger.redis(policy, "redis://:pw-in-url@[not a host", SECRET)
    assert "pw-in-url" not in str(le.value)
    with pytest.raises(cg.InputError):
        cg.Ledger.redis(policy, url, None)  # type: ignore[arg-type]


def test_wait_without_a_replica_denies(redis_server: RedisServer, policy: cg.Policy) -> None:
    with cg.Ledger.redis(policy, redis_server.url, SECRET, key_prefix=prefix(), wait_replicas=1,
                         wait_timeout=0.05) as ledger:
        a = ledger.check_and_record(ask(0))
        assert not a.allow and [d.id for d in a.decision.denials] == ["contactguard.redis"]
        assert "replica" in a.decision.denials[0].message, a.decision.denials[0].message


def _openssl(directory: Any, *args: str) -> None:
    import subprocess

    subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)


def _pki(directory: Any) -> None:
    """A CA, a server certificate for 127.0.0.1 and a client certificate,
    valid for a day, made by openssl for this test."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"]
    _openssl(directory, "req", "-x509", *ec, "-subj", "/CN=contactguard python test CA",
             "-keyout", "ca.key", "-out", "ca.pem",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    for name, usage in (("server", "serverAuth"), ("client", "clientAuth")):
        _openssl(directory, "req", "-x509", *ec, "-subj", f"/CN={name}", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-keyout", f"{name}.key", "-out", f"{name}.pem",
                 "-addext", "basicConstraints=critical,CA:FALSE",
                 "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                 "-addext", f"extendedKeyUsage={usage}")


def test_tls_with_a_client_certificate(own_redis: Callable[..., RedisServer], policy: cg.Policy,
                                       tmp_path: Any) -> None:
    _pki(tmp_path)
    f = lambda n: str(tmp_path / n)  # noqa: E731
    server = own_redis("port 0", "tls-port {port}", f"tls-cert-file {f('server.pem')}",
                       f"tls-key-file {f('server.key')}", f"tls-ca-cert-file {f('ca.pem')}",
                       "tls-auth-clients yes", "user default off",
                       "user dialer on >tls-password ~cg:* &* +@all")
    url = f"rediss://dialer:tls-password@127.0.0.1:{server.port}/"
    with cg.Ledger.redis(policy, url, SECRET, ca_file=f("ca.pem"), client_cert=f("client.pem"),
                         client_key=f("client.key")) as ledger:
        assert [ledger.check_and_record(ask(m)).allow for m in range(3)] == [True, True, False]
    # Without the client certificate, or trusting no CA that signed the
    # server's: refused at open, without the password in the message.
    for kw in ({"ca_file": f("ca.pem")}, {"client_cert": f("client.pem"), "client_key": f("client.key")}):
        with pytest.raises(cg.LedgerError) as e:
            cg.Ledger.redis(policy, url, SECRET, connect_timeout=0.5, **kw)
        assert "tls-password" not in str(e.value), e.value
