"""PackageTable: the image's packages with their size, share and change since the previous build;
sorted by size or name (keys s and n, or a click on the column's header; again reverses).

The rows are added once per shown build; sorting reorders them in place (DataTable.sort), since
re-adding a few hundred rows of styled cells took 0.4 s (benchmarks/bench_image_pane.py)."""
from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from genpack_tui.engine.report.format import human_size
from genpack_tui.widgets.image.diff_marks import STYLES, mark_text, size_delta
from genpack_tui.widgets.image.view_model import ImageView, PackageRow, SortKey

COLUMNS = (("mark", " "), ("name", "package"), ("version", "version"), ("size", "size"), ("share", "share"),
           ("delta", "change"))
SORTABLE: dict[str, SortKey] = {"name": "name", "size": "size", "share": "size"}


class PackageTable(DataTable[Text]):
    DEFAULT_CSS = """
    PackageTable { height: 1fr; }
    """

    BINDINGS = [
        Binding("s", "sort('size')", "By size", tooltip="Sort packages by size (again: reverse)",
                id="image.sort-size"),
        Binding("n", "sort('name')", "By name", tooltip="Sort packages by name (again: reverse)",
                id="image.sort-name"),
    ]

    class PackageSelected(Message):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.view: ImageView | None = None
        self.sort_key: SortKey = "size"
        self.reverse = False
        self.rows_shown: list[PackageRow] = []

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def show(self, view: ImageView | None) -> None:
        self.view = view
        self._fill()
        self._order()

    def action_sort(self, key: SortKey) -> None:
        self.sort_by(key, reverse=not self.reverse if key == self.sort_key else False)

    def sort_by(self, key: SortKey, *, reverse: bool = False) -> None:
        self.sort_key, self.reverse = key, reverse
        self._order()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        key = SORTABLE.get(str(event.column_key.value))
        if key is not None:
            self.action_sort(key)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.PackageSelected(event.row_key.value))

    @property
    def names(self) -> list[str]:
        return [row.name for row in self.rows_shown]

    def _fill(self) -> None:
        self.clear()
        view = self.view
        if view is None:
            return
        for row in view.package_rows():
            style = STYLES[row.mark] if row.mark in ("added", "removed") else ""
            version = row.version if row.previous_version in (None, row.version) else \
                f"{row.previous_version} → {row.version}"
            self.add_row(mark_text(row.mark), Text(row.name, style), Text(version, style),
                         Text(human_size(row.size), justify="right"),
                         Text(f"{view.share(row.size) * 100:5.1f}%", justify="right"),
                         Text(size_delta(row.size, row.previous_size), STYLES[row.mark], justify="right"),
                         key=row.name)

    def _order(self) -> None:
        """Reorder the rows as sort_key and reverse say, keeping the cursor on its package."""
        view = self.view
        selected = self.rows_shown[self.cursor_row].name if self.rows_shown and 0 <= self.cursor_row < len(
            self.rows_shown) else None
        self.rows_shown = view.package_rows(self.sort_key, self.reverse) if view is not None else []
        if view is None:
            return
        position = {row.name: i for i, row in enumerate(self.rows_shown)}
        self.sort("name", key=lambda name: position[name.plain])
        if selected in position:
            self.move_cursor(row=position[selected])
