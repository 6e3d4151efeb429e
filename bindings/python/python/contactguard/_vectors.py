"""``contactguard.vectors``: run a ``contact-vectors/1`` file through the
Python API (``Policy.preset`` / ``Policy.from_json`` and ``Policy.decide``
with dicts), the way a Python caller would."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Tuple, Union

from ._contactguard import Decision, Policy
from ._errors import ContactguardError, InputError

__all__ = ["VectorFailure", "vectors", "run_document", "FORMAT"]

FORMAT = "contact-vectors/1"

PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class VectorFailure:
    """One case that disagreed (or could not be run)."""

    file: str
    id: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.id}: {self.message}"


_INSTANT = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"
    r"(?:([Zz])|([+-])(\d{2}):?(\d{2})(?::?(\d{2}))?)$"
)


def parse_instant(text: str) -> Optional[datetime]:
    """An RFC 3339 instant as an aware ``datetime`` keeping its offset, or
    ``None`` when ``text`` is not one (works on Python 3.9, whose
    ``fromisoformat`` knows neither ``Z`` nor nanoseconds)."""
    m = _INSTANT.match(text)
    if m is None:
        return None
    y, mo, d, h, mi, s, frac, z, sign, oh, om, os_ = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    if z:
        tz = timezone.utc
    else:
        delta = timedelta(hours=int(oh), minutes=int(om), seconds=int(os_ or 0))
        tz = timezone(-delta if sign == "-" else delta)
    return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), micro, tzinfo=tz)


def _as_datetimes(value: Any) -> Any:
    """A copy of an ask or event with every ``at``/``until`` string turned
    into an aware ``datetime`` (exercising the datetime path)."""
    if isinstance(value, list):
        return [_as_datetimes(v) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in ("at", "until") and isinstance(v, str):
                dt = parse_instant(v)
                out[k] = dt if dt is not None and dt.microsecond * 1000 == _nanos(v) else v
            else:
                out[k] = v
        return out
    return value


def _nanos(text: str) -> int:
    m = _INSTANT.match(text)
    frac = (m.group(7) if m else None) or "0"
    return int(frac[:9].ljust(9, "0"))


def _compare(expect: Dict[str, Any], got: Decision) -> Optional[str]:
    problems: List[str] = []
    if bool(expect.get("allow")) != got.allow:
        problems.append(f"expected allow={bool(expect.get('allow'))}, got allow={got.allow}")
    if "retry_at" in expect:
        want_text = expect["retry_at"]
        want = None if want_text is None else parse_instant(want_text)
        if want_text is not None and want is None:
            problems.append(f"expected retry_at `{want_text}` is not an instant")
        elif want != got.retry_at:
            shown = "null" if got.retry_at is None else got.retry_at.isoformat()
            problems.append(f"expected retry_at={want_text or 'null'}, got {shown}")
    ids = {d.id for d in got.denials}
    for rule in expect.get("denied_by") or []:
        if rule not in ids:
            problems.append(f"expected a denial by `{rule}`")
    for ob in expect.get("obligations") or []:
        if ob not in got.obligations:
            problems.append(f"expected obligation `{ob}`")
    return "; ".join(problems) or None


def run_document(
    doc: Any, *, source: str = "<vectors>", datetimes: bool = False
) -> Tuple[int, List[VectorFailure]]:
    """Runs every case of a parsed vectors document; returns the number
    that passed and the failures. With ``datetimes``, instants in asks and
    histories are passed as aware ``datetime`` objects instead of text."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else None
        return 0, [VectorFailure(source, "(file)", f'expected "format": "{FORMAT}", found {found!r}')]
    cases = doc.get("cases")
    if not isinstance(cases, list):
        return 0, [VectorFailure(source, "(file)", "no `cases` array")]
    policies: Dict[str, Policy] = {}
    passed = 0
    failures: List[VectorFailure] = []
    for case in cases:
        cid = str(case.get("id", "(case without id)")) if isinstance(case, dict) else "(not an object)"
        try:
            if not isinstance(case, dict):
                raise ValueError("a case is a JSON object")
            spec = case["policy"]
            key = spec if isinstance(spec, str) else json.dumps(spec, sort_keys=True)
            if key not in policies:
                policies[key] = Policy.preset(spec) if isinstance(spec, str) else Policy.from_json(json.dumps(spec))
            ask = case["ask"]
            history = case.get("history") or []
            if datetimes:
                ask, history = _as_datetimes(ask), _as_datetimes(history)
            decision = policies[key].decide(ask, history)
            problem = _compare(case["expect"], decision)
        except (ContactguardError, KeyError, ValueError, TypeError) as e:
            problem = f"cannot run the case: {type(e).__name__}: {e}"
        if problem is None:
            passed += 1
        else:
            failures.append(VectorFailure(source, cid, problem))
    return passed, failures


def vectors(path: PathLike) -> List[VectorFailure]:
    """Runs a ``contact-vectors/1`` file through the Python API and returns
    the cases that disagree (an empty list when all pass).

    A file that cannot be read, is not UTF-8 text or is not JSON raises
    :class:`InputError` with ``file`` set (codes ``io.read`` when unreadable or not UTF-8,
    ``json.syntax``; ``line``/``column`` for JSON),
    never a bare ``OSError`` or ``json.JSONDecodeError``."""
    name = os.fspath(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        reason = e.strerror or str(e)
        raise InputError(
            f"cannot read `{name}`: {reason}",
            code="io.read",
            file=name,
            help="check the path; relative paths start from the current directory",
        ) from e
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(
            f"`{name}` is not UTF-8 text (byte {e.start} is not)",
            code="io.read",
            file=name,
            help="a vectors file is JSON saved as UTF-8",
        ) from e
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(
            f"`{name}` is not JSON: {e.msg}",
            code="json.syntax",
            file=name,
            line=e.lineno,
            column=e.colno,
            help=f'a vectors file is a JSON object with "format": "{FORMAT}" and "cases"',
        ) from e
    return run_document(doc, source=name)[1]
