"""No module in engine/ writes a host file except through engine/runtime/confined.py or an entry below.

genpack-tui runs as root in directories others can write (the artifact, writable from the build
containers; the user's cache; mounted images): a plain ``open(path, "w")`` there writes through a
planted symlink. tests/file_write_scanner.py finds every call that writes, creates, removes, chmods
or chowns a file by path; each one outside confined.py must be listed here with the reason it is safe,
as many times as it occurs. A new write anywhere fails this test; so does an entry nothing matches
any more (remove it).
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.file_write_scanner import Write, scan_source

REPO = Path(__file__).resolve().parents[1]
CONFINED_MODULE = "engine/runtime/confined.py"  # where every write is done from directory fds, O_NOFOLLOW

Key = tuple[str, str, str]  # module, function, kind

TESTBED_CACHE = ("the offline test bed's own cache (~/.cache/genpack-tui/testbed, engine/testbed/build.py), "
                 "made by root for the test bed; no container and no artifact reaches it")

GPGV_SCRATCH = ("gpgv's inputs (keys, signature, signed text) and home in a fresh tempfile.TemporaryDirectory: "
                "a new 0700 directory with a random name, where no one else can plant a link "
                "(engine/sources/openpgp.py)")
GPG_SCRATCH = ("the test bed signer's throwaway GnuPG home, made by tempfile.mkdtemp (a new 0700 directory "
               "with a random name) and removed after use (engine/testbed/signing.py)")

# Safe as they are: (module, function, kind) -> (how many, why).
ALLOWED: dict[Key, tuple[int, str]] = {
    ("engine/runtime/worker_main.py", "main", "open(write mode)"):
        (1, "opens os.devnull for writing (--quiet): the null device, not a file"),
    ("engine/runtime/privileged.py", "enter_private_mount_namespace", "os.makedirs"):
        (1, "creates the worker's scratch mount point /run/genpack-tui/mnt (engine/runtime/worker_main.py), "
            "under /run, which only root writes"),
    ("engine/runtime/mounts.py", "_scratch_dir", "Path.rmdir"):
        (1, "removes an empty temporary mount point the worker made on its private tmpfs under /run/genpack-tui"),
    ("engine/runtime/mounts.py", "remove_tree_detaching_mounts", "shutil.rmtree"):
        (1, "shutil.rmtree works from directory fds and does not follow links (Linux: rmtree.avoids_symlink_attacks); "
            "its targets are root's own scratch trees (debootstrap targets of the test bed)"),
    ("engine/testbed/artifacts.py", "TestbedArtifacts.bumped_snapshot", "Path.mkdir"): (1, TESTBED_CACHE),
    ("engine/testbed/artifacts.py", "TestbedArtifacts.changed_overlay", "Path.mkdir"): (1, TESTBED_CACHE),
    ("engine/testbed/artifacts.py", "TestbedArtifacts.restamped_stage3", "Path.mkdir"): (1, TESTBED_CACHE),
    ("engine/testbed/artifacts.py", "TestbedArtifacts.restamped_stage3", "os.link"): (1, TESTBED_CACHE),
    ("engine/testbed/artifacts.py", "TestbedArtifacts.restamped_stage3", "shutil.copyfile"): (1, TESTBED_CACHE),
    ("engine/testbed/build.py", "_build_trees", "Path.mkdir"): (1, TESTBED_CACHE),
    ("engine/testbed/build.py", "_build_trees", "Path.rename"): (1, TESTBED_CACHE),
    ("engine/testbed/build.py", "_build_trees", "shutil.rmtree"): (3, TESTBED_CACHE),
    ("engine/testbed/build.py", "_locked", "Path.mkdir"): (1, TESTBED_CACHE),
    ("engine/testbed/build.py", "_locked", "open(write mode)"): (1, TESTBED_CACHE),
    ("engine/testbed/distfiles.py", "write_distfiles", "Path.mkdir"): (1, TESTBED_CACHE),
    ("engine/testbed/distfiles.py", "write_distfiles", "Path.replace"): (1, TESTBED_CACHE),
    ("engine/testbed/distfiles.py", "write_distfiles", "Path.write_bytes"): (1, TESTBED_CACHE),
    ("engine/testbed/stage3.py", "_configure", "Path.mkdir"): (1, TESTBED_CACHE),
    ("engine/testbed/stage3.py", "_configure", "Path.symlink_to"): (2, TESTBED_CACHE),
    ("engine/testbed/stage3.py", "_configure", "Path.touch"): (1, TESTBED_CACHE),
    ("engine/testbed/stage3.py", "_configure", "Path.unlink"): (2, TESTBED_CACHE),
    ("engine/testbed/stage3.py", "_configure", "os.chown"): (1, TESTBED_CACHE),
    ("engine/testbed/stage3.py", "_configure", "shutil.copytree"): (1, TESTBED_CACHE),
    ("engine/testbed/stage3.py", "_distcc_masquerade", "Path.mkdir"): (1, TESTBED_CACHE),
    ("engine/testbed/stage3.py", "_distcc_masquerade", "Path.symlink_to"): (1, TESTBED_CACHE),
    ("engine/testbed/stage3.py", "_install_portage", "Path.chmod"): (1, TESTBED_CACHE),
    ("engine/testbed/stage3.py", "_install_portage", "Path.mkdir"): (1, TESTBED_CACHE),
    ("engine/testbed/stage3.py", "_install_portage", "Path.symlink_to"): (1, TESTBED_CACHE),
    ("engine/testbed/stage3.py", "_install_portage", "Path.unlink"): (1, TESTBED_CACHE),
    ("engine/testbed/stage3.py", "_install_portage", "Path.write_text"): (2, TESTBED_CACHE),
    ("engine/testbed/stage3.py", "_install_portage", "shutil.copy2"): (2, TESTBED_CACHE),
    ("engine/testbed/stage3.py", "_install_portage", "shutil.rmtree"): (1, TESTBED_CACHE),
    ("engine/testbed/stage3.py", "_pack", "open(write mode)"): (1, TESTBED_CACHE),
    ("engine/testbed/stage3.py", "_slim", "Path.unlink"): (1, TESTBED_CACHE),
    ("engine/testbed/stage3.py", "_slim", "shutil.rmtree"): (1, TESTBED_CACHE),
    ("engine/testbed/stage3.py", "build_stage3", "Path.mkdir"): (1, TESTBED_CACHE),
    ("engine/testbed/stage3.py", "build_stage3", "Path.rename"): (1, TESTBED_CACHE),
    ("engine/testbed/stage3.py", "build_stage3", "Path.write_text"): (1, TESTBED_CACHE),
    ("engine/testbed/stage3.py", "portage_wheel", "Path.mkdir"): (1, TESTBED_CACHE),
    ("engine/testbed/treetar.py", "write_tarball", "Path.replace"): (1, TESTBED_CACHE),
    ("engine/testbed/treetar.py", "write_tarball", "Path.write_bytes"): (1, TESTBED_CACHE),
    ("engine/sources/openpgp.py", "_prepared", "Path.mkdir"): (1, GPGV_SCRATCH),
    ("engine/sources/openpgp.py", "_prepared", "Path.write_bytes"): (1, GPGV_SCRATCH),
    ("engine/sources/openpgp.py", "verify_clearsigned", "Path.write_bytes"): (1, GPGV_SCRATCH),
    ("engine/sources/openpgp.py", "verify_detached", "Path.write_bytes"): (2, GPGV_SCRATCH),
    ("engine/testbed/signing.py", "_GnupgHome.__enter__", "Path.mkdir"): (1, GPG_SCRATCH),
    ("engine/testbed/signing.py", "_GnupgHome.__exit__", "shutil.rmtree"): (1, GPG_SCRATCH),
    ("engine/testbed/signing.py", "make_signing_key", "Path.mkdir"): (2, TESTBED_CACHE),
    ("engine/testbed/signing.py", "make_signing_key", "Path.write_bytes"): (2, TESTBED_CACHE),
    ("engine/testbed/signing.py", "make_signing_key", "shutil.rmtree"): (3, TESTBED_CACHE),
    ("engine/testbed/signing.py", "make_signing_key", "Path.rename"): (1, TESTBED_CACHE),
}

STILL_TO_ROUTE: dict[Key, tuple[int, str]] = {}  # brief B routed the image and phase writes (empty now)


def engine_writes(root: Path = REPO) -> list[Write]:
    found = []
    for path in sorted((root / "engine").rglob("*.py")):
        module = str(path.relative_to(root))
        if module != CONFINED_MODULE:
            found += scan_source(path.read_text(encoding="utf-8"), module)
    return found


def unlisted(writes: list[Write], allowed: dict[Key, tuple[int, str]]) -> tuple[list[Write], list[str]]:
    """(writes beyond their entry's count, entries matching fewer writes than they say)."""
    seen: Counter[Key] = Counter()
    new = []
    for write in writes:
        key = (write.module, write.function, write.kind)
        seen[key] += 1
        if seen[key] > allowed.get(key, (0, ""))[0]:
            new.append(write)
    stale = [f"{key}: listed {count}, found {seen[key]}" for key, (count, _) in allowed.items() if seen[key] < count]
    return new, stale


def test_every_host_write_is_confined_or_listed_with_a_reason() -> None:
    assert not set(ALLOWED) & set(STILL_TO_ROUTE)
    assert all(count > 0 and reason for count, reason in [*ALLOWED.values(), *STILL_TO_ROUTE.values()])
    new, stale = unlisted(engine_writes(), {**ALLOWED, **STILL_TO_ROUTE})
    assert not new, ("host file writes outside engine/runtime/confined.py; route them through ConfinedDir "
                     "(or list one here with why it is safe):\n" + "\n".join(w.where() for w in new))
    assert not stale, "allow-list entries that match nothing any more; remove them:\n" + "\n".join(stale)


def test_a_planted_write_in_any_engine_module_fails(tmp_path: Path) -> None:
    """The check itself: a copy of the tree with one new ``open(p, "w")`` is caught, named by file and line."""
    for path in (REPO / "engine").rglob("*.py"):
        copy = tmp_path / path.relative_to(REPO)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    stamps = tmp_path / "engine" / "build" / "stamps.py"
    lines = stamps.read_text().count("\n")
    stamps.write_text(stamps.read_text() + '\n\ndef sneaky(p):\n    with open(p, "w") as f:\n        f.write("x")\n')
    new, stale = unlisted(engine_writes(tmp_path), {**ALLOWED, **STILL_TO_ROUTE})
    assert [w.where() for w in new] == [f"engine/build/stamps.py:{lines + 4} in sneaky: open(write mode)"]
    assert not stale


@pytest.mark.parametrize("code, kind", [
    ('open(p, "w")', "open(write mode)"),
    ('open(p, mode="ab")', "open(write mode)"),
    ("open(p, mode)", "open(write mode)"),
    ('p.open("r+")', "Path.open(write mode)"),
    ("os.open(p, os.O_WRONLY | os.O_CREAT)", "os.open(write flags)"),
    ("os.open(p, os.O_RDWR)", "os.open(write flags)"),
    ("os.replace(a, b)", "os.replace"),
    ("os.unlink(p)", "os.unlink"),
    ("os.makedirs(p)", "os.makedirs"),
    ("os.chown(p, 0, 0)", "os.chown"),
    ("os.symlink(a, b)", "os.symlink"),
    ("os.truncate(p, 0)", "os.truncate"),
    ("shutil.rmtree(p)", "shutil.rmtree"),
    ("shutil.copy2(a, b)", "shutil.copy2"),
    ("shutil.move(a, b)", "shutil.move"),
    ('tarfile.open(p, "w:gz")', "tarfile.open(write mode)"),
    ("path.write_text(s)", "Path.write_text"),
    ("path.write_bytes(b)", "Path.write_bytes"),
    ("path.touch()", "Path.touch"),
    ("path.mkdir(parents=True)", "Path.mkdir"),
    ("path.unlink(missing_ok=True)", "Path.unlink"),
    ("path.rename(other)", "Path.rename"),
    ("path.replace(other)", "Path.replace"),
    ("path.symlink_to(other)", "Path.symlink_to"),
    ("path.chmod(0o644)", "Path.chmod"),
])
def test_each_kind_of_write_is_recognised(code: str, kind: str) -> None:
    assert [w.kind for w in scan_source(f"def f():\n    {code}\n", "m.py")] == [kind]


def test_a_confined_name_counts_only_in_its_own_function() -> None:
    code = ("def a(root):\n    d = ConfinedDir(root)\n    d.mkdir('x')\n"
            "def b(d):\n    d.mkdir()\n")
    assert [(w.function, w.kind) for w in scan_source(code, "m.py")] == [("b", "Path.mkdir")]


@pytest.mark.parametrize("code", [
    'open(p)', 'open(p, "rb")', "os.open(p, os.O_RDONLY | os.O_DIRECTORY)", 'tarfile.open(p, "r:*")',
    'text.replace("a", "b")', "when.replace(tzinfo=None)", "os.fdopen(fd, 'wb')",
    'tarfile.open(fileobj=out, mode="w:gz")', "path.read_text()",
    # a ConfinedDir's methods share the names and are the safe way
    'd = ConfinedDir(root)\n    d.write_text("x", "y")',
    'with ConfinedDir(root) as d:\n        d.mkdir("x")',
    'directory, relative = confined(p)\n    directory.unlink(relative)',
    's = ConfinedDir(root).subdir("work")\n    s.chmod("x", 0o644)',
])
def test_reads_and_confined_writes_are_not_flagged(code: str) -> None:
    assert scan_source(f"def f(text, when, d2: ConfinedDir):\n    {code}\n    d2.rename('a', 'b')\n", "m.py") == []
