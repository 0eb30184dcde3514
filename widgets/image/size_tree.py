"""SizeTree: the image's directories as ncdu and dust draw them — size, share of the image and a bar
per entry, children largest first, each marked with its difference from the previous build.

Lazy: a directory's children are computed (widgets/image/view_model.py) and added the first time it
is expanded, so a 100k-file image opens with only its top level built.
"""
from __future__ import annotations

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from genpack_tui.engine.report.format import human_size
from genpack_tui.widgets.image.diff_marks import mark_text, size_delta
from genpack_tui.widgets.image.view_model import ImageView, TreeEntry

BAR_WIDTH = 10


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


class SizeTree(Tree[TreeEntry]):
    DEFAULT_CSS = """
    SizeTree { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("/", id=id)
        self.view: ImageView | None = None
        self._loaded: set[str] = set()  # directories whose children have been added

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

    def _load(self, node: TreeNode[TreeEntry]) -> None:
        entry, view = node.data, self.view
        if entry is None or view is None or entry.path in self._loaded:
            return
        self._loaded.add(entry.path)
        for child in view.children(entry.path):
            node.add(entry_label(view, child), data=child, allow_expand=child.is_dir)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[TreeEntry]) -> None:
        event.stop()
        self._load(event.node)

    def node_for(self, path: str) -> TreeNode[TreeEntry] | None:
        """The node of ``path`` among those built so far."""
        stack = [self.root]
        while stack:
            node = stack.pop()
            if node.data is not None and node.data.path == path:
                return node
            stack.extend(node.children)
        return None

    def expand_path(self, path: str) -> TreeNode[TreeEntry] | None:
        """Expand ``path`` and the directories above it (building them); its node, if it exists."""
        node: TreeNode[TreeEntry] | None = self.root
        parts = [p for p in path.split("/") if p]
        for depth in range(1, len(parts) + 1):
            target = "/" + "/".join(parts[:depth])
            assert node is not None
            self._load(node)
            node = next((c for c in node.children if c.data is not None and c.data.path == target), None)
            if node is None:
                return None
            if node.allow_expand:
                node.expand()
                self._load(node)
        return node
