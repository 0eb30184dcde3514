"""The headless renderer: plain text in logs, a redrawn status line on a TTY, a final summary."""
import io

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
)
from genpack_tui.engine.report.format import human_duration, human_size
from genpack_tui.headless_renderer import HeadlessRenderer


def render(events, tty):
    out, err = io.StringIO(), io.StringIO()
    renderer = HeadlessRenderer(out, err, tty=tty)
    for event in events:
        renderer(event)
    return out.getvalue(), err.getvalue()


BUILD = [
    BuildStarted(action="build", artifact="hello", variant="quiet", arch="x86_64"),
    PhaseSkipped(phase="lower", reason="up to date"),
    PhaseStarted(phase="upper"),
    StepStarted(phase="upper", step="users", title="Creating user greeter..."),
    OutputLine(phase="upper", step="users", text="some output"),
    StepFinished(phase="upper", step="users", ok=True, duration=2.5),
    EmergeProgress(phase="lower", index=2, total=7, package="app-misc/hello-1.0", binary=True, stage="emerging"),
    EmergeProgress(phase="lower", index=2, total=7, package="app-misc/hello-1.0", binary=True, stage="installing"),
    PhaseFinished(phase="upper", ok=True, duration=65.0),
    BuildFinished(ok=True, duration=70.0, outputs=[{"path": "hello-quiet-x86_64.squashfs", "size": 3 * 1024 * 1024}]),
]


def test_log_output_is_plain_and_complete():
    out, err = render(BUILD, tty=False)
    assert "\x1b" not in out and err == ""
    lines = out.splitlines()
    assert lines[0] == "genpack-tui build: hello (x86_64, variant quiet)"
    assert "==> lower: skipped — up to date" in lines
    assert "--> Creating user greeter..." in lines and "some output" in lines
    assert "    (users: 2.5s)" in lines
    # one progress line per package in a log, not one per stage
    assert [l for l in lines if l.startswith("[lower] emerge")] == ["[lower] emerge 2/7 app-misc/hello-1.0 (binary) emerging"]
    assert "==> upper done in 1m05s" in lines
    assert lines[-2:] == ["Succeeded in 1m10s.", "  hello-quiet-x86_64.squashfs (3.0 MiB)"]


def test_tty_redraws_a_status_line_and_clears_it():
    out, _ = render(BUILD, tty=True)
    assert "\r\x1b[2K[lower] emerge 2/7 app-misc/hello-1.0 (binary) installing" in out
    assert "\x1b[1mSucceeded in 1m10s.\x1b[0m" in out


def test_failure_summary_names_packages_and_logs():
    out, err = render([
        EmergeFailure(phase="lower", package="app-misc/broken-1.0", log_path="/var/tmp/portage/b/build.log",
                      ebuild_phase="compile"),
        ErrorEvent(message="Emerging all packages failed with exit status 1", phase="lower"),
        BuildFinished(ok=False, duration=3.0),
    ], tty=False)
    assert "error: Emerging all packages failed with exit status 1" in err
    assert "  failed package: app-misc/broken-1.0 in compile phase, log: /var/tmp/portage/b/build.log (inside the lower image)" in err


def test_units():
    assert human_size(512) == "512 B" and human_size(1536) == "1.5 KiB" and human_size(5 * 1024 ** 3) == "5.0 GiB"
    assert human_duration(3.25) == "3.2s" and human_duration(61) == "1m01s" and human_duration(3700) == "1h01m40s"


def test_a_fetch_failure_gives_its_reason():
    reason = "digest verification failed for tbcalc-1.0.tar.gz: Failed on BLAKE2B verification"
    _, err = render([
        EmergeFailure(phase="lower", package="app-misc/tbcalc-1.0", log_path="/var/tmp/portage/t/build.log",
                      ebuild_phase="fetch", reason=reason),
        BuildFinished(ok=False, duration=3.0),
    ], tty=False)
    assert (f"  failed package: app-misc/tbcalc-1.0 in fetch phase: {reason}, log: /var/tmp/portage/t/build.log "
            "(inside the lower image)") in err
