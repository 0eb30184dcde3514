"""Reading an ``--events`` JSON-lines file (a CI build) so the phase runner can replay it."""
from __future__ import annotations

from pathlib import Path

from genpack_tui.engine.events import Event, EventLog, read_events


class ReplayError(Exception):
    """The file cannot be replayed; the message names the file and, for bad content, the line."""


def load_recording(path: Path) -> EventLog:
    """The file's events, its schema version and what of a newer minor version was skipped."""
    try:
        with open(path, encoding="utf-8") as stream:
            log = read_events(stream)
    except OSError as exc:
        raise ReplayError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ReplayError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except ValueError as exc:
        raise ReplayError(f"{path}: {exc}") from None
    if not log.events:
        raise ReplayError(f"{path}: no events in the file" + (f". {skipped_note(log)}" if log.skipped else ""))
    return log


def load_events(path: Path) -> list[Event]:
    return load_recording(path).events


def skipped_note(log: EventLog) -> str:
    """What a replay left out, as a sentence without its full stop; empty when nothing was."""
    if not log.skipped:
        return ""
    kinds = ", ".join(f"{kind} ×{count}" for kind, count in sorted(log.skipped.items()))
    return (f"Skipped {log.skipped_count} event(s) of kinds this genpack-tui does not know, from events schema "
            f"{log.version}: {kinds}")
