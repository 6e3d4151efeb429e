"""contactguard: may we contact this person, on this channel, right now?

Debt-collection contact rules as data (presets for real jurisdictions, every
rule cited), decided by a Rust engine::

    import contactguard as cg

    policy = cg.Policy.preset("us-reg-f+us-ma")
    d = policy.decide({"at": "2026-10-14T07:59:00-04:00", "channel": "call",
                       "to": "c1", "role": "debtor", "debt": "d1",
                       "timezones": ["America/New_York"]})
    d.allow, [x.id for x in d.denials], d.retry_at

``audit(log, policy)`` replays a pandas / polars / pyarrow contact log and
adds ``allow``, ``rules`` and ``retry_at`` to every attempt row;
``vectors(path)`` runs a conformance-vectors file through this API.
"""

from __future__ import annotations

from ._audit import AUDIT_COLUMNS, RESULT_COLUMNS, AuditWarning, audit
from ._contactguard import (
    Admission,
    Ask,
    Attempt,
    Decision,
    Denial,
    History,
    Ledger,
    Policy,
    Rule,
    Ticket,
    __version__,
    error_codes,
    preset_source,
    presets,
)
from ._errors import ContactGuardError, ContactguardError, InputError, LedgerError, PolicyError
from ._vectors import VectorFailure, vectors

__all__ = [
    "AUDIT_COLUMNS",
    "Admission",
    "AuditWarning",
    "Ask",
    "Attempt",
    "ContactGuardError",
    "ContactguardError",
    "Decision",
    "Denial",
    "History",
    "InputError",
    "Ledger",
    "LedgerError",
    "Policy",
    "PolicyError",
    "RESULT_COLUMNS",
    "Rule",
    "Ticket",
    "VectorFailure",
    "__version__",
    "error_codes",
    "audit",
    "preset_source",
    "presets",
    "vectors",
]
