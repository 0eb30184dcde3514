"""pack runs the overlay's genpack-create-image in the lower container when the lower image has it,
as genpack does, and falls back to mksquashfs and mtools on the host when it does not; each run says
which (engine/build/pack_phase.py, docs/compatibility.md §13)."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

import pytest

from genpack_tui.engine.runtime.mounts import mounted_image
from tests.fixtures.build import squashfs_listing

pytestmark = [pytest.mark.root, pytest.mark.slow]

PROGRAM = "usr/bin/genpack-create-image"
IN_CONTAINER = "Packing with the overlay's genpack-create-image in the lower container (as genpack does)"
ON_HOST = ("The lower image has no /usr/bin/genpack-create-image (an overlay without it): packing with mksquashfs "
           "and mtools on the host")


@contextlib.contextmanager
def program_replaced(lower: Path, script: str | None) -> Iterator[None]:
    """The lower image's genpack-create-image moved aside (``script`` None) or replaced by ``script``."""
    with mounted_image(lower) as root:
        os.rename(root / PROGRAM, root / (PROGRAM + ".real"))
        if script is not None:
            (root / PROGRAM).write_text(script)
            (root / PROGRAM).chmod(0o755)
    try:
        yield
    finally:
        with mounted_image(lower) as root:
            if (root / PROGRAM).exists():
                (root / PROGRAM).unlink()
            os.rename(root / (PROGRAM + ".real"), root / PROGRAM)


def test_pack_runs_genpack_create_image_in_the_lower_container(built_example, builder) -> None:
    artifact, _ = built_example
    run = builder.run(artifact, "pack")
    assert run.returncode == 0, run.stdout[-3000:]
    assert IN_CONTAINER in run.output_lines
    assert "create-image" in [e["step"] for e in run.kinds("step_started")]
    assert "Creating SquashFS image: /mnt/host/hello-x86_64.squashfs (gzip)" in run.output_lines  # the program's own line
    assert run.kinds("phase_finished")[-1]["containers"] == 1
    output = artifact / "hello-x86_64.squashfs"
    assert output.is_file() and not output.is_symlink()
    assert "/usr/bin/hello" in squashfs_listing(output)
    assert not (artifact / "work/x86_64/.pack.tmp").exists()


def test_without_genpack_create_image_pack_falls_back_to_the_host_and_makes_the_same_image(built_example,
                                                                                            builder) -> None:
    artifact, _ = built_example
    output = artifact / "hello-x86_64.squashfs"
    assert builder.run(artifact, "pack").returncode == 0
    in_container = squashfs_listing(output)
    with program_replaced(artifact / "work/x86_64/lower.img", None):
        run = builder.run(artifact, "pack")
    assert run.returncode == 0, run.stdout[-3000:]
    assert ON_HOST in run.output_lines and IN_CONTAINER not in run.output_lines
    assert "squashfs" in [e["step"] for e in run.kinds("step_started")]
    assert run.kinds("phase_finished")[-1]["containers"] == 0
    assert squashfs_listing(output) == in_container


def test_an_output_the_container_left_as_a_link_is_refused(built_example, builder) -> None:
    artifact, _ = built_example
    output = artifact / "hello-x86_64.squashfs"
    assert builder.run(artifact, "pack").returncode == 0
    before = output.read_bytes()
    shadow = os.stat("/etc/shadow")
    hostile = '#!/bin/sh\nln -s /etc/shadow "$2.squashfs"\nln -s /etc "$2.img"\n'
    with program_replaced(artifact / "work/x86_64/lower.img", hostile):
        run = builder.run(artifact, "pack")
    assert run.returncode == 1
    [error] = run.kinds("error")
    assert ("genpack-create-image left a symbolic link as hello-x86_64.squashfs in the lower container's /mnt/host, "
            "where a regular file was expected; no output was written") in error["message"]
    assert not output.is_symlink() and output.read_bytes() == before
    assert not (artifact / "hello-x86_64.img").exists()
    after = os.stat("/etc/shadow")
    assert (after.st_uid, after.st_mode, after.st_mtime) == (shadow.st_uid, shadow.st_mode, shadow.st_mtime)
    assert not (artifact / "work/x86_64/.pack.tmp").exists()
    assert "Traceback" not in run.stdout + run.stderr
