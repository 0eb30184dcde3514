"""The plan screen: what a build of the selected variant and arch would run, read-only (the text of
``genpack-tui plan``, genpack_tui/commands/plan.py)."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from genpack_tui.commands.plan import NoPlan, plan_text, resolve_plan
from genpack_tui.engine.build.request import BuildRequest
from genpack_tui.engine.config.printable import escape_controls


def plan_or_problems(request: BuildRequest) -> str:
    """The plan's text, or why there is none (the configuration's errors)."""
    try:
        res, plan = resolve_plan(request)
    except NoPlan as exc:
        return f"No plan: {escape_controls(str(exc))}\n"
    if plan is not None:
        return plan_text(plan)
    lines = ["No plan: the configuration has errors.", ""]
    lines += [escape_controls(str(problem)) for problem in res.errors]
    return "\n".join(lines) + "\n"


class PlanScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    PlanScreen { align: center middle; }
    PlanScreen > VerticalScroll {
        width: 95%; height: 95%; border: round $accent; background: $surface; padding: 0 1;
    }
    """

    BINDINGS = [Binding("escape,q,p", "dismiss", "Close the plan", id="plan.close")]

    def __init__(self, request: BuildRequest) -> None:
        super().__init__()
        self.text = plan_or_problems(request)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="plan-scroll"):
            yield Static(self.text, markup=False, id="plan-text")

    def on_mount(self) -> None:
        self.query_one("#plan-scroll").focus()
