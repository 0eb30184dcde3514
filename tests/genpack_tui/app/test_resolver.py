"""The workbench's resolve pipeline without the UI: only the newest resolve is shown, statuses only for it,
and an edit made before the watch began is told apart from none (real files, the real engine)."""
from __future__ import annotations

from pathlib import Path

from genpack_tui.widgets.config.selection import DEFAULT_KEY, Selection
from genpack_tui.workbench.resolver import Resolver
from tests.fixtures.app import save_atomically


def test_only_the_newest_resolve_is_shown(hello_artifact: Path) -> None:
    resolver = Resolver(hello_artifact, devel=False)
    first, second = resolver.next_generation(), resolver.next_generation()
    assert resolver.accept(second)
    assert not resolver.accept(first), "an older resolve arriving late replaces nothing"
    assert not resolver.accept(second), "nor does the same one twice"
    assert resolver.statuses_current(second) and not resolver.statuses_current(first)
    third = resolver.next_generation()
    assert resolver.accept(third) and not resolver.statuses_current(second)


def test_resolve_and_phase_statuses(hello_artifact: Path) -> None:
    resolver = Resolver(hello_artifact, devel=False)
    resolution = resolver.resolve(Selection(DEFAULT_KEY, "x86_64"))
    assert resolution.ok and resolution.name == "hello"
    assert [s.phase for s in resolver.phase_statuses(resolution)] == ["lower", "upper", "pack"]


def test_edits_before_the_watch_began(hello_artifact: Path) -> None:
    config = hello_artifact / "genpack.json5"
    resolver = Resolver(hello_artifact, devel=False)
    assert not resolver.edited_while_unwatched(), "nothing read yet: nothing to compare"
    resolution = resolver.resolve(Selection(DEFAULT_KEY, "x86_64"))
    resolver.phase_statuses(resolution)
    assert not resolver.edited_while_unwatched()
    (hello_artifact / "files" / "etc" / "motd").write_text("edited\n")  # an input of upper
    assert resolver.edited_while_unwatched()

    resolver = Resolver(hello_artifact, devel=False)
    resolver.resolve(Selection(DEFAULT_KEY, "x86_64"))
    save_atomically(config, config.read_text() + "\n")
    assert resolver.edited_while_unwatched()


def test_reads_after_the_watch_began_are_not_recorded(hello_artifact: Path) -> None:
    resolver = Resolver(hello_artifact, devel=False)
    resolver.watch_began()
    resolver.resolve(Selection(DEFAULT_KEY, "x86_64"))
    save_atomically(hello_artifact / "genpack.json5", (hello_artifact / "genpack.json5").read_text() + "\n")
    assert resolver.watching and not resolver.edited_while_unwatched(), "the watch reports this one"
