"""ConfigDiff: how the configuration for selection A differs from selection B (variant, arch).

The widget owns the two selectors and the rendering; resolving is the app's job: it posts
``Compare`` with both selections and the app answers with ``show_diff``.
"""
from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static

from genpack_tui.engine.config import Origin, Resolution
from genpack_tui.engine.config.diff import ADDED, REMOVED, FieldDiff, diff_resolutions
from genpack_tui.widgets.config.outline import short_value
from genpack_tui.widgets.config.selection import Selection
from genpack_tui.widgets.config.selectors import SelectionBar

__all__ = ["ConfigDiff"]


def _origin(origin: Origin | None) -> str:
    if origin is None:
        return ""
    return f"  ← {origin.layer}" + (f" :{origin.line}" if origin.line else "")


def diff_text(diffs: list[FieldDiff], a: Resolution, b: Resolution) -> Text:
    if not diffs:
        return Text("Both selections merge to the same configuration.", "green")
    text = Text()
    for fd in diffs:
        text.append(f"{fd.field}\n", "bold")
        for change in fd.changes:
            if change.kind == ADDED:
                text.append(f"  + {change.label}", "green")
                if change.label != short_value(change.b) and change.b is not None:
                    text.append(f": {short_value(change.b)}", "green")
                text.append(_origin(change.origin_b) + "\n", "dim")
            elif change.kind == REMOVED:
                text.append(f"  - {change.label}", "red")
                if change.label != short_value(change.a) and change.a is not None:
                    text.append(f": {short_value(change.a)}", "red")
                text.append(_origin(change.origin_a) + "\n", "dim")
            else:
                text.append(f"  ~ {change.label}: ", "yellow")
                text.append(short_value(change.a), "red")
                text.append(_origin(change.origin_a), "dim")
                text.append(" → ")
                text.append(short_value(change.b), "green")
                text.append(_origin(change.origin_b) + "\n", "dim")
    text.rstrip()
    return text


class ConfigDiff(Vertical):
    DEFAULT_CSS = """
    ConfigDiff {
        height: 1fr;
        & > SelectionBar { margin-bottom: 0; }
        & > #diff-body { height: 1fr; }
    }
    """

    class Compare(Message):
        def __init__(self, diff: "ConfigDiff", a: Selection, b: Selection) -> None:
            super().__init__()
            self.diff = diff
            self.a = a
            self.b = b

        @property
        def control(self) -> "ConfigDiff":
            return self.diff

    def __init__(self, a: Selection, b: Selection, *, variants: tuple[list[str], str | None] | None = None,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self._a, self._b = a, b
        self._variants = variants
        self.diffs: list[FieldDiff] = []
        self._plain = ""

    @property
    def selections(self) -> tuple[Selection, Selection]:
        return self._a, self._b

    def compose(self) -> ComposeResult:
        yield SelectionBar(self._a, prefix="A: ", variants=self._variants, id="diff-a")
        yield SelectionBar(self._b, prefix="B: ", variants=self._variants, id="diff-b")
        with VerticalScroll(id="diff-body"):
            yield Static("", id="diff-text")

    def set_variants(self, available: list[str], default: str | None) -> None:
        for bar in self.query(SelectionBar):
            bar.set_variants(available, default)

    def set_selections(self, a: Selection, b: Selection) -> None:
        self.query_one("#diff-a", SelectionBar).select(a)
        self.query_one("#diff-b", SelectionBar).select(b)

    def request(self) -> None:
        self.post_message(self.Compare(self, self._a, self._b))

    @on(SelectionBar.Changed)
    def _changed(self, event: SelectionBar.Changed) -> None:
        event.stop()
        if event.bar.id == "diff-a":
            self._a = event.selection
        else:
            self._b = event.selection
        self.request()

    def show_diff(self, a: Resolution, b: Resolution) -> None:
        parts: list[Any] = []
        for label, res in (("A", a), ("B", b)):
            if not res.ok:
                first = res.errors[0] if res.errors else None
                parts.append(Text(f"{label} does not resolve: {first or 'see the config view'}", "bold red"))
        if parts:
            self.diffs = []
        else:
            self.diffs = diff_resolutions(a, b)
            parts.append(Text.assemble(("A ", "bold"), _describe(a), ("   B ", "bold"), _describe(b), "\n"))
            parts.append(diff_text(self.diffs, a, b))
        self._plain = "\n".join(part.plain for part in parts)
        self.query_one("#diff-text", Static).update(Group(*parts))

    def text(self) -> str:
        """The shown comparison as plain text."""
        return self._plain


def _describe(res: Resolution) -> str:
    return f"{res.variant or 'no variant'} · {res.arch}"
