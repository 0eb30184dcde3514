"""SelectionBar: the variant (default, each variant, none) and arch selectors of the workbench.

The two Selects are six widgets each, and mounting them cost ~45 ms of the workbench's first paint
(measured in tmux against a minimal app). So the bar's first frame shows placeholders drawn like a
compact Select, and the Selects replace them right after it. The bar's own state (``selection``,
the artifact's variants) is authoritative; the Selects, once there, only mirror and edit it.
"""
from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Label, Select

from genpack_tui.widgets.config.selection import ARCH_CHOICES, Selection, variant_options
from genpack_tui.widgets.safe_select import SafeSelect

__all__ = ["SelectionBar"]


class SelectPlaceholder(Widget):
    """What a compact Select shows when closed (its value, then ▼), until the Select is mounted."""

    DEFAULT_CSS = """
    SelectPlaceholder {
        height: 1;
        padding: 0 1 0 0;
        background: $surface;
        color: $foreground;
    }
    """

    def __init__(self, label: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = label

    def show(self, label: str) -> None:
        self.label = label
        self.refresh()

    def render(self) -> Text:
        room = max(0, self.content_size.width - 2)
        arrow = Style(color=self.styles.background.blend(self.styles.color, 0.5).rich_color)  # Select's arrow
        return Text.assemble(self.label[:room].ljust(room), " ", ("▼", arrow))


class SelectionBar(Horizontal):
    DEFAULT_CSS = """
    SelectionBar {
        height: 1;
        & > Label { padding: 0 1 0 0; color: $text-muted; }
        & > Select, & > SelectPlaceholder { width: 28; margin: 0 2 0 0; }
        & > #arch-select, & > #arch-placeholder { width: 16; }
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
        self.selects_mounted = False

    @property
    def selection(self) -> Selection:
        return self._selection

    def compose(self) -> ComposeResult:
        yield Label(f"{self._prefix}variant")
        yield SelectPlaceholder(self._variant_label(), id="variant-placeholder")
        yield Label("arch")
        yield SelectPlaceholder(self._selection.arch, id="arch-placeholder")

    def on_mount(self) -> None:
        self._schedule_selects()

    def _schedule_selects(self) -> None:
        self.call_after_refresh(self._mount_selects)

    async def _mount_selects(self) -> None:
        if self.selects_mounted or not self.is_attached:
            return
        options = self._variant_options()
        variant = SafeSelect(options, value=self._selection.variant_key, allow_blank=False, compact=True,
                             id="variant-select")
        arch = SafeSelect([(a, a) for a in ARCH_CHOICES], value=self._selection.arch, allow_blank=False,
                          compact=True, id="arch-select")
        with self.app.batch_update():
            await self.mount(variant, before="#variant-placeholder")
            await self.mount(arch, before="#arch-placeholder")
            await self.query(SelectPlaceholder).remove()
        if not (self.is_attached and variant.is_attached and arch.is_attached):
            return  # removed meanwhile: the app closing, or the bar replaced
        self.selects_mounted = True
        # the file's variants or a key press may have come while they mounted (the placeholders took it)
        latest = self._variant_options()
        if latest != options:
            self._set_variant_options(variant, latest)
        variant.value, arch.value = self._selection.variant_key, self._selection.arch

    def set_variants(self, available: list[str], default: str | None) -> None:
        """Offer the artifact's variants; keeps the current choice when it still exists."""
        if (list(available), default) == self._variants:
            return
        self._variants = (list(available), default)
        if self.selects_mounted:
            self._set_variant_options(self.query_one("#variant-select", Select), self._variant_options())
        else:
            self._show_placeholders()

    def _set_variant_options(self, select: Select, options: list[tuple[str, str]]) -> None:
        # the Changed events this causes are echoes of the bar's state; _changed lets them pass silently
        select.set_options(options)
        select.value = self._selection.variant_key

    def _variant_options(self) -> list[tuple[str, str]]:
        available, default = self._variants or ([], None)
        options = variant_options(available, default)
        current = self._selection.variant_key
        if current not in [key for _label, key in options]:
            # e.g. --variant NAME for a name the file lacks (or not read yet): keep it visible
            options.insert(1, (f"{current} (not in file)" if self._variants else current, current))
        return options

    def _variant_label(self) -> str:
        return dict((key, label) for label, key in self._variant_options())[self._selection.variant_key]

    def _show_placeholders(self) -> None:
        labels = {"variant-placeholder": self._variant_label(), "arch-placeholder": self._selection.arch}
        for placeholder in self.query(SelectPlaceholder):  # none once the Selects are in (or going in)
            placeholder.show(labels[placeholder.id or ""])

    def select(self, selection: Selection) -> None:
        """Change the selection programmatically (posts Changed like a user choice)."""
        if self.selects_mounted:  # the Selects post their Changed, which _changed turns into ours
            self.query_one("#variant-select", Select).value = selection.variant_key
            self.query_one("#arch-select", Select).value = selection.arch
        elif selection != self._selection:
            self._selection = selection
            self._show_placeholders()
            self.post_message(self.Changed(self, selection))

    def cycle_variant(self, step: int = 1) -> None:
        keys = [key for _label, key in self._variant_options()]
        index = keys.index(self._selection.variant_key) if self._selection.variant_key in keys else 0
        self.select(Selection(keys[(index + step) % len(keys)], self._selection.arch))

    def cycle_arch(self, step: int = 1) -> None:
        index = ARCH_CHOICES.index(self._selection.arch) if self._selection.arch in ARCH_CHOICES else 0
        self.select(Selection(self._selection.variant_key, ARCH_CHOICES[(index + step) % len(ARCH_CHOICES)]))

    @on(Select.Changed)
    def _changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.value is Select.BLANK:
            return
        if not self.selects_mounted or event.value != event.select.value:
            # a Select's echo of the value it was made with (it mounts while the bar's state may
            # move on), or a stale event: the Select has changed again since
            return
        if event.select.id == "variant-select":
            selection = Selection(str(event.value), self._selection.arch)
        else:
            selection = Selection(self._selection.variant_key, str(event.value))
        if selection != self._selection:
            self._selection = selection
            self.post_message(self.Changed(self, selection))
