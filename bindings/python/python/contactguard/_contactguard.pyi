"""Type stubs for the compiled module ``contactguard._contactguard``."""

from datetime import date, datetime
from os import PathLike
from typing import Any, ClassVar, Dict, final, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

__all__ = [
    "__version__",
    "Policy",
    "Rule",
    "Decision",
    "Denial",
    "Ask",
    "Attempt",
    "History",
    "Ledger",
    "Admission",
    "Ticket",
    "ArrowColumn",
    "presets",
    "preset_source",
    "audit_stream",
    "_panic_for_tests",
    "error_codes",
]

__version__: str

_Instant = Union[str, datetime]
_AskLike = Union[Mapping[str, Any], "Ask"]
_EventLike = Union[Mapping[str, Any], "Attempt"]
_HistoryLike = Union["History", Iterable[_EventLike]]

@final
class Rule:
    """One rule of a policy, as written."""

    __hash__: ClassVar[None]  # type: ignore[assignment]
    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def cite(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def convention(self) -> Optional[str]: ...
    @property
    def note(self) -> Optional[str]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class Denial:
    """One rule that denied an ask."""

    __hash__: ClassVar[None]  # type: ignore[assignment]
    @property
    def id(self) -> str: ...
    @property
    def cite(self) -> str: ...
    @property
    def message(self) -> str: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class Decision:
    """The answer to an ask."""

    __hash__: ClassVar[None]  # type: ignore[assignment]
    @property
    def allow(self) -> bool: ...
    @property
    def denials(self) -> List[Denial]: ...
    @property
    def obligations(self) -> List[str]: ...
    @property
    def retry_at(self) -> Optional[datetime]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class Ask:
    """A typed ask; ``Policy.decide`` takes the same fields as a dict."""

    def __new__(
        cls,
        at: _Instant,
        channel: str,
        to: str,
        role: str,
        debt: str,
        *,
        timezones: Union[str, Sequence[str], None] = None,
        place: Optional[str] = None,
        autodialed: Optional[bool] = None,
        purpose: Optional[str] = None,
        days_past_due: Optional[int] = None,
    ) -> Ask: ...
    @property
    def at(self) -> datetime: ...
    @property
    def channel(self) -> str: ...
    @property
    def to(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def debt(self) -> str: ...
    @property
    def timezones(self) -> List[str]: ...
    @property
    def place(self) -> Optional[str]: ...
    @property
    def autodialed(self) -> Optional[bool]: ...
    @property
    def purpose(self) -> Optional[str]: ...
    @property
    def days_past_due(self) -> Optional[int]: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class Attempt:
    """A typed contact attempt for a history."""

    def __new__(
        cls,
        at: _Instant,
        channel: str,
        to: str,
        role: str,
        debt: str,
        result: str,
        *,
        place: Optional[str] = None,
    ) -> Attempt: ...
    @property
    def at(self) -> datetime: ...
    @property
    def channel(self) -> str: ...
    @property
    def to(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def debt(self) -> str: ...
    @property
    def result(self) -> str: ...
    @property
    def place(self) -> Optional[str]: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class History:
    """Events converted once, for many decisions."""

    def __new__(cls, events: Optional[Iterable[_EventLike]] = None) -> History: ...
    def __len__(self) -> int: ...

@final
class Policy:
    """A compiled, immutable policy."""

    @staticmethod
    def preset(names: str) -> Policy: ...
    @staticmethod
    def from_toml(text: str, source_name: Optional[str] = None) -> Policy: ...
    @staticmethod
    def from_json(text: str, source_name: Optional[str] = None) -> Policy: ...
    @staticmethod
    def load(path: Union[str, PathLike[str]]) -> Policy: ...
    @staticmethod
    def compose(parts: Sequence[Policy]) -> Policy: ...
    @property
    def name(self) -> str: ...
    @property
    def rules(self) -> List[Rule]: ...
    @property
    def lookback_seconds(self) -> Optional[int]: ...
    def calendar_coverage(self, as_of: Union[str, date, None] = None) -> List[Dict[str, Any]]: ...
    def decide(self, ask: _AskLike, history: Optional[_HistoryLike] = None) -> Decision: ...

@final
class Ticket:
    """A pending attempt admitted by ``Ledger.check_and_record``."""

    @property
    def at(self) -> datetime: ...

@final
class Admission:
    """The outcome of ``Ledger.check_and_record``."""

    @property
    def decision(self) -> Decision: ...
    @property
    def ticket(self) -> Optional[Ticket]: ...
    @property
    def allow(self) -> bool: ...

@final
class Ledger:
    """Thread-safe contact history over a policy, with atomic
    check-and-record, keyed hashing of keys and snapshots."""

    def __new__(cls, policy: Policy, key: Union[bytes, str, None] = None) -> Ledger: ...
    @staticmethod
    def open_journaled(
        policy: Policy,
        directory: Union[str, PathLike[str]],
        key: Union[bytes, str, None] = None,
        sync: str = "always",
    ) -> Ledger: ...
    @staticmethod
    def redis(
        policy: Policy,
        url: str,
        secret: Union[bytes, str],
        *,
        ca_file: Union[str, PathLike[str], None] = None,
        client_cert: Union[str, PathLike[str], None] = None,
        client_key: Union[str, PathLike[str], None] = None,
        connect_timeout: Optional[float] = None,
        io_timeout: Optional[float] = None,
        key_prefix: Optional[str] = None,
        wait_replicas: int = 0,
        wait_timeout: Optional[float] = None,
        sentinel_master: Optional[str] = None,
        sentinel_urls: Optional[Sequence[str]] = None,
    ) -> Ledger: ...
    def close(self) -> None: ...
    def __enter__(self) -> Ledger: ...
    def __exit__(self, *_exc: object) -> bool: ...
    def checkpoint(self) -> None: ...
    @property
    def policy(self) -> Policy: ...
    @property
    def is_redis(self) -> bool: ...
    def check(self, ask: _AskLike) -> Decision: ...
    def check_and_record(self, ask: _AskLike) -> Admission: ...
    def complete(self, ticket: Ticket, result: str) -> None: ...
    def record(self, event: _EventLike) -> None: ...
    def record_many(self, events: Iterable[_EventLike]) -> int: ...
    def prune(self, now: _Instant) -> int: ...
    def stats(self) -> dict[str, int]: ...
    def snapshot(self) -> bytes: ...
    def restore(self, data: bytes) -> None: ...

@final
class ArrowColumn:
    """One audit result column, exported through ``__arrow_c_array__``."""

    @property
    def name(self) -> str: ...
    def __len__(self) -> int: ...
    def __arrow_c_array__(self, requested_schema: Optional[object] = None) -> Tuple[object, object]: ...

def presets() -> List[str]: ...
def preset_source(name: str) -> Optional[str]: ...
def audit_stream(
    table: object, policy: Policy, threads: Optional[int] = None
) -> Tuple[
    ArrowColumn,
    ArrowColumn,
    ArrowColumn,
    ArrowColumn,
    List[Tuple[int, Optional[str], str]],
    int,
    List[Tuple[str, str, int]],
]: ...
def error_codes() -> List[str]:
    """Every error code, in the order of docs/errors.md."""
    ...
def _panic_for_tests(message: str) -> None:
    """For the test suite: a Rust panic inside the module's guard."""
    ...
