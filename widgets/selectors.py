"""SelectionBar: the variant (default, each variant, none) and arch selectors of the workbench."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Label, Select

from genpack_tui.workbench_selection import ARCH_CHOICES, Selection, variant_options

__all__ = ["SelectionBar"]


class SelectionBar(Horizontal):
    DEFAULT_CSS = """
    SelectionBar {
        height: 1;
        & > Label { padding: 0 1 0 0; color: $text-muted; }
        & > Select { width: 28; margin: 0 2 0 0; }
        & > #arch-select { width: 16; }
    }
    """

    class Changed(Message):
        def __init__(self, bar: "SelectionBar", selection: Selection) -> None:
            super().__init__()
            self.bar = bar
            self.selection = selection

        @property
        def control(self) -> "SelectionBar":
            return self.bar

    def __init__(self, selection: Selection, *, prefix: str = "", variants: tuple[list[str], str | None] | None = None,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self._selection = selection
        self._prefix = prefix
        # the artifact's variants and its default_variant; None until its file has been read
        self._variants: tuple[list[str], str | None] | None = (list(variants[0]), variants[1]) if variants else None
        self._quiet = False
        self._variant_keys: list[str] = []

    @property
    def selection(self) -> Selection:
        return self._selection

    def compose(self) -> ComposeResult:
        yield Label(f"{self._prefix}variant")
        options = self._variant_options()
        yield Select(options, value=self._selection.variant_key, allow_blank=False, compact=True,
                     id="variant-select")
        yield Label("arch")
        yield Select([(a, a) for a in ARCH_CHOICES], value=self._selection.arch, allow_blank=False,
                     compact=True, id="arch-select")

    def set_variants(self, available: list[str], default: str | None) -> None:
        """Offer the artifact's variants; keeps the current choice when it still exists."""
        if (list(available), default) == self._variants:
            return
        self._variants = (list(available), default)
        options = self._variant_options()
        select = self.query_one("#variant-select", Select)
        self._quiet = True
        try:
            select.set_options(options)
            select.value = self._selection.variant_key
        finally:
            self._quiet = False

    def _variant_options(self) -> list[tuple[str, str]]:
        available, default = self._variants or ([], None)
        options = variant_options(available, default)
        current = self._selection.variant_key
        if current not in [key for _label, key in options]:
            # e.g. --variant NAME for a name the file lacks (or not read yet): keep it visible
            options.insert(1, (f"{current} (not in file)" if self._variants else current, current))
        self._variant_keys = [key for _label, key in options]
        return options

    def select(self, selection: Selection) -> None:
        """Change the selection programmatically (posts Changed like a user choice)."""
        self.query_one("#variant-select", Select).value = selection.variant_key
        self.query_one("#arch-select", Select).value = selection.arch

    def cycle_variant(self, step: int = 1) -> None:
        select = self.query_one("#variant-select", Select)
        keys = self._variant_keys
        index = keys.index(self._selection.variant_key) if self._selection.variant_key in keys else 0
        select.value = keys[(index + step) % len(keys)]

    def cycle_arch(self, step: int = 1) -> None:
        index = ARCH_CHOICES.index(self._selection.arch) if self._selection.arch in ARCH_CHOICES else 0
        self.query_one("#arch-select", Select).value = ARCH_CHOICES[(index + step) % len(ARCH_CHOICES)]

    @on(Select.Changed)
    def _changed(self, event: Select.Changed) -> None:
        event.stop()
        if self._quiet or event.value is Select.BLANK:
            return
        if event.select.id == "variant-select":
            selection = Selection(str(event.value), self._selection.arch)
        else:
            selection = Selection(self._selection.variant_key, str(event.value))
        if selection != self._selection:
            self._selection = selection
            self.post_message(self.Changed(self, selection))
