"""The image comparison of the build differential (tests/differential/real_genpack.py) finds what it
must: real squashfs images made with mksquashfs, differing in one thing each."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.differential.real_genpack import differences, listing, packages_in_any_order

pytestmark = pytest.mark.skipif(shutil.which("mksquashfs") is None or os.geteuid() != 0,
                                reason="needs mksquashfs and root (owners and device nodes)")


def _tree(root: Path) -> Path:
    (root / "etc").mkdir(parents=True)
    (root / "etc/passwd").write_text("root:x:0:0::/root:/bin/sh\n")
    (root / "home/alice").mkdir(parents=True)
    (root / "home/alice/whoami").write_text("alice\n")
    os.chown(root / "home/alice/whoami", 1000, 1000)
    (root / "bin").mkdir()
    (root / "bin/sh").symlink_to("bash")
    os.mknod(root / "null", 0o20666, os.makedev(1, 3))
    (root / "cache.pyc").write_bytes(b"H" * 16 + b"body")
    return root


def _image(root: Path) -> Path:
    image = root.parent / f"{root.name}.squashfs"
    subprocess.run(["mksquashfs", str(root), str(image), "-noappend", "-quiet"], check=True, capture_output=True)
    return image


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    return _tree(tmp_path / "a"), _tree(tmp_path / "b")


def test_identical_trees_have_no_difference_and_the_listing_has_no_times(pair, tmp_path):
    a, b = pair
    (b / "cache.pyc").write_bytes(b"T" * 16 + b"body")  # only the header (source mtime) differs
    image_a, image_b = _image(a), _image(b)
    assert differences(image_a, image_b, tmp_path) == []
    rows = listing(image_a)
    assert "crw-r--r-- 0/0 1,3 /null" in rows
    assert any(r.startswith("lrwxrwxrwx 0/0 4 /bin/sh -> bash") for r in rows)
    assert "-rw-r--r-- 1000/1000 6 /home/alice/whoami" in rows


@pytest.mark.parametrize("change, expected", [
    (lambda root: os.chmod(root / "etc/passwd", 0o600), "/etc/passwd"),
    (lambda root: os.chown(root / "home/alice/whoami", 1000, 0), "/home/alice/whoami"),
    (lambda root: ((root / "bin/sh").unlink(), (root / "bin/sh").symlink_to("dash")), "/bin/sh -> dash"),
    (lambda root: (root / "etc/passwd").write_text("root:x:0:0::/root:/bin/bash\n"), "/etc/passwd"),
])
def test_a_changed_mode_owner_link_or_size_is_found(pair, tmp_path, change, expected):
    a, b = pair
    change(b)
    found = differences(_image(a), _image(b), tmp_path)
    assert found and all(expected.split(" -> ")[0] in d for d in found), found


def test_same_size_other_contents_are_found(pair, tmp_path):
    a, b = pair
    (b / "home/alice/whoami").write_text("carol\n")
    assert differences(_image(a), _image(b), tmp_path) == ["contents differ: /home/alice/whoami"]


def test_packages_file_order_is_ignored_but_not_its_contents():
    one = "a/b-1[0]\n# NEEDED_BY: @profile x/y-1\n\nc/d-2[0]\n# USE: amd64\n"
    other = "c/d-2[0]\n# USE: amd64\n\na/b-1[0]\n# NEEDED_BY: x/y-1 @profile\n"
    assert packages_in_any_order(one) == packages_in_any_order(other)
    assert packages_in_any_order(one) != packages_in_any_order(other.replace("amd64", "arm64"))
