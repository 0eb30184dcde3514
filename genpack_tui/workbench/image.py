"""Where the Image pane's builds come from: the last two recorded builds of the selection that
recorded an image (engine/history/store.py), read on a worker thread. Records the store skips are
reported through ``warn``."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

if TYPE_CHECKING:
    from genpack_tui.engine.history.model import BuildRecord

Warn = Callable[[str], None]
LastTwo = tuple[Optional["BuildRecord"], Optional["BuildRecord"]]
ImageRecords = Callable[[Path, str, Optional[str], Warn], LastTwo]


def engine_image_records(artifact_dir: Path, arch: str, variant: str | None, warn: Warn) -> LastTwo:
    """The newest record of (variant, arch) with an image and the one with an image before it
    (either may be None); ``variant`` is the resolved variant's name."""
    from genpack_tui.engine.history.store import HistoryError, read_history

    try:
        newest = read_history(artifact_dir, arch, variant, warn, last=2).records
        with_image = [r for r in newest if r.image is not None]
        if len(with_image) < 2 and len(newest) == 2:  # a lower or failed build in between: look further
            everything = read_history(artifact_dir, arch, variant, lambda _: None)
            with_image = [r for r in everything.records if r.image is not None]
    except HistoryError as exc:
        warn(str(exc))
        return None, None
    if not with_image:
        return None, None
    return with_image[-1], (with_image[-2] if len(with_image) > 1 else None)
