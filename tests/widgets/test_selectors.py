"""SelectionBar: placeholders for the first frame, then the real Selects, one state throughout."""
from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Select

from genpack_tui.widgets.config.selection import NONE_KEY, Selection
from genpack_tui.widgets.config.selectors import SelectionBar, SelectPlaceholder
from tests.fixtures.app import wait_for


class HeldBar(SelectionBar):
    """Keeps its placeholders until ``release()``, so the window before the Selects is testable."""

    def _schedule_selects(self) -> None:
        """Not yet."""

    def release(self) -> None:
        self.call_after_refresh(self._mount_selects)


class BarApp(App):
    def __init__(self, bar: SelectionBar) -> None:
        super().__init__()
        self.bar = bar
        self.changes: list[Selection] = []

    def compose(self) -> ComposeResult:
        yield self.bar

    def on_selection_bar_changed(self, event: SelectionBar.Changed) -> None:
        self.changes.append(event.selection)


def placeholder_lines(app: App) -> list[str]:
    return [str(p.render()) for p in app.query(SelectPlaceholder)]


async def test_placeholders_first_then_selects_with_the_same_state() -> None:
    bar = HeldBar(Selection("(default)", "x86_64"), id="bar")
    app = BarApp(bar)
    async with app.run_test(size=(80, 5)) as pilot:
        await pilot.pause()
        assert not bar.selects_mounted and not app.query(Select)
        first = placeholder_lines(app)
        assert first[0].startswith("default (none)") and first[0].endswith(" ▼")
        assert first[1].startswith("x86_64") and len(first[1]) == 15  # width 16, less the padding

        # before the Selects exist: the file's variants arrive, and the keys cycle the state
        bar.set_variants(["quiet", "loud"], "quiet")
        assert placeholder_lines(app)[0].startswith("default (quiet)")
        bar.cycle_variant()
        bar.cycle_arch()
        assert await wait_for(lambda: len(app.changes) == 2)
        assert bar.selection == Selection("quiet", "aarch64")
        assert app.changes == [Selection("quiet", "x86_64"), Selection("quiet", "aarch64")]
        assert [line.split()[0] for line in placeholder_lines(app)] == ["quiet", "aarch64"]

        bar.release()
        assert await wait_for(lambda: bar.selects_mounted)
        assert not app.query(SelectPlaceholder)
        variant, arch = app.query_one("#variant-select", Select), app.query_one("#arch-select", Select)
        assert (variant.value, arch.value) == ("quiet", "aarch64")
        assert [key for _label, key in variant._options] == ["(default)", "quiet", "loud", NONE_KEY]
        assert await wait_for(lambda: 0 < variant.region.x < arch.region.x)  # in place of their placeholders

        changes_before = len(app.changes)
        bar.cycle_variant()  # now through the Select
        assert await wait_for(lambda: len(app.changes) > changes_before)
        assert bar.selection == Selection("loud", "aarch64") and variant.value == "loud"


async def test_selects_replace_placeholders_after_the_first_frame() -> None:
    app = BarApp(SelectionBar(Selection(NONE_KEY, "riscv64"), variants=(["a"], None), id="bar"))
    async with app.run_test(size=(80, 5)):
        assert await wait_for(lambda: app.bar.selects_mounted)
        assert not app.query(SelectPlaceholder)
        assert app.query_one("#variant-select", Select).value == NONE_KEY
        assert app.query_one("#arch-select", Select).value == "riscv64"
        assert app.changes == []  # mounting the Selects is not a user's choice


async def test_changes_while_the_selects_mount_reach_them() -> None:
    """The file's variants and a key press arriving between the Selects being made and mounted."""
    class BusyBar(SelectionBar):
        def mount(self, *widgets, **kwargs):
            if widgets and isinstance(widgets[0], Select) and not getattr(self, "_changed_once", False):
                self._changed_once = True
                self.set_variants(["gpu"], "gpu")
                self.cycle_arch()
            return super().mount(*widgets, **kwargs)

    app = BarApp(BusyBar(Selection("(default)", "x86_64"), id="bar"))
    async with app.run_test(size=(80, 5)):
        assert await wait_for(lambda: app.bar.selects_mounted)
        variant, arch = app.query_one("#variant-select", Select), app.query_one("#arch-select", Select)
        assert await wait_for(lambda: arch.value == "aarch64")
        assert [label for label, _key in variant._options] == ["default (gpu)", "gpu", "none"]
        assert app.bar.selection == Selection("(default)", "aarch64")
        assert app.changes == [Selection("(default)", "aarch64")]  # once, not again when the Select caught up
