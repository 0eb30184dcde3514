"""What changed between two build records, as Yocto's buildhistory-diff tells it: packages added,
removed, upgraded or rebuilt with other USE flags, sizes, the image's files and the phases' times."""
from __future__ import annotations

import stat
from dataclasses import dataclass
from typing import Any, Literal

from genpack_tui.engine.history.model import BuildRecord, FileEntry, ImageComposition, PackageInImage

DIFF_SCHEMA = "1.0"  # diff-builds --json, versioned as docs/events.md says
PackageChangeKind = Literal["added", "removed", "upgraded", "downgraded", "changed"]
FileChangeKind = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class PackageChange:
    name: str  # category/package
    kind: PackageChangeKind  # "changed": same version, other USE or size
    old: PackageInImage | None
    new: PackageInImage | None

    @property
    def use_added(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.new.use if self.new else ()) - set(self.old.use if self.old else ())))

    @property
    def use_removed(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.old.use if self.old else ()) - set(self.new.use if self.new else ())))

    @property
    def size_delta(self) -> int:
        return (self.new.size if self.new else 0) - (self.old.size if self.old else 0)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind,
                "old": None if self.old is None else {"cpv": self.old.cpv, "use": list(self.old.use),
                                                      "size": self.old.size},
                "new": None if self.new is None else {"cpv": self.new.cpv, "use": list(self.new.use),
                                                      "size": self.new.size},
                "use_added": list(self.use_added), "use_removed": list(self.use_removed),
                "size_delta": self.size_delta}


@dataclass(frozen=True)
class FileChange:
    path: str
    kind: FileChangeKind
    old: FileEntry | None
    new: FileEntry | None
    changed: tuple[str, ...]  # of "type", "size", "mode", "owner", "content"
    package: str | None  # the cpv owning it (in the newer image, else the older); None: no package

    @property
    def size_delta(self) -> int:
        return (self.new.size if self.new else 0) - (self.old.size if self.old else 0)

    def to_json(self) -> dict[str, Any]:
        def entry(f: FileEntry | None) -> dict[str, Any] | None:
            return None if f is None else {"size": f.size, "mode": f.mode, "uid": f.uid, "gid": f.gid,
                                           "sha256": f.sha256}
        return {"path": self.path, "kind": self.kind, "changed": list(self.changed), "package": self.package,
                "size_delta": self.size_delta, "old": entry(self.old), "new": entry(self.new)}


@dataclass(frozen=True)
class PhaseDelta:
    name: str
    old: float | None  # seconds; None when the phase did not run in that build
    new: float | None

    @property
    def delta(self) -> float | None:
        return None if self.old is None or self.new is None else self.new - self.old


@dataclass(frozen=True)
class BuildDiff:
    old: BuildRecord
    new: BuildRecord
    packages: tuple[PackageChange, ...]
    files: tuple[FileChange, ...]
    phases: tuple[PhaseDelta, ...]
    images: bool  # whether both builds have an image to compare

    @property
    def size_delta(self) -> int:
        if self.old.image is None or self.new.image is None:
            return 0
        return self.new.image.byte_size - self.old.image.byte_size

    @property
    def squashfs_delta(self) -> int | None:
        a = self.old.image.squashfs_size if self.old.image else None
        b = self.new.image.squashfs_size if self.new.image else None
        return None if a is None or b is None else b - a

    def to_json(self) -> dict[str, Any]:
        def image(record: BuildRecord) -> dict[str, Any] | None:
            i = record.image
            return None if i is None else {"file_count": i.file_count, "byte_size": i.byte_size,
                                           "squashfs_size": i.squashfs_size}
        return {
            "schema": DIFF_SCHEMA,
            "old": {"id": self.old.id, "ok": self.old.ok, "duration": self.old.duration, "image": image(self.old)},
            "new": {"id": self.new.id, "ok": self.new.ok, "duration": self.new.duration, "image": image(self.new)},
            "images_compared": self.images, "size_delta": self.size_delta, "squashfs_delta": self.squashfs_delta,
            "packages": [p.to_json() for p in self.packages], "files": [f.to_json() for f in self.files],
            "phases": [{"name": p.name, "old": p.old, "new": p.new, "delta": p.delta} for p in self.phases],
        }


def diff_builds(old: BuildRecord, new: BuildRecord) -> BuildDiff:
    images = old.image is not None and new.image is not None
    packages: tuple[PackageChange, ...] = ()
    files: tuple[FileChange, ...] = ()
    if old.image is not None and new.image is not None:
        packages = _package_changes(old.image, new.image)
        files = _file_changes(old.image, new.image)
    return BuildDiff(old, new, packages, files, _phase_deltas(old, new), images)


def _keyed(image: ImageComposition) -> dict[str, PackageInImage]:
    """Packages by category/package, or by cpv where one name is installed in several slots."""
    names = [p.name for p in image.packages]
    return {(p.name if names.count(p.name) == 1 else p.cpv): p for p in image.packages}


def _package_changes(old: ImageComposition, new: ImageComposition) -> tuple[PackageChange, ...]:
    a, b = _keyed(old), _keyed(new)
    changes = []
    for key in sorted(set(a) | set(b)):
        was, now = a.get(key), b.get(key)
        if was is None or now is None:
            changes.append(PackageChange(key, "added" if was is None else "removed", was, now))
        elif was.version != now.version:
            changes.append(PackageChange(key, _direction(was.version, now.version), was, now))
        elif was.use != now.use or was.size != now.size:
            changes.append(PackageChange(key, "changed", was, now))
    return tuple(changes)


def _direction(old: str, new: str) -> PackageChangeKind:
    from portage.versions import vercmp  # Portage's own version order; imported when a version changed

    try:
        order = vercmp(new, old)
    except Exception:  # noqa: BLE001 - a version Portage cannot order: say it changed
        order = None
    if order is None or order == 0:
        return "changed"
    return "upgraded" if order > 0 else "downgraded"


def _owners(image: ImageComposition) -> dict[int, str]:
    return {i: p.cpv for p in image.packages for i in p.files}


def _file_changes(old: ImageComposition, new: ImageComposition) -> tuple[FileChange, ...]:
    a = {f.path: i for i, f in enumerate(old.files)}
    b = {f.path: i for i, f in enumerate(new.files)}
    owners_a, owners_b = _owners(old), _owners(new)
    changes = []
    for path in sorted(set(a) | set(b)):
        i, j = a.get(path), b.get(path)
        if i is None and j is not None:
            changes.append(FileChange(path, "added", None, new.files[j], (), owners_b.get(j)))
        elif j is None and i is not None:
            changes.append(FileChange(path, "removed", old.files[i], None, (), owners_a.get(i)))
        elif i is not None and j is not None:
            what = _differences(old.files[i], new.files[j])
            if what:
                changes.append(FileChange(path, "changed", old.files[i], new.files[j], what,
                                          owners_b.get(j) or owners_a.get(i)))
    return tuple(changes)


def _differences(a: FileEntry, b: FileEntry) -> tuple[str, ...]:
    what = []
    if stat.S_IFMT(a.mode) != stat.S_IFMT(b.mode):
        what.append("type")
    if a.size != b.size:
        what.append("size")
    if stat.S_IMODE(a.mode) != stat.S_IMODE(b.mode):
        what.append("mode")
    if (a.uid, a.gid) != (b.uid, b.gid):
        what.append("owner")
    if a.sha256 != b.sha256:
        what.append("content")
    return tuple(what)


def _phase_deltas(old: BuildRecord, new: BuildRecord) -> tuple[PhaseDelta, ...]:
    names = [p.name for p in old.phases] + [p.name for p in new.phases if old.phase(p.name) is None]
    deltas = []
    for name in names:
        a, b = old.phase(name), new.phase(name)
        deltas.append(PhaseDelta(name, None if a is None or a.skipped else a.duration,
                                 None if b is None or b.skipped else b.duration))
    return tuple(deltas)
