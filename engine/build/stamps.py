"""Phase completion markers that carry the phase's fingerprint.

``work/<arch>/<phase>[-<variant>].done`` holds the fingerprint as JSON (genpack itself only checks
that ``lower.done`` exists). A marker is removed before its phase starts and written, atomically, only
after the phase succeeded, so an interrupted phase never leaves one behind.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from genpack_tui.engine.build.fingerprint import Fingerprint


def read_stamp(path: Path) -> Fingerprint | None:
    try:
        return Fingerprint.from_json(json.loads(path.read_text()))
    except (OSError, ValueError):
        return None


def write_stamp(path: Path, fingerprint: Fingerprint) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as f:
        json.dump(fingerprint.to_json(), f, indent=1, sort_keys=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def clear_stamp(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".tmp").unlink(missing_ok=True)
