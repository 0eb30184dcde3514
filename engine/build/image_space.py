"""Whether one of the build's images is full: the reason behind many failures that otherwise read as
"exit status 1" or a bare "No space left on device".

The images are found among this process's mounts (the worker's own namespace) by the loop device's
backing file, so the check works wherever the failure came from: a command in the container, an
extraction or a file written from the host side into the mounted image.
"""
from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

NEARLY_FULL = 0.01  # under 1% of its blocks or inodes available counts as full
NO_SPACE = os.strerror(errno.ENOSPC)


@dataclass(frozen=True)
class FullImage:
    layer: str  # "lower" or "upper"
    image: Path
    free_bytes: int
    size_bytes: int

    def explain(self, failure: str, artifact_dir: Path, config_name: str, lower_capacity_gib: int) -> str:
        """One line: which image is full, what to raise, then the failure as it was reported."""
        where = self.image.relative_to(artifact_dir) if self.image.is_relative_to(artifact_dir) else self.image
        if self.layer != "lower":
            remedy = "its size is fixed"
        elif _file_size(self.image) < lower_capacity_gib * 1024**3:
            remedy = (f"lower-layer-capacity in {config_name} is already {lower_capacity_gib} GiB but this image "
                      f"was made smaller: remove {where} so that the next build makes it anew")
        else:
            remedy = (f"raise lower-layer-capacity in {config_name} (now {lower_capacity_gib} GiB) and remove "
                      f"{where} (an existing image keeps its size)")
        return (f"the {self.layer} image {where} is full ({_size(self.size_bytes)}, {_size(self.free_bytes)} "
                f"free): {remedy}; {failure}")


def says_no_space(exc: BaseException) -> bool:
    return (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or NO_SPACE in str(exc)


def find_full_image(images: dict[str, Path], mountinfo: str = "/proc/self/mountinfo") -> FullImage | None:
    """The first of ``images`` ({layer: image file}) mounted here whose filesystem is (nearly) full."""
    for layer, image in images.items():
        for mountpoint in _mountpoints_of(image, mountinfo):
            usage = _full(mountpoint)
            if usage is not None:
                return FullImage(layer, image, *usage)
    return None


def _mountpoints_of(image: Path, mountinfo: str) -> Iterable[str]:
    devices = {f"/dev/{entry.name}" for entry in Path("/sys/block").glob("loop*")
               if _backing_file(entry) in (str(image), f"{image} (deleted)")}
    if not devices:
        return []
    points = []
    with open(mountinfo) as f:
        for line in f:
            head, _, tail = line.partition(" - ")
            fields = tail.split()
            if len(fields) > 1 and fields[1] in devices:
                points.append(re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), head.split()[4]))
    return points


def _backing_file(entry: Path) -> str:
    try:
        return (entry / "loop" / "backing_file").read_text().strip()
    except OSError:
        return ""


def _full(mountpoint: str) -> tuple[int, int] | None:
    try:
        st = os.statvfs(mountpoint)
    except OSError:
        return None
    # what an unprivileged writer has left: emerge builds and installs as the portage user, which
    # stops at ext4's reserved blocks
    out_of_blocks = st.f_blocks and st.f_bavail < st.f_blocks * NEARLY_FULL
    out_of_inodes = st.f_files and st.f_favail < st.f_files * NEARLY_FULL
    return (st.f_bavail * st.f_frsize, st.f_blocks * st.f_frsize) if out_of_blocks or out_of_inodes else None


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _size(n: int) -> str:
    return f"{n / 1024**3:.1f} GiB" if n >= 1024**3 else f"{n / 1024**2:.1f} MiB"
