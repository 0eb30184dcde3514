"""The image composition of one build as ``report`` shows it: the biggest of everything."""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any

from genpack_tui.engine.history.model import BuildRecord, FileEntry, ImageComposition, PackageInImage

REPORT_SCHEMA = "1.0"  # report --json, versioned as docs/events.md says


@dataclass(frozen=True)
class CompositionSummary:
    record: BuildRecord
    image: ImageComposition
    packages: list[PackageInImage]  # the largest first
    directories: list[tuple[str, int]]  # the largest first, "/" left out
    files: list[FileEntry]  # the largest first
    unowned: list[FileEntry]  # the largest first
    unowned_count: int
    unowned_size: int

    def to_json(self) -> dict[str, Any]:
        def file(f: FileEntry) -> dict[str, Any]:
            return {"path": f.path, "size": f.size, "mode": f.mode, "uid": f.uid, "gid": f.gid, "sha256": f.sha256}
        image = self.image
        return {
            "schema": REPORT_SCHEMA, "id": self.record.id, "artifact": self.record.artifact,
            "variant": self.record.variant, "arch": self.record.arch, "ok": self.record.ok,
            "file_count": image.file_count, "byte_size": image.byte_size, "squashfs_size": image.squashfs_size,
            "compression_ratio": image.compression_ratio,
            "packages": [{"cpv": p.cpv, "version": p.version, "use": list(p.use), "size": p.size,
                          "files": len(p.files)} for p in self.packages],
            "directories": [{"path": path, "size": size} for path, size in self.directories],
            "files": [file(f) for f in self.files],
            "unowned": {"count": self.unowned_count, "size": self.unowned_size,
                        "largest": [file(f) for f in self.unowned]},
        }


def summarize(record: BuildRecord, image: ImageComposition, top: int) -> CompositionSummary:
    """The ``top`` largest packages, directories, files and unowned files of ``image``."""
    unowned = image.unowned_files()
    return CompositionSummary(
        record=record, image=image,
        packages=heapq.nlargest(top, image.packages, key=lambda p: (p.size, p.cpv)),
        directories=heapq.nlargest(top, ((p, s) for p, s in image.directories.items() if p != "/"),
                                   key=lambda item: (item[1], item[0])),
        files=heapq.nlargest(top, image.files, key=lambda f: f.size),
        unowned=heapq.nlargest(top, unowned, key=lambda f: f.size),
        unowned_count=len(unowned), unowned_size=sum(f.size for f in unowned))
