"""Typed build events: the one stream every renderer (headless, TUI, JSON lines) consumes.

Each event is a frozen dataclass with a stable ``kind`` string. ``to_dict``/``from_dict`` give the
JSON-lines form written by ``--events FILE`` and read back when the TUI replays a build.
"""
from __future__ import annotations

import dataclasses
import json
import threading
import time
from dataclasses import dataclass, field
from typing import IO, Any, Callable, ClassVar, Iterable, Iterator

_REGISTRY: dict[str, type["Event"]] = {}


def _now() -> float:
    return time.time()


@dataclass(frozen=True)
class Event:
    kind: ClassVar[str] = "event"
    ts: float = field(default_factory=_now, kw_only=True)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _REGISTRY[cls.kind] = cls

    def to_dict(self) -> dict[str, Any]:
        data = {"kind": self.kind}
        data.update(dataclasses.asdict(self))
        return data


@dataclass(frozen=True)
class BuildStarted(Event):
    kind: ClassVar[str] = "build_started"
    action: str
    artifact: str
    variant: str | None
    arch: str


@dataclass(frozen=True)
class BuildFinished(Event):
    kind: ClassVar[str] = "build_finished"
    ok: bool
    duration: float
    outputs: list[dict[str, Any]] = field(default_factory=list)  # {"path": str, "size": int}
    message: str = ""


@dataclass(frozen=True)
class PhaseStarted(Event):
    kind: ClassVar[str] = "phase_started"
    phase: str
    reason: str = ""


@dataclass(frozen=True)
class PhaseSkipped(Event):
    kind: ClassVar[str] = "phase_skipped"
    phase: str
    reason: str


@dataclass(frozen=True)
class PhaseFinished(Event):
    kind: ClassVar[str] = "phase_finished"
    phase: str
    ok: bool
    duration: float
    containers: int = 0  # systemd-nspawn starts during the phase


@dataclass(frozen=True)
class StepStarted(Event):
    kind: ClassVar[str] = "step_started"
    phase: str
    step: str
    title: str


@dataclass(frozen=True)
class StepFinished(Event):
    kind: ClassVar[str] = "step_finished"
    phase: str
    step: str
    ok: bool
    duration: float


@dataclass(frozen=True)
class OutputLine(Event):
    kind: ClassVar[str] = "output"
    phase: str
    step: str
    text: str
    stream: str = "stdout"


@dataclass(frozen=True)
class EmergeProgress(Event):
    """One package of an emerge run: ``index`` of ``total``, built from source or installed binary."""

    kind: ClassVar[str] = "emerge_progress"
    phase: str
    index: int
    total: int
    package: str
    binary: bool
    stage: str  # "emerging", "installing", "completed", or an ebuild phase such as "compile"


@dataclass(frozen=True)
class EmergeFailure(Event):
    kind: ClassVar[str] = "emerge_failure"
    phase: str
    package: str
    log_path: str | None = None
    ebuild_phase: str | None = None


@dataclass(frozen=True)
class DownloadProgress(Event):
    kind: ClassVar[str] = "download_progress"
    url: str
    received: int
    total: int | None


@dataclass(frozen=True)
class DownloadFinished(Event):
    kind: ClassVar[str] = "download_finished"
    url: str
    path: str
    size: int
    cached: bool  # True when the server said nothing changed and nothing was fetched


@dataclass(frozen=True)
class WarningEvent(Event):
    kind: ClassVar[str] = "warning"
    message: str
    phase: str | None = None


@dataclass(frozen=True)
class ErrorEvent(Event):
    kind: ClassVar[str] = "error"
    message: str
    phase: str | None = None
    detail: str = ""


def from_dict(data: dict[str, Any]) -> Event:
    """Rebuild an event from its JSON form; raises ValueError on an unknown kind or bad fields."""
    data = dict(data)
    kind = data.pop("kind", None)
    cls = _REGISTRY.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"unknown event kind: {kind!r}")
    try:
        return cls(**data)
    except TypeError as exc:
        raise ValueError(f"bad fields for event {kind!r}: {exc}") from None


EventSink = Callable[[Event], None]


class EventBus:
    """Fan-out of events to any number of sinks; thread-safe so runner threads can emit."""

    def __init__(self, sinks: Iterable[EventSink] = ()) -> None:
        self._sinks: list[EventSink] = list(sinks)
        self._lock = threading.Lock()

    def subscribe(self, sink: EventSink) -> None:
        with self._lock:
            self._sinks.append(sink)

    def emit(self, event: Event) -> None:
        with self._lock:
            sinks = list(self._sinks)
        for sink in sinks:
            sink(event)

    __call__ = emit


class JsonLinesWriter:
    """An event sink writing one JSON object per line, flushed per event so a crash loses nothing."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        line = json.dumps(event.to_dict(), ensure_ascii=False)
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()


def read_json_lines(stream: IO[str]) -> Iterator[Event]:
    """Events from an ``--events`` file; a malformed line raises ValueError naming its number."""
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            yield from_dict(json.loads(line))
        except (ValueError, json.JSONDecodeError) as exc:
            raise ValueError(f"line {number}: {exc}") from None
