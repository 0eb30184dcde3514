"""The built test bed, used as genpack uses it: stage3 + snapshot + overlay in an ext4 loop image,
real emerge in systemd-nspawn, then the stand-in in-container programs."""
from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest

from genpack_tui.engine.runtime import images, mounts, privileged
from genpack_tui.engine.testbed import TestbedArtifacts
from tests.fixtures.testbed import EMERGE_WORLD, mounted_lower_root, nspawn_in, write_portage_config

pytestmark = [pytest.mark.root, pytest.mark.slow]

PATCH = """--- a/message.txt
+++ b/message.txt
@@ -1 +1 @@
-unpatched message
+patched by /etc/portage/patches
"""

CONFIG = {
    "sets/genpack-runtime": "\n".join([
        "app-misc/hello", "app-misc/keyworded", "app-misc/licensed", "app-misc/envdemo",
        "app-misc/testbed-daemon", "app-misc/patchable", "app-misc/configurable", "genpack/genpack-install",
    ]) + "\n",
    "sets/genpack-buildtime": "dev-util/buildtool\n",
    "package.use/genpack": "app-misc/hello extra\n",
    "package.accept_keywords/genpack": "app-misc/keyworded\n",
    "package.license/genpack": "app-misc/licensed TESTBED-EULA\n",
    "env/envdemo.conf": 'ENVDEMO_VALUE="set-by-package.env"\n',
    "package.env/genpack": "app-misc/envdemo envdemo.conf\n",
    "patches/app-misc/patchable/fix-message.patch": PATCH,
    "savedconfig/app-misc/configurable": "saved configuration\n",
}

class Lower:
    def __init__(self, root: Path, workdir: Path, rc: int, lines: list[str], seconds: float, real_progs: bool) -> None:
        self.root, self.workdir, self.rc, self.lines, self.seconds = root, workdir, rc, lines, seconds
        self.binpkgs = workdir / "binpkgs"
        # the overlay's genpack-progs are the real ones (else the test doubles): docs/test-bed.md §7
        self.real_progs = real_progs


@pytest.fixture(scope="module")
def lower(testbed_artifacts: TestbedArtifacts, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lower]:
    workdir = tmp_path_factory.mktemp("lower")
    (workdir / "binpkgs").mkdir()
    with mounted_lower_root(testbed_artifacts, workdir) as root:
        write_portage_config(root, CONFIG)
        start = time.monotonic()
        rc, lines = nspawn_in(root, EMERGE_WORLD, binpkgs_dir=workdir / "binpkgs")
        seconds = time.monotonic() - start
        print(f"\ncold emerge of the test bed world: {seconds:.1f} s")
        yield Lower(root, workdir, rc, lines, seconds, testbed_artifacts.real_genpack_progs is not None)


def test_world_emerge_succeeds_with_the_portage_config(lower: Lower) -> None:
    assert lower.rc == 0, "\n".join(lower.lines[-40:])
    root = lower.root
    assert (root / "usr/bin/hello").is_file()
    assert (root / "usr/share/hello/greeting.txt").is_file()  # +greeting from IUSE default
    assert (root / "usr/share/hello/extra.txt").is_file()     # extra from package.use
    assert (root / "usr/share/envdemo/value").read_text() == "set-by-package.env\n"
    assert (root / "usr/share/testbed/keyworded").is_file()
    assert (root / "usr/share/testbed/licensed").is_file()
    assert (root / "usr/share/patchable/message.txt").read_text() == "patched by /etc/portage/patches\n"
    assert (root / "etc/configurable.conf").read_text() == "saved configuration\n"
    assert (root / "usr/lib/systemd/system/testbed-daemon.service").is_file()
    assert (root / "usr/lib/genpack-install/bootx64.efi").is_file()
    # the profile's packages: *genpack/genpack-progs (@system) and genpack/base + genpack/paravirt (@profile)
    for pkg in ("genpack/genpack-progs", "genpack/base", "genpack/paravirt", "sys-apps/baselayout"):
        assert list((root / "var/db/pkg").glob(f"{pkg}-*")), pkg
    assert (root / "var/lib/portage/world_sets").read_text().split() == ["@genpack-buildtime", "@genpack-runtime"]
    assert list(lower.binpkgs.glob("app-misc/hello/hello-1.0-*.gpkg.tar"))


def test_hello_runs_inside_the_container(lower: Lower) -> None:
    rc, lines = nspawn_in(lower.root, ["hello"])
    assert rc == 0
    assert lines[:2] == ["Hello, from hello-1.0!", "greeting of hello-1.0"]


def test_second_root_installs_everything_from_binpkgs(lower: Lower, testbed_artifacts: TestbedArtifacts) -> None:
    workdir = lower.workdir / "second"
    workdir.mkdir()
    with mounted_lower_root(testbed_artifacts, workdir) as root:
        write_portage_config(root, CONFIG)
        rc, lines = nspawn_in(root, EMERGE_WORLD, binpkgs_dir=lower.binpkgs)
    assert rc == 0, "\n".join(lines[-40:])
    emerging = [line for line in lines if line.startswith(">>> Emerging")]
    assert emerging and all(line.startswith(">>> Emerging binary") for line in emerging)


def test_broken_package_fails_in_compile(lower: Lower) -> None:
    rc, lines = nspawn_in(lower.root, ["emerge", "--color=n", "--nospinner", "--keep-going", "-1", "app-misc/broken"])
    assert rc != 0
    assert any(line.startswith(" * ERROR: app-misc/broken-1.0::gentoo failed (compile phase):") for line in lines)
    assert not list((lower.root / "var/db/pkg/app-misc").glob("broken-*"))


def test_unlicensed_package_is_refused_without_package_license(lower: Lower) -> None:
    license_file = lower.root / "etc/portage/package.license/genpack"
    saved = license_file.read_text()
    license_file.write_text("")
    try:
        rc, lines = nspawn_in(lower.root, ["emerge", "--color=n", "--nospinner", "-p", "app-misc/licensed"])
    finally:
        license_file.write_text(saved)
    assert rc != 0
    assert any("TESTBED-EULA" in line for line in lines)


def test_exec_package_scripts_writes_metadata(lower: Lower) -> None:
    rc, lines = nspawn_in(lower.root, ["genpack-exec-package-scripts"],
                          setenv={"ARTIFACT": "demo", "VARIANT": "small", "PROFILE": "paravirt"})
    assert rc == 0, "\n".join(lines)
    meta = lower.root / ".genpack"
    end = "" if lower.real_progs else "\n"  # the real programs write no final newline
    machine = subprocess.run(["uname", "-m"], capture_output=True, text=True).stdout.strip()
    assert (meta / "arch").read_text() == machine + end
    assert (meta / "artifact").read_text() == "demo" + end
    assert (meta / "variant").read_text() == "small" + end
    assert (meta / "profile").read_text() == "paravirt" + end
    tree_commit = lower.root / "var/db/repos/gentoo/metadata/timestamp.commit"
    assert (meta / "timestamp.commit").read_text() == tree_commit.read_text()
    packages = (meta / "packages").read_text()
    entries = [block.splitlines() for block in packages.strip().split("\n\n")]
    # the real header is cpv[SLOT]
    names = [re.sub(r"\[[^]]*\]$", "", lines_[0]) if lower.real_progs else lines_[0] for lines_ in entries]
    assert "app-misc/hello-1.0" in names and "dev-libs/libgreet-1.0" in names
    assert not any(n.startswith("genpack/genpack-progs") for n in names)   # genpack-ignore
    assert not any(n.startswith("dev-util/buildtool") for n in names)      # buildtime only
    libgreet = entries[names.index("dev-libs/libgreet-1.0")]
    assert "# NEEDED_BY: app-misc/hello-1.0" in libgreet
    hello = entries[names.index("app-misc/hello-1.0")]
    # the real USE has the implicit flags too
    assert ("# USE: amd64 elibc_glibc extra greeting kernel_linux userland_GNU" if lower.real_progs
            else "# USE: extra greeting") in hello
    marker = lower.root / "var/lib/testbed/hello-package-script"
    assert marker.read_text() == "hello package script ran (ARTIFACT=demo VARIANT=small)\n"


def test_build_scripts_run_in_order_and_per_user(lower: Lower) -> None:
    root = lower.root
    rc, lines = nspawn_in(root, ["useradd", "-m", "-d", "/home/alice", "alice"])
    assert rc == 0, lines
    log = "/var/tmp/build-order.log"
    (root / "build").write_text(f"#!/bin/sh\necho build >> {log}\n")
    (root / "build").chmod(0o755)
    d = root / "build.d"
    (d / "alice").mkdir(parents=True)
    (d / "20-second.py").write_text(f"open('{log}', 'a').write('second\\n')\n")          # .py via python
    (d / "10-first.sh").write_text(f"echo first >> {log}\n")                               # .sh via /bin/sh
    (d / "30-third").write_text(f"#!/bin/sh\necho third >> {log}\n")
    (d / "30-third").chmod(0o755)                                                          # executable: direct
    (d / "alice" / "10-whoami.sh").write_text(f"echo \"$(id -un) $HOME\" >> {log}\ntouch $HOME/ran\n")
    (root / log.lstrip("/")).touch()
    (root / log.lstrip("/")).chmod(0o666)
    try:
        rc, lines = nspawn_in(root, ["execute-artifact-build-scripts"])
        assert rc == 0, "\n".join(lines)
        order = (root / log.lstrip("/")).read_text().splitlines()
        assert order == ["build", "first", "second", "third", "alice /home/alice"]
        alice_uid = int((root / "etc/passwd").read_text().split("alice:x:", 1)[1].split(":")[0])
        assert (root / "home/alice/ran").stat().st_uid == alice_uid
    finally:
        subprocess.run(["rm", "-rf", str(root / "build"), str(d)], check=True)


def test_build_scripts_reject_a_non_executable_script(lower: Lower) -> None:
    d = lower.root / "build.d"
    d.mkdir()
    (d / "10-data.txt").write_text("not a script\n")
    try:
        rc, lines = nspawn_in(lower.root, ["execute-artifact-build-scripts"])
    finally:
        subprocess.run(["rm", "-rf", str(d)], check=True)
    assert rc == 1
    assert any(line.startswith("Error executing build scripts: Script is not executable") for line in lines)


def test_copyup_and_create_image_on_an_overlay_upper(lower: Lower) -> None:
    """genpack's upper phase and pack, by hand: overlayfs over the lower root, copy-up, mksquashfs."""
    upper_img = images.create_ext4_image(lower.workdir / "upper.img", 1024**3)
    with mounts.upper_layer(upper_img) as up:
        rc, lines = nspawn_in(lower.root, ["genpack-copyup"], overlay_upper=up)
        assert rc == 0, "\n".join(lines)
        summary = [line for line in lines if "Copy-up triggered:" in line]  # the real one logs it with a time
        assert summary and summary[0].endswith(", 0 errors")
        assert (up / "usr/bin/hello").is_file()
        assert (up / "usr/share/hello/extra.txt").is_file()
        assert (up / "etc/testbed-release").is_file()
        assert not (up / "usr/bin/genpack-copyup").exists()       # genpack-ignore
        # "/usr/lib/genpack/" is an excluded prefix; the directory entry itself is not (as in genpack)
        assert not list((up / "usr/lib/genpack").rglob("*"))
        assert not (up / "usr/bin/buildtool").exists()            # buildtime only
        assert (up / "usr/bin/hello").stat().st_mtime == (lower.root / "usr/bin/hello").stat().st_mtime

        out = lower.workdir / "out"
        out.mkdir()
        rc, lines = nspawn_in(lower.root, ["genpack-create-image", "/mnt/extra/upper", "/mnt/host/demo-x86_64",
                                           "--compression", "gzip"],
                              extra_dir=up.parent, artifact_dir=out)
        assert rc == 0, "\n".join(lines)
    listing = subprocess.run(["unsquashfs", "-l", "-d", "", str(out / "demo-x86_64.squashfs")],
                             capture_output=True, text=True, check=True).stdout.split()
    assert "/usr/bin/hello" in listing
    assert (out / "demo-x86_64.img").stat().st_size > (out / "demo-x86_64.squashfs").stat().st_size
    efi = subprocess.run(["mdir", "-i", str(out / "demo-x86_64.img"), "-b", "::/EFI/BOOT"],
                         capture_output=True, text=True, check=True).stdout
    assert "BOOTX64.EFI" in efi.upper()


def test_lower_helpers_without_work_to_do(lower: Lower) -> None:
    rc, lines = nspawn_in(lower.root, ["genpack-break-circular-dep"])
    assert rc == 0 and ("genpack-break-circular-dep: no circular dependencies, nothing to do." if lower.real_progs
                        else "No circular dependencies found.") in lines, lines
    rc, lines = nspawn_in(lower.root, ["rebuild-kernel-modules-if-necessary"])
    assert rc == 0 and any("skipping" in line for line in lines)


@pytest.mark.parametrize("profile, arch, profile_packages", [
    ("genpack/amd64", "amd64", ["genpack/base"]),
    ("genpack/arm64", "arm64", ["genpack/base"]),
    ("genpack/arm64/paravirt", "arm64", ["genpack/base", "genpack/paravirt"]),
])
def test_every_overlay_profile_resolves(lower: Lower, profile: str, arch: str, profile_packages: list[str]) -> None:
    link = lower.root / "etc/portage/make.profile"
    saved = link.readlink()
    link.unlink()
    link.symlink_to(f"../../var/db/repos/genpack-overlay/profiles/{profile}")
    query = ("import portage, portage._sets as s; st = portage.settings; "
             "print(st['ARCH'], st['ACCEPT_KEYWORDS'], 'systemd' in st['USE'].split()); "
             "c = s.load_default_config(st, portage.db[portage.root]); "
             "print(' '.join(sorted(str(a) for a in c.getSets()['profile'].getAtoms())))")
    try:
        rc, lines = nspawn_in(lower.root, ["/opt/portage/bin/python3", "-c", query],
                              setenv={"PORTAGE_OVERRIDE_EPREFIX": ""})
    finally:
        link.unlink()
        link.symlink_to(saved)
    assert rc == 0, lines
    assert lines[-2] == f"{arch} {arch} True"
    assert lines[-1].split() == profile_packages


def test_users_groups_and_services_as_the_upper_phase_creates_them(lower: Lower) -> None:
    root = lower.root
    for cmd in (["groupadd", "-g", "1500", "media"], ["useradd", "-u", "1500", "-g", "media", "-m", "carol"],
                ["systemctl", "enable", "testbed-daemon"]):
        rc, lines = nspawn_in(root, cmd)
        assert rc == 0, (cmd, lines)
    assert "carol:x:1500:1500:" in (root / "etc/passwd").read_text()
    wants = root / "etc/systemd/system/multi-user.target.wants/testbed-daemon.service"
    assert wants.is_symlink() and wants.readlink().name == "testbed-daemon.service"


def test_lower_cleanup_sequence(lower: Lower) -> None:
    """genpack's steps after the main emerge (docs/genpack.md §5.4, steps 6, 8, 9)."""
    for cmd in (["emerge", "--color=n", "--nospinner", "-bk", "--binpkg-respect-use=y", "@preserved-rebuild"],
                ["emerge", "--color=n", "--nospinner", "--depclean"],
                ["sh", "-c", "etc-update --automode -5 && eclean-dist -d && eclean-pkg"]):
        rc, lines = nspawn_in(lower.root, cmd, binpkgs_dir=lower.binpkgs)
        assert rc == 0, (cmd, lines[-30:])
        assert not [line for line in lines if "etc-update.conf" in line], "the stage3 ships /etc/etc-update.conf"
    assert " * eclean-pkg: 0 binary packages removed" in lines
    assert (lower.root / "usr/bin/hello").is_file()  # depclean kept the sets' packages


def test_unmerge_masked_packages_removes_a_newly_masked_package(lower: Lower) -> None:
    root = lower.root
    write_portage_config(root, {"package.mask/genpack": "app-misc/keyworded\n",
                                "sets/genpack-runtime": CONFIG["sets/genpack-runtime"].replace("app-misc/keyworded\n", "")})
    rc, lines = nspawn_in(root, ["genpack-unmerge-masked-packages"],
                          binpkgs_dir=lower.binpkgs)
    assert rc == 0, "\n".join(lines[-40:])
    assert any(line.startswith(">>> Unmerging") and "app-misc/keyworded-1.0" in line for line in lines)
    assert not list((root / "var/db/pkg/app-misc").glob("keyworded-*"))
    rc, lines = nspawn_in(root, ["genpack-unmerge-masked-packages"])
    assert rc == 0 and "No masked packages found." in lines


def test_bumped_tree_offers_the_new_hello(lower: Lower, testbed_artifacts: TestbedArtifacts) -> None:
    """The 'upstream tree changed' variant really is a newer tree to Portage."""
    repo = lower.root / "var/db/repos/gentoo"
    subprocess.run(["rm", "-rf", str(repo)], check=True)
    repo.mkdir()
    privileged.extract_tar(testbed_artifacts.bumped_snapshot(), repo, strip_components=1)
    rc, lines = nspawn_in(lower.root, ["emerge", "--color=n", "--nospinner", "-puDN", "@world", "@genpack-runtime"])
    assert rc == 0, "\n".join(lines)
    upgrade = re.compile(r"^\[ebuild +U +\] app-misc/hello-1\.1(::gentoo)? \[1\.0(::gentoo)?\]")
    assert any(upgrade.match(line) for line in lines), lines
