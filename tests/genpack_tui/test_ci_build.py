"""A real headless build of the example on the test bed as a GitHub Actions job (groups balanced around
every phase and step, the job summary with phases, packages and the image), then a phase of it as a
GitLab CI job (a section around it)."""
from __future__ import annotations

import re

import pytest

from tests.fixtures.build import copy_example
from tests.genpack_tui.terminal import run_in_pty
from tests.genpack_tui.workflow_commands import gitlab_sections, read_github_log


@pytest.fixture(scope="module")
def github_build(builder, tmp_path_factory):
    root = tmp_path_factory.mktemp("github-build")
    artifact = copy_example(root)
    summary = root / "step_summary.md"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("GITHUB_ACTIONS", "true")
        env.setenv("GITHUB_STEP_SUMMARY", str(summary))
        run = builder.run(artifact, "build")
    assert run.returncode == 0, run.stderr[-3000:]
    return artifact, run, summary


def test_github_groups_wrap_every_phase_and_step(github_build):
    _, run, _ = github_build
    view = read_github_log(run.stdout)
    marks = [c for c in view.commands if c.name in ("group", "endgroup")]
    assert marks and [c.name for c in marks] == ["group", "endgroup"] * (len(marks) // 2)  # balanced, never nested
    titles = [c.data for c in marks if c.name == "group"]
    phases = [e["phase"] for e in run.kinds("phase_started")]
    steps = [f"{e['phase']}: {e['title']}" for e in run.kinds("step_started")]
    assert phases == ["lower", "upper", "pack"]
    assert [t for t in titles if t.startswith("==> ")] == [
        f"==> {e['phase']}" + (f" — {e['reason']}" if e.get("reason") else "") for e in run.kinds("phase_started")]
    assert [t for t in titles if not t.startswith("==> ")] == steps and steps
    assert not view.of("error") and not view.of("warning")


def test_github_job_summary_of_the_build(github_build):
    artifact, run, summary = github_build
    text = summary.read_text()
    assert text.startswith("## genpack-tui build: hello (x86\\_64): succeeded in ")
    for phase in ("lower", "upper", "pack"):
        finished = next(e for e in run.kinds("phase_finished") if e["phase"] == phase)
        assert re.search(rf"^\| {phase} \| done \| [0-9hms.]+ \|$", text, re.M), phase
        assert finished["ok"]
    packages = {e["package"]: e["binary"] for e in run.kinds("emerge_progress")}
    source = sum(1 for binary in packages.values() if not binary)
    assert f"Packages: {source} built from source, {len(packages) - source} installed from binary packages." in text
    image = run.kinds("build_finished")[-1]["outputs"][0]
    from genpack_tui.engine.report.format import human_size
    name = str(image["path"]).replace("_", "\\_")
    assert f"Image: {name} ({human_size(int(image['size']))})" in text


def test_gitlab_section_around_a_phase(github_build, builder):
    artifact, _, _ = github_build
    with pytest.MonkeyPatch.context() as env:
        env.setenv("GITLAB_CI", "true")
        run = builder.run(artifact, "--force", "pack")
    assert run.returncode == 0, run.stderr[-3000:]
    assert gitlab_sections(run.stdout) == [("start", "genpack_pack"), ("end", "genpack_pack")], run.stdout[-2000:]
    assert "::group::" not in run.stdout


@pytest.mark.parametrize("term, redrawn", [("xterm-256color", True), ("dumb", False)])
def test_status_line_in_a_real_terminal(github_build, builder, term, redrawn):
    """The lower phase in a pty: emerge progress is one line redrawn in place on a terminal, plain
    lines (one per package) when TERM=dumb."""
    artifact, _, _ = github_build
    for image in (artifact / "work" / "x86_64").glob("lower*.img"):
        image.unlink()  # a fresh lower image emerges its packages again (from the binary packages)
    rc, text = run_in_pty(builder.argv(artifact, "lower"), {**builder.env(), "TERM": term})
    assert rc == 0, text[-3000:]
    assert ("\r\x1b[2K[lower] emerge 1/" in text) == redrawn
    assert ("\x1b" in text) == redrawn
    if not redrawn:
        assert re.search(r"^\[lower\] emerge 1/\d+ \S+ \((cache|binhost|source|binary)\) emerging( · (about \S+ left|no history yet))?\r?$", text, re.M)


def test_a_failed_package_under_github_actions(builder, tmp_path):
    """The test bed's app-misc/broken fails to build: an error annotation titled with it and its log,
    and the job summary says so."""
    artifact = copy_example(tmp_path)
    config = artifact / "genpack.json5"
    config.write_text(config.read_text().replace('"app-misc/hello",\n', '"app-misc/hello",\n    "app-misc/broken",\n'))
    summary = tmp_path / "step_summary.md"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("GITHUB_ACTIONS", "true")
        env.setenv("GITHUB_STEP_SUMMARY", str(summary))
        run = builder.run(artifact, "lower")
    assert run.returncode == 1
    failure = run.kinds("emerge_failure")[0]
    view = read_github_log(run.stdout)
    titled = [c for c in view.of("error") if c.properties.get("title", "").startswith("app-misc/broken-1.0")]
    phase = f" in {failure['ebuild_phase']} phase" if failure["ebuild_phase"] else ""
    assert [(c.properties["title"], c.data) for c in titled] == [
        (f"app-misc/broken-1.0 failed{phase}", f"build log: {failure['log_path']} (inside the lower image)")]
    assert failure["log_path"].endswith("/app-misc/broken-1.0/temp/build.log")
    text = summary.read_text()
    assert text.startswith("## genpack-tui lower: hello (x86\\_64): failed in ")
    assert "| lower | **failed** |" in text
    assert f"- failed package: app-misc/broken-1.0{phase.replace(' in ', ' in the ')}; log: " in text
    assert "build.log (inside the lower image)" in text
