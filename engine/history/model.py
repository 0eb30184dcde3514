"""The build history's records: frozen dataclasses with their versioned JSON form (docs/history.md).

An image's files are stored once, in ``ImageComposition.files``; a package and the unowned files
refer to them by index, so a 100k-file image costs one entry per file. In JSON the files are columns
(one list per field), which keeps a record a few bytes per file beyond its path and hash.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

FORMAT = "genpack-tui-build-history"
VERSION = 1  # a reader refuses another version: a record is a cache of facts, not a contract to migrate

Origin = Literal["binary", "source"]
ORIGINS = ("binary", "source")


class RecordFormatError(ValueError):
    """A history file that is not a build record of this version; the message says what is wrong."""


@dataclass(frozen=True)
class StepTiming:
    name: str
    duration: float
    ok: bool = True


@dataclass(frozen=True)
class PhaseTiming:
    name: str
    duration: float
    ok: bool
    skipped: bool = False
    reason: str = ""  # why it ran or was skipped, as the build said
    steps: tuple[StepTiming, ...] = ()


@dataclass(frozen=True)
class EmergedPackage:
    cpv: str  # category/package-version, e.g. "app-misc/hello-1.0-r1"
    origin: Origin
    duration: float | None  # seconds from its start to its completion; None when it did not complete
    phase: str = "lower"
    step: str = ""  # the step whose emerge merged it ("emerge-world"); "" when not known


class FileEntry(NamedTuple):
    """One entry of an image. A named tuple, unlike the other records: a big image has 100k of them,
    and a tuple is made several times faster than a frozen dataclass (``report`` reads them all)."""

    path: str  # absolute in the image: "/usr/bin/hello"
    size: int  # bytes; a symbolic link's is its target's length, a directory's 0
    mode: int  # st_mode with the file type bits
    uid: int
    gid: int
    sha256: str | None = None  # regular files only
    mtime_ns: int = 0  # st_mtime_ns; lets the next build reuse the hash of a file it finds unchanged


@dataclass(frozen=True)
class PackageInImage:
    cpv: str
    version: str
    use: tuple[str, ...]  # the USE flags it was built with (enabled ones, sorted)
    size: int  # bytes of its files present in the image
    files: tuple[int, ...]  # indexes into ImageComposition.files

    @property
    def name(self) -> str:
        """category/package without the version: what stays the same across an upgrade."""
        return self.cpv[: len(self.cpv) - len(self.version) - 1] if self.version else self.cpv


@dataclass(frozen=True)
class ImageComposition:
    file_count: int  # entries of every kind but directories
    byte_size: int  # sum of the sizes of those entries
    squashfs_size: int | None  # bytes of the packed image; None when it was not packed
    files: tuple[FileEntry, ...]  # every entry of the image but directories, sorted by path
    packages: tuple[PackageInImage, ...]  # sorted by cpv
    unowned: tuple[int, ...]  # indexes into files of the entries no package owns
    directories: dict[str, int] = field(default_factory=dict)  # "/usr": bytes below it, recursively

    def package_files(self, package: PackageInImage) -> list[FileEntry]:
        return [self.files[i] for i in package.files]

    def unowned_files(self) -> list[FileEntry]:
        return [self.files[i] for i in self.unowned]

    @property
    def compression_ratio(self) -> float | None:
        """squashfs size / byte size; None when either is unknown or zero."""
        if not self.squashfs_size or not self.byte_size:
            return None
        return self.squashfs_size / self.byte_size

    def to_json(self) -> dict[str, Any]:
        files = self.files
        return {
            "file_count": self.file_count, "byte_size": self.byte_size, "squashfs_size": self.squashfs_size,
            "files": {
                "path": [f.path for f in files], "size": [f.size for f in files],
                "mode": [f.mode for f in files], "uid": [f.uid for f in files],
                "gid": [f.gid for f in files], "sha256": [f.sha256 for f in files],
                "mtime_ns": [f.mtime_ns for f in files],
            },
            "packages": [{"cpv": p.cpv, "version": p.version, "use": list(p.use), "size": p.size,
                          "files": list(p.files)} for p in self.packages],
            "unowned": list(self.unowned),
            "directories": self.directories,
        }

    @classmethod
    def from_json(cls, data: Any) -> ImageComposition:
        data = _object(data, "image")
        columns = _object(data.get("files"), "image.files")
        names = ("path", "size", "mode", "uid", "gid", "sha256")
        lists = [_list(columns.get(name), f"image.files.{name}") for name in names]
        count = len(lists[0])
        if any(len(column) != count for column in lists):
            raise RecordFormatError("image.files: its columns differ in length")
        paths, sizes, modes, uids, gids, hashes = lists
        mtimes = _list(columns.get("mtime_ns", [0] * count), "image.files.mtime_ns")
        if len(mtimes) != count:
            raise RecordFormatError("image.files: its columns differ in length")
        for name, column, kind in (("path", paths, str), ("size", sizes, int), ("mode", modes, int),
                                   ("uid", uids, int), ("gid", gids, int), ("mtime_ns", mtimes, int)):
            if not set(map(type, column)) <= {kind}:  # type() per item, in C: a big image has 100k
                raise RecordFormatError(f"image.files.{name}: expected a list of {kind.__name__}")
        if not set(map(type, hashes)) <= {str, type(None)}:
            raise RecordFormatError("image.files.sha256: expected a list of strings or null")
        files = tuple(map(FileEntry._make, zip(paths, sizes, modes, uids, gids, hashes, mtimes, strict=True)))
        packages = []
        for n, item in enumerate(_list(data.get("packages"), "image.packages")):
            where = f"image.packages[{n}]"
            item = _object(item, where)
            packages.append(PackageInImage(
                cpv=_str(item.get("cpv"), f"{where}.cpv"), version=_str(item.get("version"), f"{where}.version"),
                use=tuple(_str(u, f"{where}.use") for u in _list(item.get("use"), f"{where}.use")),
                size=_int(item.get("size"), f"{where}.size"),
                files=_indexes(item.get("files"), count, f"{where}.files")))
        directories = _object(data.get("directories"), "image.directories")
        if not set(map(type, directories.values())) <= {int}:
            raise RecordFormatError("image.directories: expected sizes in bytes")
        squashfs_size = data.get("squashfs_size")
        if squashfs_size is not None:
            squashfs_size = _int(squashfs_size, "image.squashfs_size")
        return cls(file_count=_int(data.get("file_count"), "image.file_count"),
                   byte_size=_int(data.get("byte_size"), "image.byte_size"), squashfs_size=squashfs_size,
                   files=files, packages=tuple(packages),
                   unowned=_indexes(data.get("unowned"), count, "image.unowned"), directories=directories)


@dataclass(frozen=True)
class BuildRecord:
    id: str  # unique in its history: the start time, "20261202T061530.123456Z"
    artifact: str
    variant: str | None
    arch: str
    action: str  # "build", "lower", "upper" or "pack"
    started: float  # Unix time
    finished: float
    ok: bool
    message: str = ""  # why it failed, as the build said
    phases: tuple[PhaseTiming, ...] = ()
    emerged: tuple[EmergedPackage, ...] = ()
    image: ImageComposition | None = None
    version: int = VERSION

    @property
    def duration(self) -> float:
        return self.finished - self.started

    def phase(self, name: str) -> PhaseTiming | None:
        return next((p for p in self.phases if p.name == name), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "version": self.version, "id": self.id, "artifact": self.artifact,
            "variant": self.variant, "arch": self.arch, "action": self.action, "started": self.started,
            "finished": self.finished, "ok": self.ok, "message": self.message,
            "phases": [{"name": p.name, "duration": p.duration, "ok": p.ok, "skipped": p.skipped,
                        "reason": p.reason, "steps": [[s.name, s.duration, s.ok] for s in p.steps]}
                       for p in self.phases],
            "emerged": [[e.cpv, e.origin, e.duration, e.phase, e.step] for e in self.emerged],
            "image": self.image.to_json() if self.image is not None else None,
        }

    @classmethod
    def from_json(cls, data: Any) -> BuildRecord:
        """The record of ``data``; RecordFormatError says what is wrong with anything else."""
        data = _object(data, "record")
        if data.get("format") != FORMAT:
            raise RecordFormatError(f'not a build record: "format" is {data.get("format")!r}, not {FORMAT!r}')
        if data.get("version") != VERSION:
            raise RecordFormatError(f"build record version {data.get('version')!r}; this genpack-tui reads "
                                    f"version {VERSION}")
        phases = []
        for n, item in enumerate(_list(data.get("phases"), "phases")):
            where = f"phases[{n}]"
            item = _object(item, where)
            steps = []
            for m, step in enumerate(_list(item.get("steps"), f"{where}.steps")):
                step = _list(step, f"{where}.steps[{m}]")
                if len(step) != 3:
                    raise RecordFormatError(f"{where}.steps[{m}]: expected [name, duration, ok]")
                steps.append(StepTiming(_str(step[0], f"{where}.steps[{m}]"), _number(step[1], f"{where}.steps[{m}]"),
                                        _bool(step[2], f"{where}.steps[{m}]")))
            phases.append(PhaseTiming(
                name=_str(item.get("name"), f"{where}.name"), duration=_number(item.get("duration"), f"{where}.duration"),
                ok=_bool(item.get("ok"), f"{where}.ok"), skipped=_bool(item.get("skipped"), f"{where}.skipped"),
                reason=_str(item.get("reason"), f"{where}.reason"), steps=tuple(steps)))
        emerged = []
        for n, item in enumerate(_list(data.get("emerged"), "emerged")):
            where = f"emerged[{n}]"
            item = _list(item, where)
            if len(item) not in (4, 5) or item[1] not in ORIGINS:
                raise RecordFormatError(f"{where}: expected [cpv, \"binary\" or \"source\", duration, phase, step]")
            duration = None if item[2] is None else _number(item[2], where)
            emerged.append(EmergedPackage(_str(item[0], where), item[1], duration, _str(item[3], where),
                                          _str(item[4], where) if len(item) == 5 else ""))
        image = data.get("image")
        variant = data.get("variant")
        if variant is not None:
            variant = _str(variant, "variant")
        return cls(id=_str(data.get("id"), "id"), artifact=_str(data.get("artifact"), "artifact"), variant=variant,
                   arch=_str(data.get("arch"), "arch"), action=_str(data.get("action"), "action"),
                   started=_number(data.get("started"), "started"), finished=_number(data.get("finished"), "finished"),
                   ok=_bool(data.get("ok"), "ok"), message=_str(data.get("message"), "message"),
                   phases=tuple(phases), emerged=tuple(emerged),
                   image=None if image is None else ImageComposition.from_json(image))


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RecordFormatError(f"{where}: expected an object")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise RecordFormatError(f"{where}: expected a list")
    return value


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise RecordFormatError(f"{where}: expected a string")
    return value


def _int(value: Any, where: str) -> int:
    if type(value) is not int:
        raise RecordFormatError(f"{where}: expected an integer")
    return value


def _number(value: Any, where: str) -> float:
    if type(value) not in (int, float):
        raise RecordFormatError(f"{where}: expected a number")
    return float(value)


def _bool(value: Any, where: str) -> bool:
    if type(value) is not bool:
        raise RecordFormatError(f"{where}: expected true or false")
    return bool(value)


def _indexes(value: Any, count: int, where: str) -> tuple[int, ...]:
    items = _list(value, where)
    if items and (not set(map(type, items)) <= {int} or min(items) < 0 or max(items) >= count):
        raise RecordFormatError(f"{where}: expected indexes into image.files (0 to {count - 1})")
    return tuple(items)
