"""ConfigTree: the merged configuration of one (variant, arch) with where every value came from.

Fed with :class:`engine.config.Resolution`s via ``show_resolution``. While the file is broken (errors,
or no merged result at all) it keeps the last good outline and shows the new problems in place, on the field
they concern, so the reader never loses the picture. Overrides, ``-atom`` removals and ignored
duplicates are hidden until ``show_details`` is set (binding ``o``). Expanded nodes stay expanded
across updates.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.reactive import reactive
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from genpack_tui.engine.config.problems import Problem
from genpack_tui.widgets.config.outline import (
    SEVERITY_MARK, SEVERITY_STYLE, OutlineNode, build_outline, detail_count, problem_field, problem_text,
)

if TYPE_CHECKING:
    from genpack_tui.engine.config.resolution import Resolution

__all__ = ["ConfigTree"]


class ConfigTree(Tree[OutlineNode]):
    DEFAULT_CSS = """
    ConfigTree { height: 1fr; }
    """

    BINDINGS = [
        Binding("o", "toggle_details", "Overrides", tooltip="Show or hide overridden and removed values",
                id="config.toggle-details"),
    ]

    show_details: reactive[bool] = reactive(False)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("configuration", id=id, classes=classes)
        self.show_root = False
        self.guide_depth = 3
        self._outline: list[OutlineNode] | None = None  # the last good one
        self._outline_good = False
        self._problems: list[Problem] = []
        self.stale = False  # showing the last good outline of a file that is now broken
        self._expanded_keys: set[str] | None = None

    # --- public API --- #

    @property
    def outline(self) -> list[OutlineNode] | None:
        return self._outline

    @property
    def problems(self) -> list[Problem]:
        return list(self._problems)

    def show_resolution(self, resolution: Resolution) -> None:
        """Show ``resolution``; while it has errors keep the last good tree and mark the problems on it."""
        if resolution.ok:
            self._outline, self._outline_good, self.stale = build_outline(resolution), True, False
        elif self._outline_good:
            self.stale = True
        else:  # nothing good seen yet: the best there is
            if resolution.merged is not None:
                self._outline = build_outline(resolution)
            self.stale = False
        self._problems = list(resolution.problems)
        self._rebuild()

    def get_label_width(self, node: TreeNode[OutlineNode]) -> int:
        """What Tree's default measures by rendering every label (the expand icon, then the label),
        read off the stored label instead: the tree measures all its lines on each rebuild."""
        icon = (self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE) if node.allow_expand else ""
        label = node.label
        return cell_len(icon) + (label.cell_len if isinstance(label, Text) else cell_len(label))

    def node_labels(self) -> list[str]:
        """Plain text of every node currently in the tree, depth first (for tests and search)."""
        labels: list[str] = []

        def walk(node: TreeNode[OutlineNode]) -> None:
            for child in node.children:
                labels.append(child.label if isinstance(child.label, str) else child.label.plain)
                walk(child)

        walk(self.root)
        return labels

    # --- actions --- #

    def action_toggle_details(self) -> None:
        self.show_details = not self.show_details

    def watch_show_details(self) -> None:
        self._rebuild()

    # --- building --- #

    def _remember_expanded(self) -> None:
        if self._expanded_keys is None and not self.root.children:
            return
        keys: set[str] = set()

        def walk(node: TreeNode[OutlineNode]) -> None:
            for child in node.children:
                if child.is_expanded and child.data is not None:
                    keys.add(child.data.key)
                walk(child)

        walk(self.root)
        self._expanded_keys = keys

    def _rebuild(self) -> None:
        self._remember_expanded()
        cursor = self.cursor_line
        self.clear()
        by_field: dict[str | None, list[Problem]] = {}
        fields = {node.field for node in self._outline or [] if node.field}
        for problem in self._problems:
            name = problem_field(problem.path)
            by_field.setdefault(name if name in fields else None, []).append(problem)
        unplaced = by_field.get(None, [])
        if unplaced:
            errors = sum(p.is_error for p in unplaced)
            head = self.root.add(Text(f"problems ({errors} errors, {len(unplaced) - errors} warnings)",
                                      "bold red" if errors else "bold yellow"),
                                 OutlineNode("problems", Text("problems")), expand=True)
            for problem in unplaced:
                head.add_leaf(problem_text(problem))
        for node in self._outline or []:
            self._add(self.root, node, by_field.get(node.field, []) if node.field else [], top=True)
        if cursor >= 0:
            self.cursor_line = min(cursor, max(self.last_line, 0))

    def _label(self, node: OutlineNode, problems: list[Problem]) -> Text:
        label = node.label.copy()
        if problems:
            worst = "error" if any(p.is_error for p in problems) else "warning"
            label = Text.assemble((SEVERITY_MARK[worst] + " ", SEVERITY_STYLE[worst]), label)
        if not self.show_details:
            hidden = detail_count(node)
            if hidden:
                label.append(f"  [{hidden} overridden/removed, o to show]", "dim magenta")
        return label

    def _add(self, parent: TreeNode[OutlineNode], node: OutlineNode, problems: list[Problem], *,
             top: bool = False) -> None:
        children = [c for c in node.children if self.show_details or not c.detail]
        if self._expanded_keys is None:
            expand = top and node.key != "derived"
        else:
            expand = node.key in self._expanded_keys or bool(problems)
        if self.show_details and any(child.detail for child in children):
            expand = True  # the reader just asked to see overrides and removals
        label = self._label(node, problems)
        if not children and not problems:
            parent.add_leaf(label, node)
            return
        branch = parent.add(label, node, expand=expand)
        for problem in problems:
            branch.add_leaf(problem_text(problem))
        for child in children:
            self._add(branch, child, [])
