"""``contactguard.audit``: replay a contact log through a policy.

The log is a table with one row per event (usually one per contact
attempt). pandas and polars frames are turned into Arrow without copying
where their memory allows (polars and Arrow-backed pandas columns share
their buffers; NumPy-backed pandas columns are converted by pyarrow), and
the Rust side reads the Arrow columns in place, without the GIL, on every
core. The answer is the same kind of table with three columns added.
"""

from __future__ import annotations

import warnings
from typing import Any, Dict, List, Optional, Tuple, TypeVar, Union

from . import _contactguard
from ._contactguard import Policy
from ._errors import InputError

__all__ = ["audit", "AuditWarning", "AUDIT_COLUMNS", "RESULT_COLUMNS"]


class AuditWarning(UserWarning):
    """Something in the log the audit could not take fully into account:

    - rows were recorded although a cell could not be used (an unknown
      time zone, place, purpose, flag, number or result): the row still
      counts, the cell was read the stricter way;
    - event rows that no rule of the policy reads (a hold for a reason no
      hold rule lists, a consent under a policy without consent
      conditions, ...): they change no verdict. The warning is worded as
      ``contactguard audit`` words it, and names a preset that would read
      them, e.g. "1 hold row (repayment_plan), but no rule of cn reads
      holds with that reason; add `conduct`".

    ``strict=True`` raises :class:`InputError` instead, naming the first
    such row."""


#: The columns the audit reads, by name (any case; ``timezones`` is
#: ``timezone``). Only ``at`` is required; which others a row needs depends
#: on its ``type``. Other columns are ignored and kept in the result.
AUDIT_COLUMNS: Dict[str, str] = {
    "at": "the instant of the event: a timezone-aware timestamp, or RFC 3339 text with an offset",
    "type": "attempt (default when absent or null), consent, opt_out, cease, attorney, hold, "
    "prior_consent_to_contact, request_contact, inconvenient or unreachable",
    "channel": "call, sms, email, letter, visit, push, voicemail_drop",
    "to": "recipient key (text or integers)",
    "role": "debtor, co_debtor, guarantor, spouse, estate_representative, attorney, "
    "emergency_contact, reference, third_party, employer",
    "debt": "account key (text or integers)",
    "result": "attempts: not_connected, no_answer, voicemail, conversation, delivered, failed",
    "timezones": "IANA zones of the recipient: a list, or text separated by `|`, `;`, `,` or spaces "
    "(`timezone` is accepted too)",
    "place": "home, mobile, work, unknown",
    "purpose": "collection, location, notice",
    "days_past_due": "whole number",
    "autodialed": "boolean",
    "granted": "consent and prior_consent_to_contact: boolean",
    "kind": "consent: which consent it is",
    "reason": "hold: dispute, promise_to_pay, repayment_plan, complaint, bankruptcy, deceased",
    "until": "hold, prior_consent_to_contact, inconvenient: when it ends (timestamp or text)",
    "start": "inconvenient: start of the local-time span, HH:MM",
    "end": "inconvenient: end of the span, exclusive",
    "weekdays": "inconvenient: mon..sun, a list or separated text",
}

#: The columns the audit adds. Rows that are not attempts get nulls.
RESULT_COLUMNS: Dict[str, str] = {
    "allow": "whether the engine would have allowed the attempt at that moment",
    "rules": "ids of the rules that denied it (empty when allowed)",
    "retry_at": "earliest instant (UTC) the same attempt would have passed, or null",
    "could_not_evaluate": "denied only because a time zone or a holiday calendar year is missing "
    "(fail closed): not a violation; fix the data",
}

T = TypeVar("T")


def _module_of(obj: object) -> str:
    return type(obj).__module__.split(".", 1)[0]


def _to_arrow(log: Any) -> Tuple[str, Any]:
    """The log's kind and an object exporting ``__arrow_c_stream__``."""
    mod = _module_of(log)
    name = type(log).__name__
    if mod == "pandas" and name == "DataFrame":
        import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

        try:
            return "pandas", pa.Table.from_pandas(log, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
            raise InputError(
                f"cannot read the DataFrame as Arrow: {e}",
                code="input.column_type",
                help="give each column one type (text, numbers, booleans or timestamps)",
            ) from e
    if mod == "polars" and name == "DataFrame":
        if hasattr(log, "__arrow_c_stream__"):
            return "polars", log
        return "polars", log.to_arrow()
    if mod == "pyarrow" and name == "Table":
        return "pyarrow", log
    if mod == "pyarrow" and name == "RecordBatch":
        import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

        return "pyarrow.batch", pa.Table.from_batches([log])
    if hasattr(log, "__arrow_c_stream__"):
        import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

        return "arrow", pa.table(log)
    raise InputError(
        f"audit takes a pandas DataFrame, a polars DataFrame or a pyarrow Table, not `{type(log).__name__}`",
        code="input.invalid",
        help="any object with `__arrow_c_stream__` works too",
    )


def _without(table: Any, names: Tuple[str, ...]) -> Any:
    present = [n for n in names if n in table.column_names]
    return table.drop_columns(present) if present else table


_NAMES = ("allow", "rules", "retry_at", "could_not_evaluate")


def _attach(kind: str, log: Any, table: Any, cols: Tuple[Any, ...]) -> Any:
    names = _NAMES
    if kind == "polars":
        import polars as pl

        series = [pl.Series(col).alias(name) for name, col in zip(names, cols)]
        return log.with_columns(series)

    import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]

    arrays = [pa.array(c) for c in cols]
    if kind == "pandas":
        import pandas as pd  # type: ignore[import-untyped,unused-ignore]

        out = log.copy(deep=False)
        out["allow"] = pd.Series(
            arrays[0].to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get), index=log.index
        )
        out["rules"] = pd.Series(pd.arrays.ArrowExtensionArray(arrays[1]), index=log.index)
        out["retry_at"] = pd.Series(arrays[2].to_pandas(), index=log.index)
        out["could_not_evaluate"] = pd.Series(
            arrays[3].to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get), index=log.index
        )
        return out
    out_table = _without(table, names)
    for name, arr in zip(names, arrays):
        out_table = out_table.append_column(name, arr)
    if kind == "pyarrow.batch":
        combined = out_table.combine_chunks()
        return pa.RecordBatch.from_arrays(
            [c.combine_chunks() for c in combined.columns], schema=combined.schema
        )
    return out_table


def _flaws(flaws: List[Tuple[int, Optional[str], str]], count: int, strict: bool) -> None:
    if not flaws:
        return
    row, field, message = flaws[0]
    if strict:
        raise InputError(
            message,
            code="input.invalid",
            field=field,
            row=row,
            help="strict=True refuses rows recorded with a cell that could not be used; "
            f"{count} such cell(s) in the log",
        )
    shown = "; ".join((f"`{f}`: " if f else "") + m for _, f, m in flaws[:5])
    more = f"; and {count - 5} more" if count > 5 else ""
    warnings.warn(
        f"{count} cell(s) could not be used; the rows were recorded and read the stricter way: {shown}{more}",
        AuditWarning,
        stacklevel=3,
    )


def _unread(unread: List[Tuple[str, str, int]], strict: bool) -> None:
    """One warning per event type with rows no rule of the policy reads
    (``(warning, type, first row)`` from the core, worded as the CLI's)."""
    for message, _event_type, row in unread:
        if strict:
            raise InputError(
                f"row {row}: {message}",
                code="input.invalid",
                field="type",
                row=row,
                help="strict=True refuses event rows that no rule of the policy reads; "
                "add the preset the message names or drop those rows",
            )
        warnings.warn(message, AuditWarning, stacklevel=3)


def audit(
    log: T, policy: Union[Policy, str], *, threads: Optional[int] = None, strict: bool = False
) -> T:
    """Replays ``log`` through ``policy`` and returns it with ``allow``,
    ``rules``, ``retry_at`` and ``could_not_evaluate`` added (see
    :data:`RESULT_COLUMNS`).

    Rows are replayed in time order (ties in table order), by the same
    replay as ``contactguard audit``. Each attempt row is decided against
    every earlier row about the same recipient or debt, then recorded
    whether or not it was allowed, so a violation still counts towards
    later limits. Other event rows (consent, opt_out, hold, ...) are
    recorded only; their result columns are null.

    A contact that happened is never dropped: an attempt row naming its
    ``at``, ``channel``, ``to``, ``role`` and ``debt`` is recorded even when
    another cell cannot be used (an unknown time zone makes it a
    ``contactguard.zone`` denial, as ``decide`` does); such cells raise an
    :class:`AuditWarning`, or with ``strict=True`` an :class:`InputError`.
    So do event rows that no rule of the policy reads (they change no
    verdict; the warning, as ``contactguard audit`` words it, names a
    preset that reads them).

    ``log`` is a pandas DataFrame, a polars DataFrame or a pyarrow Table
    (or RecordBatch; any object exporting ``__arrow_c_stream__`` gives a
    pyarrow Table back). ``policy`` is a :class:`Policy`, preset names such
    as ``"cn+conduct"``, or the path of a policy file (``*.toml``,
    ``*.json``). ``threads`` defaults to every core (at least 1 when
    given); groups of rows that share no recipient and no debt run in
    parallel.

    Raises :class:`InputError` naming the row and column of a row that
    cannot be an event at all, for naive (zone-less) timestamps, for
    ``threads`` below 1 and for a ``policy`` that is neither a
    :class:`Policy` nor text; :class:`PolicyError` for a policy that does
    not load.
    """
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise InputError(
            f"`threads` is {threads!r}: give a whole number of at least 1, or None for every core",
            code="input.invalid",
            field="threads",
        )
    if not isinstance(policy, (Policy, str)):
        raise InputError(
            f"`policy` is a `{type(policy).__name__}`",
            code="input.invalid",
            field="policy",
            help='give a Policy, preset names such as "cn+conduct", or the path of a *.toml or *.json policy file',
        )
    if isinstance(policy, str):
        # As the command's --policy: a policy file by its extension, else presets.
        if policy.lower().endswith((".toml", ".json")):
            policy = Policy.load(policy)
        else:
            policy = Policy.preset(policy)
    kind, table = _to_arrow(log)
    allow, rules, retry, unevaluated, flaws, count, unread = _contactguard.audit_stream(
        table, policy, threads
    )
    _flaws(flaws, count, strict)
    _unread(unread, strict)
    result: T = _attach(kind, log, table, (allow, rules, retry, unevaluated))
    return result
