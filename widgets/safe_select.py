"""Select, with Textual issue #6581 worked around (open upstream at textual 8.2.8).

The bug: ``Select`` sets its initial value when it mounts, and ``SelectCurrent.update`` then looks up
its ``#label`` child, which may not be there, so the whole app dies with NoMatches. Our CI saw it
twice, with Selects mounting right after the first frame while a short test closed the app: a
widget that is closing mounts no children (``Widget.mount`` returns an empty AwaitMount), yet
Select and SelectCurrent still get their Mount.

The workaround keeps a label that arrives before the ``#label`` child exists, shows it once it does,
and does nothing when it never will. Select's own mount set-up and value watcher read the parts
(current value, overlay) its mount made: the set-up is skipped when they are missing, and the
watcher lets a missing part pass only while the app is closing.
``tests/widgets/test_safe_select.py`` notices when Textual fixes the bug (then use Select again) or
changes what this relies on.
"""
from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.css.query import NoMatches
from textual.widgets import Select
from textual.widgets._select import SelectCurrent, SelectOverlay  # private: see the module docstring

__all__ = ["SafeSelect"]


class MountSafeSelectCurrent(SelectCurrent):
    def update(self, label) -> None:
        if self.query("#label"):
            super().update(label)
        else:  # not composed yet: on_mount shows it (or never, in a mount cut short by the app closing)
            self.label = label
            self.has_value = label is not Select.NULL

    def on_mount(self) -> None:
        if self.query("#label"):  # absent when the app closed mid-mount: Textual then mounts no children
            super().update(self.label)


class SafeSelect(Select):
    """Select, whose current-value widget survives being updated before it is mounted. Styles for
    Select and SelectCurrent apply (Textual's type selectors match subclasses)."""

    def _on_mount(self, event: events.Mount) -> None:
        # runs before Select's own _on_mount, which reads the parts; without them (the app closed
        # mid-mount) there is nothing to set up, and preventing the default skips it
        if not (bool(self.query(SelectCurrent)) and bool(self.query(SelectOverlay))):
            event.prevent_default()

    def _watch_value(self, value) -> None:  # Select's watcher: it reads the parts the mount made
        try:
            super()._watch_value(value)
        except NoMatches:
            if self.app.is_running:
                raise
            # the app is closing and cut this Select's mount short: no parts to show the value in

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            yield MountSafeSelectCurrent(widget.placeholder) if type(widget) is SelectCurrent else widget
