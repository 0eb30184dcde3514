"""The command palette's workbench commands: every action, plus one per variant and per arch.

Part of the app (they call its actions), kept apart from app.py for length."""
from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterable

from textual.app import SystemCommand

from genpack_tui.widgets.build.options import RunOptions
from genpack_tui.widgets.config.selection import ARCH_CHOICES, DEFAULT_KEY, NONE_KEY, Selection
from genpack_tui.widgets.config.tree import ConfigTree

if TYPE_CHECKING:
    from genpack_tui.app import WorkbenchApp

_RUN_HELP = {
    "build": "lower, upper and pack, skipping phases that are up to date",
    "lower": "stage3 + Portage + emerge in the lower image (always runs)",
    "upper": "users, files/, build.d, setup_commands, services",
    "pack": "make the squashfs image",
}


def _in_worker(app: "WorkbenchApp", start: Callable[[], Awaitable[Any]]) -> Callable[[], None]:
    """A palette callback that runs ``start()`` in the app's "start" worker group."""
    def run() -> None:
        app.run_worker(start(), group="start")

    return run


def workbench_commands(app: "WorkbenchApp") -> Iterable[SystemCommand]:
    """The commands; the Build pane's log commands only once that pane exists (shortly after start)."""
    runner = app.runner_if_mounted()
    runner_options = runner.options() if runner is not None else RunOptions(
        compression=app.args.compression, parallel=app.args.parallel, force=app.args.force,
        reuse_upper=app.args.reuse_upper)
    for action, help_text in _RUN_HELP.items():
        options = RunOptions(action, runner_options.compression, runner_options.parallel, runner_options.force,
                             runner_options.reuse_upper)
        yield SystemCommand(f"Run {action}", help_text, _in_worker(app, partial(app.start_action, options)))
    yield SystemCommand("Archive the artifact", "write genpack-NAME.tar.gz of the artifact definition",
                        _in_worker(app, partial(app.start_action, RunOptions("archive"))))
    yield SystemCommand("Cancel the build", "stop the running build; the engine cleans up", app.action_cancel_build)
    yield SystemCommand("Shell in the lower container", "bash in the lower image",
                        _in_worker(app, partial(app.action_open_shell, "bash")))
    yield SystemCommand("Shell on the upper layer", "upper-bash",
                        _in_worker(app, partial(app.action_open_shell, "upper-bash")))
    yield SystemCommand("Show the build plan", "what a build of this variant and arch would run, step by step",
                        app.action_show_plan)
    yield SystemCommand("Replay an events file", "show a CI build recorded with --events", app.action_replay_prompt)
    for pane in ("config", "diff", "build", "shell", "image"):
        yield SystemCommand(f"Show the {pane} pane", f"switch to the {pane} pane",
                            partial(app.action_show_pane, pane))
    yield SystemCommand("Toggle overrides and removals", "show or hide overridden and removed values in the tree",
                        app.query_one("#config-tree", ConfigTree).action_toggle_details)
    if runner is not None:
        yield SystemCommand("Search the build log", "find text in the shown phase's log", runner.action_search)
        yield SystemCommand("Jump to the first error", "in the build log", runner.action_first_error)
        yield SystemCommand("Save the shown log", "to work/logs/PHASE.log", runner.action_save_log)
    variants = app.resolution.available_variants if app.resolution is not None else []
    for key, label in [(DEFAULT_KEY, "the default variant"), *[(v, v) for v in variants], (NONE_KEY, "no variant")]:
        yield SystemCommand(f"Variant: {label}", "re-resolve the configuration for this variant",
                            partial(app.select, Selection(key, app.selection.arch)))
    for arch in ARCH_CHOICES:
        yield SystemCommand(f"Arch: {arch}", "re-resolve the configuration for this architecture",
                            partial(app.select, Selection(app.selection.variant_key, arch)))
    yield SystemCommand("Help", "panes and key bindings", app.action_help)
