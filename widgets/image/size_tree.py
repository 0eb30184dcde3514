"""SizeTree: the image's directories as ncdu and dust draw them — size, share of the image and a bar
per entry, children largest first, each marked with its difference from the previous build.

Lazy: a directory's children are computed (widgets/image/view_model.py) and added the first time it
is expanded, so a 100k-file image opens with only its top level built; a wide directory gets its
largest CHILD_PAGE entries and a "… more" line that adds the next ones when chosen (adding 5,000
tree nodes at once took close to a second, benchmarks/bench_image_pane.py).
"""
from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from genpack_tui.engine.report.format import human_size
from genpack_tui.widgets.image.diff_marks import mark_text, size_delta
from genpack_tui.widgets.image.view_model import ImageView, TreeEntry

BAR_WIDTH = 10
CHILD_PAGE = 100


@dataclass(frozen=True)
class MoreEntries:
    """The "… more" line of a wide directory: the entries not added yet."""

    entries: tuple[TreeEntry, ...]


def bar(share: float) -> str:
    filled = min(BAR_WIDTH, round(share * BAR_WIDTH))
    return "[" + "#" * filled + " " * (BAR_WIDTH - filled) + "]"


def entry_label(view: ImageView, entry: TreeEntry) -> Text:
    share = view.share(entry.size)
    text = mark_text(entry.mark)
    text.append(f" {human_size(entry.size):>10} {share * 100:5.1f}% {bar(share)} ")
    text.append(entry.name + ("/" if entry.is_dir else ""), "bold" if entry.is_dir else "")
    delta = size_delta(entry.size, entry.previous_size)
    if delta:
        text.append(f"  {delta}", "dim")
    return text


def more_label(view: ImageView, more: MoreEntries) -> Text:
    size = sum(entry.size for entry in more.entries)
    return Text(f"  … {len(more.entries):,} more entries, {human_size(size)} "
                f"({view.share(size) * 100:.1f}%): Enter shows {min(CHILD_PAGE, len(more.entries)):,} more", "italic")


class SizeTree(Tree["TreeEntry | MoreEntries"]):
    DEFAULT_CSS = """
    SizeTree { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("/", id=id)
        self.view: ImageView | None = None
        self._loaded: set[str] = set()  # directories whose children have been added

    def _child(self, node: TreeNode[TreeEntry | MoreEntries], path: str) -> TreeNode[TreeEntry | MoreEntries] | None:
        while True:
            children = list(node.children)
            found = next((c for c in children if isinstance(c.data, TreeEntry) and c.data.path == path), None)
            if found is not None or not children or not isinstance(children[-1].data, MoreEntries):
                return found
            self.show_more(children[-1])

    def show(self, view: ImageView | None) -> None:
        self.view = view
        self._loaded.clear()
        self.clear()
        if view is None:
            self.root.set_label("/")
            return
        root = TreeEntry("/", "/", view.total, True, "", None)
        self.root.data = root
        self.root.set_label(Text(f"  {human_size(view.total):>10} 100.0% {bar(1.0)} /", "bold"))
        self.root.expand()
        self._load(self.root)

    def _load(self, node: TreeNode[TreeEntry | MoreEntries]) -> None:
        entry, view = node.data, self.view
        if not isinstance(entry, TreeEntry) or view is None or entry.path in self._loaded:
            return
        self._loaded.add(entry.path)
        self._add_page(node, view.children(entry.path))

    def _add_page(self, node: TreeNode[TreeEntry | MoreEntries], entries: "list[TreeEntry] | tuple[TreeEntry, ...]") -> None:
        view = self.view
        assert view is not None
        for child in entries[:CHILD_PAGE]:
            node.add(entry_label(view, child), data=child, allow_expand=child.is_dir)
        if len(entries) > CHILD_PAGE:
            more = MoreEntries(tuple(entries[CHILD_PAGE:]))
            node.add_leaf(more_label(view, more), data=more)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[TreeEntry | MoreEntries]) -> None:
        event.stop()
        self._load(event.node)

    def on_tree_node_selected(self, event: Tree.NodeSelected[TreeEntry | MoreEntries]) -> None:
        node = event.node
        if isinstance(node.data, MoreEntries) and node.parent is not None:
            event.stop()
            self.show_more(node)

    def show_more(self, node: TreeNode[TreeEntry | MoreEntries]) -> None:
        """Replace a "… more" line with the next page of its directory's entries."""
        more, parent = node.data, node.parent
        if not isinstance(more, MoreEntries) or parent is None:
            return
        line = node.line
        node.remove()
        self._add_page(parent, more.entries)
        if line >= 0:
            self.call_after_refresh(self.move_cursor_to_line, line)

    def node_for(self, path: str) -> TreeNode[TreeEntry | MoreEntries] | None:
        """The node of ``path`` among those built so far."""
        stack = [self.root]
        while stack:
            node = stack.pop()
            if isinstance(node.data, TreeEntry) and node.data.path == path:
                return node
            stack.extend(node.children)
        return None

    def expand_path(self, path: str) -> TreeNode[TreeEntry | MoreEntries] | None:
        """Expand ``path`` and the directories above it (building them, and their "… more" pages
        as far as needed); its node, if it exists."""
        node: TreeNode[TreeEntry | MoreEntries] | None = self.root
        parts = [p for p in path.split("/") if p]
        for depth in range(1, len(parts) + 1):
            target = "/" + "/".join(parts[:depth])
            assert node is not None
            self._load(node)
            found = self._child(node, target)
            if found is None:
                return None
            node = found
            if node.allow_expand:
                node.expand()
                self._load(node)
        return node
