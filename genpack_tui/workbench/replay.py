"""Reading an ``--events`` JSON-lines file (a CI build) so the phase runner can replay it."""
from __future__ import annotations

from pathlib import Path

from genpack_tui.engine.events import Event, read_json_lines


class ReplayError(Exception):
    """The file cannot be replayed; the message names the file and, for bad content, the line."""


def load_events(path: Path) -> list[Event]:
    try:
        with open(path, encoding="utf-8") as stream:
            events = list(read_json_lines(stream))
    except OSError as exc:
        raise ReplayError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ReplayError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except ValueError as exc:
        raise ReplayError(f"{path}: {exc}") from None
    if not events:
        raise ReplayError(f"{path}: no events in the file")
    return events
