"""The Image pane (widgets/image/): the size tree (lazy expand, sizes, shares), the package table
(sort by size and name, by key and by header click), the diff with the previous build (added,
removed, grown: glyph and colour), a selected package's files, and the empty state."""
from __future__ import annotations

from textual.app import App, ComposeResult

from genpack_tui.widgets.image.package_table import PackageTable
from genpack_tui.widgets.image.pane import EMPTY, ImagePane
from genpack_tui.widgets.image.size_tree import SizeTree
from genpack_tui.widgets.image.view_model import ImagePackage, ImageSnapshot, ImageView

KIB = 1024


def snapshot(label: str, files: dict[str, int], packages: dict[str, tuple[str, list[str]]],
             unowned: tuple[str, ...] = ()) -> ImageSnapshot:
    paths = sorted(files)
    return ImageSnapshot(label, paths, [files[p] for p in paths],
                         tuple(ImagePackage(name, version, sum(files[p] for p in owned), tuple(owned))
                               for name, (version, owned) in packages.items()), unowned)


PREVIOUS_FILES = {
    "/usr/bin/hello": 40 * KIB, "/usr/share/hello/README": 4 * KIB,
    "/usr/lib64/libc.so.6": 2000 * KIB, "/usr/lib64/libm.so.6": 900 * KIB,
    "/usr/bin/oldtool": 100 * KIB, "/etc/hostname": 10,
}
CURRENT_FILES = {
    "/usr/bin/hello": 48 * KIB, "/usr/share/hello/README": 4 * KIB, "/usr/share/hello/extra.txt": 2 * KIB,
    "/usr/lib64/libc.so.6": 2000 * KIB, "/usr/lib64/libm.so.6": 900 * KIB,
    "/usr/bin/newtool": 300 * KIB, "/etc/hostname": 10,
}
PREVIOUS = snapshot("build 1", PREVIOUS_FILES, {
    "app-misc/hello": ("1.0", ["/usr/bin/hello", "/usr/share/hello/README"]),
    "sys-libs/glibc": ("2.39", ["/usr/lib64/libc.so.6", "/usr/lib64/libm.so.6"]),
    "app-misc/oldtool": ("1", ["/usr/bin/oldtool"]),
}, ("/etc/hostname",))
CURRENT = snapshot("build 2", CURRENT_FILES, {
    "app-misc/hello": ("1.0", ["/usr/bin/hello", "/usr/share/hello/README", "/usr/share/hello/extra.txt"]),
    "sys-libs/glibc": ("2.39", ["/usr/lib64/libc.so.6", "/usr/lib64/libm.so.6"]),
    "app-misc/newtool": ("2", ["/usr/bin/newtool"]),
}, ("/etc/hostname",))


class PaneApp(App[None]):
    def __init__(self, view: ImageView | None) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        yield ImagePane(id="image-pane")

    def on_mount(self) -> None:
        self.query_one(ImagePane).show(self.view)
        self.query_one(SizeTree).focus()


def tree_lines(tree: SizeTree) -> list[str]:
    """The tree's labels as shown, top to bottom (only the nodes built and expanded)."""
    lines = []

    def walk(node, depth: int) -> None:
        lines.append("  " * depth + node.label.plain)
        if node.is_expanded:
            for child in node.children:
                walk(child, depth + 1)

    walk(tree.root, 0)
    return lines


def first_style(text) -> str:
    """The style of a Text's first character."""
    spans = [span for span in text.spans if span.start == 0]
    return str(spans[0].style) if spans else str(text.style)


def row_of(lines: list[str], name: str) -> str:
    found = [line for line in lines if line.rstrip().endswith(name) or f" {name}  " in line]
    assert found, f"{name} not among {lines}"
    return found[0]


async def test_tree_is_lazy_and_shows_sizes_and_shares_largest_first() -> None:
    app = PaneApp(ImageView(CURRENT))
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        tree = app.query_one(SizeTree)
        lines = tree_lines(tree)
        total = sum(CURRENT_FILES.values())
        assert "3.2 MiB 100.0%" in lines[0]
        assert [line.split()[-1] for line in lines[1:]] == ["usr/", "etc/"]  # the largest first
        usr = tree.root.children[0]
        assert len(usr.children) == 0 and not usr.is_expanded  # nothing below the top level is built yet
        usr_share = (total - 10) / total * 100
        assert f"{usr_share:5.1f}%" in lines[1]
        await pilot.press("down", "enter")  # expand usr
        await pilot.pause()
        names = [child.data.name for child in usr.children]
        assert names == ["lib64", "bin", "share"]  # 2.8 MiB, 348 KiB, 6 KiB
        lines = tree_lines(tree)
        assert "2.8 MiB" in row_of(lines, "lib64/") and "89.1%" in row_of(lines, "lib64/")
        assert "348.0 KiB" in row_of(lines, "bin/")
        assert tree.node_for("/usr/lib64/libc.so.6") is None  # lib64 itself not expanded: not built
        await pilot.press("enter")  # collapse usr again
        await pilot.pause()
        assert not usr.is_expanded and len(tree_lines(tree)) == 3


async def test_expanding_a_deep_path_builds_only_that_path() -> None:
    app = PaneApp(ImageView(CURRENT))
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        tree = app.query_one(SizeTree)
        node = tree.expand_path("/usr/share/hello/extra.txt")
        await pilot.pause()
        assert node is not None and node.data.size == 2 * KIB and not node.allow_expand
        assert "0.1%" in node.label.plain
        assert len(tree.node_for("/usr/lib64").children) == 0  # a sibling directory stays unbuilt


async def test_diff_marks_added_removed_grown_with_glyph_and_colour() -> None:
    app = PaneApp(ImageView(CURRENT, PREVIOUS))
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        tree = app.query_one(SizeTree)
        bin_node = tree.expand_path("/usr/bin")
        await pilot.pause()
        marks = {child.data.name: (child.label.plain[0], first_style(child.label)) for child in bin_node.children}
        assert marks["newtool"] == ("+", "bold green")
        assert marks["oldtool"] == ("-", "red")
        assert marks["hello"] == ("▲", "yellow")
        assert "+8.0 KiB" in tree.node_for("/usr/bin/hello").label.plain
        assert list(marks) == ["newtool", "hello", "oldtool"]  # removed entries last
        table = app.query_one(PackageTable)
        shown = {table.get_row_at(i)[1].plain: table.get_row_at(i) for i in range(table.row_count)}
        assert shown["app-misc/newtool"][0].plain == "+" and first_style(shown["app-misc/newtool"][0]) == "bold green"
        assert shown["app-misc/newtool"][1].style == "bold green"
        assert first_style(shown["app-misc/oldtool"][0]) == "red" and first_style(shown["app-misc/hello"][0]) == "yellow"
        assert shown["app-misc/oldtool"][0].plain == "-" and shown["app-misc/oldtool"][3].plain == "0 B"
        assert shown["app-misc/oldtool"][5].plain == "-100.0 KiB"
        assert shown["app-misc/hello"][0].plain == "▲" and shown["app-misc/hello"][5].plain == "+10.0 KiB"
        assert shown["sys-libs/glibc"][0].plain == " "  # unchanged
        summary = app.query_one("#image-summary").render().plain
        assert "+1 added" in summary and "-1 removed" in summary and "▲1 grown" in summary


async def test_package_table_sorts_by_size_and_name_by_key_and_header_click() -> None:
    app = PaneApp(ImageView(CURRENT, PREVIOUS))
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        table = app.query_one(PackageTable)
        by_size = ["sys-libs/glibc", "app-misc/newtool", "app-misc/hello", "(no package)", "app-misc/oldtool"]
        assert table.names == by_size
        table.focus()
        await pilot.press("n")
        by_name = sorted(by_size)
        assert table.names == by_name
        await pilot.press("n")
        assert table.names == by_name[::-1]
        await pilot.press("s")
        assert table.names == by_size
        await pilot.press("s")
        assert table.names == by_size[::-1]
        await pilot.click(PackageTable, offset=(6, 0))  # the "package" header
        await pilot.pause()
        assert table.names == by_name
        size_x = sum(column.get_render_width(table) for column in list(table.columns.values())[:3])
        await pilot.click(PackageTable, offset=(size_x + 1, 0))  # the "size" header
        await pilot.pause()
        assert table.names == by_size


async def test_selecting_a_package_lists_its_files_in_the_image() -> None:
    app = PaneApp(ImageView(CURRENT, PREVIOUS))
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        pane = app.query_one(ImagePane)
        table = app.query_one(PackageTable)
        table.focus()
        await pilot.press("down", "down", "enter")  # app-misc/hello
        await pilot.pause()
        assert pane.selected_package == "app-misc/hello"
        assert pane.file_paths() == ["/usr/bin/hello", "/usr/share/hello/README", "/usr/share/hello/extra.txt"]
        files = app.query_one("#image-files")
        marks = [files.get_row_at(i)[0].plain for i in range(files.row_count)]
        assert marks == ["▲", " ", "+"]
        assert "files of app-misc/hello: 3, 54.0 KiB" in app.query_one("#image-files-title").render().plain
        await pilot.press("down", "down", "enter")  # app-misc/oldtool, removed: its files as they were
        await pilot.pause()
        assert pane.selected_package == "app-misc/oldtool"
        assert pane.file_paths() == ["/usr/bin/oldtool"]


async def test_empty_state_says_to_build() -> None:
    app = PaneApp(None)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        empty = app.query_one("#image-empty")
        assert empty.display and empty.render().plain == EMPTY
        assert EMPTY == "no build recorded yet — build to see the image"
        assert not app.query_one("#image-body").display
        app.query_one(ImagePane).show(ImageView(CURRENT))
        await pilot.pause()
        assert not empty.display and app.query_one("#image-body").display


# --- in the workbench, from build records --------------------------------------------------------

def build_record(started: float, files: dict[str, int], packages: dict[str, tuple[str, list[str]]],
                 unowned: list[str]):
    from genpack_tui.engine.history.model import BuildRecord, FileEntry, ImageComposition, PackageInImage

    paths = sorted(files)
    index = {path: i for i, path in enumerate(paths)}
    image = ImageComposition(
        file_count=len(paths), byte_size=sum(files.values()), squashfs_size=None,
        files=tuple(FileEntry(path, files[path], 0o100644, 0, 0) for path in paths),
        packages=tuple(PackageInImage(f"{name}-{version}", version, (), sum(files[p] for p in owned),
                                      tuple(index[p] for p in owned))
                       for name, (version, owned) in sorted(packages.items())),
        unowned=tuple(index[p] for p in unowned))
    return BuildRecord(id=f"r{started}", artifact="hello", variant=None, arch="x86_64", action="build",
                       started=started, finished=started + 60, ok=True, image=image)


async def test_workbench_image_pane_shows_the_last_two_records(hello_artifact) -> None:
    from genpack_tui.app import WorkbenchApp
    from genpack_tui.parser import parse_args
    from tests.fixtures.app import wait_for

    previous = build_record(1_700_000_000, PREVIOUS_FILES, {
        "app-misc/hello": ("1.0", ["/usr/bin/hello", "/usr/share/hello/README"]),
        "app-misc/oldtool": ("1", ["/usr/bin/oldtool"])}, ["/etc/hostname"])
    last = build_record(1_700_000_600, CURRENT_FILES, {
        "app-misc/hello": ("1.0", ["/usr/bin/hello", "/usr/share/hello/README", "/usr/share/hello/extra.txt"]),
        "app-misc/newtool": ("2", ["/usr/bin/newtool"])}, ["/etc/hostname"])
    asked: list[tuple] = []

    def records(artifact_dir, arch, variant, warn):
        asked.append((artifact_dir, arch, variant))
        return last, previous

    args = parse_args(["-C", str(hello_artifact), "--arch", "x86_64"])
    app = WorkbenchApp(hello_artifact, args, watch=False, image_records=records)
    async with app.run_test(size=(140, 36)) as pilot:
        assert await wait_for(lambda: app.resolution is not None)
        await pilot.press("f6")
        pane = await app.panes.mounted("#image-pane")
        assert await wait_for(lambda: pane.view is not None), "the records were never shown"
        assert asked[0][0] == hello_artifact.resolve() and asked[0][1] == "x86_64"
        assert app.focused is app.query_one(SizeTree)
        table = app.query_one(PackageTable)
        assert table.names[:2] == ["app-misc/newtool", "app-misc/hello"]  # "-2" / "-1.0" cut off the cpv
        marks = {table.get_row_at(i)[1].plain: table.get_row_at(i)[0].plain for i in range(table.row_count)}
        assert marks == {"app-misc/newtool": "+", "app-misc/hello": "▲", "(no package)": " ",
                         "app-misc/oldtool": "-"}
        assert "since build of" in pane.summary_text().plain


async def test_workbench_image_pane_empty_without_records(hello_artifact) -> None:
    import threading

    from genpack_tui.app import WorkbenchApp
    from genpack_tui.parser import parse_args
    from tests.fixtures.app import wait_for

    read = threading.Event()

    def no_records(*_args):
        read.wait(30)
        return None, None

    args = parse_args(["-C", str(hello_artifact), "--arch", "x86_64"])
    app = WorkbenchApp(hello_artifact, args, watch=False, image_records=no_records)
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_for(lambda: app.resolution is not None)
        await pilot.press("f6")
        pane = await app.panes.mounted("#image-pane")
        assert await wait_for(lambda: pane.loading)  # while the history is read, not "no build recorded yet"
        read.set()
        assert await wait_for(lambda: not pane.loading)
        await pilot.pause()
        assert pane.has_class("-empty") and app.query_one("#image-empty").render().plain == EMPTY


# --- snapshot --------------------------------------------------------------------------------------

async def _expanded(pilot) -> None:
    tree = pilot.app.query_one(SizeTree)
    tree.expand_path("/usr/bin")
    tree.expand_path("/usr/share/hello")
    pilot.app.query_one(ImagePane).select_package("app-misc/hello")
    await pilot.pause()


def test_image_pane_snapshot(snap_compare) -> None:
    assert snap_compare(PaneApp(ImageView(CURRENT, PREVIOUS)), terminal_size=(120, 24), run_before=_expanded)


async def test_a_wide_directory_is_added_a_page_at_a_time() -> None:
    from genpack_tui.widgets.image.size_tree import CHILD_PAGE, MoreEntries

    files = {f"/usr/share/zoneinfo/zone{i:04d}": 1000 + i for i in range(CHILD_PAGE * 2 + 50)}
    app = PaneApp(ImageView(snapshot("wide", files, {})))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        tree = app.query_one(SizeTree)
        zoneinfo = tree.expand_path("/usr/share/zoneinfo")
        await pilot.pause()
        children = list(zoneinfo.children)
        assert len(children) == CHILD_PAGE + 1 and isinstance(children[-1].data, MoreEntries)
        assert children[0].data.name == f"zone{CHILD_PAGE * 2 + 49:04d}"  # the largest first
        assert f"… {CHILD_PAGE + 50:,} more entries" in children[-1].label.plain
        tree.move_cursor(children[-1])
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert len(zoneinfo.children) == CHILD_PAGE * 2 + 1
        assert tree.cursor_node.data.name == f"zone{CHILD_PAGE * 2 + 49 - CHILD_PAGE:04d}"  # the next one
        assert tree.expand_path("/usr/share/zoneinfo/zone0000") is not None  # the smallest: the last page
        assert len(zoneinfo.children) == len(files)


async def test_workbench_reads_the_records_from_work_history(hello_artifact) -> None:
    """Real records in work/history/ (written by the store), the default reader: the last two with
    an image are shown; a lower-only build in between and a truncated file are passed over, the
    truncated one with a warning naming it."""
    import dataclasses

    from genpack_tui.app import WorkbenchApp
    from genpack_tui.engine.history.store import write_record
    from genpack_tui.parser import parse_args
    from tests.fixtures.app import wait_for

    def stored(started: float, files, packages, **changes):
        record = build_record(started, files, packages, ["/etc/hostname"])
        record = dataclasses.replace(record, id=time_id(started), **changes)
        return write_record(hello_artifact, record, 20)

    hello_old = {"app-misc/hello": ("1.0", ["/usr/bin/hello", "/usr/share/hello/README"])}
    hello_new = {"app-misc/hello": ("1.0", ["/usr/bin/hello", "/usr/share/hello/README",
                                            "/usr/share/hello/extra.txt"])}
    stored(1_700_000_000, PREVIOUS_FILES, hello_old)
    stored(1_700_000_300, CURRENT_FILES, hello_new)
    stored(1_700_000_600, CURRENT_FILES, hello_new, action="lower", image=None)
    truncated = stored(1_700_000_900, CURRENT_FILES, hello_new)
    truncated.write_bytes(truncated.read_bytes()[:40])

    args = parse_args(["-C", str(hello_artifact), "--arch", "x86_64", "--variant", ""])
    app = WorkbenchApp(hello_artifact, args, watch=False)
    async with app.run_test(size=(140, 36)) as pilot:
        assert await wait_for(lambda: app.resolution is not None)
        await pilot.press("f6")
        pane = await app.panes.mounted("#image-pane")
        assert await wait_for(lambda: pane.view is not None), "the stored records were never shown"
        assert pane.view.current.file_count == len(CURRENT_FILES)
        assert pane.view.previous is not None and pane.view.previous.file_count == len(PREVIOUS_FILES)
        assert await wait_for(lambda: any(truncated.name in n.message for n in app._notifications))
        await pilot.pause()
        table = app.query_one(PackageTable)
        assert await wait_for(lambda: table.row_count > 0)
        hello = next(table.get_row_at(i) for i in range(table.row_count)
                     if table.get_row_at(i)[1].plain == "app-misc/hello")
        assert hello[0].plain == "▲"


def time_id(started: float) -> str:
    from genpack_tui.engine.history.recorder import record_id

    return record_id(started)
