"""The test bed's privileged operations: debootstrap, systemd-nspawn, loop mounts.

Everything here needs root. Commands are always argv lists, never shell strings built from values.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Callable, Iterator, Sequence

LineSink = Callable[[str], None]

# Printed by systemd-nspawn on exit when systemd is not PID 1; harmless (test-bed notes, pitfall 12).
_NSPAWN_NOISE = ('Attempted to remove disk file system under "/run/systemd/nspawn/propagate/',)


class CommandFailed(RuntimeError):
    def __init__(self, argv: Sequence[str], returncode: int, tail: list[str]) -> None:
        self.argv = list(argv)
        self.returncode = returncode
        self.tail = tail
        shown = "\n".join(tail[-30:])
        super().__init__(f"{argv[0]} exited with status {returncode}: {' '.join(argv)}\n{shown}")


def missing_host_tools() -> list[str]:
    """Host programs the test bed build needs that are not installed."""
    return [t for t in ("debootstrap", "systemd-nspawn", "tar", "xz") if shutil.which(t) is None]


def is_root() -> bool:
    return os.geteuid() == 0


def run(argv: Sequence[str], *, on_line: LineSink | None = None, stdin: bytes | None = None,
        check: bool = True, env: dict[str, str] | None = None) -> tuple[int, list[str]]:
    """Run argv, merging stderr into stdout, feeding each line to ``on_line``; keep the last lines."""
    tail: list[str] = []
    proc = subprocess.Popen(
        list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL, env=env,
    )
    try:
        if stdin is not None:
            assert proc.stdin is not None
            proc.stdin.write(stdin)
            proc.stdin.close()
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if line.startswith(_NSPAWN_NOISE):
                continue
            tail.append(line)
            del tail[:-200]
            if on_line is not None:
                on_line(line)
        rc = proc.wait()
    except BaseException:
        # interrupted (Ctrl-C, a failing callback): never leave the child writing into a tree
        # that the caller is about to delete
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        raise
    if check and rc != 0:
        raise CommandFailed(argv, rc, tail)
    return rc, tail


def nspawn_host_args() -> list[str]:
    """Options the host needs: without systemd as PID 1 there is no machined to register with."""
    if Path("/run/systemd/system").is_dir():
        return []
    return ["--register=no", "--keep-unit"]


def nspawn_argv(root: Path, command: Sequence[str], *, binds: Sequence[tuple[Path, str]] = (),
                setenv: dict[str, str] | None = None, extra_args: Sequence[str] = ()) -> list[str]:
    argv = ["systemd-nspawn", "-q", *nspawn_host_args(), "--console=pipe", "-D", str(root), *extra_args]
    for host, inside in binds:
        argv.append(f"--bind={str(host).replace(':', chr(92) + ':')}:{inside}")
    for key, value in (setenv or {"LC_ALL": "C.UTF-8"}).items():
        argv.append(f"--setenv={key}={value}")
    return argv + list(command)


def nspawn(root: Path, command: Sequence[str], *, binds: Sequence[tuple[Path, str]] = (),
           setenv: dict[str, str] | None = None, on_line: LineSink | None = None,
           stdin: bytes | None = None, check: bool = True,
           extra_args: Sequence[str] = ()) -> tuple[int, list[str]]:
    return run(nspawn_argv(root, command, binds=binds, setenv=setenv, extra_args=extra_args),
               on_line=on_line, stdin=stdin, check=check)


def debootstrap(root: Path, suite: str, mirror: str, include: Sequence[str],
                on_line: LineSink | None = None) -> None:
    run(["debootstrap", "--variant=minbase", f"--include={','.join(include)}", suite, str(root), mirror],
        on_line=on_line)


def make_ext4_image(image: Path, size_bytes: int) -> None:
    with open(image, "wb") as f:
        f.truncate(size_bytes)
    run(["mkfs.ext4", "-q", "-F", "-O", "^has_journal", str(image)])


@contextlib.contextmanager
def loop_mounted(image: Path, mountpoint: Path) -> Iterator[Path]:
    """Loop-mount an ext4 image; always unmounted (lazily as a last resort) on the way out."""
    mountpoint.mkdir(parents=True, exist_ok=True)
    run(["mount", "-o", "loop", str(image), str(mountpoint)])
    try:
        yield mountpoint
    finally:
        rc, _ = run(["umount", str(mountpoint)], check=False)
        if rc != 0:
            run(["umount", "-l", str(mountpoint)], check=False)


def mounts_below(path: Path) -> list[Path]:
    """Mount points at or under ``path`` (deepest first), from /proc/self/mountinfo."""
    base = str(path.resolve())
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = line.split()[4].encode().decode("unicode_escape")  # \040 etc. in mount points
            if point == base or point.startswith(base + "/"):
                found.append(Path(point))
    return sorted(found, key=lambda p: len(p.parts), reverse=True)


def remove_tree(path: Path) -> None:
    """Delete a build directory, first detaching anything still mounted inside it (an interrupted
    debootstrap can leave /proc or /sys mounted in its target), so rmtree never walks into a mount."""
    if not path.exists():
        return
    for point in mounts_below(path):
        run(["umount", "-l", str(point)], check=False)
    if mounts_below(path):
        raise RuntimeError(f"cannot remove {path}: something is still mounted below it")
    shutil.rmtree(path, ignore_errors=True)
