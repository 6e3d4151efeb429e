"""The exception classes of contactguard.

Every error the package raises on purpose is a :class:`ContactguardError`,
which is a :class:`ValueError`. Each carries one diagnostic shape, the same
as the Rust library's and the C ABI's: a stable ``code`` (the Rust errors'
codes, e.g. ``policy.invalid``, ``input.missing``, ``ledger.checksum``,
``internal.panic``), the ``message``, a ``help`` hint, and where the problem
is: ``file``/``line``/``column``/``field`` in a policy, ``field``/``row`` in
an ask, an event or an audited table. What does not apply is ``None``.

The subclasses say which part of the package refused: :class:`PolicyError`,
:class:`InputError`, :class:`LedgerError`. ``ContactGuardError`` is the
earlier spelling of the base class and names the same class.
"""

from __future__ import annotations

from typing import Optional

__all__ = ["ContactguardError", "ContactGuardError", "PolicyError", "InputError", "LedgerError"]


class ContactguardError(ValueError):
    """Base class of every contactguard error.

    A caught Rust panic is raised as this class itself, with code
    ``internal.panic``; every other error is one of its subclasses."""

    code: str
    message: str
    help: Optional[str]
    file: Optional[str]
    line: Optional[int]
    column: Optional[int]
    field: Optional[str]
    row: Optional[int]

    def __init__(
        self,
        message: str,
        *,
        code: str = "contactguard.error",
        help: Optional[str] = None,
        file: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[int] = None,
        field: Optional[str] = None,
        row: Optional[int] = None,
        source_name: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.help = help
        self.file = file if file is not None else source_name
        self.line = line
        self.column = column
        self.field = field
        self.row = row

    @property
    def filename(self) -> Optional[str]:
        """``file``, under the name ``OSError`` uses."""
        return self.file

    @property
    def source_name(self) -> Optional[str]:
        """``file``, under the name of the Rust ``PolicyError`` field (a
        file name, or ``preset:cn`` for a preset)."""
        return self.file

    def __str__(self) -> str:
        where = ""
        if self.file is not None or self.line is not None:
            where = self.file or "policy"
            if self.line is not None and self.column is not None:
                where += f":{self.line}:{self.column}"
            elif self.line is not None:
                where += f":{self.line}"
            where += ": "
        field = f"`{self.field}`: " if self.field else ""
        text = f"{where}{field}{self.message} [{self.code}]"
        if self.help:
            text += f"\n  help: {self.help}"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


#: The earlier spelling of :class:`ContactguardError` (the same class).
ContactGuardError = ContactguardError


class PolicyError(ContactguardError):
    """A policy could not be loaded: ``line``, ``column`` and ``field``
    point at the problem (``field`` is a path such as ``rules[3].limit``),
    ``file`` names the file (``policy.io`` when it cannot be read,
    ``policy.encoding`` when it is not UTF-8 text)."""


class InputError(ContactguardError):
    """An ask, an event or a row of an audited table is malformed, or an
    argument is out of range: ``field`` names it (``ask.channel``,
    ``history[2].result``, ``channel``, ``threads``) and ``row`` gives the
    0-based table row, when there is one."""


class LedgerError(ContactguardError):
    """A ledger operation failed: a snapshot that is corrupt, truncated,
    of another version or written with another key (``ledger.corrupt``,
    ``ledger.truncated``, ``ledger.checksum``, ``ledger.key_mismatch``,
    ...), a time the ledger cannot store, or an unknown ticket; ``field``
    names the event of ``record_many`` that was refused
    (``events[3]``)."""
