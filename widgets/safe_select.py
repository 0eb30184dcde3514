"""Select, with Textual issue #6581 worked around (open upstream at textual 8.2.8).

The bug: ``Select`` sets its initial value when it mounts, and ``SelectCurrent.update`` then looks up
its ``#label`` child, which may not be mounted yet, so the whole app dies with NoMatches. It is
timing-dependent and shows with Selects mounted into a running app (our CI saw it once, with the
SelectionBar's and the Build pane's Selects mounting right after the first frame).

The workaround keeps a label that arrives before the current-value widget is mounted and shows it
when it is. ``tests/widgets/test_safe_select.py`` notices when Textual fixes the bug (then use
Select again) or changes what this relies on.
"""
from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Select
from textual.widgets._select import SelectCurrent  # private: see the module docstring

__all__ = ["SafeSelect"]


class MountSafeSelectCurrent(SelectCurrent):
    def update(self, label) -> None:
        if self.is_mounted:
            super().update(label)
        else:  # shown by on_mount
            self.label = label
            self.has_value = label is not Select.NULL

    def on_mount(self) -> None:
        super().update(self.label)


class SafeSelect(Select):
    """Select, whose current-value widget survives being updated before it is mounted. Styles for
    Select and SelectCurrent apply (Textual's type selectors match subclasses)."""

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            yield MountSafeSelectCurrent(widget.placeholder) if type(widget) is SelectCurrent else widget
