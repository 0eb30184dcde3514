"""A one-line prompt for a file path (e.g. the --events file to replay)."""
from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class PathPrompt(ModalScreen[Path | None]):
    DEFAULT_CSS = """
    PathPrompt { align: center middle; }
    PathPrompt > Vertical {
        width: 80%; max-width: 100; height: auto; border: round $accent; background: $surface; padding: 0 1;
    }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, title: str, initial: str = "", base: Path | None = None) -> None:
        super().__init__()
        self._title = title
        self._initial = initial
        self._base = base

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._title)
            yield Input(value=self._initial, placeholder="path to a JSON-lines events file", id="prompt-input")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not value:
            self.dismiss(None)
            return
        path = Path(value).expanduser()
        if not path.is_absolute() and self._base is not None:
            path = self._base / path
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)
