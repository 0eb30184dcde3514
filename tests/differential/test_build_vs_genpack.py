"""Build-level differential: the real genpack (reference checkout, patched at test time) and genpack-tui
build the same artifacts on the same test bed; their images must not differ.

Images are compared by ``unsquashfs -lln`` listing (mode, owner, size or device, path, link target;
not times) and by the sha256 of every regular file. Expected: no difference at all (none of the
differences docs/compatibility.md lists reaches these images; a deliberate one that did would be
listed there and in EXPECTED_DIFFERENCES). Each tool's container starts and wall time are printed
per artifact (``-s`` not needed). Then genpack-tui takes over the work tree genpack built.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Iterator

import pytest

from tests.differential.real_genpack import (
    ToolRun,
    Tools,
    differences,
    file_text,
    listing,
    packages_in_any_order,
    reason_unavailable,
)
from tests.fixtures.testbed import reason_testbed_unavailable

REPO = Path(__file__).resolve().parents[2]
HELLO = REPO / "examples" / "hello"
FULL = REPO / "tests" / "data" / "artifacts" / "full"
# Image differences between genpack and genpack-tui that are deliberate (docs/compatibility.md): none
# reaches these artifacts' images.
EXPECTED_DIFFERENCES: dict[str, list[str]] = {"hello": [], "full-slim": []}
# The file the real genpack-progs write in a run-dependent order (Python sets under hash
# randomisation): compared in any order, since its order differs between two runs of either tool.
SET_ORDERED_FILE = "/.genpack/packages"

pytestmark = pytest.mark.skipif(bool(reason_unavailable() or reason_testbed_unavailable()),
                                reason=str(reason_unavailable() or reason_testbed_unavailable()))


def genpack_compatible_full(dest: Path) -> Path:
    """tests/data/artifacts/full as genpack accepts it: its string user becomes an object (genpack's
    upper crashes on a string, docs/compatibility.md), and the variant's redefinition of alice a new
    user carol (genpack would run a second useradd for alice)."""
    shutil.copytree(FULL, dest, symlinks=True)
    config = dest / "genpack.json5"
    text = config.read_text()
    for old, new in (('    "alice",\n', '    { name: "alice" },\n'),
                     ('users: [{ name: "alice", uid: 1700 }]', 'users: [{ name: "carol", uid: 1700 }]')):
        assert text.count(old) == 1, f"{config}: {old!r} should occur once"
        text = text.replace(old, new)
    config.write_text(text)
    return dest


ARTIFACTS = {
    "hello": (lambda dest: shutil.copytree(HELLO, dest, symlinks=True), ()),
    "full-slim": (genpack_compatible_full, ("--variant", "slim")),
}


@pytest.fixture(scope="module")
def tools(real_progs_testbed_artifacts, tmp_path_factory) -> Iterator[Tools]:
    from genpack_tui.engine.testbed import MirrorServer
    with MirrorServer(real_progs_testbed_artifacts) as mirror:
        yield Tools(tmp_path_factory.mktemp("differential"), mirror)


@pytest.fixture(scope="module")
def builds(tools) -> dict[str, dict[str, tuple[Path, ToolRun]]]:
    """Each artifact built by each tool in a directory of its own (genpack/NAME, genpack-tui/NAME)."""
    results: dict[str, dict[str, tuple[Path, ToolRun]]] = {}
    for name, (make, args) in ARTIFACTS.items():
        results[name] = {}
        for tool, run in (("genpack", tools.run_genpack), ("genpack-tui", tools.run_genpack_tui)):
            artifact = make(tools.scratch / tool / name)
            result = run(artifact, *args)
            assert result.returncode == 0, f"{tool} build of {name} failed:\n{result.output[-4000:]}"
            results[name][tool] = (artifact, result)
    return results


def image_of(artifact: Path) -> Path:
    images = sorted(artifact.glob("*.squashfs"))
    assert len(images) == 1, f"{artifact}: expected one image, found {[p.name for p in images]}"
    return images[0]


@pytest.mark.parametrize("name", list(ARTIFACTS))
def test_images_do_not_differ(builds, tools, name, capsys):
    (ref_dir, ref), (tui_dir, tui) = builds[name]["genpack"], builds[name]["genpack-tui"]
    ref_image, tui_image = image_of(ref_dir), image_of(tui_dir)
    assert ref_image.name == tui_image.name
    with capsys.disabled():
        print(f"\n[differential {name}] " + json.dumps(
            {run.tool: {"container_starts": run.container_starts, "wall_s": run.wall_s} for run in (ref, tui)}))
    found = differences(ref_image, tui_image, tools.scratch)
    if f"contents differ: {SET_ORDERED_FILE}" in found:
        found.remove(f"contents differ: {SET_ORDERED_FILE}")
        assert (packages_in_any_order(file_text(ref_image, SET_ORDERED_FILE, tools.scratch))
                == packages_in_any_order(file_text(tui_image, SET_ORDERED_FILE, tools.scratch))), \
            f"{SET_ORDERED_FILE} differs beyond its order"
    assert found == EXPECTED_DIFFERENCES[name]


def test_the_real_programs_made_both_images(builds, tools):
    """Not the test doubles: the real genpack-progs write /.genpack/arch without a final newline and
    give the files of a per-user build.d script the group root (gid 0)."""
    for tool in ("genpack", "genpack-tui"):
        artifact, _run = builds["hello"][tool]
        image = image_of(artifact)
        assert file_text(image, "/.genpack/arch", tools.scratch) == "x86_64"
        assert any(row.startswith("-rw-r--r-- 1000/0 ") and row.endswith(" /home/greeter/README")
                   for row in listing(image)), tool


def test_genpack_tui_takes_over_the_work_tree_genpack_built(builds, tools):
    """genpack-tui build in the directory the real genpack built examples/hello in: the lower image
    is adopted (the same file, nothing emerged), not recreated."""
    artifact, _run = builds["hello"]["genpack"]
    lower = artifact / "work" / "x86_64" / "lower.img"
    before = lower.stat().st_ino
    run = tools.run_genpack_tui(artifact)
    assert run.returncode == 0, run.output[-4000:]
    assert lower.stat().st_ino == before, "lower.img was recreated"
    assert not [line for line in run.output.splitlines() if line.startswith(">>> Emerging")], run.output[-4000:]
