"""The workbench: edit genpack.json5 in your editor and see, live, what the image will be; run
phases and watch them; drop into the build containers.

Everything it shows comes from the engine (resolve, phase_statuses, start_build's event stream, the
shell worker); the app only wires them to widgets:

    title bar        artifact · variant · arch · what runs
    SelectionBar     variant and arch → re-resolve (thread worker)
    PhaseBadges      engine/build/status.py per phase
    Config / Diff / Build / Shell / Image panes (F2-F6)
    Footer           key bindings; F1 help; Ctrl-P command palette

The first frame carries the resolved tree (the first resolve runs at mount, on the UI thread);
everything else waits until it is on screen: the heavy engine modules (build runner, sources,
phase status) are imported lazily, in workers or on first use; the Diff, Build and Shell panes are
mounted after that frame (``ensure_panes``; await it before touching them); and so is the file
watch, with a recheck for edits made before it was in place (``resolver.watching``).

The app keeps the composition, the bindings and the handlers; the resolve pipeline is
workbench/resolver.py, the deferred panes workbench/panes.py, the watch workbench/watch.py, build
control workbench/build.py, the shell's command workbench/shell.py, the Image pane's records
workbench/image.py, the palette palette.py and the
title widgets/title_bar.py.

``run_app(artifact_dir, args)`` is what ``genpack-tui`` without ``--headless`` calls.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
from pathlib import Path
from typing import IO, TYPE_CHECKING, Iterable

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, TabbedContent, TabPane, Tabs

from genpack_tui.engine.build.request import PHASE_ACTIONS, SHELL_ACTIONS
from genpack_tui.options import Invocation
from genpack_tui.palette import workbench_commands
from genpack_tui.widgets.build.options import RunOptions
from genpack_tui.widgets.build.phase_badges import PhaseBadges
from genpack_tui.widgets.config.problems import ProblemsPanel
from genpack_tui.widgets.config.selection import NONE_KEY, Selection, describe_variant
from genpack_tui.widgets.config.selectors import SelectionBar
from genpack_tui.widgets.config.tree import ConfigTree
from genpack_tui.widgets.title_bar import TitleBar
from genpack_tui.widgets.ui_thread import call_on_ui_thread
from genpack_tui.workbench.build import BuildController, BuildStarter, engine_start_build
from genpack_tui.workbench.events import EventQueue
from genpack_tui.workbench.image import ImageRecords, engine_image_records
from genpack_tui.workbench.panes import DeferredPanes
from genpack_tui.workbench.resolver import Resolver
from genpack_tui.workbench.shell import (
    SHELL_CWD,
    ShellCommandFactory,
    engine_shell_command,
    log_viewer_command,
    shell_refusal,
    shell_request,
)

if TYPE_CHECKING:
    from genpack_tui.engine.build.request import BuildRequest
    from genpack_tui.engine.build.status import PhaseStatus
    from genpack_tui.engine.config import Resolution
    from genpack_tui.widgets.build.phase_runner import PhaseRunner
    from genpack_tui.widgets.config.diff import ConfigDiff
    from genpack_tui.widgets.shell.host import ShellHost
    from genpack_tui.workbench.watch import InputsChanged

PANES = ("config", "diff", "build", "shell", "image")
EVENTS_PER_TICK = 20_000
RELEASE_WAIT_SECONDS = 120  # a worker unmounting after a build's end; normally well under a second


class WorkbenchScreen(Screen):
    """The app's default screen (its widgets come from WorkbenchApp.compose)."""

    AUTO_FOCUS = "#config-tree"  # focused from the start: a later focus change would recompose the footer


class WorkbenchApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "genpack-tui"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        Binding("f1", "help", "Help", priority=True, id="app.help"),
        Binding("question_mark", "help", "Help", show=False, id="app.help-key"),
        Binding("f2", "show_pane('config')", "Config", priority=True, id="app.pane-config"),
        Binding("f3", "show_pane('diff')", "Diff", priority=True, id="app.pane-diff"),
        Binding("f4", "show_pane('build')", "Build", priority=True, id="app.pane-build"),
        Binding("f5", "show_pane('shell')", "Shell", priority=True, id="app.pane-shell"),
        Binding("f6", "show_pane('image')", "Image", priority=True, id="app.pane-image"),
        Binding("v", "cycle_variant", "Variant", tooltip="Next variant (default, each variant, none)",
                id="app.variant"),
        Binding("a", "cycle_arch", "Arch", tooltip="Next target architecture", id="app.arch"),
        Binding("b", "run_selected", "Run", tooltip="Run the action chosen in the Build pane", id="app.run"),
        Binding("x", "cancel_build", "Cancel", tooltip="Cancel the running build (the engine cleans up)",
                id="app.cancel"),
        Binding("s", "open_shell('bash')", "Shell", tooltip="bash in the lower container", id="app.shell"),
        Binding("S", "open_shell('upper-bash')", "Upper shell", show=False,
                tooltip="upper-bash on the upper layer", id="app.upper-shell"),
        Binding("l", "open_failure_log", "Failure log", show=False,
                tooltip="The failed package's build.log, in the lower container", id="app.failure-log"),
        Binding("r", "replay_prompt", "Replay", show=False, tooltip="Replay an --events file from CI",
                id="app.replay"),
        Binding("p", "show_plan", "Plan", show=False,
                tooltip="What a build of this variant and arch would run, step by step", id="app.plan"),
    ]

    def __init__(
        self,
        artifact_dir: Path,
        args: argparse.Namespace | None = None,
        *,
        build_starter: BuildStarter = engine_start_build,
        shell_command: ShellCommandFactory = engine_shell_command,
        watch: bool = True,
        image_records: ImageRecords = engine_image_records,
    ) -> None:
        super().__init__()
        self.artifact_dir = Path(artifact_dir).resolve()
        self.args = args if args is not None else Invocation.for_directory(self.artifact_dir).namespace
        self.selection = Selection.from_args(self.args.variant, self.args.arch)
        self.resolution: "Resolution | None" = None
        self.statuses: "list[PhaseStatus]" = []
        self.events = EventQueue()
        self.controller = BuildController([self.events], starter=build_starter)
        self.shell_command = shell_command
        self.watch_enabled = watch
        self.image_records = image_records
        self.resolver = Resolver(self.artifact_dir, devel=self.args.devel, binhost=getattr(self.args, "binhost", None))
        self.panes = DeferredPanes(self, self._mount_panes)
        self._after_first_tree_done = False
        self._events_stream: IO[str] | None = None
        self._diff_generation = 0
        self._image_generation = 0
        self._image_shown_for: tuple[str, str | None] | None = None
        self._build_idle = asyncio.Event()  # clear while an action runs, until its worker has returned
        self._build_idle.set()
        self._last_resolution: "Resolution | None" = None  # the newest shown, even when broken

    # --- layout --- #

    def get_default_screen(self) -> Screen:
        return WorkbenchScreen(id="_default")

    def compose(self) -> ComposeResult:
        yield TitleBar(id="title-bar")
        yield SelectionBar(self.selection, id="selection")
        yield PhaseBadges(id="badges")
        with TabbedContent(id="panes", initial="config"):
            with TabPane("Config", id="config"):
                yield ProblemsPanel(id="problems")
                yield ConfigTree(id="config-tree")
            # filled by ensure_panes() after the first frame: they are not visible at start
            yield TabPane("Diff", id="diff")
            yield TabPane("Build", id="build")
            yield TabPane("Shell", id="shell")
            yield TabPane("Image", id="image")
        yield Footer()

    def on_mount(self) -> None:
        self._update_title()
        self._resolve_at_mount()
        self.set_interval(0.1, self._pump_events, name="event-pump")
        self.call_after_refresh(self._initial_action)

    def ensure_panes(self) -> "asyncio.Task[None]":
        """The Diff, Build, Shell and Image panes, mounted once (after the first frame, or on first need);
        await the result before touching them."""
        return self.panes.ensure()

    async def _mount_panes(self) -> None:
        from genpack_tui.widgets.build.phase_runner import PhaseRunner
        from genpack_tui.widgets.config.diff import ConfigDiff
        from genpack_tui.widgets.image.pane import ImagePane
        from genpack_tui.widgets.shell.host import ShellHost

        variants = self._known_variants()
        diff = ConfigDiff(self.selection, self._other_selection(self.selection, []), variants=variants,
                          id="config-diff")
        runner = PhaseRunner(log_dir=self.artifact_dir / "work" / "logs", id="runner", options=RunOptions(
            action=self.args.action if self.args.action in PHASE_ACTIONS else "build",
            compression=self.args.compression, parallel=self.args.parallel, force=self.args.force,
            reuse_upper=self.args.reuse_upper))
        await self.query_one("#diff", TabPane).mount(diff)
        await self.query_one("#build", TabPane).mount(runner)
        await self.query_one("#shell", TabPane).mount(ShellHost(id="shell-host"))
        await self.query_one("#image", TabPane).mount(ImagePane(id="image-pane"))
        latest = self._known_variants()  # a resolution may have arrived while mounting
        if latest is not None and latest != variants:
            diff.set_variants(*latest)

    def _known_variants(self) -> tuple[list[str], str | None] | None:
        res = self._last_resolution
        if res is None or res.document is None:
            return None
        return list(res.available_variants), res.default_variant

    def _diff_pane(self) -> "ConfigDiff | None":
        return self.panes.if_mounted("#config-diff")

    def runner_if_mounted(self) -> "PhaseRunner | None":
        return self.panes.if_mounted("#runner")

    async def _mounted_runner(self) -> "PhaseRunner":
        return await self.panes.mounted("#runner")

    async def _shell_host(self) -> "ShellHost":
        return await self.panes.mounted("#shell-host")

    async def _initial_action(self) -> None:
        action = self.args.action
        if getattr(self.args, "action_given", False):
            if action in PHASE_ACTIONS or action == "archive":
                await self.start_action(RunOptions(action, self.args.compression, self.args.parallel,
                                                   self.args.force, self.args.reuse_upper))
            elif action in SHELL_ACTIONS:  # `genpack-tui bash [command]`: the command runs in the pane
                command = list(getattr(self.args, "command", []) or []) if action == "bash" else []
                await self.action_open_shell(action, command or None)
        elif self.args.events is not None and Path(self.args.events).is_file():
            await self.replay(Path(self.args.events))
        if self.query_one(TabbedContent).active == "config":
            self.query_one(ConfigTree).focus()

    # --- resolving --- #

    def _to_ui(self, callback, *args) -> None:
        call_on_ui_thread(self, callback, *args)

    def _resolve_at_mount(self) -> None:
        """The first resolve, on the UI thread before the first frame, which then carries the tree.
        Measured: in a worker it competed for the GIL with the mount, arrived after an empty first
        frame, and the tree came ~150 ms later. The badges follow after that frame."""
        generation, selection = self.resolver.next_generation(), self.selection
        resolution = self.resolver.resolve(selection)
        self._apply_resolution(selection, generation, resolution)
        if resolution.ok:
            self.call_after_refresh(self._statuses_worker, resolution, generation)

    def request_resolve(self) -> None:
        self._resolve(self.selection, self.resolver.next_generation())

    @work(thread=True, exclusive=True, group="resolve", description="resolve the configuration")
    def _resolve(self, selection: Selection, generation: int) -> None:
        resolution = self.resolver.resolve(selection)
        self._to_ui(self._apply_resolution, selection, generation, resolution)
        if resolution.ok:
            self._to_ui(self._apply_statuses, generation, self.resolver.phase_statuses(resolution))

    @work(thread=True, exclusive=True, group="resolve", description="phase status")
    def _statuses_worker(self, resolution: "Resolution", generation: int) -> None:
        self._to_ui(self._apply_statuses, generation, self.resolver.phase_statuses(resolution))

    def _apply_resolution(self, selection: Selection, generation: int, resolution: "Resolution") -> None:
        if selection != self.selection or not self.is_running or not self.resolver.accept(generation):
            return
        if resolution.merged is not None or self.resolution is None:
            self.resolution = resolution
        tree = self.query_one(ConfigTree)
        tree.show_resolution(resolution)
        config_name = resolution.config_file.name if resolution.config_file else None
        self.query_one(ProblemsPanel).show_problems(resolution.problems, stale=tree.stale, config_name=config_name)
        if not resolution.ok:
            self.statuses = []
            self.query_one(PhaseBadges).show_statuses(
                [], unavailable="phase status unavailable: the configuration has errors")
        self._last_resolution = resolution
        diff = self._diff_pane()
        if resolution.document is not None:
            available, default = resolution.available_variants, resolution.default_variant
            self.query_one(SelectionBar).set_variants(available, default)
            if diff is not None:
                diff.set_variants(available, default)
        self._update_title()
        if diff is not None and self.query_one(TabbedContent).active == "diff":
            diff.request()
        if self.query_one(TabbedContent).active == "image" and self._image_selection_changed():
            self.load_image()
        if not self._after_first_tree_done:  # the watch and the other panes, once the first tree is on screen
            self._after_first_tree_done = True
            if self.watch_enabled:
                self.call_after_refresh(self._watch_files)
            self.call_after_refresh(self.ensure_panes)

    def _apply_statuses(self, generation: int, statuses: "list[PhaseStatus]") -> None:
        if not self.resolver.statuses_current(generation) or not self.is_running:
            return
        self.statuses = statuses
        self.query_one(PhaseBadges).show_statuses(statuses)

    # --- watching --- #

    @work(exclusive=True, group="watch", description="watch the artifact directory")
    async def _watch_files(self) -> None:
        from genpack_tui.workbench.watch import post_changes

        await post_changes(self, self.artifact_dir, on_ready=self._watch_began)

    def on_inputs_changed(self, event: "InputsChanged") -> None:
        self.request_resolve()

    def _watch_began(self) -> None:
        self.resolver.watch_began()
        self._recheck_unwatched_inputs()

    @work(thread=True, group="watch-recheck", description="look for edits made before the watch began")
    def _recheck_unwatched_inputs(self) -> None:
        if self.resolver.edited_while_unwatched():
            self._to_ui(self.request_resolve)

    # --- title --- #

    def _update_title(self) -> None:
        res = self._last_resolution
        name = (res.name if res is not None and res.name else None) or (
            self.resolution.name if self.resolution and self.resolution.name else self.artifact_dir.name)
        runner = self.runner_if_mounted()
        running = self.controller.running if runner is not None else None
        phase = runner.current_phase if runner is not None and running else None
        self.query_one(TitleBar).show(
            name, describe_variant(self.selection.variant_key, res.variant if res is not None else None),
            self.selection.arch, running=running, phase=phase, errors=len(res.errors) if res is not None else 0)

    # --- selection --- #

    @on(SelectionBar.Changed, "#selection")
    def _selection_changed(self, event: SelectionBar.Changed) -> None:
        self.selection = event.selection
        self._update_title()
        self.request_resolve()

    def select(self, selection: Selection) -> None:
        self.query_one(SelectionBar).select(selection)

    def action_cycle_variant(self) -> None:
        self.query_one(SelectionBar).cycle_variant()

    def action_cycle_arch(self) -> None:
        self.query_one(SelectionBar).cycle_arch()

    # --- panes --- #

    async def action_show_pane(self, pane: str) -> None:
        self.query_one(TabbedContent).active = pane
        if pane == "shell":
            (await self._shell_host()).focus_shell()
        elif pane == "config":
            self.query_one(ConfigTree).focus()
        elif pane == "build":
            (await self._mounted_runner()).shown_log.focus()
        elif pane == "image":
            (await self.panes.mounted("#image-pane")).query_one("#image-tree").focus()

    @on(TabbedContent.TabActivated, "#panes")
    async def _pane_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "diff":
            (await self.panes.mounted("#config-diff")).request()
        elif event.pane.id == "image":
            await self.panes.mounted("#image-pane")
            self.load_image()

    def action_help(self) -> None:
        from genpack_tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.binding_help()))

    def action_show_plan(self) -> None:
        from genpack_tui.screens.plan import PlanScreen

        self.push_screen(PlanScreen(self.base_request()))

    def binding_help(self) -> list[tuple[str, str, str]]:
        from genpack_tui.widgets.build.phase_runner import PhaseRunner
        from genpack_tui.widgets.image.package_table import PackageTable
        from genpack_tui.widgets.log.view import BuildLog
        from genpack_tui.widgets.shell.pane import ShellPane

        rows: list[tuple[str, str, str]] = []
        for cls in (WorkbenchApp, ConfigTree, PhaseRunner, ShellPane, BuildLog, PackageTable):
            for binding in cls.BINDINGS:
                if isinstance(binding, Binding):
                    key = binding.key_display or binding.key
                    rows.append((key, binding.description, binding.tooltip or ""))
        return rows

    # --- diff --- #

    @staticmethod
    def _other_selection(selection: Selection, variants: list[str]) -> Selection:
        others = [v for v in variants if v != selection.variant_key]
        if others:
            return Selection(others[0], selection.arch)
        return Selection(NONE_KEY if selection.variant_key != NONE_KEY else selection.variant_key,
                         "aarch64" if selection.arch != "aarch64" else "x86_64")

    def on_config_diff_compare(self, event: "ConfigDiff.Compare") -> None:
        self._diff_generation += 1
        self._diff(event.a, event.b, self._diff_generation)

    @work(thread=True, exclusive=True, group="diff", description="resolve two selections")
    def _diff(self, a: Selection, b: Selection, generation: int) -> None:
        from genpack_tui.engine.config import resolve

        res_a = resolve(self.artifact_dir, variant=a.variant_arg(), arch=a.arch)
        res_b = resolve(self.artifact_dir, variant=b.variant_arg(), arch=b.arch)

        def show() -> None:
            if generation == self._diff_generation and self.is_running:
                diff = self._diff_pane()
                if diff is not None:
                    diff.show_diff(res_a, res_b)

        self._to_ui(show)

    # --- image --- #

    def load_image(self) -> None:
        """Show the last recorded build of the resolved variant and arch, against the one before, in
        the Image pane."""
        res = self._last_resolution
        self._image_shown_for = (self.selection.arch, res.variant if res is not None else None)
        self._image_generation += 1
        pane = self.panes.if_mounted("#image-pane")
        if pane is not None and pane.view is None:
            pane.loading = True  # rather than "no build recorded yet" while the records are read
        self._load_image(*self._image_shown_for, self._image_generation)

    def _image_selection_changed(self) -> bool:
        res = self._last_resolution
        return self._image_shown_for != (self.selection.arch, res.variant if res is not None else None)

    @work(thread=True, exclusive=True, group="image", description="read the build history")
    def _load_image(self, arch: str, variant: str | None, generation: int) -> None:
        from genpack_tui.widgets.image.from_history import image_view

        last, previous = self.image_records(self.artifact_dir, arch, variant, self._history_warning)
        view = image_view(last, previous)

        def show() -> None:
            pane = self.panes.if_mounted("#image-pane")
            if generation == self._image_generation and self.is_running and pane is not None:
                pane.loading = False
                pane.show(view)

        self._to_ui(show)

    def _history_warning(self, message: str) -> None:
        self._to_ui(lambda: self.notify(message, severity="warning", title="Build history", markup=False))

    # --- building --- #

    def base_request(self) -> "BuildRequest":
        from genpack_tui.options import build_request

        request = build_request(self.artifact_dir, self.args)
        return dataclasses.replace(request, variant=self.selection.variant_arg(), arch=self.selection.arch,
                                   command=[])

    def action_run_selected(self) -> None:
        async def run_selected() -> None:
            await self.start_action((await self._mounted_runner()).options())

        self.run_worker(run_selected(), group="start", description="start an action")

    async def on_phase_runner_start_requested(self, event: "PhaseRunner.StartRequested") -> None:
        await self.start_action(event.options)

    def on_phase_runner_cancel_requested(self) -> None:
        self.action_cancel_build()

    async def start_action(self, options: RunOptions) -> bool:
        """Start ``options.action`` (build/lower/upper/pack/archive) unless one is running."""
        runner = await self._mounted_runner()
        if not self.controller.claim(options.action):
            self.notify(f"A {self.controller.running} is already running.", severity="warning")
            return False
        self._build_idle.clear()
        request = dataclasses.replace(self.base_request(), action=options.action,
                                      compression=options.compression or self.args.compression,
                                      parallel=options.parallel, force=options.force,
                                      reuse_upper=options.reuse_upper)
        await runner.begin()
        self._read_eta_records(runner.eta, request.arch, self._last_resolution.variant
                               if self._last_resolution is not None else None)
        self.query_one(TabbedContent).active = "build"
        runner.shown_log.focus()
        self._open_events_file()
        self._run_request(request)
        self._update_title()
        return True

    def _open_events_file(self) -> None:
        if self._events_stream is not None or self.args.events is None:
            return
        if not getattr(self.args, "action_given", False):
            return  # without an action, --events names a file to replay, not one to write
        try:
            self._events_stream = open(self.args.events, "w", encoding="utf-8")
        except OSError as exc:
            self.notify(f"cannot write events to {self.args.events}: {exc.strerror}", severity="error")
            return
        from genpack_tui.engine.events import JsonLinesWriter

        self.controller.subscribe(JsonLinesWriter(self._events_stream))

    @work(thread=True, group="eta", description="read the build history for the ETA")
    def _read_eta_records(self, eta, arch: str, variant: str | None) -> None:
        from genpack_tui.engine.report.eta import eta_records

        records = eta_records(self.artifact_dir, arch, variant, self._history_warning)

        def hand_over() -> None:
            runner = self.runner_if_mounted()
            if runner is not None and runner.eta is eta:  # still the same run
                runner.set_eta_records(records)

        self._to_ui(hand_over)

    @work(thread=True, group="build", description="run a build action")
    def _run_request(self, request: "BuildRequest") -> None:
        rc = self.controller.run(request)  # a phase action or archive, for the selected variant and arch
        self._to_ui(self._build_done, request.action, rc)

    def _build_done(self, action: str, rc: int) -> None:
        self._build_idle.set()
        self._pump_events()
        self._update_title()
        self.query_one(PhaseBadges).set_running(None)
        self.request_resolve()
        if self.query_one(TabbedContent).active == "image":
            self.load_image()
        if rc == 0:
            self.notify(f"{action} finished.", title="genpack-tui")
        else:
            self.notify(f"{action} failed (exit code {rc}).", severity="error", title="genpack-tui")

    def action_cancel_build(self) -> None:
        if self.controller.cancel():
            self.notify("Cancelling: the engine stops the build and cleans up.", severity="warning")
        else:
            self.notify("No build is running.")

    def _pump_events(self) -> None:
        runner = self.runner_if_mounted()
        if runner is None:
            return  # events wait in the queue until the Build pane exists
        events = self.events.drain(EVENTS_PER_TICK)
        if not events:
            return
        from genpack_tui.engine.events import BuildFinished, PhaseFinished, PhaseStarted  # loaded by the build already

        runner.handle_events(events)
        if not self.controller.running:
            self._update_title()
            return  # a replay: the badges describe this machine, not the recorded build
        badges = self.query_one(PhaseBadges)
        for event in events:
            if isinstance(event, PhaseStarted):
                badges.set_running(event.phase)
            elif isinstance(event, (PhaseFinished, BuildFinished)):
                badges.set_running(None)
        self._update_title()

    # --- replay --- #

    def action_replay_prompt(self) -> None:
        from genpack_tui.screens.path_prompt import PathPrompt

        initial = str(self.args.events) if self.args.events else ""
        self.push_screen(PathPrompt("Replay a build from an --events JSON-lines file:", initial, self.artifact_dir),
                         self._replay_chosen)

    async def _replay_chosen(self, path: Path | None) -> None:
        if path is not None:
            await self.replay(path)

    async def replay(self, path: Path) -> bool:
        """Show the build recorded in ``path`` in the Build pane, as if it ran here."""
        if self.controller.running:
            self.notify("A build is running; replay it when it is done.", severity="warning")
            return False
        from genpack_tui.workbench.replay import ReplayError, load_recording, skipped_note

        try:
            log = load_recording(path)
        except ReplayError as exc:  # it quotes the file: no markup
            self.notify(str(exc), severity="error", title="Cannot replay", markup=False)
            return False
        runner = await self._mounted_runner()
        await runner.begin(replay_of=path.name)
        self.query_one(TabbedContent).active = "build"
        self.events.extend(log.events)
        self._pump_events()
        note = skipped_note(log)
        self.notify(f"Replayed {len(log.events)} events from {path.name}." + (f" {note}." if note else ""),
                    severity="warning" if note else "information", markup=False)
        return True

    # --- shell --- #

    async def action_open_failure_log(self) -> None:
        """Open the failing package's build log (a path inside the lower image) in the shell pane."""
        runner = self.runner_if_mounted()
        failure = runner.failure if runner is not None else None
        if failure is None or not failure.log_path:
            self.notify("No failed package with a build log to show.")
            return
        await self.action_open_shell("bash", log_viewer_command(failure.log_path))

    async def action_open_shell(self, action: str = "bash", command: list[str] | None = None) -> None:
        """Open ``bash`` (or run ``command`` in the lower container) or ``upper-bash`` in the Shell pane."""
        self.query_one(TabbedContent).active = "shell"
        host = await self._shell_host()
        if host.running and host.label == action and not command:
            host.focus_shell()
            return
        if self.controller.running and (await self._mounted_runner()).finished is not None:
            # the build has reported its end but its worker is still unmounting: wait rather than refuse
            host.say(f"The {self.controller.running} has ended; waiting for it to release the containers…")
            self.run_worker(self._open_shell_once_released(action, command), group="shell",
                            description="open a shell once the build's worker has returned")
            return
        refusal = shell_refusal(self.artifact_dir, self.controller.running)
        if refusal is not None:
            host.say(refusal)
            self.notify(refusal, severity="warning", title="No shell")
            return
        if host.running:
            self.notify("Close the open shell first (exit it, or Ctrl-] then s).", severity="warning")
            host.focus_shell()
            return
        argv, env = self.shell_command(shell_request(self.base_request(), action, command))
        await host.open(action, argv, env, cwd=SHELL_CWD)

    async def _open_shell_once_released(self, action: str, command: list[str] | None) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._build_idle.wait(), RELEASE_WAIT_SECONDS)
        refusal = shell_refusal(self.artifact_dir, self.controller.running)
        if self.controller.running and refusal is not None:  # a running build always makes one
            (await self._shell_host()).say(refusal)
            return
        await self.action_open_shell(action, command)

    def on_shell_pane_exited(self, event) -> None:  # ShellPane.Exited, after ShellHost has shown it
        host = self.panes.if_mounted("#shell-host")  # gone when the app is closing
        label = (host.label if host is not None else None) or "shell"
        self.notify(f"The {label} ended (exit status {event.returncode}).")

    def on_shell_pane_leave_requested(self, event) -> None:  # ShellPane.LeaveRequested
        self.query_one("#panes Tabs", Tabs).focus()

    # --- palette --- #

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from workbench_commands(self)

    async def on_unmount(self) -> None:
        self.controller.cancel()
        if self._events_stream is not None:
            self._events_stream.close()


def run_app(artifact_dir: Path, args: argparse.Namespace) -> int:
    """``genpack-tui`` without --headless: open the workbench; 0 on a normal exit."""
    app = WorkbenchApp(Path(artifact_dir), args)
    result = app.run()
    return result if isinstance(result, int) else 0
