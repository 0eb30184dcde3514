"""The test bed's distfiles (no root needed): reproducible tarballs of the compiled packages, the
Manifest DIST entries in the tree snapshot, the corrupted copy, and the cache key covering them."""
from __future__ import annotations

import hashlib
import io
import tarfile

from genpack_tui.engine.testbed import compiled_packages, distfiles, recipe
from genpack_tui.engine.testbed.compiled_packages import BIGC_UNITS, COMPILED_PACKAGES, compiled_package
from genpack_tui.engine.testbed.snapshot import tree_files


def _members(data: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return tar.getmembers()


def test_distfiles_are_the_same_bytes_every_time_with_fixed_owners_and_times():
    for package in COMPILED_PACKAGES:
        first = distfiles.distfile_bytes(package)
        distfiles.distfile_bytes.cache_clear()
        assert distfiles.distfile_bytes(package) == first
        members = _members(first)
        assert [m.name for m in members][0] == package.p  # top directory ${P}, as Portage's S expects
        assert all(m.name == package.p or m.name.startswith(package.p + "/") for m in members)
        assert {(m.uid, m.gid, m.uname, m.gname, m.mtime) for m in members} == {(0, 0, "", "", distfiles.DISTFILE_EPOCH)}
        files = [m.name for m in members if m.isfile()]
        assert files == sorted(files)


def test_the_snapshot_carries_manifests_with_size_blake2b_and_sha512():
    files = tree_files()
    for package in COMPILED_PACKAGES:
        data = distfiles.distfile_bytes(package)
        text = files[f"{package.cp}/Manifest"][0].decode()
        assert text == (f"DIST {package.distfile} {len(data)} BLAKE2B {hashlib.blake2b(data).hexdigest()} "
                        f"SHA512 {hashlib.sha512(data).hexdigest()}\n")
        ebuild = files[f"{package.cp}/{package.p}.ebuild"][0].decode()
        assert 'SRC_URI="https://example.invalid/testbed/${P}.tar.gz"' in ebuild
        assert 'emake CC="${CC:-cc}"' in ebuild


def test_the_big_package_has_a_unit_per_object_built_with_cc_and_cflags():
    sources = compiled_package("dev-util/testbed-bigc").sources()
    units = [name for name in sources if name.startswith("src/unit")]
    assert len(units) == BIGC_UNITS
    makefile = sources["Makefile"][0].decode()
    assert "src/%.o: src/%.c src/bigc.h\n\t$(CC) $(CFLAGS) -c -o $@ $<" in makefile  # one job per unit for make -jN
    assert "CFLAGS ?= -O2" in makefile


def test_corrupted_keeps_the_size_and_breaks_the_digests():
    data = distfiles.distfile_bytes(compiled_package("app-misc/tbcalc"))
    bad = distfiles.corrupted(data)
    assert len(bad) == len(data) and bad != data
    assert hashlib.blake2b(bad).digest() != hashlib.blake2b(data).digest()


def test_write_distfiles_writes_each_once(tmp_path):
    written = distfiles.write_distfiles(tmp_path / "d")
    assert sorted(written) == sorted(p.distfile for p in COMPILED_PACKAGES)
    mtimes = {name: path.stat().st_mtime_ns for name, path in written.items()}
    again = distfiles.write_distfiles(tmp_path / "d")
    assert {name: path.stat().st_mtime_ns for name, path in again.items()} == mtimes
    for package in COMPILED_PACKAGES:
        assert written[package.distfile].read_bytes() == distfiles.distfile_bytes(package)


def test_the_cache_key_covers_the_code_that_makes_the_distfiles(monkeypatch):
    seen = []
    real = recipe._source

    def recording(name: str) -> bytes:
        seen.append(name)
        return real(name)

    monkeypatch.setattr(recipe, "_source", recording)
    before = recipe.trees_hash()
    assert {"distfiles", "compiled_packages", "treetar"} <= set(seen)
    monkeypatch.setattr(recipe, "_source", lambda name: real(name) + (b"#" if name == "compiled_packages" else b""))
    assert recipe.trees_hash() != before
    assert compiled_packages.__file__.endswith("compiled_packages.py")
