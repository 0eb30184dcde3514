"""The real genpack.py run with its subprocess calls and network access replaced by recorders.

``record`` imports a fresh copy of genpack.py (the module is never executed as a script), points its
work and cache directories at a scratch directory, and calls its own ``lower``, ``upper`` and ``pack``
as its ``build`` would, in the artifact directory. Nothing is executed: every ``subprocess.run`` is
recorded and answers success, the mirror and the overlay are answered by stubs. What genpack would
have run comes back as a list of calls, the ``genpack-helper nspawn`` ones parsed into containers.
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator

# genpack-helper nspawn's options that take the next word as their value (genpack-helper.cpp's parser)
_VALUE_FLAGS = {"-E": "setenv", "-B": "binpkgs-dir", "-D": "download-dir", "-O": "genpack-overlay-dir",
                "-I": "overlay-image", "-X": "extra-image"}


@dataclass
class Call:
    argv: list[str]
    stdin: str | bytes | None = None  # input= as given; a file handed as stdin is "<file NAME>"


@dataclass
class Container:
    """One ``genpack-helper nspawn`` call: where it runs, its options, environment, command and stdin."""

    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    stdin: str | bytes | None = None

    @property
    def where(self) -> str:
        return "upper" if "overlay-image" in self.options else "lower"

    @property
    def binds(self) -> list[str]:
        return [name for name, option in (("binpkgs", "binpkgs-dir"), ("download", "download-dir"),
                                          ("overlay-override", "genpack-overlay-dir")) if option in self.options]


def parse_nspawn(call: Call) -> Container | None:
    """The container of a ``genpack-helper nspawn …`` call; None for any other call."""
    if call.argv[:2] != ["genpack-helper", "nspawn"]:
        return None
    words = call.argv[2:]
    env: dict[str, str] = {}
    options: dict[str, str] = {}
    i = 0
    while i < len(words) and words[i].startswith("-"):
        word = words[i]
        if word in _VALUE_FLAGS:
            name, value, i = _VALUE_FLAGS[word], words[i + 1], i + 2
        else:
            name, _, value = word[2:].partition("=")
            i += 1
        if name == "setenv":
            key, _, val = value.partition("=")
            env[key] = val
        else:
            options[name] = value
    return Container(command=words[i + 1:], env=env, options=options, stdin=call.stdin)


def tar_members(data: bytes) -> dict[str, str]:
    """The files of a tar stream (genpack pipes the Portage files into ``tar xf -``)."""
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: tar.extractfile(m).read().decode() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]


class _RecordingSubprocess:
    """Stands in for the ``subprocess`` module inside genpack.py."""

    PIPE = subprocess.PIPE
    DEVNULL = subprocess.DEVNULL
    CalledProcessError = subprocess.CalledProcessError

    def __init__(self, failing: tuple[tuple[str, ...], ...] = ()) -> None:
        self.calls: list[Call] = []
        self.failing = list(failing)  # container commands that fail, each the first time only

    def run(self, argv: list[str], *args: Any, input: Any = None, stdin: Any = None, text: bool = False,
            **kwargs: Any) -> subprocess.CompletedProcess:
        data = input if input is not None else (f"<file {Path(stdin.name).name}>" if stdin is not None else None)
        call = Call([str(a) for a in argv], data)
        self.calls.append(call)
        container = parse_nspawn(call)
        rc = 0
        for prefix in self.failing:
            if container is not None and tuple(container.command[:len(prefix)]) == prefix:
                self.failing.remove(prefix)
                rc = 1
                break
        empty = "" if text else b""
        return subprocess.CompletedProcess(argv, rc, stdout=empty, stderr=empty)


def load_genpack(genpack_py: Path) -> ModuleType:
    """A fresh module object of genpack.py: its top level runs (definitions only), ``__main__`` does not."""
    spec = importlib.util.spec_from_file_location("genpack_under_record", genpack_py)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def _cwd(path: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


@dataclass(frozen=True)
class Options:
    """genpack's command-line options, as its ``__main__`` sets them."""

    parallel: bool = False
    independent_binpkgs: bool = False
    deep_depclean: bool = False
    overlay_override: str | None = None
    compression: str | None = None
    devel: bool = False


def record(genpack_py: Path, artifact_dir: Path, scratch: Path, *, variant: str | None, arch: str,
           options: Options = Options(), failing: tuple[tuple[str, ...], ...] = ()) -> list[Call]:
    """What genpack's ``build`` of ``variant`` for ``arch`` runs in ``artifact_dir`` on a first build
    (no work/ yet), in order. ``scratch`` takes genpack's cache directories; a container whose command
    starts with one of ``failing`` fails (the first time), every other call succeeds."""
    g = load_genpack(genpack_py)
    recorder = _RecordingSubprocess(failing)
    g.subprocess = recorder

    def download(url: str, dest: str) -> dict[str, str]:
        Path(dest).write_bytes(b"")  # genpack opens the tarballs it downloaded
        return {}

    g.get_latest_stage3_tarball_url = lambda *args: "recorded://stage3.tar.xz"
    g.get_latest_portage_tarball_url = lambda: "recorded://portage.tar.xz"
    g.get_latest_overlay_tarball_url = lambda: "recorded://genpack-overlay.tar.gz"
    g.get_headers = lambda url: {}
    g.download = download
    g.url_readlines = None  # never reached: the stage3 URL is answered above
    g.requests = None
    with _cwd(artifact_dir):
        # genpack's __main__, as far as build goes, with its paths moved to the scratch directory
        g.arch = arch
        g.work_dir = os.path.join(g.work_root, arch)
        g.cache_root = str(scratch / "cache")
        g.cache_arch_dir = os.path.join(g.cache_root, arch)
        g.binpkgs_dir = os.path.join(g.cache_arch_dir, "binpkgs")
        g.download_dir = os.path.join(g.cache_root, "download")
        g.genpack_json, g.genpack_json_time = g.load_genpack_json()
        g.genpack_json.setdefault("name", os.path.basename(os.getcwd()))
        g.overlay_override = options.overlay_override
        g.independent_binpkgs = options.independent_binpkgs or g.genpack_json.get("independent_binpkgs", False)
        g.deep_depclean = options.deep_depclean
        g.break_circular_deps = False
        g.parallel = options.parallel
        selected = g.Variant(variant)
        g.lower(selected, options.devel)
        g.upper(selected)
        g.pack(selected, options.compression)
    return recorder.calls
