"""What every run checks or prepares before the engine proper (engine/build/session.py calls these)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from genpack_tui.engine.artifact.files import ensure_artifact_files
from genpack_tui.engine.events import ErrorEvent, EventSink, OutputLine, WarningEvent
from genpack_tui.engine.runtime.errors import HostError
from genpack_tui.engine.runtime.host import require_root
from genpack_tui.engine.runtime.ownership import give_back, invoking_user


def to_invoking_user() -> Callable[[Path], None]:
    """A callable giving files we create in the artifact back to the user who ran sudo."""
    user = invoking_user()
    return lambda path: give_back(path, user)


def create_artifact_files(artifact_dir: Path, sink: EventSink) -> None:
    """genpack's helper files (.gitignore, .vscode) when missing, owned by the invoking user."""
    for message in ensure_artifact_files(artifact_dir, to_invoking_user()):
        if message.warning:
            sink(WarningEvent(message=message.text, phase="setup"))
        else:
            sink(OutputLine(phase="setup", step="artifact-files", text=message.text))


def artifact_files_created(artifact_dir: Path, sink: EventSink) -> bool:
    """``create_artifact_files``; whatever it raises is reported as one error (False), never as a
    traceback (what a hostile artifact does to these files is already a warning)."""
    try:
        create_artifact_files(artifact_dir, sink)
    except Exception as exc:  # whatever it raises, the user gets a line, not a traceback
        sink(ErrorEvent(message=f"cannot create genpack's helper files (.gitignore, .vscode/settings.json) "
                                f"in {artifact_dir}: {_reason(exc)}", phase="setup"))
        return False
    return True


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return str(exc) or type(exc).__name__


def root_checked(action: str, sink: EventSink) -> bool:
    """True when ``action`` may run; else the reason is reported as an error."""
    try:
        require_root(action)
    except HostError as exc:
        sink(ErrorEvent(message=str(exc), phase=action))
        return False
    return True
