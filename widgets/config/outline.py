"""The resolved configuration as an outline: labelled nodes with provenance, for any tree renderer.

``build_outline(resolution)`` turns a :class:`engine.config.Resolution` into :class:`OutlineNode`s
(fields, their items with the layer each came from, overrides/removals/ignored values marked as
*detail* nodes, derived values). The workbench's ConfigTree renders it as a Textual tree;
``outline_to_rich_tree`` renders the same outline as a ``rich.tree.Tree`` for a terminal.

Problems are matched to the field they concern by :func:`problem_field`, so the tree can show each
one in place.
"""
from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable

from rich.text import Text
from rich.tree import Tree

from genpack_tui.engine.config.printable import escape_controls
from genpack_tui.engine.config.problems import Problem
from genpack_tui.engine.config.provenance import FieldProvenance, Origin

if TYPE_CHECKING:
    from genpack_tui.engine.config.resolution import Resolution

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow"}
SEVERITY_MARK = {"error": "✖", "warning": "⚠"}
_VALUE_LIMIT = 120


@dataclass
class OutlineNode:
    key: str  # stable across re-resolves, so a tree can keep what was expanded
    label: Text
    field: str | None = None  # the merged field the node belongs to
    children: list["OutlineNode"] = dataclasses.field(default_factory=list)
    detail: bool = False  # an override, removal or ignored value: shown on demand
    origin: Origin | None = None

    def walk(self) -> Iterable["OutlineNode"]:
        yield self
        for child in self.children:
            yield from child.walk()


def short_value(value: Any, limit: int = _VALUE_LIMIT) -> str:
    """A value as one printable line: control characters escaped (a value may hold an escape sequence)."""
    text = escape_controls(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def origin_text(origin: Origin) -> Text:
    """``← variants.cuda :40:13``: the layer, then the position in the file when known."""
    where = ""
    if origin.line:
        where = f" :{origin.line}:{origin.column}" if origin.column else f" :{origin.line}"
    return Text.assemble(("  ← ", "dim"), (origin.layer, "cyan"), (where, "dim"))


def value_label(label: str | None, value: Any, origin: Origin,
                describe: Callable[[Origin], Text] = origin_text) -> Text:
    """``label: value  ← origin``, the line of every value in the tree (TUI and ``config``)."""
    text = Text()
    if label is not None:
        text.append(label, "bold")
        text.append(": ")
    text.append(short_value(value), "green")
    text.append_text(describe(origin))
    return text


def _override_nodes(key: str, overrides: list, field_name: str) -> list[OutlineNode]:
    return [
        OutlineNode(f"{key}/override{i}",
                    Text.assemble(("overrides ", "magenta"), short_value(o.value), origin_text(o.origin)),
                    field_name, detail=True, origin=o.origin)
        for i, o in enumerate(overrides)
    ]


def _item_label(fp: FieldProvenance, entry) -> tuple[str | None, Any]:
    if fp.name in ("users", "groups") and isinstance(entry.value, dict):
        rest = {k: v for k, v in entry.value.items() if k != "name"}
        return entry.key, rest if rest else "(defaults)"
    return (entry.key if fp.kind == "dict" else None), entry.value


def field_node(fp: FieldProvenance) -> OutlineNode:
    key = f"field:{fp.name}"
    if fp.kind == "scalar":
        entry = fp.entries[0]
        node = OutlineNode(key, value_label(fp.name, entry.value, entry.origin), fp.name, origin=entry.origin)
        node.children = _override_nodes(key, entry.overrides, fp.name)
        return node
    node = OutlineNode(key, Text.assemble((fp.name, "bold"), (f" ({len(fp.entries)})", "dim")), fp.name)
    for index, entry in enumerate(fp.entries):
        label, value = _item_label(fp, entry)
        item_key = f"{key}/{entry.key if entry.key is not None else short_value(entry.value, 60)}#{index}"
        item = OutlineNode(item_key, value_label(label, value, entry.origin), fp.name, origin=entry.origin)
        item.children = _override_nodes(item_key, entry.overrides, fp.name)
        node.children.append(item)
    for i, removal in enumerate(fp.removed):
        text = Text.assemble(("removed ", "red"), removal.target, " by ", repr(removal.entry),
                             origin_text(removal.origin))
        text.append("  (nothing to remove)" if removal.removed is None
                    else f"  (it came from {removal.removed.origin.layer})", "dim")
        node.children.append(OutlineNode(f"{key}/removed{i}", text, fp.name, detail=True, origin=removal.origin))
    for i, ignored in enumerate(fp.ignored):
        text = Text.assemble(("ignored ", "dim"), short_value(ignored.value), origin_text(ignored.origin),
                             (f"  ({ignored.reason})", "dim"))
        node.children.append(OutlineNode(f"{key}/ignored{i}", text, fp.name, detail=True, origin=ignored.origin))
    return node


def derived_summary(d: Any) -> list[tuple[str, Any]]:
    """The derived values shown under "derived" (TUI tree and ``config``), in display order."""
    return [("outfile", d.outfile), ("profile_path", d.profile_path), ("portage_arch", d.portage_arch),
            ("compression", d.compression), ("lower capacity (GiB)", d.lower_capacity_gib),
            ("independent_binpkgs", d.independent_binpkgs),
            ("buildtime_packages_first", d.buildtime_packages_first),
            ("circulardep_breaker", d.circulardep_breaker)]


def _derived_node(res: Resolution) -> OutlineNode | None:
    d = res.derived
    if d is None:
        return None
    node = OutlineNode("derived", Text("derived", "bold"))
    for label, value in derived_summary(d):
        node.children.append(OutlineNode(f"derived/{label}",
                                         Text.assemble((label, "bold"), ": ", (short_value(value), "green"))))
    return node


def build_outline(res: Resolution) -> list[OutlineNode]:
    """Top-level nodes: merge order, one node per merged field, derived values."""
    nodes: list[OutlineNode] = []
    if res.provenance.layers:
        nodes.append(OutlineNode("layers", Text.assemble(("merge order: ", "dim"),
                                                         " → ".join(res.provenance.layers))))
    nodes.extend(field_node(fp) for fp in res.provenance.fields.values())
    derived = _derived_node(res)
    if derived is not None:
        nodes.append(derived)
    return nodes


def detail_count(node: OutlineNode) -> int:
    return sum(1 for n in node.walk() if n.detail)


# -- problems in place --------------------------------------------------------------------------

_PATH_TOKEN = re.compile(r'\.?([A-Za-z0-9_][A-Za-z0-9_|-]*)|\[("(?:[^"\\]|\\.)*")\]|\[(\d+)\]')


def path_parts(path: str) -> list[str | int]:
    """Split a config path such as ``variants.cuda.use["sci-libs/x"]`` into keys and indices."""
    parts: list[str | int] = []
    pos = 0
    while pos < len(path):
        m = _PATH_TOKEN.match(path, pos)
        if m is None:
            break
        if m.group(1) is not None:
            parts.append(m.group(1))
        elif m.group(2) is not None:
            parts.append(json.loads(m.group(2)))
        else:
            parts.append(int(m.group(3)))
        pos = m.end()
    return parts


def problem_field(path: str) -> str | None:
    """The merged field a problem's config path points into (``variants.x.arch.y.use[..]`` → ``use``)."""
    parts = path_parts(path)
    if len(parts) >= 2 and parts[0] == "variants":
        parts = parts[2:]
    if len(parts) >= 2 and parts[0] == "arch":
        parts = parts[2:]
    return parts[0] if parts and isinstance(parts[0], str) else None


def problem_text(problem: Problem) -> Text:
    text = Text()
    text.append(f"{SEVERITY_MARK[problem.severity]} {problem.severity}", SEVERITY_STYLE[problem.severity])
    if problem.path:
        text.append(f" {problem.path}", "bold")
    text.append(f": {problem.message}")
    if problem.location():
        text.append(f"  ({problem.location()})", "dim")
    return text


def outline_to_rich_tree(title: Text, nodes: list[OutlineNode], *, details: bool = True) -> Tree:
    """The outline as a rich Tree (for printing); detail nodes only when ``details``."""
    tree = Tree(title)

    def add(parent: Tree, node: OutlineNode) -> None:
        if node.detail and not details:
            return
        branch = parent.add(node.label)
        for child in node.children:
            add(branch, child)

    for node in nodes:
        add(tree, node)
    return tree
