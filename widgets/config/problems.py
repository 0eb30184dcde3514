"""ProblemsPanel: the configuration's errors and warnings, each with its config path and position.

Hidden when there is nothing to say. When the file does not merge, it says that the tree below is
the last good configuration.
"""
from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from genpack_tui.engine.config.problems import Problem
from genpack_tui.widgets.config.outline import problem_text

__all__ = ["ProblemsPanel"]


class ProblemsPanel(VerticalScroll, can_focus=False):
    DEFAULT_CSS = """
    ProblemsPanel {
        height: auto;
        max-height: 8;
        display: none;
        border-left: thick $error;
        padding: 0 1;
        background: $error 10%;
        &.-warnings-only { border-left: thick $warning; background: $warning 10%; }
        &.-visible { display: block; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._body = Static("", id="problems-body")
        self.problems: list[Problem] = []
        self.stale = False

    def compose(self):
        yield self._body

    def show_problems(self, problems: list[Problem], *, stale: bool, config_name: str | None) -> None:
        self.problems = list(problems)
        self.stale = stale
        self.set_class(bool(problems), "-visible")
        self.set_class(not any(p.is_error for p in problems), "-warnings-only")
        lines: list[Text] = []
        if stale:
            lines.append(Text(f"{config_name or 'the configuration'} has errors: "
                              "the tree shows the last good configuration.", "bold"))
        for problem in problems:
            lines.append(problem_text(problem))
            if problem.excerpt:
                lines.append(Text(problem.excerpt, "dim"))
        self._body.update(Group(*lines))
