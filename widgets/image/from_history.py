"""The one adapter from the build history's records (engine/history/model.py) to the Image pane's
view-model (widgets/image/view_model.py)."""
from __future__ import annotations

import time

from genpack_tui.engine.history.model import BuildRecord, ImageComposition
from genpack_tui.widgets.image.view_model import ImagePackage, ImageSnapshot, ImageView


def image_view(last: BuildRecord | None, previous: BuildRecord | None = None) -> ImageView | None:
    """The image of ``last`` compared with ``previous``'s; None when ``last`` recorded no image
    (no build yet, or one that did not get as far as an upper layer)."""
    if last is None or last.image is None:
        return None
    before = _snapshot(previous, previous.image) if previous is not None and previous.image is not None else None
    return ImageView(_snapshot(last, last.image), before)


def _snapshot(record: BuildRecord, image: ImageComposition) -> ImageSnapshot:
    files = image.files
    paths = [f.path for f in files]
    if any(a >= b for a, b in zip(paths, paths[1:], strict=False)):  # recorded sorted, but the view relies on it
        files = tuple(sorted(files, key=lambda f: f.path))
        paths = [f.path for f in files]
    packages = tuple(ImagePackage(p.name, p.version, p.size, tuple(image.files[i].path for i in p.files))
                     for p in image.packages)
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(record.started))
    label = f"build of {when}" + ("" if record.ok else " (failed)")
    return ImageSnapshot(label, paths, [f.size for f in files], packages,
                         tuple(image.files[i].path for i in image.unowned))
