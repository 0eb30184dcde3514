"""The headless renderer under CI services and with --timestamps, fed events in-process: GitHub's
workflow commands (escaped, balanced groups, a build's own output unable to issue commands), GitLab's
sections, the job summary, and configuration problems read back from their printed form."""
import io
import re

import pytest

from genpack_tui.engine.build.session import CONFIG_PHASE
from genpack_tui.engine.config.problems import Problem
from genpack_tui.engine.events import (
    BuildFinished,
    BuildStarted,
    EmergeFailure,
    EmergeProgress,
    ErrorEvent,
    OutputLine,
    PhaseFinished,
    PhaseSkipped,
    PhaseStarted,
    StepFinished,
    StepStarted,
    WarningEvent,
)
from genpack_tui.headless_renderer import HeadlessRenderer
from genpack_tui.report.ci_log import escape_data, escape_property
from genpack_tui.report.job_summary import md
from genpack_tui.report.problem_location import located
from tests.genpack_tui.workflow_commands import gitlab_sections, read_github_log

GITHUB = {"GITHUB_ACTIONS": "true", "TERM": "xterm"}


def render(events, environ, **kwargs):
    out, err = io.StringIO(), io.StringIO()
    renderer = HeadlessRenderer(out, err, environ=environ, **kwargs)
    for event in events:
        renderer(event)
    return out.getvalue(), err.getvalue()


RUN = [
    BuildStarted(action="build", artifact="hello", variant=None, arch="x86_64"),
    PhaseSkipped(phase="lower", reason="up to date"),
    PhaseStarted(phase="upper", reason="files/ changed"),
    StepStarted(phase="upper", step="users", title="Creating user greeter..."),
    OutputLine(phase="upper", step="users", text="::error file=evil.c,line=1::planted by a package"),
    OutputLine(phase="upper", step="users", text="##[group]planted too"),
    OutputLine(phase="upper", step="users", text="an ordinary line"),
    StepFinished(phase="upper", step="users", ok=True, duration=2.5),
    StepStarted(phase="upper", step="files", title="Copying files/"),
    StepFinished(phase="upper", step="files", ok=True, duration=0.5),
    PhaseFinished(phase="upper", ok=True, duration=3.0),
    PhaseStarted(phase="pack"),
    PhaseFinished(phase="pack", ok=True, duration=4.0),
    BuildFinished(ok=True, duration=7.5, outputs=[{"path": "hello-x86_64.squashfs", "size": 3 * 1024 * 1024}]),
]


def test_escaping_follows_githubs_rules():
    assert escape_data("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext: a,b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_github_groups_each_phase_and_step_and_never_nests_them():
    out, err = render(RUN, GITHUB)
    view = read_github_log(out)
    names = [(c.name, c.data) for c in view.commands if c.name in ("group", "endgroup")]
    assert names == [
        ("group", "==> upper — files/ changed"), ("endgroup", ""),
        ("group", "upper: Creating user greeter..."), ("endgroup", ""),
        ("group", "upper: Copying files/"), ("endgroup", ""),
        ("group", "==> pack"), ("endgroup", ""),
    ]
    assert "==> upper done in 3.0s" in view.plain and "Succeeded in 7.5s." in view.plain


def test_a_builds_output_cannot_issue_workflow_commands():
    out, _ = render(RUN, GITHUB)
    view = read_github_log(out)
    assert not view.of("error") and "planted by a package" not in [c.data for c in view.commands]
    assert "::error file=evil.c,line=1::planted by a package" in view.plain
    assert "##[group]planted too" in view.plain
    # command processing was stopped before the planted line and resumed for the next group
    stops = view.of("stop-commands")
    assert len(stops) == 1 and re.fullmatch(r"[0-9a-f]{32}", stops[0].data)
    assert f"::{stops[0].data}::" in out.splitlines()


def test_config_problems_become_annotations_at_their_place(tmp_path):
    problems = [
        Problem("error", 'users[0].uid', "must be an integer, found \"x\"", "genpack.json5", 14, 27),
        Problem("warning", "packages", "duplicate key, the last one wins", "genpack.json5", 5, 3),
        Problem("error", "", "cannot read the file: Permission denied", "genpack.json5"),
        Problem("error", "variants", "a variant name must be a string, got 3"),
    ]
    artifact = tmp_path / "repo" / "images" / "hello"
    events = [BuildStarted(action="build", artifact="hello", variant=None, arch="x86_64")]
    events += [(ErrorEvent if p.is_error else WarningEvent)(message=str(p), phase=CONFIG_PHASE) for p in problems]
    events += [BuildFinished(ok=False, duration=0.1, message="3 error(s) in the configuration; nothing was built.")]
    out, err = render(events, {**GITHUB, "GITHUB_WORKSPACE": str(tmp_path / "repo")}, artifact_dir=artifact)
    view = read_github_log(out)
    annotations = [(c.name, c.properties, c.data) for c in view.commands if c.name in ("error", "warning")]
    assert annotations == [
        ("error", {"file": "images/hello/genpack.json5", "line": "14", "col": "27"},
         'users[0].uid: must be an integer, found "x"'),
        ("warning", {"file": "images/hello/genpack.json5", "line": "5", "col": "3"},
         "packages: duplicate key, the last one wins"),
        ("error", {"file": "images/hello/genpack.json5"}, "cannot read the file: Permission denied"),
        ("error", {}, "variants: a variant name must be a string, got 3"),
    ]
    assert "genpack.json5:14:27: error: users[0].uid: must be an integer, found \"x\"" in view.plain
    assert err == ""  # one stream under a CI service


def test_an_excerpt_travels_in_the_annotation_escaped():
    problem = Problem("error", "", "expected ',' or '}'", "genpack.json", 3, 9, "   3 | name: 'x' :: y\n     |         ^")
    where = located(str(problem))
    assert (where.file, where.line, where.column) == ("genpack.json", 3, 9)
    assert where.text == "expected ',' or '}'\n   3 | name: 'x' :: y\n     |         ^"
    out, _ = render([ErrorEvent(message=str(problem), phase=CONFIG_PHASE), BuildFinished(ok=False, duration=0.0)],
                    GITHUB)
    line = next(l for l in out.splitlines() if l.startswith("::error file="))
    assert line == "::error file=genpack.json,line=3,col=9::expected ',' or '}'%0A   3 | name: 'x' :: y%0A     |         ^"


def test_a_failed_package_is_an_error_titled_with_it_and_its_log():
    out, _ = render([
        PhaseStarted(phase="lower"),
        EmergeFailure(phase="lower", package="app-misc/broken-1.0", log_path="/var/tmp/portage/app-misc/broken-1.0/temp/build.log",
                      ebuild_phase="compile"),
        ErrorEvent(message="Emerging all packages failed with exit status 1", phase="lower"),
        BuildFinished(ok=False, duration=3.0),
    ], GITHUB)
    view = read_github_log(out)
    errors = view.of("error")
    assert [(e.properties, e.data) for e in errors] == [
        ({"title": "lower failed"}, "Emerging all packages failed with exit status 1"),
        ({"title": "app-misc/broken-1.0 failed in compile phase"},
         "build log: /var/tmp/portage/app-misc/broken-1.0/temp/build.log (inside the lower image)")]
    assert [c.name for c in view.commands if "group" in c.name] == ["group", "endgroup"]  # closed at the end


def test_job_summary_lists_phases_packages_and_the_image(tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    events = RUN[:-1] + [
        EmergeProgress(phase="lower", index=1, total=2, package="app-misc/hello-1.0", binary=False, stage="emerging"),
        EmergeProgress(phase="lower", index=2, total=2, package="dev-util/buildtool-1", binary=True, stage="emerging"),
        RUN[-1],
    ]
    render(events, {**GITHUB, "GITHUB_STEP_SUMMARY": str(summary)})
    text = summary.read_text()
    assert text.startswith("earlier step\n## genpack-tui build: hello (x86\\_64): succeeded in 7.5s\n")
    assert "| lower | skipped: up to date | – |" in text and "| upper | done | 3.0s |" in text
    assert "Packages: 1 built from source, 1 installed from binary packages." in text
    assert "- app-misc/hello-1.0" in text and "- dev-util/buildtool-1" in text
    assert "Image: hello-x86\\_64.squashfs (3.0 MiB)" in text


def test_markdown_of_a_hostile_name_is_inert():
    assert md("<img src=x onerror=alert(1)> | [x](javascript:1)") == \
        "&lt;img src=x onerror=alert(1)&gt; \\| \\[x\\](javascript:1)"


def test_unwritable_summary_is_a_warning_not_a_crash(tmp_path):
    err, _ = render(RUN, {**GITHUB, "GITHUB_STEP_SUMMARY": str(tmp_path / "missing" / "summary.md")})
    assert f"warning: cannot append the job summary to {tmp_path}/missing/summary.md (GITHUB_STEP_SUMMARY): " \
           "No such file or directory" in err


def test_gitlab_sections_per_phase():
    out, _ = render(RUN, {"GITLAB_CI": "true"})
    assert gitlab_sections(out) == [("start", "genpack_upper"), ("end", "genpack_upper"),
                                    ("start", "genpack_pack"), ("end", "genpack_pack")]
    assert "::group::" not in out


def test_no_ci_no_commands():
    out, _ = render(RUN, {})
    assert "::" not in out.replace("::error file=evil.c,line=1::planted", "") and "section_" not in out


@pytest.mark.parametrize("tty", [False, True])
def test_timestamps_prefix_every_line(tty):
    out, err = render(RUN + [ErrorEvent(message="boom", detail="a\nb")], {"TERM": "xterm"}, timestamps=True,
                      tty=tty)
    stamp = r"(\x1b\[1m)?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ "
    for line in (out + err).splitlines():
        assert re.match(stamp, line), line
    assert len(err.splitlines()) == 3


def test_without_timestamps_lines_are_bare():
    out, _ = render(RUN, {})
    assert out.splitlines()[0] == "genpack-tui build: hello (x86_64)"


def test_a_planted_command_on_stderr_is_stopped_in_the_same_stream():
    out, err = render([PhaseStarted(phase="upper"),
                       OutputLine(phase="upper", step="x", text="::warning::from stderr", stream="stderr"),
                       ErrorEvent(message="failed", detail="::error::in the detail"),
                       PhaseFinished(phase="upper", ok=False, duration=1.0)], GITHUB)
    view = read_github_log(out)
    assert err == "" and not view.of("warning") and [e.properties for e in view.of("error")] == [{"title": "genpack-tui failed"}]
    assert "::warning::from stderr" in view.plain and "::error::in the detail" in view.plain


def test_a_fetch_failures_reason_reaches_the_annotation_and_the_job_summary(tmp_path):
    summary = tmp_path / "summary.md"
    reason = "digest verification failed for tbcalc-1.0.tar.gz: Failed on BLAKE2B verification"
    out, _ = render([
        EmergeFailure(phase="lower", package="app-misc/tbcalc-1.0", log_path="/var/tmp/portage/t/build.log",
                      ebuild_phase="fetch", reason=reason),
        BuildFinished(ok=False, duration=3.0),
    ], {**GITHUB, "GITHUB_STEP_SUMMARY": str(summary)})
    titles = [e.properties.get("title") for e in read_github_log(out).of("error")]
    assert f"app-misc/tbcalc-1.0 failed in fetch phase: {reason}" in titles
    assert (f"- failed package: app-misc/tbcalc-1.0 in the fetch phase: {reason.replace('_', chr(92) + '_')}; "
            "log: ") in summary.read_text()
