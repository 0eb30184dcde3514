"""The real genpack, run from the reference checkout on the test bed, and genpack-tui beside it.

Nothing of the reference is copied into the project: at test time its genpack-helper.cpp is patched in
a temporary copy and compiled, and its genpack.py is patched in a temporary copy, each patch anchored
on text that must occur exactly once (a changed reference fails loudly, naming the anchor):

- genpack-helper runs ``systemd-nspawn --image=`` (it needs systemd as PID 1 and udev); here it
  loop-mounts the image itself and passes ``-D DIR --register=no --keep-unit``;
- genpack.py's mirror base URL and overlay URL point at the test bed's loopback mirror, and its
  shebang at this interpreter (which has json5 and requests).

Both tools run with ``systemd-nspawn`` found on PATH through a shim that logs every call (the
container starts counted below), each with empty caches of its own: genpack gets its own HOME,
genpack-tui (which takes the cache from the password database) runs in a private mount namespace
with an empty directory over ``~/.cache/genpack``.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.fixtures.config import REFERENCE_DIR, REFERENCE_ENV

GENPACK_SRC = REFERENCE_DIR / "genpack" / "src"
ARGPARSE_HEADER = REFERENCE_DIR / "argparse" / "argparse.hpp"
REPO = Path(__file__).resolve().parents[2]
HEADERS = (Path("/usr/include/libmount/libmount.h"), Path("/usr/include/blkid/blkid.h"))


def reason_unavailable() -> str | None:
    """Why the real genpack cannot run here, or None."""
    for needed in (GENPACK_SRC / "genpack.py", GENPACK_SRC / "genpack-helper.cpp", ARGPARSE_HEADER):
        if not needed.is_file():
            return f"the reference genpack is absent: no {needed} (set {REFERENCE_ENV} to the reference directory)"
    if shutil.which("g++") is None:
        return "g++ is missing (genpack-helper is compiled from the reference; scripts/setup.sh installs it)"
    for header in HEADERS:
        if not header.is_file():
            return f"{header} is missing (libmount-dev / libblkid-dev; scripts/setup.sh installs them)"
    for module in ("json5", "requests"):
        if subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode != 0:
            return f"{sys.executable} cannot import {module}, which genpack.py needs"
    return None


def patched(text: str, anchor: str | re.Pattern[str], replacement: str, what: str) -> str:
    """``text`` with ``anchor`` (a string or a pattern; it must occur exactly once) replaced."""
    pattern = anchor if isinstance(anchor, re.Pattern) else re.compile(re.escape(anchor))
    found = len(pattern.findall(text))
    if found != 1:
        raise AssertionError(f"patching {what}: {pattern.pattern!r} occurs {found} times in the reference, not once")
    return pattern.sub(lambda _m: replacement, text)


_NSPAWN_ENTRY = '    must_be_owned_by_original_user(".");\n\n    std::vector<std::string> nspawn_cmdline = {'
_IMAGE_OPTION = '"--image=" + lower_img.string(),'


def compile_helper(dest: Path) -> Path:
    """genpack-helper compiled into ``dest`` from a patched copy of the reference."""
    source = (GENPACK_SRC / "genpack-helper.cpp").read_text()
    source = patched(source, _NSPAWN_ENTRY, _NSPAWN_ENTRY.replace(
        "\n\n", '\n    TempDir lower_dir;\n    mount_loop(lower_img, lower_dir.path(), "ext4");\n\n'),
        "genpack-helper nspawn (loop-mount the lower image)")
    source = patched(source, _IMAGE_OPTION, '"-D", lower_dir.path().string(), "--register=no", "--keep-unit",',
                     "genpack-helper nspawn (-D instead of --image=)")
    (dest / "include" / "argparse").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ARGPARSE_HEADER, dest / "include" / "argparse" / "argparse.hpp")
    (dest / "genpack-helper.cpp").write_text(source)
    binary = dest / "bin" / "genpack-helper"
    binary.parent.mkdir(exist_ok=True)
    proc = subprocess.run(["g++", "-std=c++20", "-O1", "-I", str(dest / "include"), "-o", str(binary),
                           str(dest / "genpack-helper.cpp"), "-lmount", "-lblkid"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssertionError(f"compiling the patched genpack-helper failed:\n{proc.stderr[-3000:]}")
    return binary


def patched_genpack(dest: Path, mirror_url: str, overlay_url: str) -> Path:
    """A copy of the reference genpack.py reading the test bed's mirror and overlay."""
    text = (GENPACK_SRC / "genpack.py").read_text()
    text = patched(text, re.compile(r"\A#![^\n]*"), f"#!{sys.executable}", "genpack.py's interpreter")
    text = patched(text, re.compile(r'^base_url = "[^"]*"$', re.M), f'base_url = "{mirror_url.rstrip("/")}/"',
                   "genpack.py's mirror base URL")
    text = patched(text, re.compile(r'(?<=def get_latest_overlay_tarball_url\(\):\n    return )"[^"]*"'),
                   f'"{overlay_url}"', "genpack.py's overlay URL")
    script = dest / "genpack"
    script.write_text(text)
    script.chmod(0o755)
    return script


NSPAWN_SHIM = """#!/bin/sh
printf '%s\\n' "$*" >> {log}
exec {nspawn} "$@"
"""


@dataclass
class ToolRun:
    tool: str
    returncode: int
    wall_s: float
    container_starts: int
    output: str


class Tools:
    """The two tools, run on the same test bed with counted containers and caches of their own."""

    def __init__(self, scratch: Path, mirror) -> None:
        self.scratch = scratch
        self.mirror = mirror
        self.helper = compile_helper(scratch / "helper")
        (scratch / "reference").mkdir()
        self.genpack = patched_genpack(scratch / "reference", mirror.mirror_url, mirror.overlay_url)
        self.shims = scratch / "shims"
        self.shims.mkdir()
        nspawn = shutil.which("systemd-nspawn")
        assert nspawn is not None
        self.nspawn_log = scratch / "nspawn-calls.log"
        shim = self.shims / "systemd-nspawn"
        shim.write_text(NSPAWN_SHIM.format(log=self.nspawn_log, nspawn=nspawn))
        shim.chmod(0o755)
        shutil.copy2(self.helper, self.shims / "genpack-helper")

    def _env(self, home: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SUDO_")}
        env["PATH"] = f"{self.shims}:{env.get('PATH', '/usr/sbin:/usr/bin:/sbin:/bin')}"
        env["HOME"] = str(home)
        env["PYTHONPATH"] = str(REPO)
        return env

    def _starts(self) -> int:
        """Containers started since the log was last cleared (genpack-tui's ``--version`` probe is no start)."""
        if not self.nspawn_log.exists():
            return 0
        calls = [line for line in self.nspawn_log.read_text().splitlines() if line.strip() != "--version"]
        self.nspawn_log.unlink()
        return len(calls)

    def _run(self, tool: str, argv: list[str], cwd: Path, home: Path) -> ToolRun:
        self._starts()
        start = time.monotonic()
        proc = subprocess.run(argv, cwd=cwd, env=self._env(home), capture_output=True, text=True, timeout=1800)
        wall = time.monotonic() - start
        return ToolRun(tool, proc.returncode, round(wall, 1), self._starts(), proc.stdout + proc.stderr)

    def run_genpack(self, artifact: Path, *args: str) -> ToolRun:
        home = self.scratch / f"home-genpack-{artifact.name}"
        home.mkdir(exist_ok=True)
        return self._run("genpack", [str(self.genpack), *args, "build"], artifact, home)

    def run_genpack_tui(self, artifact: Path, *args: str) -> ToolRun:
        """genpack-tui build, with an empty ``~/.cache/genpack`` of its own (a private mount namespace)."""
        cache = self.scratch / f"cache-tui-{artifact.name}"
        cache.mkdir(exist_ok=True)
        target = Path("/root/.cache/genpack")
        target.mkdir(parents=True, exist_ok=True)
        tui = [sys.executable, "-m", "genpack_tui", "--headless", "-C", str(artifact),
               f"--mirror={self.mirror.mirror_url}", f"--overlay-url={self.mirror.overlay_url}",
               f"--keyring={self.mirror.keyring}", *args, "build"]
        script = 'mount --make-rprivate / && mount --bind "$1" "$2" && shift 2 && exec "$@"'
        argv = ["unshare", "-m", "sh", "-c", script, "sh", str(cache), str(target), *tui]
        return self._run("genpack-tui", argv, artifact, Path("/root"))


def listing(image: Path) -> list[str]:
    """``unsquashfs -lln`` without the times: mode, uid/gid, size (or device numbers), path, link target."""
    out = subprocess.run(["unsquashfs", "-lln", str(image)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        if " squashfs-root" not in line:
            continue
        device = line[0] in "cb"  # "major, minor" takes two fields where a size takes one
        fields = line.split(None, 6 if device else 5)
        size = "".join(fields[2:4]) if device else fields[2]
        rows.append(f"{fields[0]} {fields[1]} {size} {fields[-1].removeprefix('squashfs-root')}")
    return rows


def pyc_body(data: bytes) -> bytes:
    """A .pyc without its 16-byte header, whose source-mtime field records when the package was
    installed in each lower image (not a difference between the tools)."""
    return data[16:]


def content_hashes(image: Path, scratch: Path) -> dict[str, str]:
    """sha256 of every regular file of the image by path (.pyc files without their header)."""
    dest = scratch / f"unsquashed-{image.stem}"
    shutil.rmtree(dest, ignore_errors=True)
    subprocess.run(["unsquashfs", "-q", "-no-xattrs", "-d", str(dest), str(image)], capture_output=True, check=True)
    hashes = {}
    for path in sorted(dest.rglob("*")):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if path.suffix == ".pyc":
                data = pyc_body(data)
            hashes["/" + path.relative_to(dest).as_posix()] = hashlib.sha256(data).hexdigest()
    shutil.rmtree(dest, ignore_errors=True)
    return hashes


def file_text(image: Path, path: str, scratch: Path) -> str:
    dest = scratch / "one-file"
    shutil.rmtree(dest, ignore_errors=True)
    subprocess.run(["unsquashfs", "-q", "-n", "-d", str(dest), str(image), path.lstrip("/")],
                   capture_output=True, check=True)
    return (dest / path.lstrip("/")).read_text()


def packages_in_any_order(text: str) -> list[str]:
    """genpack-progs' ``/.genpack/packages`` with its blocks sorted and each NEEDED_BY's names sorted:
    the real program writes both from Python sets, so their order changes from one run to the next
    under hash randomisation, whichever tool runs it."""
    blocks = []
    for block in text.split("\n\n"):
        lines = [("# NEEDED_BY: " + " ".join(sorted(line.removeprefix("# NEEDED_BY: ").split())))
                 if line.startswith("# NEEDED_BY: ") else line for line in block.splitlines()]
        blocks.append("\n".join(lines))
    return sorted(blocks)


def differences(a: Path, b: Path, scratch: Path) -> list[str]:
    """Every difference between two images: listing rows only in one, then files whose contents differ."""
    listing_a, listing_b = listing(a), listing(b)
    diffs = [f"only in {a.name} ({a.parent.parent.name}): {row}" for row in sorted(set(listing_a) - set(listing_b))]
    diffs += [f"only in {b.name} ({b.parent.parent.name}): {row}" for row in sorted(set(listing_b) - set(listing_a))]
    hashes_a, hashes_b = content_hashes(a, scratch), content_hashes(b, scratch)
    diffs += [f"contents differ: {path}" for path in sorted(hashes_a.keys() & hashes_b.keys())
              if hashes_a[path] != hashes_b[path]]
    return diffs
