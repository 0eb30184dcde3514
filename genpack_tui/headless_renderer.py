"""Renders the engine's event stream for people reading a terminal or a CI log, through rich Consoles
(genpack_tui/report/console.py decides colour from ``--color``, NO_COLOR, FORCE_COLOR and TERM).

On an interactive terminal a single status line (emerge i of n, downloads) is redrawn in place under
the output; elsewhere everything is plain appended lines, each prefixed with the time when asked
(``--timestamps``). Under a CI service (genpack_tui/report/ci_log.py) phases and steps become
groups or sections and problems become annotations; a Markdown job summary goes to
$GITHUB_STEP_SUMMARY when it is set (genpack_tui/report/job_summary.py). Names, paths, URLs and
messages are printed with their control characters escaped (a directory named with an escape sequence
must not drive the terminal); the build's own output lines pass as they are.

The configuration's problems (error and warning events of phase CONFIG_PHASE) are held until the next
other event and printed as ``config`` prints them: at most PRINTED_PROBLEMS and a count of the rest;
every one of them becomes an annotation.
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, Protocol, Sequence, TextIO

from rich.console import Console, ConsoleOptions, RenderResult
from rich.control import Control, ControlType
from rich.segment import Segment
from rich.style import Style

from genpack_tui.engine.build.session import CONFIG_PHASE
from genpack_tui.engine.config.printable import escape_controls as safe
from genpack_tui.engine.config.problems import omitted_line, problems_to_print
from genpack_tui.engine.events import (
    BuildFinished,
    BuildStarted,
    DownloadFinished,
    DownloadProgress,
    EmergeFailure,
    EmergeProgress,
    ErrorEvent,
    Event,
    OutputLine,
    PhaseFinished,
    PhaseSkipped,
    PhaseStarted,
    StepFinished,
    StepStarted,
    WarningEvent,
)
from genpack_tui.engine.report.eta import EtaTracker
from genpack_tui.engine.report.format import human_duration, human_size
from genpack_tui.options import ColorChoice
from genpack_tui.report.ci_log import annotation_file, ci_log
from genpack_tui.report.console import is_interactive, output_console
from genpack_tui.report.job_summary import RunSummary
from genpack_tui.report.problem_location import located

if TYPE_CHECKING:
    from genpack_tui.engine.history.model import BuildRecord

STEP_SUMMARY_VARIABLE = "GITHUB_STEP_SUMMARY"
HistoryReader = Callable[[BuildStarted], Sequence["BuildRecord"]]
_CLEAR_LINE = Control(ControlType.CARRIAGE_RETURN, (ControlType.ERASE_IN_LINE, 2))


_BOLD = Style(bold=True)


@dataclass(frozen=True)
class _Line:
    """One line as it is: rich's Text would expand its tabs, and a log keeps them."""

    stamp: str
    text: str
    style: Style | None = None

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self.stamp:
            yield Segment(self.stamp)
        yield Segment(self.text, self.style)
        yield Segment.line()


class PrintableProblem(Protocol):
    """What printing a problem needs (a Problem, or one carried by an event)."""

    @property
    def is_error(self) -> bool: ...


@dataclass(frozen=True)
class _ReportedProblem:
    """A configuration problem as an event carries it: its printed form."""

    is_error: bool
    text: str

    def __str__(self) -> str:
        return "\n".join(safe(line, keep_tabs=True) for line in self.text.split("\n"))


def print_problems(problems: Sequence[PrintableProblem], stream: TextIO) -> None:
    """The configuration's problems, at most PRINTED_PROBLEMS of them and a count of the rest."""
    shown, omitted = problems_to_print(problems)  # type: ignore[arg-type]  # it reads only is_error
    for problem in shown:
        stream.write(str(problem) + "\n")
    if omitted:
        stream.write(omitted_line(omitted) + "\n")
    stream.flush()


class HeadlessRenderer:
    """An event sink; call it with each event in order. ``tty`` forces (True) or forbids (False) the
    status line and colour, as tests need; by default both follow ``color`` and the environment.
    With ``history`` (the artifact's earlier builds for a BuildStarted) the progress line says the
    expected remaining time (engine/report/eta.py)."""

    def __init__(self, out: TextIO = sys.stdout, err: TextIO = sys.stderr, *, tty: bool | None = None,
                 color: ColorChoice = "auto", timestamps: bool = False,
                 environ: Mapping[str, str] | None = None, artifact_dir: Path | None = None,
                 history: HistoryReader | None = None) -> None:
        environ = os.environ if environ is None else environ
        if tty is not None:
            color = "always" if tty else "never"
        self.ci = ci_log(environ)
        self.out: Console = output_console(out, color, environ)
        self.err: Console = self.out if self.ci.one_stream else output_console(err, color, environ)
        self.tty = is_interactive(out, environ) if tty is None else tty
        self.timestamps = timestamps
        self.artifact_dir = artifact_dir
        self.environ = environ
        self.summary_path = environ.get(STEP_SUMMARY_VARIABLE) or None
        self.summary = RunSummary()
        self._status = ""
        self._last_download_print = 0.0
        self._failures: list[EmergeFailure] = []
        self._problems: list[_ReportedProblem] = []
        self._annotated = False  # an error annotation was made: the run's end needs none of its own
        self.history = history
        self.eta: EtaTracker | None = None

    def __call__(self, event: Event) -> None:
        self.summary(event)
        if isinstance(event, BuildStarted) and self.history is not None:
            from genpack_tui.engine.build.runner import PHASES  # loaded by the build already

            self.eta = EtaTracker(self.history(event), PHASES)
        if self.eta is not None:
            self.eta.observe(event)
        if isinstance(event, (ErrorEvent, WarningEvent)) and event.phase == CONFIG_PHASE:
            self._problems.append(_ReportedProblem(isinstance(event, ErrorEvent), event.message))
            return
        if self._problems:
            self._flush_problems()
        handler = getattr(self, "_on_" + event.kind, None)
        if handler is not None:
            handler(event)

    # -- output helpers -------------------------------------------------------------------------
    def _stamp(self) -> str:
        return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ ") if self.timestamps else ""

    def _print(self, text: str, *, bold: bool = False, err: bool = False, own: bool = True) -> None:
        """One or more lines; ``own`` False for text that is not the renderer's (build output,
        excerpts), which a CI service must not read as its commands."""
        console = self.err if err else self.out
        self._hide_status()
        for line in text.split("\n"):
            if not own:
                self._raw(self.ci.before_line(line))
            console.print(_Line(self._stamp(), line, _BOLD if bold else None))
        self._show_status()

    def _raw(self, lines: list[str]) -> None:
        """CI service commands: whole lines on stdout, never timestamped or styled."""
        if not lines:
            return
        self._hide_status()
        for line in lines:
            self.out.file.write(line + "\n")
        self.out.file.flush()
        self._show_status()

    def _hide_status(self) -> None:
        if self.tty and self._status:
            self.out.control(_CLEAR_LINE)

    def _show_status(self) -> None:
        if self.tty and self._status:
            width = max(self.out.width - 1, 1)
            status = self._status if len(self._status) <= width else self._status[: width - 1] + "…"
            self.out.print(status, end="")

    def _set_status(self, text: str) -> None:
        if not self.tty:
            return
        self._hide_status()
        self._status = text
        self._show_status()

    def _clear_status(self) -> None:
        self._hide_status()
        self._status = ""

    def _flush_problems(self) -> None:
        self._clear_status()
        shown, omitted = problems_to_print(self._problems)  # type: ignore[arg-type]  # it reads only is_error
        for shown_problem in shown:
            self._print(str(shown_problem), err=True, own=False)
        if omitted:
            self._print(omitted_line(omitted), err=True)
        for reported in self._problems:  # every one is annotated: the log's cap is for people
            where = located(reported.text)
            file = annotation_file(where.file, self.artifact_dir, self.environ) if where.file else None
            self._raw(self.ci.problem(reported.is_error, where.text, file, where.line, where.column))
            self._annotated |= reported.is_error
        self._problems = []

    # -- events -----------------------------------------------------------------------------------
    def _on_build_started(self, e: BuildStarted) -> None:
        variant = f", variant {e.variant}" if e.variant else ""
        self._print(f"genpack-tui {e.action}: {safe(e.artifact)} ({e.arch}{safe(variant)})", bold=True)

    def _on_phase_started(self, e: PhaseStarted) -> None:
        reason = f" — {safe(e.reason)}" if e.reason else ""
        header = f"==> {e.phase}{reason}"
        self._raw(self.ci.phase_started(e.phase, header))
        self._print(header, bold=True)

    def _on_phase_skipped(self, e: PhaseSkipped) -> None:
        self._print(f"==> {e.phase}: skipped — {safe(e.reason)}")

    def _on_phase_finished(self, e: PhaseFinished) -> None:
        self._clear_status()
        self._raw(self.ci.phase_finished(e.phase))
        verdict = "done" if e.ok else "FAILED"
        self._print(f"==> {e.phase} {verdict} in {human_duration(e.duration)}", bold=True)

    def _on_step_started(self, e: StepStarted) -> None:
        self._raw(self.ci.step_started(e.phase, safe(e.title)))
        self._print(f"--> {safe(e.title)}")

    def _on_step_finished(self, e: StepFinished) -> None:
        self._raw(self.ci.step_finished())
        if not e.ok:
            self._print(f"--> {e.step} failed after {human_duration(e.duration)}")
        elif e.duration >= 1.0:
            self._print(f"    ({e.step}: {human_duration(e.duration)})")

    def _on_output(self, e: OutputLine) -> None:
        self._print(e.text, err=e.stream == "stderr", own=False)

    def _on_emerge_progress(self, e: EmergeProgress) -> None:
        text = f"[{e.phase}] emerge {e.index}/{e.total} {safe(e.package)} ({safe(e.where)}) {e.stage}"
        eta = self.eta.text() if self.eta is not None else ""
        if eta:
            text += f" · {eta}"
        if self.tty:
            self._set_status(text)
        elif e.stage in ("emerging", "fetch"):  # fetch: the package turned out to come from the binhost
            self._print(text)

    def _on_emerge_failure(self, e: EmergeFailure) -> None:
        self._failures.append(e)

    def _on_download_progress(self, e: DownloadProgress) -> None:
        if e.total:
            text = f"download {safe(e.url.rsplit('/', 1)[-1])}: {human_size(e.received)} of {human_size(e.total)}"
        else:
            text = f"download {safe(e.url.rsplit('/', 1)[-1])}: {human_size(e.received)}"
        if self.tty:
            self._set_status(text)
        elif time.monotonic() - self._last_download_print >= 10:
            self._last_download_print = time.monotonic()
            self._print(text)

    def _on_download_finished(self, e: DownloadFinished) -> None:
        self._clear_status()
        what = "unchanged" if e.cached else f"downloaded {human_size(e.size)}"
        self._print(f"    {safe(e.url)}: {what}")

    def _on_warning(self, e: WarningEvent) -> None:
        self._print(f"warning: {safe(e.message)}", err=True)

    def _on_error(self, e: ErrorEvent) -> None:
        self._clear_status()
        self._print(f"error: {safe(e.message)}", err=True)
        self._raw(self.ci.failed(f"{e.phase} failed" if e.phase else "genpack-tui failed", safe(e.message)))
        self._annotated = True
        if e.detail:
            self._print("\n".join(safe(line, keep_tabs=True) for line in e.detail.split("\n")), err=True, own=False)

    def _on_build_finished(self, e: BuildFinished) -> None:
        self._clear_status()
        self._raw(self.ci.run_finished())
        self._write_summary()
        if e.ok:
            self._print(f"Succeeded in {human_duration(e.duration)}.", bold=True)
            for output in e.outputs:
                self._print(f"  {safe(str(output['path']))} ({human_size(int(output['size']))})")
            return
        why = f" {safe(e.message)}" if e.message else ""
        self._print(f"Failed after {human_duration(e.duration)}.{why}", bold=True, err=True)
        for failure in self._failures:
            phase = f" in {failure.ebuild_phase} phase" if failure.ebuild_phase else ""
            reason = f": {safe(failure.reason)}" if failure.reason else ""
            log = f", log: {safe(failure.log_path)} (inside the lower image)" if failure.log_path else ""
            self._print(f"  failed package: {safe(failure.package)}{phase}{reason}{log}", err=True)
            self._raw(self.ci.package_failed(f"{safe(failure.package)} failed{phase}{reason}",
                                             f"build log: {safe(failure.log_path)} (inside the lower image)"
                                             if failure.log_path else "no build log was named"))
        if not self._annotated and not self._failures and e.message:
            self._raw(self.ci.failed("genpack-tui failed", safe(e.message)))

    def _write_summary(self) -> None:
        if self.summary_path is None:
            return
        try:
            with open(self.summary_path, "a", encoding="utf-8") as summary:
                summary.write(self.summary.markdown())
        except OSError as exc:
            self._print(f"warning: cannot append the job summary to {safe(self.summary_path)} "
                        f"({STEP_SUMMARY_VARIABLE}): {exc.strerror}", err=True)
