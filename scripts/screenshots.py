"""Regenerate screenshots/*.svg and *.png: the workbench's main screens.

    python scripts/screenshots.py [--events FILE] [--failed-events FILE] [--shell-artifact DIR] [--out DIR]

Each screen runs the real app headless (App.run_test) on a fresh copy of examples/hello, is saved
with App.save_screenshot and converted to PNG with rsvg-convert (librsvg2-bin; install
fonts-firacode for the intended glyphs).

- Build screens replay event streams: ``--events FILE`` is a successful build recorded with
  ``genpack-tui --headless --events FILE build``, ``--failed-events FILE`` a failed one; without
  them, streams are made from real emerge output in tests/data (tests/fixtures/app.py:
  recorded_build_events). A "running" picture is the successful stream cut off in the middle of
  lower's emerge.
- The shell pane runs ``upper-bash`` through the engine when ``--shell-artifact`` names a built
  artifact and we are root; otherwise /bin/sh stands in (the pane is the same widget).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from genpack_tui.app import WorkbenchApp  # noqa: E402
from genpack_tui.engine.build.request import BuildRequest  # noqa: E402
from genpack_tui.engine.events import EmergeProgress, read_json_lines  # noqa: E402
from genpack_tui.parser import parse_args  # noqa: E402
from genpack_tui.widgets.config.selection import NONE_KEY, Selection  # noqa: E402
from genpack_tui.workbench.shell import engine_shell_command  # noqa: E402
from tests.fixtures.app import recorded_build_events, wait_for, write_events  # noqa: E402

EXAMPLE = ROOT / "examples" / "hello"


def png_from_svg(svg: Path) -> Path:
    """rsvg-convert, after making spaces survive: Textual writes them as &#160; at segment edges,
    which librsvg drops."""
    text = svg.read_text()
    text = text.replace("&#160;", " ").replace("<svg ", '<svg xml:space="preserve" ', 1)
    fixed = svg.with_suffix(".tmp.svg")
    fixed.write_text(text)
    png = svg.with_suffix(".png")
    try:
        subprocess.run(["rsvg-convert", "-o", str(png), str(fixed)], check=True)
    finally:
        fixed.unlink()
    return png


def fresh_artifact(workdir: Path, name: str) -> Path:
    artifact = workdir / name / "hello"
    shutil.copytree(EXAMPLE, artifact)
    return artifact


async def settle(app: WorkbenchApp, pilot) -> None:
    assert await wait_for(lambda: app.resolution is not None), "the configuration never resolved"
    await wait_for(lambda: not any(worker.is_running for worker in app.workers if worker.group != "watch"))
    await pilot.pause()


async def shoot(app: WorkbenchApp, size: tuple[int, int], out: Path, name: str, scenario) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await scenario(app, pilot)
        await pilot.pause(0.3)
        app.clear_notifications()
        await pilot.pause()
        app.save_screenshot(filename=f"{name}.svg", path=str(out))
    print(f"{name}: {png_from_svg(out / f'{name}.svg')}")


def make_app(artifact: Path, *args: str, **kwargs) -> WorkbenchApp:
    return WorkbenchApp(artifact, parse_args(["-C", str(artifact), "--arch", "x86_64", *args]), watch=False,
                        **kwargs)


def running_cut(events: list) -> list:
    """The stream up to the middle of lower's emerge (what a person sees while it runs)."""
    progress = [i for i, e in enumerate(events) if isinstance(e, EmergeProgress)]
    return events[: progress[len(progress) // 2] + 1] if progress else events


async def main(opts: argparse.Namespace) -> None:
    out = opts.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="genpack-shots-"))
    def stream(path: Path | None, outcome: str) -> list:
        if path is None:
            return recorded_build_events(outcome)
        with open(path, encoding="utf-8") as events:
            return list(read_json_lines(events))

    finished = stream(opts.events, "ok")
    files = {
        "finished": write_events(work / "finished.jsonl", finished),
        "running": write_events(work / "running.jsonl", running_cut(finished)),
        "failed": write_events(work / "failed.jsonl", stream(opts.failed_events, "failed")),
    }

    async def nothing(app, pilot) -> None:
        return None

    async def overrides(app, pilot) -> None:
        await pilot.press("o")

    await shoot(make_app(fresh_artifact(work, "tree"), "--variant", "quiet", "--arch", "aarch64"),
                (120, 36), out, "config-tree-provenance", overrides)
    await shoot(make_app(fresh_artifact(work, "small")), (80, 24), out, "config-tree-80x24", nothing)

    broken = fresh_artifact(work, "errors")

    async def break_it(app, pilot) -> None:
        config = broken / "genpack.json5"
        shown = app.resolution
        config.write_text(config.read_text().replace("uid: 1000", 'uid: "1000"').replace(
            'profile: "paravirt",', 'profile: "paravirt",\n  setup_command: ["true"],'))
        app.request_resolve()
        assert await wait_for(lambda: app.resolution is not shown), "the edit was never resolved"

    await shoot(make_app(broken), (120, 36), out, "config-errors-in-place", break_it)

    def replay(kind: str):
        async def scenario(app, pilot) -> None:
            assert await app.replay(files[kind])
            if kind == "failed":
                app.query_one("#runner").shown_log.focus()
                await pilot.press("e")
        return scenario

    for kind in ("running", "finished", "failed"):
        await shoot(make_app(fresh_artifact(work, kind)), (120, 36), out, f"build-{kind}", replay(kind))

    async def diff(app, pilot) -> None:
        await pilot.press("f3")
        pane = app.query_one("#config-diff")
        pane.set_selections(Selection(NONE_KEY, "x86_64"), Selection("quiet", "aarch64"))
        assert await wait_for(lambda: "B quiet · aarch64" in pane.text())

    await shoot(make_app(fresh_artifact(work, "diff")), (120, 36), out, "config-diff", diff)

    async def help_screen(app, pilot) -> None:
        await pilot.press("f1")

    await shoot(make_app(fresh_artifact(work, "help")), (100, 32), out, "help", help_screen)

    shell_artifact = opts.shell_artifact.resolve() if opts.shell_artifact else None
    real_shell = shell_artifact is not None and os.geteuid() == 0
    if real_shell:
        shell_command = engine_shell_command
        artifact = shell_artifact
        command = "cat /etc/issue; id greeter; ls /etc/systemd/system/multi-user.target.wants/"
    else:
        sh_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PS1": "sh$ ", "HOME": "/tmp", "ENV": ""}

        def shell_command(request: BuildRequest):
            return ["/bin/sh"], sh_env

        artifact = fresh_artifact(work, "shell")
        command = "printf '\\033[32mgreen\\033[0m \\033[1mbold\\033[0m\\n'; uname -sm"

    async def shell(app, pilot) -> None:
        await pilot.press("S")
        assert await wait_for(lambda: bool(app.query("#shell-pane")), timeout=30)
        pane = app.query_one("#shell-pane")
        prompt = re.compile(r"(root@\S+:/#|sh\$)\s*$")
        assert await wait_for(lambda: bool(prompt.search(pane.screen_text())), timeout=60), pane.screen_text()
        pane.send_text(command + "\r")
        await pilot.pause(2.0)

    await shoot(make_app(artifact, shell_command=shell_command), (110, 30), out, "shell-pane", shell)
    if real_shell:
        app_note = "upper-bash in the upper layer of " + str(shell_artifact)
    else:
        app_note = "/bin/sh (no --shell-artifact, or not root)"
    print(f"shell-pane: {app_note}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=Path, help="a recorded --events file of a successful build")
    parser.add_argument("--failed-events", type=Path, help="a recorded --events file of a failed build")
    parser.add_argument("--shell-artifact", type=Path, help="a built artifact: the shell pane runs upper-bash in it")
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    asyncio.run(main(parser.parse_args()))
