"""What an image holds, read from its tree while it is mounted (the pack phase's upper layer).

The tree is walked from directory file descriptors, every entry ``lstat``-ed and every file opened
``O_NOFOLLOW`` relative to its directory's fd, so no link is ever followed, inside or out of the
image. The installed packages come from the package database of the image they were merged in (the
lower image's ``/var/db/pkg``): a package's files count where its ``CONTENTS`` lists them and the tree
has them, so copy-up and the pack phase's excludes count as they really do.
"""
from __future__ import annotations

import errno
import fnmatch
import hashlib
import os
import posixpath
import re
import stat
from collections.abc import Sequence

from genpack_tui.engine.history.model import FileEntry, ImageComposition, PackageInImage
from genpack_tui.engine.runtime.confined import ConfinedDir
from genpack_tui.engine.runtime.errors import RuntimeEngineError

PACKAGE_DB = "var/db/pkg"
_CHUNK = 1 << 20
_VERSION = re.compile(r"-([0-9][^-/]*(?:-r[0-9]+)?)$")
_MAX_LINKS = 40


class _Tree:
    """The walked tree: its entries but directories, the links among them, the directories' sizes."""

    def __init__(self) -> None:
        self.files: list[FileEntry] = []
        self.links: dict[str, str] = {}
        self.directories: dict[str, int] = {}
        self.known: dict[str, tuple[int, int, str | None]] = {}  # path: (size, mtime_ns, sha256)


def read_composition(root: ConfinedDir, package_db: ConfinedDir | None, *, excludes: Sequence[str] = (),
                     squashfs_size: int | None = None, known: ImageComposition | None = None) -> ImageComposition:
    """The composition of the tree at ``root``, without what ``excludes`` (mksquashfs ``-wildcards -e``
    patterns, relative to the root) leaves out; packages from ``package_db`` (an image's root, links
    resolved inside it), none when it is None. A regular file that ``known`` (the last build's image)
    has with the same size and mtime keeps its hash there instead of being read again, as make and
    rsync judge files unchanged; hashing every file is what a big image costs."""
    tree = _Tree()
    if known is not None:
        tree.known = {f.path: (f.size, f.mtime_ns, f.sha256) for f in known.files
                      if f.sha256 is not None and f.mtime_ns}
    patterns: dict[int, list[list[str]]] = {}  # by depth: only entries that deep can match
    for pattern in excludes:
        parts = pattern.split("/")
        patterns.setdefault(len(parts), []).append(parts)
    _walk(root.fileno(), "", [], patterns, tree)
    tree.files.sort(key=lambda f: f.path)
    for path in sorted(tree.directories, key=lambda p: p.count("/"), reverse=True):
        if path != "/":
            parent = posixpath.dirname(path)
            tree.directories[parent] = tree.directories.get(parent, 0) + tree.directories[path]
    index = {f.path: i for i, f in enumerate(tree.files)}
    packages = _packages(package_db, index, tree) if package_db is not None else []
    owned = {i for p in packages for i in p.files}
    return ImageComposition(
        file_count=len(tree.files), byte_size=sum(f.size for f in tree.files), squashfs_size=squashfs_size,
        files=tuple(tree.files), packages=tuple(packages),
        unowned=tuple(i for i in range(len(tree.files)) if i not in owned), directories=tree.directories)


def _excluded(parts: list[str], patterns: list[list[str]]) -> bool:
    return any(all(fnmatch.fnmatchcase(n, w) for n, w in zip(parts, p, strict=True)) for p in patterns)


def _walk(dir_fd: int, path: str, parts: list[str], patterns: dict[int, list[list[str]]], tree: _Tree) -> None:
    """Record the entries below ``dir_fd`` (the directory ``path``, "" for the root) into ``tree``.
    The loop is the cost of a big image: one fstatat per entry, nothing per entry it can avoid."""
    own = 0
    here = patterns.get(len(parts) + 1)
    files, links, known = tree.files, tree.links, tree.known
    with os.scandir(dir_fd) as entries:
        for entry in entries:
            name = entry.name
            if here and _excluded(parts + [name], here):
                continue
            child = f"{path}/{name}"
            st = entry.stat(follow_symlinks=False)
            mode = st.st_mode
            kind = stat.S_IFMT(mode)
            if kind == stat.S_IFDIR:
                fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
                try:
                    _walk(fd, child, parts + [name], patterns, tree)
                finally:
                    os.close(fd)
                continue
            digest = None
            size = st.st_size
            if kind == stat.S_IFREG:
                last = known.get(child)
                if last is not None and last[0] == size and last[1] == st.st_mtime_ns:
                    digest = last[2]
                else:
                    digest = _sha256(dir_fd, name, size)
            elif kind == stat.S_IFLNK:
                links[child] = os.readlink(name, dir_fd=dir_fd)
            else:
                size = 0  # a device's st_size means nothing; FIFOs and sockets have none
            files.append(FileEntry(child, size, mode, st.st_uid, st.st_gid, digest, st.st_mtime_ns))
            own += size
    tree.directories[path or "/"] = own


def _sha256(dir_fd: int, name: str, size: int) -> str | None:
    """The file's hash; None when what is there now is no longer a regular file (swapped meanwhile).
    Read with plain ``os.read``: per-file overhead, not hashing, is what a 100k-file image costs."""
    try:
        # O_NONBLOCK: what was swapped for a FIFO does not block the open
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENXIO):
            return None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        os.set_blocking(fd, True)
        digest = hashlib.sha256()
        wanted = min(size, _CHUNK) + 1
        chunk = os.read(fd, wanted)
        digest.update(chunk)
        while len(chunk) == wanted:  # a short read of a regular file is its end
            wanted = _CHUNK
            chunk = os.read(fd, wanted)
            digest.update(chunk)
        return digest.hexdigest()
    finally:
        os.close(fd)


def _packages(db: ConfinedDir, index: dict[str, int], tree: _Tree) -> list[PackageInImage]:
    try:
        categories = sorted(db.listdir(PACKAGE_DB))
    except (FileNotFoundError, NotADirectoryError):
        return []
    resolved: dict[str, str] = {}
    packages = []
    for category in categories:
        if not db.is_dir(f"{PACKAGE_DB}/{category}"):
            continue
        for pf in sorted(db.listdir(f"{PACKAGE_DB}/{category}")):
            entry = f"{PACKAGE_DB}/{category}/{pf}"
            try:
                contents = db.read_text(f"{entry}/CONTENTS")
            except (OSError, RuntimeEngineError, UnicodeDecodeError):
                continue  # not a package entry (missing, a link, not a file): it owns nothing
            files = sorted({i for path in _contents_paths(contents)
                            if (i := index.get(_in_tree(path, tree.links, resolved), -1)) >= 0})
            if not files:
                continue  # nothing of it is in the image: a build-time package, or one copy-up left out
            cpv = f"{category}/{pf}"
            match = _VERSION.search(pf)
            packages.append(PackageInImage(cpv=cpv, version=match[1] if match else "", use=_use(db, entry),
                                           size=sum(tree.files[i].size for i in files), files=tuple(files)))
    return packages


def _contents_paths(contents: str) -> list[str]:
    """The paths of a CONTENTS file's ``obj`` and ``sym`` lines (``obj PATH MD5 MTIME``,
    ``sym PATH -> TARGET MTIME``); paths may hold spaces."""
    paths = []
    for line in contents.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "obj":
            path = rest.rsplit(" ", 2)[0]
        elif kind == "sym":
            path = rest.split(" -> ", 1)[0]
        else:
            continue
        if path.startswith("/"):
            paths.append(path)
    return paths


def _in_tree(path: str, links: dict[str, str], cache: dict[str, str]) -> str:
    """Where ``path`` is in the tree when its directories' links (``/lib`` → ``usr/lib``) are followed
    as the image would; the last component is not followed (CONTENTS names the link itself)."""
    directory, name = posixpath.split(path)
    if directory not in cache:
        cache[directory] = _resolve_dir(directory, links)
    base = cache[directory]
    return f"{base}/{name}" if base != "/" else f"/{name}"


def _resolve_dir(directory: str, links: dict[str, str]) -> str:
    todo = [p for p in directory.split("/") if p]
    done: list[str] = []
    hops = 0
    while todo:
        part = todo.pop(0)
        if part == ".":
            continue
        if part == "..":
            if done:
                done.pop()
            continue
        here = "/" + "/".join(done + [part])
        target = links.get(here)
        if target is None or hops >= _MAX_LINKS:
            done.append(part)
            continue
        hops += 1
        if target.startswith("/"):
            done = []
        todo = [p for p in target.split("/") if p] + todo
    return "/" + "/".join(done)


def _use(db: ConfinedDir, entry: str) -> tuple[str, ...]:
    """The package's enabled USE flags among its IUSE (USE also holds arch and profile flags)."""
    def words(name: str) -> list[str]:
        try:
            return db.read_text(f"{entry}/{name}").split()
        except (OSError, RuntimeEngineError, UnicodeDecodeError):
            return []
    iuse = {flag.lstrip("+-") for flag in words("IUSE")}
    return tuple(sorted(set(words("USE")) & iuse))
