"""End to end on the test bed: the real CLI, real nspawn, real loop images, real emerge, real mksquashfs.

These need root and build the test bed on first use (debootstrap; a few minutes, then cached).
"""
from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from genpack_tui.engine.events import read_events, schema_line
from tests.fixtures.build import (
    copy_example,
    edited,
    leftover_loops,
    leftover_mounts,
    mounted_readonly,
    squashfs_file,
    squashfs_listing,
)

pytestmark = [pytest.mark.root, pytest.mark.slow]


def test_cold_build_produces_the_image(built_example, tmp_path):
    artifact, run = built_example
    image = artifact / "hello-x86_64.squashfs"
    assert image.is_file()
    listing = squashfs_listing(image)
    for path in ("/usr/bin/hello", "/usr/share/hello/greeting.txt", "/usr/share/hello/extra.txt",
                 "/etc/motd", "/home/greeter/README", "/etc/issue", "/.genpack/artifact",
                 "/etc/systemd/system/hello-greeter.service",
                 "/etc/systemd/system/multi-user.target.wants/hello-greeter.service"):
        assert path in listing, path
    # buildtime packages and build scripts stay out of the image
    assert "/usr/bin/buildtool" not in listing
    assert not any(p.startswith("/build.d") for p in listing)
    assert squashfs_file(image, "/etc/motd", tmp_path).strip() == "This is hello, built by genpack-tui."
    assert squashfs_file(image, "/home/greeter/README", tmp_path).strip() == "hello from greeter"
    assert squashfs_file(image, "/etc/issue", tmp_path).strip() == "Welcome to the hello image"
    assert squashfs_file(image, "/.genpack/artifact", tmp_path).strip() == "hello"
    passwd = squashfs_file(image, "/etc/passwd", tmp_path)
    assert any(line.startswith("greeter:x:1000:") and line.endswith(":/bin/sh") for line in passwd.splitlines())
    assert "visitors:" in squashfs_file(image, "/etc/group", tmp_path)


def test_cold_build_events_and_summary(built_example):
    artifact, run = built_example
    phases = [(e["phase"]) for e in run.kinds("phase_finished")]
    assert phases == ["lower", "upper", "pack"] and all(e["ok"] for e in run.kinds("phase_finished"))
    progress = run.kinds("emerge_progress")
    packages = {e["package"] for e in progress}
    for name in ("app-misc/hello-", "dev-util/buildtool-", "app-misc/keyworded-"):
        assert any(p.startswith(name) for p in packages), name
    totals = {e["total"] for e in progress if e["stage"] == "emerging"}
    assert totals and all(t >= 1 for t in totals)
    finished = run.kinds("build_finished")[-1]
    assert finished["ok"] and finished["outputs"][0]["path"] == "hello-x86_64.squashfs"
    assert "hello-x86_64.squashfs" in run.stdout  # the human summary names the output
    # the file starts with its one schema line, and every event of a real build is one docs/events.md names
    assert run.events[0] == schema_line() and run.kinds("schema") == [run.events[0]]
    assert len(read_events(io.StringIO("".join(json.dumps(e) + "\n" for e in run.events))).events) == \
        len(run.events) - 1


def test_portage_files_inside_lower(built_example):
    artifact, _ = built_example
    with mounted_readonly(artifact / "work/x86_64/lower.img") as root:
        etc = root / "etc/portage"
        assert (etc / "sets/genpack-runtime").read_text() == "app-misc/hello\napp-misc/keyworded"
        assert (etc / "sets/genpack-buildtime").read_text() == "dev-util/buildtool"
        assert (etc / "package.use/genpack").read_text() == "app-misc/hello extra\n"
        assert (etc / "package.accept_keywords/genpack").read_text() == "app-misc/keyworded\n"
        assert os.readlink(etc / "make.profile") == "../../var/db/repos/genpack-overlay/profiles/genpack/amd64/paravirt"
        assert (root / "usr/bin/hello").is_file()
    assert not leftover_mounts(artifact)


def test_noop_rebuild_reruns_upper_and_pack_as_genpack(built_example, builder):
    """genpack reruns upper and pack on every build (build.d may fetch "latest"); only lower is skipped."""
    artifact, _ = built_example
    run = builder.run(artifact, "build")
    assert run.returncode == 0, run.stderr[-2000:]
    assert [e["phase"] for e in run.kinds("phase_skipped")] == ["lower"]
    assert [e["phase"] for e in run.kinds("phase_finished")] == ["lower", "upper", "pack"]
    assert any("upper always reruns, as genpack's" in line for line in run.output_lines)
    assert any("the upper layer was rebuilt" in line for line in run.output_lines)
    steps = {e["step"] for e in run.kinds("step_started")}
    assert {"package-scripts", "files", "create-image"} <= steps  # the test bed's overlay has genpack-create-image


def test_noop_rebuild_with_reuse_upper_runs_no_container(built_example, builder):
    artifact, _ = built_example
    run = builder.run(artifact, "--reuse-upper", "build")
    assert run.returncode == 0, run.stderr[-2000:]
    skipped = {e["phase"]: e["reason"] for e in run.kinds("phase_skipped")}
    assert list(skipped) == ["lower", "upper", "pack"]
    assert "--reuse-upper" in skipped["upper"] and "build.d" in skipped["upper"]
    assert "--reuse-upper" in skipped["pack"]
    container_steps = [e for e in run.kinds("step_started") if e["step"] != "sources"]
    assert container_steps == []


def test_reuse_upper_still_reruns_a_changed_upper_and_a_missing_output(built_example, builder):
    artifact, _ = built_example
    image = artifact / "hello-x86_64.squashfs"
    image.unlink()
    run = builder.run(artifact, "--reuse-upper", "build")
    assert run.returncode == 0, run.stderr[-2000:]
    assert [e["phase"] for e in run.kinds("phase_skipped")] == ["lower", "upper"]
    assert any("hello-x86_64.squashfs is missing" in line for line in run.output_lines)
    assert image.is_file()


def test_services_edit_reruns_only_upper_and_pack(built_example, builder, tmp_path):
    artifact, _ = built_example
    with edited(artifact / "genpack.json5", 'services: ["hello-greeter.service"]', "services: []"):
        run = builder.run(artifact, "--reuse-upper", "build")
        assert run.returncode == 0, run.stderr[-2000:]
        assert [e["phase"] for e in run.kinds("phase_skipped")] == ["lower"]
        assert any("services changed" in line for line in run.output_lines)
        listing = squashfs_listing(artifact / "hello-x86_64.squashfs")
        assert "/etc/systemd/system/multi-user.target.wants/hello-greeter.service" not in listing


def test_use_edit_reruns_lower_and_reuses_binpkgs(built_example, builder):
    artifact, _ = built_example
    config = artifact / "genpack.json5"
    with edited(config, '"app-misc/hello": "extra",', '"app-misc/hello": "-extra",') as original:
        run = builder.run(artifact, "build")
        assert run.returncode == 0, run.stderr[-2000:]
        assert not run.kinds("phase_skipped")
        assert any("use changed" in line for line in run.output_lines)
        # only hello's USE changed: only hello is merged again (from source, or from a binary package
        # with the same USE left in the shared cache by an earlier run)
        merged = [e["package"] for e in run.kinds("emerge_progress") if e["stage"] == "emerging"]
        assert merged and all(p.startswith("app-misc/hello-") for p in merged)
        assert "/usr/share/hello/extra.txt" not in squashfs_listing(artifact / "hello-x86_64.squashfs")
        # back to the original USE: the binary package built the first time is reused
        config.write_text(original)
        back = builder.run(artifact, "build")
        assert back.returncode == 0, back.stderr[-2000:]
        hello = [e for e in back.kinds("emerge_progress") if e["package"].startswith("app-misc/hello-")
                 and e["stage"] == "emerging"]
        assert hello and all(e["binary"] for e in hello)
        assert any(line.startswith(">>> Emerging binary") for line in back.output_lines)


def test_bash_command_and_upper_bash(built_example, builder):
    artifact, _ = built_example
    run = builder.run(artifact, "bash", "cat", "/etc/portage/package.use/genpack")
    assert run.returncode == 0, run.stderr
    assert "app-misc/hello extra" in run.stdout
    failing = builder.run(artifact, "bash", "sh", "-c", "exit 7")
    assert failing.returncode == 7
    upper = builder.run(artifact, "upper-bash", stdin="cat /etc/motd; ls /home/greeter\nexit\n")
    assert upper.returncode == 0, upper.stderr
    assert "This is hello, built by genpack-tui." in upper.stdout and "README" in upper.stdout
    assert not leftover_mounts(artifact)


def test_archive(built_example, builder):
    artifact, _ = built_example
    run = builder.run(artifact, "archive")
    assert run.returncode == 0, run.stderr
    with tarfile.open(artifact / "genpack-hello.tar.gz") as tar:
        names = tar.getnames()
    assert names[0] == "genpack.json5"
    assert "files/build.d/10-motd.sh" in names and "files/etc/systemd/system/hello-greeter.service" in names
    assert not any(n.startswith("work") for n in names)


def test_second_concurrent_build_is_refused(built_example, builder):
    from genpack_tui.engine.runtime.lock import acquire_build_lock
    artifact, _ = built_example
    with acquire_build_lock(artifact / "work", "test holder"):
        run = builder.run(artifact, "build")
    assert run.returncode != 0
    assert "test holder" in run.stderr and str(os.getpid()) in run.stderr


def test_failing_package_names_package_and_log(builder, tmp_path):
    artifact = copy_example(tmp_path)
    config = artifact / "genpack.json5"
    config.write_text(config.read_text().replace('"app-misc/hello",\n', '"app-misc/hello",\n    "app-misc/broken",\n'))
    run = builder.run(artifact, "lower")
    assert run.returncode != 0
    failures = run.kinds("emerge_failure")
    assert [f["package"] for f in failures] == ["app-misc/broken-1.0"]
    assert failures[0]["log_path"].endswith("/app-misc/broken-1.0/temp/build.log")
    assert "app-misc/broken-1.0" in run.stderr and "build.log" in run.stderr
    assert not (artifact / "work/x86_64/lower.done").exists()
    assert not leftover_mounts(artifact) and not leftover_loops(artifact)


def _wait_for_event(events: Path, predicate, timeout: float = 600) -> None:
    import json
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if events.exists():
            for line in events.read_text().splitlines():
                try:
                    if predicate(json.loads(line)):
                        return
                except ValueError:
                    continue
        time.sleep(0.2)
    raise AssertionError("the build never reached the expected point")


def _step_finished_ok(events: Path, step: str) -> bool:
    import json
    finished = [json.loads(line) for line in events.read_text().splitlines() if '"step_finished"' in line]
    return any(e["step"] == step and e["ok"] for e in finished)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
@pytest.mark.parametrize("phase,step", [("lower", "emerge-world"), ("upper", "setup-commands"), ("pack", "create-image")])
def test_interrupted_build_leaves_nothing_behind(builder, tmp_path, phase, step, sig):
    artifact = copy_example(tmp_path)
    config = artifact / "genpack.json5"
    original = config.read_text()
    if phase == "upper":  # the step must still be running when the signal lands, however far the
        # renderer lags behind the worker (the upper layer's own steps take well under a second each)
        config.write_text(config.read_text().replace("setup_commands: [", "setup_commands: [\n    'sleep 600',"))
    if phase == "pack":  # enough incompressible data for mksquashfs to take a few seconds
        config.write_text(config.read_text().replace(
            "setup_commands: [", "setup_commands: [\n    'head -c 400M /dev/urandom > /var/bulk',"))
    if phase != "lower":
        assert builder.run(artifact, "lower").returncode == 0
    if phase == "pack":
        assert builder.run(artifact, "upper").returncode == 0
    events = tmp_path / "events.jsonl"
    proc = subprocess.Popen(builder.argv(artifact, phase, events=events), env=builder.env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_for_event(events, lambda e: e["kind"] == "step_started" and e["step"] == step)
        time.sleep(0.3)
        os.killpg(proc.pid, sig) if sig == signal.SIGKILL else proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    deadline = time.monotonic() + 10
    while (leftover_mounts(artifact) or leftover_loops(artifact)) and time.monotonic() < deadline:
        time.sleep(0.2)  # a killed worker's namespace is torn down by the kernel shortly after
    assert proc.returncode != 0
    assert not _step_finished_ok(events, step), f"the signal came after {step} had finished; the test proves nothing"
    assert not leftover_mounts(artifact)
    assert not leftover_loops(artifact)
    assert not (artifact / f"work/x86_64/{phase}.done").exists()
    if phase == "upper":
        config.write_text(original)  # the next run must not sleep
    run = builder.run(artifact, "build")
    assert run.returncode == 0, run.stderr[-2000:]
    assert (artifact / "hello-x86_64.squashfs").is_file()
