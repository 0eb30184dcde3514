"""What the Image pane shows, independent of Textual and of how builds are recorded: one build's
files and packages (``ImageSnapshot``), compared with the previous build's (``ImageView``).

The files are two parallel lists sorted by path, so a directory's entries are one contiguous slice
(found by bisection on ``dir + "/"``), and with the running sum of the sizes a subdirectory's size
is one more bisection and a subtraction: a directory's children cost one step per file directly
in it and one per subdirectory, computed only when it is expanded.
widgets/image/from_history.py builds these from the build history's records.
"""
from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field
from typing import Literal

Mark = Literal["added", "removed", "grown", "shrunk", ""]  # "": unchanged, or no previous build
SortKey = Literal["size", "name"]
UNOWNED = "(no package)"  # the package table's row for files no package owns


@dataclass(frozen=True)
class ImagePackage:
    name: str  # category/package, what stays the same across an upgrade
    version: str
    size: int  # bytes of its files present in the image
    files: tuple[str, ...]  # its paths in the image


@dataclass(frozen=True)
class ImageSnapshot:
    """One build's image. ``paths`` must be sorted and absolute; ``sizes`` runs beside it."""

    label: str  # which build, as people read it
    paths: list[str]
    sizes: list[int]
    packages: tuple[ImagePackage, ...] = ()
    unowned: tuple[str, ...] = ()
    total: int = field(init=False)
    _running: list[int] = field(init=False, repr=False)  # _running[i]: the sizes before paths[i]

    def __post_init__(self) -> None:
        running = [0, *itertools.accumulate(self.sizes)]
        object.__setattr__(self, "_running", running)
        object.__setattr__(self, "total", running[-1])

    @property
    def file_count(self) -> int:
        return len(self.paths)

    def below(self, directory: str) -> tuple[int, int]:
        """The slice of ``paths`` under ``directory`` ("/" for all of them)."""
        prefix = "/" if directory == "/" else directory + "/"
        start = bisect.bisect_left(self.paths, prefix)
        end = bisect.bisect_left(self.paths, prefix[:-1] + "0")  # "0" is the character after "/"
        return start, end

    def children(self, directory: str) -> dict[str, tuple[int, bool]]:
        """name → (bytes below it, is a directory), for the entries directly in ``directory``."""
        start, end = self.below(directory)
        prefix = "/" if directory == "/" else directory + "/"
        cut = len(prefix)
        found: dict[str, tuple[int, bool]] = {}
        paths, sizes, running = self.paths, self.sizes, self._running
        i = start
        while i < end:
            path = paths[i]
            slash = path.find("/", cut)
            if slash < 0:  # a file directly in it (a name may also be a directory's, for broken records)
                name = path[cut:]
                size, is_dir = found.get(name, (0, False))
                found[name] = (size + sizes[i], is_dir)
                i += 1
                continue
            name = path[cut:slash]
            j = bisect.bisect_left(paths, path[:slash] + "0", i, end)  # past everything under it
            size, _ = found.get(name, (0, True))
            found[name] = (size + running[j] - running[i], True)
            i = j
        return found

    def size_of(self, path: str) -> int | None:
        i = bisect.bisect_left(self.paths, path)
        return self.sizes[i] if i < len(self.paths) and self.paths[i] == path else None

    def all_packages(self) -> tuple[ImagePackage, ...]:
        """The packages and, when there are any, the unowned files as one more row."""
        if not self.unowned:
            return self.packages
        size = sum(self.size_of(path) or 0 for path in self.unowned)
        return (*self.packages, ImagePackage(UNOWNED, "", size, self.unowned))


@dataclass(frozen=True)
class TreeEntry:
    name: str
    path: str
    size: int  # 0 for a removed entry
    is_dir: bool
    mark: Mark
    previous_size: int | None  # None: not in the previous build (or there is none)


@dataclass(frozen=True)
class PackageRow:
    name: str
    version: str
    size: int
    mark: Mark
    previous_size: int | None
    previous_version: str | None


@dataclass(frozen=True)
class FileRow:
    path: str
    size: int
    mark: Mark


def mark_for(size: int | None, previous: int | None, has_previous: bool) -> Mark:
    if not has_previous:
        return ""
    if previous is None:
        return "added"
    if size is None:
        return "removed"
    if size > previous:
        return "grown"
    if size < previous:
        return "shrunk"
    return ""


class ImageView:
    """The image of the last build, with its differences from the build before it (if any)."""

    def __init__(self, current: ImageSnapshot, previous: ImageSnapshot | None = None) -> None:
        self.current = current
        self.previous = previous
        self._packages = {p.name: p for p in current.all_packages()}
        self._previous_packages = {p.name: p for p in previous.all_packages()} if previous else {}

    @property
    def total(self) -> int:
        return self.current.total

    def share(self, size: int) -> float:
        """``size`` as a fraction of the image."""
        return size / self.total if self.total else 0.0

    def children(self, directory: str) -> list[TreeEntry]:
        """The entries of ``directory``, largest first (removed ones last), then by name."""
        now = self.current.children(directory)
        before = self.previous.children(directory) if self.previous is not None else {}
        has_previous = self.previous is not None
        base = "" if directory == "/" else directory
        entries = []
        for name, (size, is_dir) in now.items():
            old = before.get(name)
            previous = old[0] if old is not None else None
            entries.append(TreeEntry(name, f"{base}/{name}", size, is_dir, mark_for(size, previous, has_previous),
                                     previous))
        for name, (previous, is_dir) in before.items():
            if name not in now:
                entries.append(TreeEntry(name, f"{base}/{name}", 0, is_dir, "removed", previous))
        entries.sort(key=lambda e: (e.mark == "removed", -e.size, e.name))
        return entries

    def package_rows(self, key: SortKey = "size", reverse: bool = False) -> list[PackageRow]:
        """Every package of this build and those the previous one had; by size (largest first) or
        by name (A to Z); ``reverse`` turns the order round."""
        has_previous = self.previous is not None
        rows = []
        for name, package in self._packages.items():
            old = self._previous_packages.get(name)
            rows.append(PackageRow(name, package.version, package.size,
                                   mark_for(package.size, old.size if old else None, has_previous),
                                   old.size if old else None, old.version if old else None))
        for name, old in self._previous_packages.items():
            if name not in self._packages:
                rows.append(PackageRow(name, old.version, 0, "removed", old.size, old.version))
        if key == "size":
            rows.sort(key=lambda r: (-r.size, r.name), reverse=reverse)
        else:
            rows.sort(key=lambda r: r.name, reverse=reverse)
        return rows

    def package_files(self, name: str) -> list[FileRow]:
        """The package's files in the image, by path; a removed package's files as they were."""
        package = self._packages.get(name)
        old = self._previous_packages.get(name)
        has_previous = self.previous is not None
        if package is None:
            if old is None or self.previous is None:
                return []
            return [FileRow(path, self.previous.size_of(path) or 0, "removed") for path in sorted(old.files)]
        rows = []
        for path in sorted(package.files):
            size = self.current.size_of(path) or 0
            previous = self.previous.size_of(path) if self.previous is not None else None
            rows.append(FileRow(path, size, mark_for(size, previous, has_previous)))
        if old is not None and self.previous is not None:
            kept = set(package.files)
            rows.extend(FileRow(path, self.previous.size_of(path) or 0, "removed")
                        for path in sorted(old.files) if path not in kept)
        return rows

    def counts(self) -> dict[Mark, int]:
        """How many packages were added, removed, grew or shrank since the previous build."""
        found: dict[Mark, int] = {"added": 0, "removed": 0, "grown": 0, "shrunk": 0}
        for row in self.package_rows():
            if row.mark:
                found[row.mark] += 1
        return found
