"""SafeSelect: Textual issue #6581 (Select's current-value widget updated before it is mounted)."""
from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.css.query import NoMatches
from textual.widgets import Select
from textual.widgets._select import SelectCurrent

from genpack_tui.widgets.safe_select import MountSafeSelectCurrent, SafeSelect
from tests.fixtures.app import wait_for


def test_stock_select_current_still_fails_before_mount() -> None:
    """The upstream bug, reproduced directly. When this fails, Textual has fixed it: use Select again."""
    with pytest.raises(NoMatches):
        SelectCurrent("Select").update("a value")


async def test_composes_what_select_does_with_the_safe_current_widget() -> None:
    """What SafeSelect relies on: Select composes one SelectCurrent (with a placeholder), then the rest."""
    class Host(App):
        def compose(self) -> ComposeResult:
            yield Select([("a", 1)], value=1, id="stock")
            yield SafeSelect([("a", 1)], value=1, id="safe")

    async with Host().run_test(size=(40, 10)) as pilot:
        stock = [type(w) for w in pilot.app.query_one("#stock").children]
        safe = list(pilot.app.query_one("#safe").children)
        assert stock.count(SelectCurrent) == 1
        assert [type(w) for w in safe] == [MountSafeSelectCurrent if t is SelectCurrent else t for t in stock]
        assert safe[stock.index(SelectCurrent)].placeholder == "Select"


async def test_a_label_set_before_mount_is_shown_once_mounted() -> None:
    current = MountSafeSelectCurrent("Select")
    current.update("early value")  # what Select's mount can do too soon
    assert current.has_value

    class Host(App):
        def compose(self) -> ComposeResult:
            yield current

    async with Host().run_test(size=(40, 3)):
        assert await wait_for(lambda: current.is_mounted)
        label = current.query_one("#label")
        assert str(label.render()) == "early value"
        current.update("later")
        assert str(current.query_one("#label").render()) == "later"


async def test_safe_select_behaves_as_a_select() -> None:
    class Host(App):
        def compose(self) -> ComposeResult:
            yield SafeSelect([("one", 1), ("two", 2)], value=2, allow_blank=False, compact=True, id="s")

    async with Host().run_test(size=(40, 6)) as pilot:
        select = pilot.app.query_one("#s", Select)
        assert select.value == 2
        assert str(select.query_one("#label").render()) == "two"
        select.focus()
        await pilot.press("enter", "up", "enter")
        assert await wait_for(lambda: select.value == 1)
        assert str(select.query_one("#label").render()) == "one"


async def test_a_mount_cut_short_by_the_app_closing_raises_nothing() -> None:
    """A widget that is closing mounts no children, yet still gets its Mount: no #label, ever."""
    class Hollow(MountSafeSelectCurrent):
        def compose(self) -> ComposeResult:
            return iter(())

    current = Hollow("Select")

    class Host(App):
        def compose(self) -> ComposeResult:
            yield current

    async with Host().run_test(size=(40, 3)):
        assert await wait_for(lambda: current.is_mounted)
        assert not current.query("#label")
        current.update("a value")
        assert current.label == "a value" and current.has_value


async def test_value_watcher_lets_missing_parts_pass_only_while_the_app_closes() -> None:
    """A Select whose mount was cut short has its current-value widget but no overlay."""
    from textual.widgets._select import SelectOverlay

    class Partial(SafeSelect):
        def compose(self) -> ComposeResult:
            yield from (w for w in super().compose() if not isinstance(w, SelectOverlay))

    def host(select: SafeSelect) -> App:
        class Host(App):
            def compose(self) -> ComposeResult:
                yield select
        return Host()

    running = Partial([("one", 1), ("two", 2)])  # blank: mounting reads no overlay
    with pytest.raises(NoMatches):  # while the app runs, a missing part is a real error
        async with host(running).run_test(size=(40, 6)):
            assert await wait_for(lambda: running.is_mounted)
            running.value = 1

    closing = Partial([("one", 1), ("two", 2)])
    app = host(closing)
    async with app.run_test(size=(40, 6)):
        assert await wait_for(lambda: closing.is_mounted)
    assert not app.is_running
    closing.value = 2  # the app has closed: nothing to show it in, nothing raised
    assert closing.value == 2
