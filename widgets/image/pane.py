"""ImagePane: the last build's image — the size tree on the left, the package table and the files
of the selected package on the right, and a summary line of what changed since the previous build."""
from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from genpack_tui.engine.report.format import human_size
from genpack_tui.widgets.image.diff_marks import GLYPHS, LEGEND, STYLES, mark_text
from genpack_tui.widgets.image.package_table import PackageTable
from genpack_tui.widgets.image.size_tree import SizeTree
from genpack_tui.widgets.image.view_model import ImageView

EMPTY = "no build recorded yet — build to see the image"


class ImagePane(Vertical):
    DEFAULT_CSS = """
    ImagePane {
        height: 1fr;
        & > #image-summary { height: auto; padding: 0 1; }
        & > #image-empty { padding: 1 2; color: $text-muted; display: none; }
        &.-empty > #image-empty { display: block; }
        &.-empty > #image-body { display: none; }
        & > #image-body { height: 1fr; }
        & #image-tree { width: 1fr; }
        & #image-side { width: 1fr; }
        & #image-packages { height: 1fr; }
        & #image-files-title { height: 1; padding: 0 1; background: $panel; }
        & #image-files { height: 1fr; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: ImageView | None = None
        self.selected_package: str | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="image-summary")
        yield Static(EMPTY, id="image-empty")
        with Horizontal(id="image-body"):
            yield SizeTree(id="image-tree")
            with Vertical(id="image-side"):
                yield PackageTable(id="image-packages")
                yield Static("files: select a package (Enter)", id="image-files-title")
                yield DataTable(id="image-files", cursor_type="row")

    def on_mount(self) -> None:
        files = self.query_one("#image-files", DataTable)
        files.add_column(" ", key="mark")
        files.add_column("path", key="path")
        files.add_column("size", key="size")
        self.show(self.view)

    def show(self, view: ImageView | None) -> None:
        """Show ``view`` (None: no build recorded)."""
        self.view = view
        self.selected_package = None
        if not self.is_mounted:
            return
        self.set_class(view is None, "-empty")
        self.query_one("#image-summary", Static).update(self.summary_text())
        self.query_one(SizeTree).show(view)
        # after the tree's first frame: measuring a few hundred styled rows takes longer than the tree
        self.call_after_refresh(self.query_one(PackageTable).show, view)
        self.query_one("#image-files", DataTable).clear()
        self.query_one("#image-files-title", Static).update("files: select a package (Enter)")

    def summary_text(self) -> Text:
        view = self.view
        if view is None:
            return Text("Image", "bold")
        text = Text()
        text.append(f"{view.current.label}: ", "bold")
        text.append(f"{human_size(view.total)} in {view.current.file_count:,} files, "
                    f"{len(view.current.packages)} packages")
        if view.previous is None:
            text.append("  · no previous build to compare with", "dim")
            return text
        text.append(f"  · since {view.previous.label}: ")
        counts = view.counts()
        for mark, count in counts.items():
            text.append(f"{GLYPHS[mark]}{count} {mark}  ", STYLES[mark] if count else "dim")
        delta = view.total - view.previous.total
        text.append(f"total {'+' if delta >= 0 else '-'}{human_size(abs(delta))}")
        text.append(f"\n{LEGEND}", "dim")
        return text

    def select_package(self, name: str) -> None:
        """List ``name``'s files in the image."""
        view = self.view
        if view is None:
            return
        self.selected_package = name
        rows = view.package_files(name)
        files = self.query_one("#image-files", DataTable)
        files.clear()
        for row in rows:
            files.add_row(mark_text(row.mark), Text(row.path, STYLES[row.mark]),
                          Text(human_size(row.size), justify="right"))
        total = sum(row.size for row in rows if row.mark != "removed")
        self.query_one("#image-files-title", Static).update(
            Text(f"files of {name}: {len(rows):,}, {human_size(total)}", "bold"))

    def file_paths(self) -> list[str]:
        """The paths listed for the selected package, as shown."""
        files = self.query_one("#image-files", DataTable)
        return [str(files.get_row_at(i)[1]) for i in range(files.row_count)]

    @on(PackageTable.PackageSelected)
    def _package_selected(self, event: PackageTable.PackageSelected) -> None:
        event.stop()
        self.select_package(event.name)
