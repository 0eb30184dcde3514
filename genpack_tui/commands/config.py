"""`genpack-tui config`: the resolved configuration as a provenance tree, or one JSON object."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.text import Text
from rich.tree import Tree

from genpack_tui.engine.config import DEFAULT_VARIANT, FieldProvenance, Origin, Resolution, resolve
from genpack_tui.engine.config.printable import escape_controls
from genpack_tui.engine.config.problems import omitted_line, problems_to_print
from genpack_tui.widgets.config.outline import derived_summary, short_value, value_label

_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow"}
CONFIG_JSON_SCHEMA = "1.0"  # the --json object's MAJOR.MINOR, versioned as docs/events.md says


def _origin(origin: Origin) -> Text:
    """The CLI names the file as well: ``← top (genpack.json5:4:9)``."""
    return Text.assemble(("  ← ", "dim"), (origin.describe(), "cyan"))


def _shown(value: Any) -> str:
    """A value as the tree shows it, made safe for a terminal (names may come from the directory name)."""
    return escape_controls(short_value(value))


def _value_line(label: str | None, value: Any, origin: Origin) -> Text:
    return value_label(None if label is None else escape_controls(label), _shown(value), origin, _origin)


def _add_field(tree: Tree, fp: FieldProvenance) -> None:
    if fp.kind == "scalar":
        entry = fp.entries[0]
        node = tree.add(_value_line(fp.name, entry.value, entry.origin))
    else:
        node = tree.add(Text.assemble((fp.name, "bold"), f" ({len(fp.entries)})"))
        for entry in fp.entries:
            label = entry.key if fp.kind == "dict" else None
            value = entry.value
            if fp.name in ("users", "groups") and isinstance(value, dict):
                value = {k: v for k, v in value.items() if k != "name"}
                label = entry.key
            sub = node.add(_value_line(label, value, entry.origin))
            for override in entry.overrides:
                sub.add(Text.assemble(("overrides ", "magenta"), _shown(override.value), _origin(override.origin)))
        for removal in fp.removed:
            what = Text.assemble(("removed ", "red"), _shown(removal.target), " by ",
                                 escape_controls(repr(removal.entry)),
                                 _origin(removal.origin))
            if removal.removed is None:
                what.append("  (nothing to remove)", "dim")
            else:
                what.append(f"; it came from {removal.removed.origin.describe()}", "dim")
            node.add(what)
        for ignored in fp.ignored:
            node.add(Text.assemble(("ignored ", "dim"), _shown(ignored.value), _origin(ignored.origin),
                                   (f"  ({ignored.reason})", "dim")))
        return
    for override in entry.overrides:
        node.add(Text.assemble(("overrides ", "magenta"), _shown(override.value), _origin(override.origin)))


def build_tree(res: Resolution) -> Tree:
    """The human view: merged fields with origins, then derived values, then problems."""
    title = Text.assemble((escape_controls(res.name or str(res.artifact_dir.name)), "bold"),
                          f" · variant {escape_controls(res.variant or '(none)')} · {res.arch}",
                          f" · {res.config_file.name}" if res.config_file else "")
    tree = Tree(title)
    if res.provenance.layers:
        tree.add(Text.assemble(("merge order: ", "dim"), " → ".join(res.provenance.layers)))
    for fp in res.provenance.fields.values():
        _add_field(tree, fp)
    if res.derived is not None:
        d = res.derived
        node = tree.add(Text("derived", "bold"))
        for label, value in derived_summary(d):
            node.add(Text.assemble((label, "bold"), ": ", (_shown(value), "green")))
    if res.available_variants:
        tree.add(Text.assemble(("variants: ", "dim"), ", ".join(map(escape_controls, res.available_variants)),
                               f" (default: {res.default_variant})" if res.default_variant else ""))
    if res.problems:
        node = tree.add(Text(f"problems ({len(res.errors)} errors, {len(res.warnings)} warnings)", "bold"))
        shown, omitted = problems_to_print(res.problems)
        for problem in shown:
            node.add(Text(str(problem), _SEVERITY_STYLE[problem.severity]))
        if omitted:
            node.add(Text(omitted_line(omitted), "dim"))
    return tree


def run_config(artifact_dir: Path, variant: Any = DEFAULT_VARIANT, arch: str | None = None, as_json: bool = False,
               out: TextIO | None = None, color: bool = False) -> int:
    """Print the resolved configuration; 0 when it has no error (warnings allowed), 1 otherwise.

    ``variant`` follows :func:`engine.config.resolve`: DEFAULT_VARIANT or "" = default_variant,
    None = no variant, a name = that variant.
    """
    import sys

    out = out if out is not None else sys.stdout
    res = resolve(Path(artifact_dir), variant=variant, arch=arch)
    if as_json:
        out.write(json.dumps({"schema": CONFIG_JSON_SCHEMA, **res.to_json()}, indent=2) + "\n")
    else:
        console = Console(file=out, force_terminal=color, no_color=not color, highlight=False,
                          width=None if color else 160)
        console.print(build_tree(res))
    return 0 if res.ok else 1
