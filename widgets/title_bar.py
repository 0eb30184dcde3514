"""TitleBar: one line naming the artifact, the variant and arch shown, and what runs (or that the
configuration has errors). Names come from the artifact, so they are shown with control characters escaped."""
from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from genpack_tui.engine.config.printable import escape_controls

__all__ = ["TitleBar"]


class TitleBar(Static):
    DEFAULT_CSS = """
    TitleBar { height: 1; background: $panel; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)

    def show(self, name: str, variant: str, arch: str, *, running: str | None = None, phase: str | None = None,
             errors: int = 0) -> None:
        """``running``: the action under way (with its current ``phase``); else ``errors`` config errors, if any."""
        text = Text.assemble((" genpack-tui ", "bold reverse"), " ", (escape_controls(name), "bold"),
                             ("  │ variant ", "dim"), (escape_controls(variant), "bold cyan"),
                             ("  │ arch ", "dim"), (arch, "bold cyan"))
        if running:
            text.append(f"  │ ▶ {running}" + (f": {phase}" if phase else ""), "bold yellow")
        elif errors:
            text.append(f"  │ ✖ {errors} config error(s)", "bold red")
        self.update(text)
