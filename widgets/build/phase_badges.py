"""PhaseBadges: for lower, upper and pack, whether ``build`` would skip or rerun it, and why.

States come from engine/build/status.py (recorded fingerprints, offline). A phase that is running
right now is shown as such.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from genpack_tui.engine.build.status import PhaseStatus

__all__ = ["PhaseBadges"]

# engine.build.status's states (that module loads the build engine, so it is not imported here)
_STYLE = {"up_to_date": ("✓", "green"), "will_rerun": ("↻", "yellow"), "never_built": ("○", "dim")}


class PhaseBadges(Static):
    DEFAULT_CSS = """
    PhaseBadges { height: auto; padding: 0 0; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.statuses: "list[PhaseStatus]" = []
        self.running: str | None = None
        self.unavailable: str | None = None

    def show_statuses(self, statuses: "list[PhaseStatus]", *, unavailable: str | None = None) -> None:
        self.statuses = list(statuses)
        self.unavailable = unavailable
        self._render_badges()

    def set_running(self, phase: str | None) -> None:
        self.running = phase
        self._render_badges()

    def badge_text(self) -> str:
        return self._text().plain

    def _text(self) -> Text:
        text = Text()
        if self.unavailable:
            text.append(self.unavailable, "dim")
            return text
        for i, status in enumerate(self.statuses):
            if i:
                text.append("  ")
            if status.phase == self.running:
                text.append(f"▶ {status.phase}: running", "bold cyan")
                continue
            mark, style = _STYLE[status.state]
            text.append(f"{mark} {status.phase}", f"bold {style}")
            reason = status.label if status.state != "will_rerun" else f"will rerun ({status.reason})"
            text.append(f" {reason}", style)
        return text

    def _render_badges(self) -> None:
        self.update(self._text())
