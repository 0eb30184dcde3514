"""Renders the engine's event stream for people reading a terminal or a CI log.

On a TTY a single status line (emerge i of n, downloads) is redrawn in place under the output; in a
log (not a TTY) everything is plain appended text with no control characters. Names, paths, URLs and
messages are printed with their control characters escaped (a directory named with an escape
sequence must not drive the terminal); the build's own output lines pass as they are.

The configuration's problems (error and warning events of phase CONFIG_PHASE) are held until the next
other event and printed as ``config`` prints them: at most PRINTED_PROBLEMS and a count of the rest.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Protocol, Sequence, TextIO

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
from genpack_tui.engine.report.format import human_duration, human_size


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
    """An event sink; call it with each event in order."""

    def __init__(self, out: TextIO = sys.stdout, err: TextIO = sys.stderr, *, tty: bool | None = None) -> None:
        self.out = out
        self.err = err
        self.tty = out.isatty() if tty is None else tty
        self._status = ""
        self._last_download_print = 0.0
        self._failures: list[EmergeFailure] = []
        self._problems: list[_ReportedProblem] = []

    def __call__(self, event: Event) -> None:
        if isinstance(event, (ErrorEvent, WarningEvent)) and event.phase == CONFIG_PHASE:
            self._problems.append(_ReportedProblem(isinstance(event, ErrorEvent), event.message))
            return
        if self._problems:
            self._clear_status()
            print_problems(self._problems, self.err)
            self._problems = []
        handler = getattr(self, "_on_" + event.kind, None)
        if handler is not None:
            handler(event)

    # -- output helpers -------------------------------------------------------------------------
    def _print(self, text: str, *, stream: TextIO | None = None) -> None:
        stream = stream or self.out
        if self.tty and self._status:
            self.out.write("\r\x1b[2K")
        stream.write(text + "\n")
        if self.tty and self._status:
            self.out.write(self._status)
        stream.flush()
        if stream is not self.out:
            self.out.flush()

    def _set_status(self, text: str) -> None:
        if not self.tty:
            return
        self._status = text
        self.out.write("\r\x1b[2K" + text)
        self.out.flush()

    def _clear_status(self) -> None:
        if self.tty and self._status:
            self.out.write("\r\x1b[2K")
            self.out.flush()
        self._status = ""

    def _bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[0m" if self.tty else text

    # -- events -----------------------------------------------------------------------------------
    def _on_build_started(self, e: BuildStarted) -> None:
        variant = f", variant {e.variant}" if e.variant else ""
        self._print(self._bold(f"genpack-tui {e.action}: {safe(e.artifact)} ({e.arch}{safe(variant)})"))

    def _on_phase_started(self, e: PhaseStarted) -> None:
        reason = f" — {safe(e.reason)}" if e.reason else ""
        self._print(self._bold(f"==> {e.phase}{reason}"))

    def _on_phase_skipped(self, e: PhaseSkipped) -> None:
        self._print(f"==> {e.phase}: skipped — {safe(e.reason)}")

    def _on_phase_finished(self, e: PhaseFinished) -> None:
        self._clear_status()
        verdict = "done" if e.ok else "FAILED"
        self._print(self._bold(f"==> {e.phase} {verdict} in {human_duration(e.duration)}"))

    def _on_step_started(self, e: StepStarted) -> None:
        self._print(f"--> {safe(e.title)}")

    def _on_step_finished(self, e: StepFinished) -> None:
        if not e.ok:
            self._print(f"--> {e.step} failed after {human_duration(e.duration)}")
        elif e.duration >= 1.0:
            self._print(f"    ({e.step}: {human_duration(e.duration)})")

    def _on_output(self, e: OutputLine) -> None:
        self._print(e.text, stream=self.err if e.stream == "stderr" else self.out)

    def _on_emerge_progress(self, e: EmergeProgress) -> None:
        kind = "binary" if e.binary else "source"
        text = f"[{e.phase}] emerge {e.index}/{e.total} {safe(e.package)} ({kind}) {e.stage}"
        if self.tty:
            self._set_status(text)
        elif e.stage == "emerging":
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
        self._print(f"warning: {safe(e.message)}", stream=self.err)

    def _on_error(self, e: ErrorEvent) -> None:
        self._clear_status()
        self._print(f"error: {safe(e.message)}", stream=self.err)
        if e.detail:
            self._print("\n".join(safe(line, keep_tabs=True) for line in e.detail.split("\n")), stream=self.err)

    def _on_build_finished(self, e: BuildFinished) -> None:
        self._clear_status()
        if e.ok:
            self._print(self._bold(f"Succeeded in {human_duration(e.duration)}."))
            for output in e.outputs:
                self._print(f"  {safe(str(output['path']))} ({human_size(int(output['size']))})")
            return
        why = f" {safe(e.message)}" if e.message else ""
        self._print(self._bold(f"Failed after {human_duration(e.duration)}.{why}"),
                    stream=self.err)
        for failure in self._failures:
            phase = f" in {failure.ebuild_phase} phase" if failure.ebuild_phase else ""
            log = f", log: {safe(failure.log_path)} (inside the lower image)" if failure.log_path else ""
            self._print(f"  failed package: {safe(failure.package)}{phase}{log}", stream=self.err)
