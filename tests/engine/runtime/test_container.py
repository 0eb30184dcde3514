"""Real loop images and real systemd-nspawn on a busybox root."""

from __future__ import annotations

import dataclasses
import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from genpack_tui.engine.runtime import mounts, privileged
from genpack_tui.engine.runtime.host import HostInfo
from genpack_tui.engine.runtime.nspawn import NspawnSpec

pytestmark = pytest.mark.root


def run(spec: NspawnSpec, host: HostInfo, stdin: bytes | None = None) -> tuple[int, list[str], list[str]]:
    out: list[str] = []
    err: list[str] = []
    rc = privileged.run_nspawn(
        spec, lambda text, stream: (out if stream == "stdout" else err).append(text), stdin=stdin, host=host
    )
    return rc, out, err


def test_echo_in_a_mounted_ext4_image(busybox_image: Path, runtime_host: HostInfo, no_leaks: Path) -> None:
    with mounts.mounted_image(busybox_image) as root:
        assert privileged.mountpoints_under(str(root)) == [str(root)]
        assert str(busybox_image) in privileged.loop_devices()
        rc, out, err = run(
            NspawnSpec(root=root, command=["sh", "-c", "echo hello from $(cat /proc/1/comm); exit 7"]), runtime_host
        )
    assert rc == 7
    assert out == ["hello from (sd-stubinit)"]  # --as-pid2: a stub init is PID 1
    assert err == []  # the nspawn exit notice was filtered


def test_binds_are_visible_inside(busybox_image: Path, runtime_host: HostInfo, tmp_path: Path, no_leaks: Path) -> None:
    artifact = tmp_path / "my:artifact"  # a colon must be escaped for nspawn
    binpkgs, download, override, extra = (tmp_path / n for n in ("binpkgs", "download", "override", "extra"))
    for d in (artifact, binpkgs, download, override, extra):
        d.mkdir()
        (d / "marker").write_text(d.name)
    script = (
        "for d in /mnt/host /var/cache/binpkgs /var/cache/download /var/db/repos/genpack-overlay /mnt/extra; do"
        ' echo "$d=$(cat $d/marker)"; done;'
        " touch /var/db/repos/genpack-overlay/x 2>/dev/null && echo override-writable || echo override-readonly;"
        ' echo "A=$A B=$B LC_ALL=$LC_ALL"; touch /mnt/host/made-inside'
    )
    with mounts.mounted_image(busybox_image) as root:
        spec = NspawnSpec(
            root=root,
            command=["sh", "-c", script],
            artifact_dir=artifact,
            binpkgs_dir=binpkgs,
            download_dir=download,
            overlay_override=override,
            extra_dir=extra,
            env=[("A", "1"), ("B", "2"), ("A", "3")],
        )
        rc, out, _ = run(spec, runtime_host)
    assert rc == 0
    assert out == [
        "/mnt/host=my:artifact",
        "/var/cache/binpkgs=binpkgs",
        "/var/cache/download=download",
        "/var/db/repos/genpack-overlay=override",
        "/mnt/extra=extra",
        "override-readonly",
        "A=3 B=2 LC_ALL=",  # no locale of ours (genpack sets none)
    ]
    assert (artifact / "made-inside").exists()


def test_overlay_upper_writes_land_in_the_upper_image_only(
    busybox_image: Path, make_image, runtime_host: HostInfo, no_leaks: Path
) -> None:
    upper_image = make_image("upper.img")
    with mounts.mounted_image(busybox_image) as root, mounts.upper_layer(upper_image) as upper:
        spec = NspawnSpec(
            root=root,
            command=["sh", "-c", "echo new > /etc/newfile; echo x >> /etc/passwd; rm /etc/group"],
            overlay_upper=upper,
        )
        rc, _, err = run(spec, runtime_host)
        assert rc == 0, err
        assert (upper / "etc" / "newfile").read_text() == "new\n"
        assert (upper / "etc" / "passwd").read_text().endswith("x\n")  # copied up
        whiteout = os.lstat(upper / "etc" / "group")
        assert os.major(whiteout.st_rdev) == 0 and os.minor(whiteout.st_rdev) == 0  # overlayfs whiteout
        assert not (root / "etc" / "newfile").exists()
        assert not (root / "etc" / "passwd").read_text().endswith("x\n")
        assert (root / "etc" / "group").exists()
        assert not [p for p in upper.parent.iterdir() if p.name.startswith(".#")]  # nspawn removed its workdir
    # the upper layer survives in the image
    with mounts.mounted_image(upper_image, readonly=True) as again:
        assert (again / "upper" / "etc" / "newfile").read_text() == "new\n"


def test_own_overlay_root_merges_and_writes_upper(busybox_image: Path, make_image, no_leaks: Path) -> None:
    upper_image = make_image("upper.img")
    with mounts.mounted_image(busybox_image) as lower, mounts.overlay_root(lower, upper_image) as merged:
        assert (merged / "bin" / "busybox").exists()
        (merged / "etc" / "hostname").write_text("merged\n")
        assert not (lower / "etc" / "hostname").exists()
    with mounts.mounted_image(upper_image) as again:
        assert (again / "upper" / "etc" / "hostname").read_text() == "merged\n"
        assert sorted(p.name for p in again.iterdir()) == ["lost+found", "upper"]  # work dir removed


def test_piped_step_streams_lines_in_order(busybox_image: Path, runtime_host: HostInfo, no_leaks: Path) -> None:
    """A step fed on stdin gets --console=pipe, as genpack's: no terminal, stdout and stderr apart."""
    script = b"[ -t 1 ] && echo has-tty; for i in $(seq 1 500); do echo line $i; done; echo oops >&2\n"
    with mounts.mounted_image(busybox_image) as root:
        rc, out, err = run(NspawnSpec(root=root, command=["sh"]), runtime_host, stdin=script)
    assert rc == 0 and out == [f"line {i}" for i in range(1, 501)] and err == ["oops"]


def test_step_without_stdin_reads_end_of_file_at_once(busybox_image: Path, runtime_host: HostInfo,
                                                      no_leaks: Path) -> None:
    """No stdin: still a pipe console (its output goes to a log), so a step that reads stdin gets end
    of file instead of waiting forever on a terminal, and stderr stays apart."""
    with mounts.mounted_image(busybox_image) as root:
        rc, out, err = run(NspawnSpec(root=root, command=[
            "sh", "-c", "[ -t 0 ] || [ -t 1 ] && echo has-tty; read a; echo read=$?; echo oops >&2; exit 3"]),
            runtime_host)
    assert (rc, out, err) == (3, ["read=1"], ["oops"])


def test_term_without_terminfo_is_replaced_as_genpack(busybox_image: Path, runtime_host: HostInfo,
                                                      monkeypatch: pytest.MonkeyPatch, no_leaks: Path) -> None:
    script = b"echo TERM=$TERM\n"
    with mounts.mounted_image(busybox_image) as root:
        monkeypatch.setenv("TERM", "xterm-ghostty")
        rc, out, _ = run(NspawnSpec(root=root, command=["sh"]), runtime_host, stdin=script)
        monkeypatch.setenv("TERM", "screen")
        rc2, out2, _ = run(NspawnSpec(root=root, command=["sh"]), runtime_host, stdin=script)
    assert (rc, out) == (0, ["TERM=xterm-256color"])
    assert (rc2, out2) == (0, ["TERM=screen"])


def test_stdin_is_fed_to_the_container(busybox_image: Path, runtime_host: HostInfo, no_leaks: Path) -> None:
    script = b"set -e\necho from-script\nmkdir -p /etc/portage/repos.conf\necho ok > /etc/portage/repos.conf/x.conf\ncat /etc/portage/repos.conf/x.conf\n"
    with mounts.mounted_image(busybox_image) as root:
        rc, out, _ = run(NspawnSpec(root=root, command=["sh"]), runtime_host, stdin=script)
        assert (root / "etc" / "portage" / "repos.conf" / "x.conf").read_text() == "ok\n"
    assert rc == 0 and out == ["from-script", "ok"]


def test_tar_from_stdin_into_the_container(
    busybox_image: Path, busybox_tarball: Path, runtime_host: HostInfo, no_leaks: Path
) -> None:
    """genpack's way of placing the Portage tree: ``tar xf - -C ... --strip-components=1`` with the tarball on stdin."""
    with mounts.mounted_image(busybox_image) as root, open(busybox_tarball, "rb") as tarball:
        spec = NspawnSpec(
            root=root,
            command=[
                "sh",
                "-c",
                "mkdir -p /var/db/repos/gentoo && tar xJf - -C /var/db/repos/gentoo && ls /var/db/repos/gentoo/bin/busybox",
            ],
        )
        out: list[str] = []
        rc = privileged.run_nspawn(spec, lambda t, s: out.append(t), stdin=tarball, host=runtime_host)
    assert rc == 0 and out == ["/var/db/repos/gentoo/bin/busybox"]


def test_pty_run_of_a_container(busybox_image: Path, runtime_host: HostInfo, no_leaks: Path) -> None:
    from genpack_tui.engine.runtime.process import run_on_pty

    with mounts.mounted_image(busybox_image) as root:
        argv = NspawnSpec(
            root=root, command=["sh", "-c", "[ -t 0 ] && echo has-tty; read a; echo got=$a"], console="interactive"
        ).argv(runtime_host)
        out = io.BytesIO()
        rc = run_on_pty(argv, io.BytesIO(b"xyz\n"), out)
    text = out.getvalue().decode(errors="replace")
    assert rc == 0 and "has-tty" in text and "got=xyz" in text


def test_extract_tar_and_copy_tree(busybox_root: Path, make_image, tmp_path: Path, no_leaks: Path) -> None:
    snapshot = tmp_path / "portage-latest.tar.gz"  # a top directory, as Gentoo's snapshot has
    with tarfile.open(snapshot, "w:gz") as tar:
        tar.add(busybox_root / "etc", arcname="portage")
    with mounts.mounted_image(make_image("a.img")) as a, mounts.mounted_image(make_image("b.img")) as b:
        privileged.extract_tar(snapshot, a, strip_components=1)
        assert (a / "passwd").read_text().startswith("root:")
        os.mknod(a / "null", 0o666 | 0o020000, os.makedev(1, 3))
        (b / "dev").mkdir()
        privileged.copy_tree_preserving(a, b / "dev")
        st = os.lstat(b / "dev" / "null")
        assert os.major(st.st_rdev) == 1 and os.minor(st.st_rdev) == 3


def test_readonly_loop_mount_and_bind(busybox_image: Path, tmp_path: Path, no_leaks: Path) -> None:
    target = tmp_path / "bound"
    target.mkdir()
    with mounts.mounted_image(busybox_image, readonly=True) as root:
        with pytest.raises(OSError):
            (root / "etc" / "x").write_text("")
        with mounts.bound(root / "etc", target, readonly=True):
            assert (target / "passwd").exists()
    assert not os.path.ismount(target)


def test_container_root_mounts_unless_image_option_works(busybox_image: Path, runtime_host: HostInfo, no_leaks) -> None:
    with mounts.container_root(busybox_image, runtime_host) as root:
        if runtime_host.can_use_image_option:
            assert root == busybox_image
        else:
            assert root.is_dir() and (root / "bin" / "busybox").exists()
    systemd_host = dataclasses.replace(runtime_host, systemd_pid1=True, udev=True)
    with mounts.container_root(busybox_image, systemd_host) as root:
        assert root == busybox_image


def test_interactive_container_on_a_pty(busybox_image: Path, runtime_host: HostInfo, no_leaks) -> None:
    """``bash``-style run: run_nspawn_interactive from a process whose stdin is not a terminal."""
    code = (
        "import sys; from pathlib import Path; from genpack_tui.engine.runtime import privileged; from genpack_tui.engine.runtime.nspawn import NspawnSpec\n"
        "spec = NspawnSpec(root=Path(sys.argv[1]), command=['sh'])\n"
        "sys.exit(privileged.run_nspawn_interactive(spec))\n"
    )
    with mounts.mounted_image(busybox_image) as root:
        proc = subprocess.run(
            [sys.executable, "-c", code, str(root)],
            input=b"[ -t 0 ] && echo on-a-tty\nexit 6\n",
            capture_output=True,
            cwd=Path(__file__).parents[3],
            timeout=60,
        )
    assert proc.returncode == 6 and b"on-a-tty" in proc.stdout


def test_interactive_container_gets_the_term_replacement(busybox_image: Path, runtime_host: HostInfo,
                                                          no_leaks) -> None:
    """A shell run from a terminal whose TERM the containers have no terminfo for gets genpack's
    replacement, and nspawn's own console (no --console=pipe): a terminal."""
    code = (
        "import sys; from pathlib import Path; from genpack_tui.engine.runtime import privileged; from genpack_tui.engine.runtime.nspawn import NspawnSpec\n"
        "spec = NspawnSpec(root=Path(sys.argv[1]), command=['sh'])\n"
        "sys.exit(privileged.run_nspawn_interactive(spec))\n"
    )
    with mounts.mounted_image(busybox_image) as root:
        proc = subprocess.run(
            [sys.executable, "-c", code, str(root)],
            input=b"[ -t 1 ] && echo out-on-a-tty; echo TERM=$TERM\nexit 0\n",
            capture_output=True,
            cwd=Path(__file__).parents[3],
            env={**os.environ, "TERM": "xterm-ghostty"},
            timeout=60,
        )
    assert proc.returncode == 0 and b"out-on-a-tty" in proc.stdout
    assert b"TERM=xterm-256color" in proc.stdout  # the typed line echoes as TERM=$TERM, unexpanded
