"""The workbench's plan screen (p, or the palette): the plan of the selected variant and arch, read-only."""
from __future__ import annotations

from pathlib import Path

from genpack_tui.app import WorkbenchApp
from genpack_tui.commands.plan import plan_text, resolve_plan
from genpack_tui.palette import workbench_commands
from genpack_tui.parser import parse_args
from genpack_tui.screens.plan import PlanScreen
from genpack_tui.widgets.config.selection import Selection
from tests.fixtures.app import wait_for


def make_app(artifact: Path) -> WorkbenchApp:
    return WorkbenchApp(artifact, parse_args(["-C", str(artifact), "--arch", "x86_64"]), watch=False)


async def test_p_shows_the_plan_of_the_selection(hello_artifact: Path) -> None:
    app = make_app(hello_artifact)
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_for(lambda: app.resolution is not None)
        app.select(Selection("quiet", "aarch64"))
        assert await wait_for(lambda: app.selection == Selection("quiet", "aarch64"))
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, PlanScreen)
        _, plan = resolve_plan(app.base_request())
        assert plan is not None and (plan.variant, plan.arch) == ("quiet", "aarch64")
        assert app.screen.text == plan_text(plan)  # the same text as `genpack-tui plan`
        assert "[lower container] Emerging all packages..." in app.screen.text
        await pilot.press("escape")
        assert not isinstance(app.screen, PlanScreen)
        assert "Show the build plan" in [c.title for c in workbench_commands(app)]


async def test_plan_screen_of_a_broken_config(hello_artifact: Path) -> None:
    app = make_app(hello_artifact)
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_for(lambda: app.resolution is not None)
        (hello_artifact / "genpack.json5").write_text('{ name: "hello", packages: 3 }\n')
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, PlanScreen)
        assert app.screen.text.startswith("No plan: the configuration has errors.")
        assert "packages" in app.screen.text
