"""Regenerate screenshots/*.svg and *.png: the workbench's main screens.

    python scripts/screenshots.py [--events FILE] [--failed-events FILE] [--shell-artifact DIR] [--out DIR]
                                  [--only NAME...]

Each screen runs the real app headless (App.run_test) on a fresh copy of examples/hello, is saved
with App.save_screenshot and converted to PNG with rsvg-convert (librsvg2-bin; install
fonts-firacode for the intended glyphs).

- Build screens replay event streams: ``--events FILE`` is a successful build recorded with
  ``genpack-tui --headless --events FILE build``, ``--failed-events FILE`` a failed one; without
  them, streams are made from real emerge output in tests/data (tests/fixtures/app.py:
  recorded_build_events). A "running" picture is the successful stream cut off in the middle of
  lower's emerge.
- The Image pane shows two build records made here (a USE change that adds a file to hello, a
  package added, one removed), as the build history would hold them.
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
from genpack_tui.engine.history.model import BuildRecord, FileEntry, ImageComposition, PackageInImage  # noqa: E402
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


ONLY: set[str] = set()  # --only NAME...: just these pictures


async def shoot(app: WorkbenchApp, size: tuple[int, int], out: Path, name: str, scenario) -> None:
    if ONLY and name not in ONLY:
        return
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


IMAGE_PACKAGES = {  # cpv: {path: size}
    "sys-libs/glibc-2.39-r6": {"/usr/lib64/libc.so.6": 2_150_000, "/usr/lib64/libm.so.6": 930_000,
                               "/usr/bin/ldd": 5_400, "/usr/share/locale/de/LC_MESSAGES/libc.mo": 140_000},
    "app-shells/bash-5.2_p26": {"/bin/bash": 1_180_000, "/etc/bash/bashrc": 3_100,
                                "/usr/share/man/man1/bash.1.bz2": 98_000},
    "sys-apps/coreutils-9.4": {f"/bin/{name}": size for name, size in
                               (("ls", 150_000), ("cp", 140_000), ("mv", 136_000), ("cat", 40_000))},
    "app-misc/hello-1.0": {"/usr/bin/hello": 16_800, "/usr/share/hello/README": 1_200},
    "app-editors/nano-7.2": {"/usr/bin/nano": 290_000, "/usr/share/nano/sh.nanorc": 2_300},
}
VERSIONS = {"sys-libs/glibc-2.39-r6": "2.39-r6", "app-shells/bash-5.2_p26": "5.2_p26",
            "sys-apps/coreutils-9.4": "9.4", "app-misc/hello-1.0": "1.0", "app-editors/nano-7.2": "7.2",
            "app-misc/mc-4.8.31": "4.8.31"}
UNOWNED_FILES = {"/etc/hostname": 6, "/etc/systemd/system/hello.service": 240}


def image_record(started: float, packages: dict[str, dict[str, int]]) -> BuildRecord:
    files = dict(UNOWNED_FILES)
    for owned in packages.values():
        files.update(owned)
    paths = sorted(files)
    index = {path: i for i, path in enumerate(paths)}
    image = ImageComposition(
        file_count=len(paths), byte_size=sum(files.values()), squashfs_size=None,
        files=tuple(FileEntry(path, files[path], 0o100644, 0, 0) for path in paths),
        packages=tuple(PackageInImage(cpv, VERSIONS[cpv], (), sum(owned.values()),
                                      tuple(index[p] for p in sorted(owned)))
                       for cpv, owned in sorted(packages.items())),
        unowned=tuple(index[p] for p in sorted(UNOWNED_FILES)))
    return BuildRecord(id=f"r{started}", artifact="hello", variant=None, arch="x86_64", action="build",
                       started=started, finished=started + 95, ok=True, image=image)


def image_records(*_args):
    """The last build (hello with USE=extra, nano added, coreutils' ls grown) and the one before."""
    before = {cpv: dict(files) for cpv, files in IMAGE_PACKAGES.items() if not cpv.startswith("app-editors/")}
    before["app-misc/mc-4.8.31"] = {"/usr/bin/mc": 1_020_000}
    before["sys-apps/coreutils-9.4"]["/bin/ls"] = 138_000
    after = {cpv: dict(files) for cpv, files in IMAGE_PACKAGES.items()}
    after["app-misc/hello-1.0"]["/usr/share/hello/extra.txt"] = 5_300
    return image_record(1_764_652_000, after), image_record(1_764_648_400, before)


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

    async def image(app, pilot) -> None:
        await pilot.press("f6")
        pane = await app.panes.mounted("#image-pane")
        assert await wait_for(lambda: pane.view is not None), "the Image pane never showed the records"
        tree = pane.query_one("#image-tree")
        tree.expand_path("/usr/share/hello")
        tree.expand_path("/bin")
        pane.select_package("app-misc/hello")

    await shoot(make_app(fresh_artifact(work, "image"), image_records=image_records), (120, 36), out,
                "image-pane", image)

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
    if ONLY and "shell-pane" not in ONLY:
        app_note = ""
    elif real_shell:
        app_note = "upper-bash in the upper layer of " + str(shell_artifact)
    else:
        app_note = "/bin/sh (no --shell-artifact, or not root)"
    if app_note:
        print(f"shell-pane: {app_note}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=Path, help="a recorded --events file of a successful build")
    parser.add_argument("--failed-events", type=Path, help="a recorded --events file of a failed build")
    parser.add_argument("--shell-artifact", type=Path, help="a built artifact: the shell pane runs upper-bash in it")
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--only", nargs="+", metavar="NAME", default=[],
                        help="regenerate only these pictures (e.g. image-pane)")
    options = parser.parse_args()
    ONLY.update(options.only)
    asyncio.run(main(options))
