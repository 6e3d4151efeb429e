"""The exception classes of contactguard.

Every error the package raises on purpose is a :class:`ContactGuardError`,
which is a :class:`ValueError`. Each carries the same diagnostic shape as
the Rust library and the C ABI: a stable ``code``, the ``message``, a
``help`` hint, and where the problem is (``line``/``column``/``field`` in a
policy, ``field``/``row`` in an ask, an event or an audited table).
"""

from __future__ import annotations

from typing import Optional

__all__ = ["ContactGuardError", "PolicyError", "InputError", "LedgerError"]


class ContactGuardError(ValueError):
    """Base class of every contactguard error."""

    code: str
    message: str
    help: Optional[str]
    field: Optional[str]
    line: Optional[int]
    column: Optional[int]
    source_name: Optional[str]
    row: Optional[int]

    def __init__(
        self,
        message: str,
        *,
        code: str = "contactguard.error",
        help: Optional[str] = None,
        field: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[int] = None,
        source_name: Optional[str] = None,
        row: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.help = help
        self.field = field
        self.line = line
        self.column = column
        self.source_name = source_name
        self.row = row

    @property
    def filename(self) -> Optional[str]:
        """The file the error is about (``source_name``), as on ``OSError``."""
        return self.source_name

    def __str__(self) -> str:
        where = ""
        if self.source_name is not None or self.line is not None:
            where = self.source_name or "policy"
            if self.line is not None and self.column is not None:
                where += f":{self.line}:{self.column}"
            where += ": "
        field = f"`{self.field}`: " if self.field else ""
        text = f"{where}{field}{self.message}"
        if self.help:
            text += f"\n  help: {self.help}"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class PolicyError(ContactGuardError):
    """A policy could not be loaded: ``line``, ``column`` and ``field``
    point at the problem (``field`` is a path such as ``rules[3].limit``)."""


class InputError(ContactGuardError):
    """An ask, an event or a row of an audited table is malformed:
    ``field`` names it (``ask.channel``, ``history[2].result``,
    ``channel``) and ``row`` gives the table row, when there is one."""


class LedgerError(ContactGuardError):
    """A ledger operation failed: a snapshot that is corrupt, truncated,
    of another version or written with another key (``ledger.corrupt``,
    ``ledger.truncated``, ``ledger.checksum``, ``ledger.key_mismatch``,
    ...), a time the ledger cannot store, or an unknown ticket."""
