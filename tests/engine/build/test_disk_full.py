"""A lower image that fills up (lower-layer-capacity 1 GiB, and a package from the artifact's overlay/
that installs 1.2 GiB) ends the build with one error line naming the image and the setting to raise:
exit 1, no traceback, no marker, nothing mounted and no loop device left. The next build, on the
same full image, fails as clearly (there the host side's write into the image hits ENOSPC)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.engine.build.killed_build import settle
from tests.fixtures.build import copy_example, edited

pytestmark = [pytest.mark.root, pytest.mark.slow, pytest.mark.skipif(os.geteuid() != 0, reason="builds need root")]

FILLER = """\
EAPI=8

DESCRIPTION="Installs more than a 1 GiB lower image holds"
HOMEPAGE="https://example.invalid/filler"
S="${WORKDIR}"

LICENSE="MIT"
SLOT="0"
KEYWORDS="amd64 arm64"

src_install() {
	dd if=/dev/zero of=filler.bin bs=1M count=1200 || die "cannot write filler.bin"
	insinto /usr/share/filler
	doins filler.bin
}
"""
MESSAGE = "error: the lower image work/x86_64/lower.img is full ("


@pytest.fixture(scope="module")
def small_artifact(tmp_path_factory) -> Path:
    artifact = copy_example(tmp_path_factory.mktemp("disk-full"))
    ebuild = artifact / "overlay/app-misc/filler/filler-1.0.ebuild"
    ebuild.parent.mkdir(parents=True)
    ebuild.write_text(FILLER)
    config = artifact / "genpack.json5"
    text = config.read_text()
    assert '  name: "hello",\n' in text and '    "app-misc/hello",\n' in text
    config.write_text(text.replace('  name: "hello",\n', '  name: "hello",\n  "lower-layer-capacity": 1,\n')
                      .replace('    "app-misc/hello",\n', '    "app-misc/hello",\n    "app-misc/filler",\n'))
    return artifact


def _assert_clear_failure(run, artifact: Path) -> str:
    assert run.returncode == 1, run.stderr[-3000:]
    # emerge itself may print a Python traceback when its own log write fails; none may be ours
    assert not re.search(r'File "[^"]*genpack_tui', run.stdout + run.stderr), run.stderr[-3000:]
    assert any(line.startswith("Failed after") for line in run.stderr.splitlines()[-3:])  # the run's own end
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(MESSAGE), run.stderr[-3000:]
    assert settle(set(), artifact, seconds=30) == []
    assert not (artifact / "work/x86_64/lower.done").exists()
    assert not (artifact / "hello-x86_64.squashfs").exists()
    return errors[0]


def test_emerge_filling_the_lower_image_names_the_image_and_the_setting(builder, small_artifact: Path) -> None:
    run = builder.run(small_artifact, "build")
    line = _assert_clear_failure(run, small_artifact)
    assert "raise lower-layer-capacity in genpack.json5 (now 1 GiB) and remove work/x86_64/lower.img" in line
    assert "; Emerging all packages failed with exit status" in line and "app-misc/filler-1.0" in line


def test_the_next_build_on_the_full_image_says_so_too(builder, small_artifact: Path) -> None:
    run = builder.run(small_artifact, "build")
    line = _assert_clear_failure(run, small_artifact)
    assert "No space left on device" in line
    with edited(small_artifact / "genpack.json5", '"lower-layer-capacity": 1,', '"lower-layer-capacity": 2,'):
        run = builder.run(small_artifact, "build")
        line = _assert_clear_failure(run, small_artifact)
    assert "lower-layer-capacity in genpack.json5 is already 2 GiB but this image was made smaller: remove " \
           "work/x86_64/lower.img" in line
