"""PhaseRunner: start a build phase, watch the engine's events, read each phase's log.

It renders the same event stream as the headless renderer (engine/events.py), folded by
widgets/build/run_state.py's RunState: a header line per
phase and step with durations, emerge and download progress as a progress bar, every output line
with its colours in the log of its phase (one searchable BuildLog per phase), and, on failure, the
failing package, its log path and the key that opens a shell in that container; while a live run
goes on, the expected remaining time from the artifact's history (engine/report/eta.py, its records
handed in through ``eta.records``), or "no history yet". Events arrive in
batches on the UI thread through ``handle_events`` (live builds and replayed ``--events`` files alike).
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Iterable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Checkbox, ContentSwitcher, Input, ProgressBar, Select, Static, Tab, Tabs

from genpack_tui.engine.config.printable import escape_controls
from genpack_tui.engine.config.schema import COMPRESSIONS
from genpack_tui.engine.events import BuildFinished, BuildStarted, EmergeProgress, Event
from genpack_tui.engine.report.eta import EtaTracker
from genpack_tui.engine.report.format import human_duration, human_size
from genpack_tui.widgets.build.options import RunOptions
from genpack_tui.widgets.build.run_state import ORIGIN_LABELS, PHASE_LOGS, Failure, PhaseState, RunState
from genpack_tui.widgets.log.view import BuildLog, SearchError
from genpack_tui.widgets.safe_select import SafeSelect

__all__ = ["PhaseRunner", "RunOptions", "PHASE_LOGS"]

ACTIONS = ("build", "lower", "upper", "pack")
COMPRESSION_CHOICES = (("config", ""), *((name, name) for name in COMPRESSIONS))  # "": the configuration's
DEFAULT_OPTIONS = RunOptions()


class PhaseRunner(Vertical):
    DEFAULT_CSS = """
    PhaseRunner {
        height: 1fr;
        & > #runner-controls { height: 1; }
        & > #runner-controls > Select { width: 12; margin-right: 1; }
        & > #runner-controls > #runner-compression { width: 15; }
        & > #runner-controls > Checkbox { margin-right: 1; }
        & > #runner-controls > Button { margin-right: 1; min-width: 6; }
        & > #runner-summary { height: auto; }
        & > #runner-progress { height: 1; display: none; }
        & > #runner-progress.-active { display: block; }
        & > #runner-progress > #progress-label { width: 1fr; }
        & > #runner-progress > ProgressBar { width: auto; }
        & > #runner-progress > ProgressBar > Bar { width: 20; }
        & > #runner-failure {
            height: auto; display: none; border-left: thick $error; background: $error 10%; padding: 0 1;
        }
        & > #runner-failure.-visible { display: block; }
        & > #runner-tabs { height: 1; }
        & > #runner-logs { height: 1fr; }
        & > #runner-search { display: none; }
        & > #runner-search.-visible { display: block; }
    }
    """

    BINDINGS = [
        Binding("slash", "search", "Search", tooltip="Search the shown phase's log", id="runner.search"),
        Binding("e", "first_error", "First error", id="runner.first-error"),
        Binding("w", "save_log", "Save log", show=False, id="runner.save-log"),
    ]

    class StartRequested(Message):
        def __init__(self, options: RunOptions) -> None:
            super().__init__()
            self.options = options

    class CancelRequested(Message):
        """The user asked to cancel the running build."""

    def __init__(self, *, log_dir: Path | None = None, options: RunOptions = DEFAULT_OPTIONS,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self._initial_options = options
        self.log_dir = log_dir  # where "save log" writes
        self.run_number = 0
        self.logs = {phase: BuildLog(id=f"log-{phase}-0") for phase in PHASE_LOGS}
        self.event_count_total = 0  # events shown in the current logs
        self.replay_of: str | None = None
        self._error_hunt: list[BuildLog] = []  # logs still to scan for "first error"
        self.eta: EtaTracker | None = None  # a live run's; a replay has none
        self.reset()

    # --- state --- #

    def reset(self) -> None:
        self.state = RunState()

    # the run's state, for readers of the widget
    @property
    def started(self) -> BuildStarted | None:
        return self.state.started

    @property
    def finished(self) -> BuildFinished | None:
        return self.state.finished

    @property
    def phases(self) -> dict[str, PhaseState]:
        return self.state.phases

    @property
    def steps(self) -> dict[tuple[str, str], str]:
        return self.state.steps

    @property
    def progress(self) -> EmergeProgress | None:
        return self.state.progress

    @property
    def failure(self) -> Failure | None:
        return self.state.failure

    @property
    def running(self) -> bool:
        return self.state.running

    @property
    def current_phase(self) -> str | None:
        return self.state.current_phase

    def options(self) -> RunOptions:
        compression = self.query_one("#runner-compression", Select).value
        return RunOptions(
            action=str(self.query_one("#runner-action", Select).value),
            compression=str(compression) if compression else None,
            parallel=self.query_one("#runner-parallel", Checkbox).value,
            force=self.query_one("#runner-force", Checkbox).value,
            reuse_upper=self.query_one("#runner-reuse-upper", Checkbox).value,
        )

    def set_options(self, options: RunOptions) -> None:
        self.query_one("#runner-action", Select).value = options.action
        self.query_one("#runner-compression", Select).value = options.compression or ""
        self.query_one("#runner-parallel", Checkbox).value = options.parallel
        self.query_one("#runner-force", Checkbox).value = options.force
        self.query_one("#runner-reuse-upper", Checkbox).value = options.reuse_upper

    # --- layout --- #

    def compose(self) -> ComposeResult:
        with Horizontal(id="runner-controls"):
            initial = self._initial_options
            yield SafeSelect([(a, a) for a in ACTIONS], value=initial.action, allow_blank=False, compact=True,
                         id="runner-action")
            yield SafeSelect([(f"comp: {label}", key) for label, key in COMPRESSION_CHOICES], value=initial.compression or "",
                         allow_blank=False, compact=True, id="runner-compression")
            yield Checkbox("parallel", initial.parallel, compact=True, id="runner-parallel")
            yield Checkbox("force", initial.force, compact=True, id="runner-force")
            reuse = Checkbox("reuse", initial.reuse_upper, compact=True, id="runner-reuse-upper")
            reuse.tooltip = ("--reuse-upper: skip upper (and pack) when their inputs did not change; genpack "
                             "reruns them, since build.d scripts and setup_commands may fetch newer things")
            yield reuse
            yield Button("Run", id="runner-run", compact=True, variant="primary")
            yield Button("Cancel", id="runner-cancel", compact=True, variant="error", disabled=True)
        yield Static(self._summary_text(), id="runner-summary")
        with Horizontal(id="runner-progress"):
            yield Static("", id="progress-label")
            yield ProgressBar(show_eta=False, id="progress-bar")
        yield Static("", id="runner-failure")
        yield Tabs(*(Tab(phase, id=f"tab-{phase}") for phase in PHASE_LOGS), id="runner-tabs")
        with ContentSwitcher(initial="log-setup-0", id="runner-logs"):
            yield from self.logs.values()
        yield Input(placeholder="search the log (Enter: next match, Esc: close)", id="runner-search")

    def show_log(self, phase: str) -> None:
        self.query_one("#runner-logs", ContentSwitcher).current = self.logs[phase].id
        tabs = self.query_one("#runner-tabs", Tabs)
        if tabs.active != f"tab-{phase}":
            tabs.active = f"tab-{phase}"

    @property
    def shown_phase(self) -> str:
        current = self.query_one("#runner-logs", ContentSwitcher).current
        return next((phase for phase, log in self.logs.items() if log.id == current), "setup")

    @property
    def shown_log(self) -> BuildLog:
        return self.logs[self.shown_phase]

    @on(Tabs.TabActivated, "#runner-tabs")
    def _tab(self, event: Tabs.TabActivated) -> None:
        event.stop()
        if event.tab is not None and event.tab.id:
            phase = event.tab.id.removeprefix("tab-")
            self.query_one("#runner-logs", ContentSwitcher).current = self.logs[phase].id

    @on(Button.Pressed, "#runner-run")
    def _run(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.StartRequested(self.options()))

    @on(Button.Pressed, "#runner-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.CancelRequested())

    # --- events --- #

    async def begin(self, replay_of: str | None = None) -> None:
        """Start afresh for a new run: a live one, or the replay of the file named ``replay_of``."""
        self.reset()
        self.replay_of = replay_of
        if replay_of:
            self.eta = None
        else:
            from genpack_tui.engine.build.runner import PHASES  # the build is about to load it

            self.eta = EtaTracker(None, PHASES)
        if self.event_count_total:  # the logs hold an earlier run: replace them
            self.run_number += 1
            switcher = self.query_one("#runner-logs", ContentSwitcher)
            old = list(self.logs.values())
            self.logs = {phase: BuildLog(id=f"log-{phase}-{self.run_number}") for phase in PHASE_LOGS}
            await switcher.mount_all(self.logs.values())
            await switcher.remove_children(old)
        self.event_count_total = 0
        self.show_log("setup")
        self._refresh_all()

    def handle_events(self, events: Iterable[Event]) -> None:
        """Apply a batch of events in order (UI thread): fold them into the state, feed the logs."""
        events = list(events)
        self.event_count_total += len(events)
        if self.eta is not None:
            for event in events:
                self.eta.observe(event)
        ops, follow = self.state.apply(events)
        batch: dict[str, list[str]] = {}
        for op in ops:
            if op.section:  # a section starts at the next line appended: flush what came before
                if batch.get(op.log):
                    self.logs[op.log].append_lines(batch.pop(op.log))
                self.logs[op.log].mark_section(op.text)
            else:
                batch.setdefault(op.log, []).append(op.text)
        for log, lines in batch.items():
            self.logs[log].append_lines(lines)
        if follow:
            self.show_log(follow)
        self._refresh_all()

    # --- rendering --- #

    def summary_text(self) -> str:
        return self._summary_text().plain

    def _summary_text(self) -> Text:
        s = self.state
        if s.started is None:
            return Text("No build yet: choose an action and press Run (or b). Replay a CI build with r.", "dim")
        b = s.started
        text = Text()
        if self.replay_of:
            text.append(f"replay of {self.replay_of}: ", "italic")
        text.append(f"{b.action} ", "bold")
        text.append(f"{b.artifact} · {b.variant or 'no variant'} · {b.arch}  ")
        finished = s.finished
        if finished is None:
            elapsed = (s.last_ts or b.ts) - b.ts
            state = "recorded up to" if self.replay_of else "running"
            text.append(f"{state} {human_duration(max(elapsed, 0.0))}", "bold cyan")
            if self.eta_text():
                text.append(f" · {self.eta_text()}", "cyan")
        elif finished.ok:
            text.append(f"✓ finished in {human_duration(finished.duration)}", "bold green")
        else:
            text.append(f"✖ failed after {human_duration(finished.duration)}", "bold red")
        marks = {"running": ("▶", "cyan"), "ok": ("✓", "green"), "failed": ("✖", "red"),
                 "skipped": ("–", "dim"), "pending": ("·", "dim")}
        for phase in self.phases.values():
            mark, style = marks[phase.state]
            text.append("  ")
            detail = human_duration(phase.duration) if phase.duration is not None else phase.state
            if phase.state == "skipped":
                detail = f"skipped ({phase.reason})"
            text.append(f"{mark} {phase.phase} {detail}", style)
        if s.origins:
            counts = Counter(s.origins.values())
            text.append("\npackages: ", "bold")
            text.append(" · ".join(f"{counts[where]} {ORIGIN_LABELS.get(where, where)}" for where in sorted(counts)))
        if self.finished is not None and self.finished.ok and self.finished.outputs:
            text.append("\n")
            text.append("image: ", "bold")
            text.append(", ".join(f"{o.get('path')} ({human_size(int(o.get('size', 0)))})"
                                  for o in self.finished.outputs), "green")
        return text

    def eta_text(self) -> str:
        """"about 1m05s left" or "no history yet" during a live run, once its history is read; else ""."""
        return self.eta.text() if self.eta is not None else ""

    def set_eta_records(self, records) -> None:
        """The artifact's earlier builds of this run's variant and arch (UI thread)."""
        if self.eta is not None:
            self.eta.records = records
            self._refresh_all()

    def _refresh_all(self) -> None:
        if not self.is_mounted:
            return
        self.query_one("#runner-summary", Static).update(self._summary_text())
        row = self.query_one("#runner-progress")
        bar = self.query_one("#progress-bar", ProgressBar)
        label = self.query_one("#progress-label", Static)
        if self.progress is not None:
            p = self.progress
            done = p.index if p.stage == "completed" else p.index - 1
            bar.update(total=p.total, progress=done)
            eta = f" · {self.eta_text()}" if self.eta_text() else ""
            label.update(f"emerge {p.index}/{p.total} {p.package} · {p.where} · {p.stage}{eta}")
            row.add_class("-active")
        elif self.state.download is not None:
            d = self.state.download
            bar.update(total=d.total, progress=d.received)
            total = f" of {human_size(d.total)}" if d.total else ""
            label.update(f"download {d.url.rsplit('/', 1)[-1]}: {human_size(d.received)}{total}")
            row.add_class("-active")
        else:
            row.remove_class("-active")
        failure_box = self.query_one("#runner-failure", Static)
        if self.failure is not None and self.finished is not None and not self.finished.ok:
            failure_box.update(self._failure_text(self.failure))
            failure_box.add_class("-visible")
        else:
            failure_box.remove_class("-visible")
        busy = self.running and not self.replay_of
        self.query_one("#runner-run", Button).disabled = busy
        self.query_one("#runner-cancel", Button).disabled = not busy

    def failure_text(self) -> str:
        return self._failure_text(self.failure).plain if self.failure else ""

    def _failure_text(self, failure: Failure) -> Text:
        text = Text()
        text.append("✖ ", "bold red")
        if failure.package:
            text.append(f"{failure.package}", "bold")
            text.append(f" failed{f' in {failure.ebuild_phase}' if failure.ebuild_phase else ''}"
                        f" during {failure.phase or 'the build'}")
            if failure.reason:
                text.append(f"\n  {escape_controls(failure.reason)}")
            if failure.log_path:
                text.append("\n  log: ")
                text.append(failure.log_path, "underline")
        else:
            text.append(f"{failure.phase or 'the build'} failed", "bold")
        for message in failure.messages:
            text.append(f"\n  {message.splitlines()[0] if message else ''}", "red")
        shell = "s: shell in the lower container" if failure.shell_action == "bash" else "S: upper-bash"
        log = " · l: its build.log" if failure.log_path else ""
        text.append(f"\n  e: first error · {shell}{log}", "dim")
        return text

    # --- search and log actions --- #

    def action_search(self) -> None:
        field = self.query_one("#runner-search", Input)
        field.add_class("-visible")
        field.focus()

    def action_first_error(self) -> None:
        """Show the first error line: in the failed phase's log, else the shown one, else any other.
        Each log is scanned on a thread (long logs would stall the UI), one after the other."""
        order = [self.shown_log, *self.logs.values()]
        if self.failure is not None and self.failure.phase in self.logs:
            order.insert(0, self.logs[self.failure.phase])
        self._error_hunt = list(dict.fromkeys(order))
        self._hunt_next_error()

    def _hunt_next_error(self) -> None:
        if not self._error_hunt:
            self.notify("No error lines found.", severity="information")
            return
        self._error_hunt.pop(0).start_first_error()

    @on(BuildLog.FirstErrorScanned)
    def _first_error_scanned(self, event: BuildLog.FirstErrorScanned) -> None:
        event.stop()
        if event.line is None:
            self._hunt_next_error()
            return
        self._error_hunt = []
        phase = next((name for name, log in self.logs.items() if log is event.log), None)
        if phase is not None:  # None: a log of an earlier run
            self.show_log(phase)

    def action_save_log(self) -> None:
        if self.log_dir is None:
            return
        log = self.shown_log
        name = self.shown_phase
        self.log_dir.mkdir(parents=True, exist_ok=True)
        path = self.log_dir / f"{name}.log"
        count = log.save(path)
        self.notify(f"Saved {count} lines to {path}")

    @on(Input.Submitted, "#runner-search")
    def _search(self, event: Input.Submitted) -> None:
        event.stop()
        log = self.shown_log
        if not event.value:
            log.clear_search()
            return
        try:
            log.start_search(event.value)
        except SearchError as exc:
            self.notify(str(exc), severity="error")

    @on(BuildLog.SearchFinished)
    def _search_finished(self, event: BuildLog.SearchFinished) -> None:
        event.stop()
        if event.matches:
            event.log.next_match()
        else:
            phase = next((name for name, log in self.logs.items() if log is event.log), "shown")
            self.notify(f"No match for {event.pattern!r} in the {phase} log.")

    def on_key(self, event) -> None:
        search = self.query_one("#runner-search", Input)
        if event.key == "escape" and search.has_focus:
            event.stop()
            search.remove_class("-visible")
            self.shown_log.focus()
