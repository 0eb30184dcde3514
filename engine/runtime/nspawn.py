"""``systemd-nspawn`` command lines with genpack-helper's semantics (docs/genpack.md §9).

Building the argv is pure; running it is ``privileged.run_nspawn``. The container root is either a
directory we mounted ourselves (``-D``) or, only on hosts with udev and systemd as PID 1, an image
file (``--image=``). The upper layer is given to nspawn's own ``--overlay=+/:<upper>:/`` (verified
on a host without systemd as PID 1 with a loop-mounted upper; see engine/runtime/README.md).
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import PrivilegedOperationError
from .host import HostInfo
from .syscalls import host_pid

CAPABILITIES = "CAP_MKNOD,CAP_SYS_ADMIN,CAP_NET_ADMIN"
CONSOLE_MODES = frozenset({"interactive", "read-only", "passive", "pipe", "autopipe"})
VOLATILE_MODES = frozenset({"no", "yes", "state", "overlay"})
DEFAULT_ENV: tuple[tuple[str, str], ...] = (("LC_ALL", "C.UTF-8"),)

HOST_DIR = "/mnt/host"
BINPKGS_DIR = "/var/cache/binpkgs"
DOWNLOAD_DIR = "/var/cache/download"
OVERLAY_REPO_DIR = "/var/db/repos/genpack-overlay"
EXTRA_DIR = "/mnt/extra"

_ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MACHINE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
_counter = itertools.count(1)


def new_machine_name() -> str:
    """``genpack-<pid>[-n]``: unique per container started by this process."""
    n = next(_counter)
    return f"genpack-{host_pid()}" + (f"-{n}" if n > 1 else "")


def escape_bind_path(path: str | Path) -> str:
    """nspawn splits bind/overlay specs on ':'; a literal colon (or backslash) must be escaped."""
    return str(path).replace("\\", "\\\\").replace(":", "\\:")


def _fail(path: object, message: str) -> PrivilegedOperationError:
    return PrivilegedOperationError("systemd-nspawn", None if path is None else str(path), message)


def _plain(text: str, what: str) -> None:
    if "\0" in text or "\n" in text:
        raise _fail(None, f"{what} contains a NUL or newline character: {text!r}")


def _directory(path: Path | None, what: str) -> str | None:
    if path is None:
        return None
    text = str(path)
    _plain(text, what)
    if not os.path.isabs(text):
        raise _fail(text, f"{what} must be an absolute path")
    if not os.path.isdir(text):
        raise _fail(text, f"{what} is not an existing directory")
    return text


@dataclass(frozen=True)
class NspawnSpec:
    """One container run. ``env`` pairs are applied in order (last wins) and emitted sorted by key."""

    root: Path
    command: Sequence[str]
    machine: str = field(default_factory=new_machine_name)
    artifact_dir: Path | None = None  # -> /mnt/host
    binpkgs_dir: Path | None = None  # -> /var/cache/binpkgs
    download_dir: Path | None = None  # -> /var/cache/download
    overlay_override: Path | None = None  # -> /var/db/repos/genpack-overlay, read-only
    extra_dir: Path | None = None  # an extra image we mounted -> /mnt/extra
    overlay_upper: Path | None = None  # upper dir of an overlay on the container root
    env: Sequence[tuple[str, str]] | Mapping[str, str] = ()
    console: str | None = None
    volatile: str | None = None
    default_env: bool = True

    def environment(self) -> dict[str, str]:
        pairs = list(self.env.items()) if isinstance(self.env, Mapping) else list(self.env)
        merged: dict[str, str] = dict(DEFAULT_ENV) if self.default_env else {}
        for key, value in pairs:
            if not _ENV_KEY.match(key):
                raise _fail(None, f"invalid environment variable name {key!r}")
            _plain(value, f"environment variable {key}")
            merged[key] = value
        return dict(sorted(merged.items()))

    def _root_args(self, host: HostInfo) -> list[str]:
        text = str(self.root)
        _plain(text, "container root")
        if not os.path.isabs(text):
            raise _fail(text, "container root must be an absolute path")
        if os.path.isdir(text):
            return ["-D", text]
        if os.path.isfile(text):
            if not host.can_use_image_option:
                raise _fail(
                    text,
                    "--image= needs udev and systemd as PID 1 on this host; mount the image and pass the directory",
                )
            return [f"--image={text}"]
        raise _fail(text, "container root is neither a directory nor an image file")

    def argv(self, host: HostInfo, nspawn: str | None = None) -> list[str]:
        if not _MACHINE.match(self.machine):
            raise _fail(None, f"invalid machine name {self.machine!r}")
        if not self.command:
            raise _fail(self.root, "no command given")
        for word in self.command:
            _plain(word, "command argument")
        if self.command[0].startswith("-"):
            raise _fail(self.root, f"command must not start with an option: {self.command[0]!r}")
        if self.console is not None and self.console not in CONSOLE_MODES:
            raise _fail(None, f"console mode {self.console!r} is not one of {', '.join(sorted(CONSOLE_MODES))}")
        if self.volatile is not None and self.volatile not in VOLATILE_MODES:
            raise _fail(None, f"volatile mode {self.volatile!r} is not one of {', '.join(sorted(VOLATILE_MODES))}")

        argv = [nspawn or host.nspawn_path or "systemd-nspawn", "-q", "--suppress-sync=true", "--as-pid2"]
        argv += ["-M", self.machine, *host.nspawn_registration_args]
        argv += self._root_args(host)
        argv.append(f"--capability={CAPABILITIES}")
        binds = [
            (self.artifact_dir, HOST_DIR, "artifact directory"),
            (self.binpkgs_dir, BINPKGS_DIR, "binary package directory"),
            (self.download_dir, DOWNLOAD_DIR, "download directory"),
        ]
        for path, target, what in binds:
            source = _directory(path, what)
            if source is not None:
                argv.append(f"--bind={escape_bind_path(source)}:{target}")
        override = _directory(self.overlay_override, "overlay override directory")
        if override is not None:
            argv.append(f"--bind-ro={escape_bind_path(override)}:{OVERLAY_REPO_DIR}")
        argv += [f"--setenv={k}={v}" for k, v in self.environment().items()]
        if self.console is not None:
            argv.append(f"--console={self.console}")
        if self.volatile is not None:
            argv.append(f"--volatile={self.volatile}")
        upper = _directory(self.overlay_upper, "overlay upper directory")
        if upper is not None:
            argv.append(f"--overlay=+/:{escape_bind_path(upper)}:/")
        extra = _directory(self.extra_dir, "extra image directory")
        if extra is not None:
            argv.append(f"--bind={escape_bind_path(extra)}:{EXTRA_DIR}")
        argv += list(self.command)
        return argv
