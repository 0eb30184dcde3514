"""Phase completion markers that carry the phase's fingerprint.

``work/<arch>/<phase>[-<variant>].done`` holds the fingerprint as JSON (genpack itself only checks
that ``lower.done`` exists). A marker is removed before its phase starts and written, atomically, only
after the phase succeeded, so an interrupted phase never leaves one behind. ``work/`` is writable
from the containers: markers are read, written and removed through engine/runtime/work_area.py, so a
link planted at ``work``, ``work/<arch>`` or the marker is refused or replaced, never followed.
"""
from __future__ import annotations

import json
from pathlib import Path

from genpack_tui.engine.build.fingerprint import Fingerprint
from genpack_tui.engine.runtime.errors import RuntimeEngineError
from genpack_tui.engine.runtime.work_area import confined


def read_stamp(path: Path) -> Fingerprint | None:
    try:
        directory, relative = confined(path)
        with directory:
            return Fingerprint.from_json(json.loads(directory.read_text(relative)))
    except (OSError, RuntimeEngineError, ValueError):
        return None


def write_stamp(path: Path, fingerprint: Fingerprint) -> None:
    text = json.dumps(fingerprint.to_json(), indent=1, sort_keys=True) + "\n"
    directory, relative = confined(path)
    with directory:
        directory.write_text(relative, text)


def clear_stamp(path: Path) -> None:
    directory, relative = confined(path)
    with directory:
        directory.unlink(relative)
        directory.unlink(relative + ".tmp")  # left by genpack-tui before markers were written confined
