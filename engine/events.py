"""Typed build events: the one stream every renderer (headless, TUI, JSON lines) consumes.

Each event is a frozen dataclass with a stable ``kind`` string. ``to_dict``/``from_dict`` give the
JSON-lines form written by ``--events FILE`` and read back when the TUI replays a build. That form is
versioned ``MAJOR.MINOR`` (docs/events.md, "Versions"): a file starts with a schema line, and a reader
takes a newer minor version (ignoring what it does not know) but refuses another major version.
"""
from __future__ import annotations

import dataclasses
import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any, Callable, ClassVar, Iterable, Iterator

SCHEMA_KIND = "schema"
SCHEMA_VERSION = "1.1"  # a minor bump adds kinds or defaulted fields; anything else is a major bump
UNVERSIONED = "1.0"  # what a file without a schema line is: the format as it was before it had one

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
    """One package of an emerge run: ``index`` of ``total``, built from source or installed binary;
    ``origin`` says from where: "source", "cache" (the local binary package cache) or "binhost"."""

    kind: ClassVar[str] = "emerge_progress"
    phase: str
    index: int
    total: int
    package: str
    binary: bool
    stage: str  # "emerging", "fetch" (from the binhost), "installing", "completed", or an ebuild phase
    origin: str = ""  # "source", "cache" or "binhost"; "" in files of schema 1.0

    @property
    def where(self) -> str:
        """``origin``; for a schema 1.0 event, which did not say, "source" or "binary"."""
        return self.origin or ("binary" if self.binary else "source")


@dataclass(frozen=True)
class EmergeFailure(Event):
    kind: ClassVar[str] = "emerge_failure"
    phase: str
    package: str
    log_path: str | None = None
    ebuild_phase: str | None = None
    reason: str | None = None  # why, when emerge said more: a distfile's or a refused binary's digest check


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


def from_dict(data: dict[str, Any], *, ignore_unknown_fields: bool = False) -> Event:
    """Rebuild an event from its JSON form; raises ValueError on an unknown kind or bad fields."""
    data = dict(data)
    kind = data.pop("kind", None)
    cls = _REGISTRY.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"unknown event kind: {kind!r}")
    fields = dataclasses.fields(cls)
    unknown = sorted(set(data) - {f.name for f in fields})
    if unknown and not ignore_unknown_fields:
        raise ValueError(f"event {kind!r} has no field {', '.join(map(repr, unknown))} "
                         f"in events schema {SCHEMA_VERSION}")
    missing = [f.name for f in fields if f.name not in data and f.default is dataclasses.MISSING
               and f.default_factory is dataclasses.MISSING]
    if missing:
        raise ValueError(f"event {kind!r} lacks its field {', '.join(map(repr, missing))}")
    return cls(**{f.name: data[f.name] for f in fields if f.name in data})


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


def schema_line() -> dict[str, Any]:
    """The first line of an events file: the version of the format the rest is written in."""
    return {"kind": SCHEMA_KIND, "version": SCHEMA_VERSION}


def parse_schema_version(value: Any) -> tuple[int, int]:
    """``"1.0"`` → ``(1, 0)``; anything but a ``MAJOR.MINOR`` string raises ValueError."""
    if isinstance(value, str) and (match := re.fullmatch(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)", value)):
        return int(match[1]), int(match[2])
    raise ValueError(f'the schema line\'s "version" must be a string "MAJOR.MINOR" such as '
                     f'"{SCHEMA_VERSION}", not {json.dumps(value)}')


class SchemaVersionError(ValueError):
    """The file is written in another major version of the format than this reader knows."""


class JsonLinesWriter:
    """An event sink writing one JSON object per line, flushed per event so a crash loses nothing.

    The schema line goes first, with the first event. ``schema_line=False`` is for the build worker's
    pipe to its parent: both ends are the same installed package, and the parent's writer adds it.
    """

    def __init__(self, stream: IO[str], *, schema_line: bool = True) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self._schema_pending = schema_line

    def __call__(self, event: Event) -> None:
        line = json.dumps(event.to_dict(), ensure_ascii=False)
        with self._lock:
            if self._schema_pending:
                self._stream.write(json.dumps(schema_line()) + "\n")
                self._schema_pending = False
            self._stream.write(line + "\n")
            self._stream.flush()


@dataclass
class EventLog:
    """What an events file holds, as far as this version can read it."""

    events: list[Event]
    version: str | None  # from the schema line; None for a file written before the format had one
    skipped: Counter[str] = field(default_factory=Counter)  # kinds of a newer minor version, and how many

    @property
    def skipped_count(self) -> int:
        return sum(self.skipped.values())


_KIND_NAME = re.compile(r"[a-z][a-z0-9_]*")  # what a kind of a newer minor version may be called


def _check_schema(version: Any) -> bool:
    """Whether the file is of a newer minor version (so unknown kinds and fields are expected)."""
    major, minor = parse_schema_version(version)
    our_major, our_minor = parse_schema_version(SCHEMA_VERSION)
    if major != our_major:
        which = "a newer" if major > our_major else "an older"
        raise SchemaVersionError(
            f"written in events schema {version}, {which} major version than this genpack-tui "
            f"reads (schema {SCHEMA_VERSION}, and newer {our_major}.x minor versions); "
            f"replay it with a genpack-tui that reads schema {major}.x")
    return minor > our_minor


def read_events(stream: IO[str]) -> EventLog:
    """Read an ``--events`` file; a malformed line raises ValueError naming its number.

    A file without a schema line is read as version ``UNVERSIONED``.
    """
    log = EventLog(events=[], version=None)
    newer_minor = False
    first = True
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise ValueError(f"expected a JSON object, not {json.dumps(data)[:40]}")
            kind = data.get("kind")
            if kind == SCHEMA_KIND:
                if not first:
                    raise ValueError("a schema line may only be the first line")
                newer_minor = _check_schema(data.get("version"))
                log.version = data["version"]
                first = False
                continue
            if first:
                newer_minor = _check_schema(UNVERSIONED)
            if newer_minor and isinstance(kind, str) and _KIND_NAME.fullmatch(kind) and kind not in _REGISTRY:
                log.skipped[kind] += 1
            else:
                log.events.append(from_dict(data, ignore_unknown_fields=newer_minor))
        except SchemaVersionError as exc:
            raise SchemaVersionError(f"line {number}: {exc}") from None
        except ValueError as exc:  # json.JSONDecodeError is one
            raise ValueError(f"line {number}: {exc}") from None
        first = False
    return log


def read_json_lines(stream: IO[str]) -> Iterator[Event]:
    """The events of an ``--events`` file (see :func:`read_events`), without what was skipped."""
    yield from read_events(stream).events
