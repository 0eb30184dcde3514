"""Benchmark: the Image pane on a generated 100k-file image, compared with the build before it.

Prints figures; asserts nothing. Run:  .venv/bin/python -m benchmarks.bench_image_pane [--files N]

- adapter: two BuildRecords (engine/history/model.py) → the pane's view-model
  (widgets/image/from_history.py), the work the workbench does on a thread before showing.
- first paint: a headless host app (120x40) is started with the view in hand; the time from
  ``run_test`` entering to the first frame with the pane's top level drawn (Textual's own start-up
  included), and from ``ImagePane.show`` on a running app to the next frame (what F6 costs once the
  records are read).
- key latency: a fixed walk through the pane — moving through the tree, expanding and collapsing
  directories (one of them with 5,000 files), switching to the package table, sorting it by name
  and size, listing the largest package's files — each key sent through the driver (the path real
  input takes) and timed until every widget's message queue is empty and the next frame is drawn
  (Screen._compositor_refresh, patched to note its times; a key that changes nothing on screen
  counts until its queues emptied). The same walk on a 7-file image is the baseline.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import random
import time
from pathlib import Path

from benchmarks.measure import percentile
from benchmarks.summary import write_summary

SIZE = (120, 40)
WIDE_DIR_FILES = 5_000  # one directory this wide, as /usr/share/zoneinfo or a locale dir are


def generate_records(count: int, seed: int = 13):
    """Two build records of an image of ``count`` files: packages of ~250 files in nested
    directories, one flat directory of WIDE_DIR_FILES files, unowned files under /etc; the previous
    build lacks a few packages, has a few others, and some files were smaller."""
    from genpack_tui.engine.history.model import BuildRecord, FileEntry, ImageComposition, PackageInImage

    rng = random.Random(seed)
    tops = ["usr/lib64", "usr/share", "usr/bin", "usr/libexec", "opt", "usr/include"]
    packages: dict[str, dict[str, int]] = {}
    wide = {f"/usr/share/zoneinfo/zone{i:05d}": rng.randint(100, 4000) for i in range(WIDE_DIR_FILES)}
    packages["sys-libs/timezone-data-2024a"] = wide
    remaining = count - len(wide) - 200
    n = 0
    while remaining > 0:
        files = min(remaining, rng.randint(50, 450))
        name = f"cat-{n % 40}/pkg{n}-1.{n % 7}"
        top = tops[n % len(tops)]
        packages[name] = {f"/{top}/pkg{n}/d{i % 17}/s{i % 5}/f{i}": rng.randint(10, 200_000) for i in range(files)}
        remaining -= files
        n += 1
    unowned = {f"/etc/conf{i}/file{i}": rng.randint(10, 3000) for i in range(200)}

    def record(started: float, chosen: dict[str, dict[str, int]]) -> BuildRecord:
        files = dict(unowned)
        for owned in chosen.values():
            files.update(owned)
        paths = sorted(files)
        index = {path: i for i, path in enumerate(paths)}
        image = ImageComposition(
            file_count=len(paths), byte_size=sum(files.values()), squashfs_size=None,
            files=tuple(FileEntry(p, files[p], 0o100644, 0, 0) for p in paths),
            packages=tuple(PackageInImage(cpv, cpv.rsplit("-", 1)[1], (), sum(owned.values()),
                                          tuple(index[p] for p in owned)) for cpv, owned in sorted(chosen.items())),
            unowned=tuple(index[p] for p in sorted(unowned)))
        return BuildRecord(id=f"r{started}", artifact="bench", variant=None, arch="x86_64", action="build",
                           started=started, finished=started + 60, ok=True, image=image)

    names = sorted(packages)
    previous = {name: dict(packages[name]) for name in names[10:]}  # 10 packages were added since
    for name in names[10:40]:  # 30 grew
        for path in list(previous[name])[:20]:
            previous[name][path] //= 2
    for i in range(5):  # 5 were removed
        previous[f"cat-x/gone{i}-1"] = {f"/usr/lib64/gone{i}/f{j}": 5000 for j in range(100)}
    return record(1_700_000_600, packages), record(1_700_000_000, previous)


def tiny_records():
    from genpack_tui.engine.history.model import BuildRecord, FileEntry, ImageComposition, PackageInImage

    files = {"/usr/bin/hello": 40_000, "/usr/share/hello/README": 900, "/usr/share/zoneinfo/UTC": 120,
             "/usr/lib64/libc.so.6": 2_000_000, "/usr/lib64/libm.so.6": 900_000, "/etc/hostname": 6,
             "/opt/x": 10}
    paths = sorted(files)
    image = ImageComposition(len(paths), sum(files.values()), None,
                             tuple(FileEntry(p, files[p], 0o100644, 0, 0) for p in paths),
                             (PackageInImage("sys-libs/glibc-2.39", "2.39", (), 2_900_000,
                                             (paths.index("/usr/lib64/libc.so.6"), paths.index("/usr/lib64/libm.so.6"))),),
                             tuple(i for i, p in enumerate(paths) if not p.startswith("/usr/lib64")))
    record = BuildRecord("r", "bench", None, "x86_64", "build", 1.0, 2.0, True, image=image)
    return record, record


def host_app(view):
    from textual.app import App, ComposeResult

    from genpack_tui.widgets.image.pane import ImagePane

    class Host(App[None]):
        def __init__(self) -> None:
            super().__init__()
            self.first_paint: float | None = None

        def compose(self) -> ComposeResult:
            yield ImagePane(id="pane")

        def on_mount(self) -> None:
            self.query_one(ImagePane).show(view)
            self.query_one("#image-tree").focus()
            self.call_after_refresh(self._painted)

        def _painted(self) -> None:
            self.first_paint = time.perf_counter()

    return Host()


# The walk: (keys, what they do). The tree starts with / expanded: usr, etc, opt at the top level.
WALK = [
    *[("down", "tree: move")] * 3,
    ("enter", "tree: expand"), *[("down", "tree: move")] * 4, ("enter", "tree: expand"),
    *[("down", "tree: move")] * 6, ("enter", "tree: collapse or expand"),
    ("up", "tree: move"), ("enter", "tree: toggle"),
    ("pagedown", "tree: page"), ("pageup", "tree: page"), ("end", "tree: end"), ("home", "tree: home"),
    ("tab", "focus the package table"), *[("down", "table: move")] * 5,
    ("n", "table: sort by name"), ("n", "table: reverse"), ("s", "table: sort by size"),
    ("home", "table: top"), ("enter", "table: list the largest package's files"),
    *[("down", "table: move")] * 3, ("enter", "table: list files"),
]


async def measure(make_records, expand_wide: bool) -> dict:
    """The figures for the records ``make_records()`` returns; the records are dropped once adapted,
    as the workbench drops them (its reading thread returns), so the garbage collector does not
    walk them during the measurement."""
    from genpack_tui.widgets.image.from_history import image_view
    from genpack_tui.widgets.image.size_tree import SizeTree

    records = make_records()
    t0 = time.perf_counter()
    view = image_view(*records)
    adapter_ms = (time.perf_counter() - t0) * 1000
    del records
    gc.collect()
    assert view is not None
    app = host_app(view)
    started = time.perf_counter()
    latencies: list[float] = []
    slowest = ("", 0.0)
    async with app.run_test(size=SIZE) as pilot:
        entered = time.perf_counter()
        while app.first_paint is None:
            await asyncio.sleep(0.001)
        first_paint_ms = (app.first_paint - started) * 1000
        after_entry_ms = (app.first_paint - entered) * 1000
        await pilot.pause()
        pane = app.query_one("#pane")
        t0 = time.perf_counter()
        pane.show(view)
        await pilot.pause()
        reshow_ms = (time.perf_counter() - t0) * 1000
        tree = app.query_one(SizeTree)
        if expand_wide:  # put the 5,000-file directory in the walk's way
            share = tree.expand_path("/usr/share")
            await pilot.pause()
            tree.move_cursor(share)
            await pilot.pause()
        for key, what in WALK:
            ms = await key_latency(app, key)
            latencies.append(ms)
            if ms > slowest[1]:
                slowest = (f"{key} ({what})", ms)
        wide = tree.node_for("/usr/share/zoneinfo")
        wide_children = len(wide.children) if wide is not None else 0
        t0 = time.perf_counter()
        built = tree.expand_path("/usr/share/zoneinfo")
        await pilot.pause()
        wide_expand_ms = (time.perf_counter() - t0) * 1000 if wide_children == 0 else None
        nodes = sum(1 for _ in _walk(tree.root))
    return {
        "files": view.current.file_count, "packages": len(view.current.packages),
        "adapter_ms": round(adapter_ms, 1), "first_paint_ms": round(first_paint_ms, 1),
        "first_paint_after_start_ms": round(after_entry_ms, 1), "show_to_frame_ms": round(reshow_ms, 1),
        "keys": len(latencies), "key_p50_ms": round(percentile(latencies, 50), 1),
        "key_p95_ms": round(percentile(latencies, 95), 1), "key_max_ms": round(max(latencies), 1),
        "slowest_key": f"{slowest[0]} {slowest[1]:.1f} ms",
        "wide_dir_expand_ms": round(wide_expand_ms, 1) if wide_expand_ms is not None else "expanded in the walk",
        "wide_dir_shown": built is not None, "tree_nodes_built": nodes,
    }


FRAMES: list[float] = []


def note_frames() -> None:
    from textual.screen import Screen

    refresh = Screen._compositor_refresh

    def noted(self) -> None:
        refresh(self)
        FRAMES.append(time.perf_counter())

    Screen._compositor_refresh = noted  # type: ignore[method-assign]


def queues_empty(app) -> bool:
    pumps = [app, app.screen, *app.screen.walk_children()]
    return all(pump._message_queue.empty() for pump in pumps)


async def key_latency(app, key: str) -> float:
    """ms from sending ``key`` to the frame that shows its effect (see the module's docstring)."""
    from textual import events

    frames_before = len(FRAMES)
    t0 = time.perf_counter()
    app._driver.send_message(events.Key(key, key if len(key) == 1 else None))
    await asyncio.sleep(0)
    while not queues_empty(app):
        await asyncio.sleep(0.0005)
    settled = time.perf_counter()
    while time.perf_counter() - settled < 0.05:  # three frames at 60 Hz
        if any(t >= settled for t in FRAMES[frames_before:]):
            return (next(t for t in FRAMES[frames_before:] if t >= settled) - t0) * 1000
        await asyncio.sleep(0.0005)
    await asyncio.sleep(0.05)  # let a late repaint finish before the next key
    return (settled - t0) * 1000


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--summary", type=Path, help="also write the key figures to this JSON file")
    args = parser.parse_args()
    note_frames()
    baseline = asyncio.run(measure(tiny_records, expand_wide=False))
    t0 = time.perf_counter()

    def generated():
        records = generate_records(args.files)
        print(f"generated two records of {args.files:,} files in {time.perf_counter() - t0:.1f} s")
        return records

    result = asyncio.run(measure(generated, expand_wide=True))
    for label, figures in (("7-file image (baseline)", baseline), (f"{result['files']:,}-file image", result)):
        print(f"\n{label}")
        for key, value in figures.items():
            print(f"  {key:28} {value}")
    print(f"\nfirst paint {result['first_paint_ms']} ms (target ≤ 500 ms), "
          f"key latency p95 {result['key_p95_ms']} ms (target ≤ 100 ms; baseline {baseline['key_p95_ms']} ms)")
    write_summary(args.summary, {"image_files": result["files"], "image_first_paint_ms": result["first_paint_ms"],
                                 "image_key_p95_ms": result["key_p95_ms"], "image_adapter_ms": result["adapter_ms"],
                                 "baseline_key_p95_ms": baseline["key_p95_ms"]})


if __name__ == "__main__":
    main()
