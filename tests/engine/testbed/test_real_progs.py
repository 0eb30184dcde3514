"""The test bed's overlay with the real genpack-progs (engine/testbed/real_progs.py): what it takes from
a checkout, what it refuses, and the cache key. A checkout is planted in tmp_path (no reference needed);
the CLI option is run for real."""
from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from genpack_tui.engine.testbed import recipe
from genpack_tui.engine.testbed.overlay import TOP_DIR, build_overlay
from genpack_tui.engine.testbed.real_progs import (
    FALLBACK_VERSION,
    REQUIRED_PROGRAMS,
    RealProgsError,
    progs_directory,
    with_real_programs,
)
from genpack_tui.engine.testbed.treetar import read_tree

REPO = Path(__file__).resolve().parents[3]
DOUBLES_EBUILD = "genpack/genpack-progs/genpack-progs-20260101.ebuild"


def plant_checkout(root: Path, version: str | None = "20260706") -> Path:
    """A genpack-overlay checkout holding genpack-progs' programs (each printing its own name)."""
    files = root / "genpack" / "genpack-progs" / "files"
    files.mkdir(parents=True)
    for name in REQUIRED_PROGRAMS + ("with-mysql.py",):
        (files / name).write_text(f"#!/usr/bin/python3\nprint({name!r})\n")
    (files / "notes.txt").write_text("not a program\n")
    if version:
        (files.parent / f"genpack-progs-{version}.ebuild").write_text("EAPI=8\n")
    return root


def _members(tarball: Path) -> dict[str, bytes]:
    """The regular files of an overlay tarball by path inside its top directory."""
    with tarfile.open(tarball) as tar:
        return {m.name.removeprefix(TOP_DIR + "/"): tar.extractfile(m).read()  # type: ignore[union-attr]
                for m in tar.getmembers() if m.isfile()}


def test_the_overlay_carries_the_programs_under_upstreams_version(tmp_path: Path) -> None:
    checkout = plant_checkout(tmp_path / "genpack-overlay")
    overlay = _members(build_overlay(tmp_path / "overlay.tar.gz", real_genpack_progs=checkout))
    progs = sorted(n for n in overlay if n.startswith("genpack/genpack-progs/"))
    assert progs == sorted(["genpack/genpack-progs/genpack-progs-20260706.ebuild"]
                           + [f"genpack/genpack-progs/files/{n}" for n in REQUIRED_PROGRAMS + ("with-mysql.py",)])
    assert overlay["genpack/genpack-progs/files/genpack-copyup.py"] == b"#!/usr/bin/python3\nprint('genpack-copyup.py')\n"
    ebuild = overlay["genpack/genpack-progs/genpack-progs-20260706.ebuild"].decode()
    assert 'newexe "${f}" "${name%.*}"' in ebuild and "dist-packages" in ebuild
    # the rest of the overlay is the test bed's own
    assert overlay["profiles/genpack/packages"] == (recipe.OVERLAY_DATA / "profiles/genpack/packages").read_bytes()
    doubles = _members(build_overlay(tmp_path / "doubles.tar.gz"))
    assert DOUBLES_EBUILD in doubles and DOUBLES_EBUILD not in overlay


def test_the_files_directory_itself_and_no_upstream_ebuild(tmp_path: Path) -> None:
    files = plant_checkout(tmp_path / "co", version=None) / "genpack" / "genpack-progs" / "files"
    assert progs_directory(files) == files.resolve()
    tree = with_real_programs(read_tree(recipe.OVERLAY_DATA), files)
    assert f"genpack/genpack-progs/genpack-progs-{FALLBACK_VERSION}.ebuild" in tree


def test_a_directory_without_the_programs_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(RealProgsError, match=rf"{tmp_path}: no genpack_pkg.py there nor in .*genpack/genpack-progs/files"):
        progs_directory(tmp_path)
    checkout = plant_checkout(tmp_path / "co")
    (checkout / "genpack/genpack-progs/files/genpack-copyup.py").unlink()
    with pytest.raises(RealProgsError, match=r"files: not genpack-progs' programs: missing genpack-copyup.py"):
        progs_directory(checkout)


def test_a_planted_symlink_is_refused_and_nothing_is_read_through_it(tmp_path: Path) -> None:
    checkout = plant_checkout(tmp_path / "co")
    secret = tmp_path / "outside.py"
    secret.write_text("SECRET = 1\n")
    link = checkout / "genpack/genpack-progs/files/download.py"
    link.unlink()
    link.symlink_to(secret)
    dest = tmp_path / "overlay.tar.gz"
    with pytest.raises(RealProgsError, match=rf"{link}: is a symbolic link \(to {secret}\); expected a regular file"):
        build_overlay(dest, real_genpack_progs=checkout)
    assert not dest.exists() and not list(tmp_path.glob("overlay.tar.gz.part-*"))


def test_the_cache_key_takes_the_choice_and_the_programs_contents(tmp_path: Path) -> None:
    checkout = plant_checkout(tmp_path / "co")
    doubles, real = recipe.recipe_hash(), recipe.recipe_hash(checkout)
    assert doubles != real and recipe.recipe_hash(checkout) == real
    (checkout / "genpack/genpack-progs/files/genpack_pkg.py").write_text("# changed upstream\n")
    assert recipe.recipe_hash(checkout) not in (doubles, real)
    assert recipe.stage3_hash() == recipe.stage3_hash()  # one stage3 serves both variants


def test_cli_refuses_a_directory_without_the_programs_before_building(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = dict(os.environ, XDG_CACHE_HOME=str(cache), PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-m", "genpack_tui", "testbed", "--real-genpack-progs", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"genpack-tui testbed: error: --real-genpack-progs {tmp_path}: no genpack_pkg.py")
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert not cache.exists()  # nothing built, nothing cached


def test_cli_serves_the_overlay_with_the_real_programs(real_progs_testbed_artifacts, tmp_path: Path) -> None:
    """``genpack-tui testbed --real-genpack-progs DIR`` (the reference checkout) serves the overlay
    carrying the reference's own genpack-copyup, and says so."""
    import signal

    import httpx

    checkout = real_progs_testbed_artifacts.real_genpack_progs
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "genpack_tui", "testbed", "--real-genpack-progs", str(checkout)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        proc.stdout.readline()
        overlay_url = proc.stdout.readline().strip().removeprefix("--overlay-url=")
        served = tmp_path / "overlay.tar.gz"
        served.write_bytes(httpx.get(overlay_url).content)
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert f"testbed: the overlay carries the real genpack-progs of {checkout}" in err.splitlines()
    assert _members(served)["genpack/genpack-progs/files/genpack-copyup.py"] == (checkout / "genpack-copyup.py").read_bytes()
