"""The merge: top level, matching arch blocks, the variant, then arch blocks inside the variant.

Per-field rules are genpack's (docs/genpack.md §2) with docs/compatibility.md §1-§2:
scalars are overwritten; ``packages`` appends new atoms and ``-atom`` removes an atom merged earlier
(a no-op when absent); buildtime_packages, mask, binpkg_excludes and services append what is not
there yet; setup_commands append everything; dicts (accept_keywords, use, license, env) replace per
key, keeping the key's first position, and a USE value replaces the earlier one whole; users and
groups append, a later definition of the same name replacing the earlier one in place.
"""
from __future__ import annotations

from typing import Any

from .arches import ARCHES, arch_key_matches
from .document import Document
from .problems import ConfigError, PathParts, Problem, format_path
from .provenance import DEFAULT_LAYER, Entry, FieldProvenance, Ignored, Origin, Override, Provenance, Removal
from .schema import FIELDS, MERGED_FIELDS
from .sourcemap import SourceMap
from .validate import Block, CheckedDocument, validate
from .values import check_file_name
from .variant import DEFAULT_VARIANT

_KIND = {"scalar": "scalar", "removal_list": "list", "unique_list": "list", "append_list": "list",
         "account_list": "list", "dict": "dict"}


class _Merger:
    """Applies blocks in order. Lists that keep one entry per value and dicts keyed by name are
    indexed (value -> entry, key -> position), so each value costs O(1) and a merge is linear in the
    size of the document; ``entries`` of those lists are written out by :meth:`finish`."""

    def __init__(self, source_map: SourceMap, filename: str | None) -> None:
        self.source_map = source_map
        self.filename = filename
        self.fields: dict[str, FieldProvenance] = {}
        # unique lists: the current entries keyed by value, in order (a dict keeps insertion order,
        # and an entry removed then listed again moves to the end, as it would in a list)
        self._unique: dict[str, dict[Any, Entry]] = {}
        self._positions: dict[str, dict[str, int]] = {}  # keyed fields: key -> index in entries

    def origin(self, layer: str, path: PathParts) -> Origin:
        pos = self.source_map.value_pos(path)
        line, column = pos if pos else (None, None)
        return Origin(layer, format_path(path), self.filename, line, column)

    def provenance(self, name: str) -> FieldProvenance:
        spec = FIELDS[name]
        if name not in self.fields:
            self.fields[name] = FieldProvenance(name, _KIND[spec.merge])  # type: ignore[arg-type]
        return self.fields[name]

    def apply(self, block: Block) -> None:
        for name, spec in FIELDS.items():
            if name in block.fields:
                getattr(self, "m_" + spec.merge)(name, block.fields[name], block.label)

    def finish(self) -> None:
        for name, current in self._unique.items():
            self.fields[name].entries = list(current.values())

    def m_scalar(self, name: str, item: tuple[PathParts, Any], layer: str) -> None:
        path, value = item
        fp = self.provenance(name)
        entry = Entry(value, self.origin(layer, path))
        if fp.entries:
            previous = fp.entries[0]
            entry.overrides = previous.overrides + [Override(previous.value, previous.origin)]
        fp.entries = [entry]

    def _add_unique(self, name: str, fp: FieldProvenance, value: Any, origin: Origin) -> None:
        current = self._unique.setdefault(name, {})
        first = current.get(value)
        if first is not None:
            fp.ignored.append(Ignored(value, origin, f"already listed ({first.origin.path})"))
            return
        current[value] = Entry(value, origin)

    def m_removal_list(self, name: str, items: list[tuple[PathParts, str]], layer: str) -> None:
        fp = self.provenance(name)
        current = self._unique.setdefault(name, {})
        for path, value in items:
            origin = self.origin(layer, path)
            if value.startswith("-"):
                target = value[1:]
                fp.removed.append(Removal(value, target, origin, current.pop(target, None)))
            else:
                self._add_unique(name, fp, value, origin)

    def m_unique_list(self, name: str, items: list[tuple[PathParts, Any]], layer: str) -> None:
        fp = self.provenance(name)
        for path, value in items:
            self._add_unique(name, fp, value, self.origin(layer, path))

    def m_append_list(self, name: str, items: list[tuple[PathParts, Any]], layer: str) -> None:
        fp = self.provenance(name)
        for path, value in items:
            fp.entries.append(Entry(value, self.origin(layer, path)))

    def _replace_or_append(self, name: str, fp: FieldProvenance, key: str, value: Any, origin: Origin) -> None:
        positions = self._positions.setdefault(name, {})
        index = positions.get(key)
        if index is None:
            positions[key] = len(fp.entries)
            fp.entries.append(Entry(value, origin, key))
            return
        existing = fp.entries[index]
        overrides = existing.overrides  # handed on, not copied: a name given 10k times stays linear
        overrides.append(Override(existing.value, existing.origin))
        fp.entries[index] = Entry(value, origin, key, overrides)

    def m_account_list(self, name: str, items: list[tuple[PathParts, Any]], layer: str) -> None:
        fp = self.provenance(name)
        for path, value in items:
            key = value if isinstance(value, str) else value["name"]
            self._replace_or_append(name, fp, key, value, self.origin(layer, path))

    def m_dict(self, name: str, items: dict[str, tuple[PathParts, Any]], layer: str) -> None:
        fp = self.provenance(name)
        for key, (path, value) in items.items():
            self._replace_or_append(name, fp, key, value, self.origin(layer, path))

    def merged(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in MERGED_FIELDS:
            fp = self.fields.get(name)
            if fp is None:
                continue
            if fp.kind == "scalar":
                out[name] = fp.entries[0].value
            elif fp.kind == "dict":
                out[name] = {e.key: e.value for e in fp.entries}
            else:
                out[name] = [e.value for e in fp.entries]
        return out


def _select_variant(checked: CheckedDocument, raw: dict[str, Any], variant: Any,
                    problems: list[Problem]) -> tuple[bool, str | None]:
    """(usable, selected name); records an error when the request cannot be honoured."""
    if variant is DEFAULT_VARIANT or variant == "":
        if "default_variant" in raw and checked.default_variant is None and raw.get("default_variant") != "":
            return False, None  # the bad default_variant is already reported
        return True, checked.default_variant
    if variant is None:
        return True, None
    if not isinstance(variant, str):
        problems.append(Problem("error", "variants", f"a variant name must be a string, got {variant!r}"))
        return False, None
    if variant in checked.variants:
        return True, variant
    raw_variants = raw.get("variants")
    if isinstance(raw_variants, dict) and variant in raw_variants:
        return False, None  # defined but invalid: its errors are already reported
    available = ", ".join(repr(n) for n in checked.variants) or "none defined"
    problems.append(Problem("error", "variants",
                            f"variant {variant!r} is not available; available variants: {available}"))
    return False, None


def merge_document(document: Document | dict[str, Any], *, variant: Any = DEFAULT_VARIANT, arch: str,
                   artifact_name: str) -> tuple[dict[str, Any] | None, Provenance, list[Problem]]:
    """Validate and merge ``document`` for one variant and arch.

    ``variant``: :data:`DEFAULT_VARIANT` (or ``""``) = the document's default_variant; None = no
    variant; a name = that variant. Returns ``(merged, provenance, problems)``; ``merged`` is None
    when the selection cannot be made (unknown variant or arch). Raises :class:`ConfigError` only
    when ``document`` is not an object at all.
    """
    if isinstance(document, Document):
        data, source_map, filename = document.data, document.source_map, document.filename
        problems: list[Problem] = list(document.warnings)
    else:
        data, source_map, filename, problems = document, SourceMap(), None, []
    if not isinstance(data, dict):
        raise ConfigError([Problem("error", "", "the top level must be an object ({ ... })", filename)])
    checked = validate(data, source_map, filename)
    problems.extend(checked.problems)
    provenance = Provenance(arch=arch)
    if arch not in ARCHES:
        problems.append(Problem("error", "arch", f"unsupported target arch {arch!r}; supported: {', '.join(ARCHES)}"))
        return None, provenance, problems
    usable, selected = _select_variant(checked, data, variant, problems)
    provenance.variant = selected
    if not usable:
        return None, provenance, problems

    blocks = [checked.top] + [b for k, b in checked.top.arch.items() if arch_key_matches(k, arch)]
    if selected is not None:
        vblock = checked.variants[selected]
        blocks += [vblock] + [b for k, b in vblock.arch.items() if arch_key_matches(k, arch)]
    merger = _Merger(source_map, filename)
    for block in blocks:
        merger.apply(block)
    merger.finish()
    provenance.layers = [b.label for b in blocks]

    if "name" not in merger.fields:
        # a name that was given but refused is reported where it is written; the directory name only fills the gap
        if not any("name" in block.invalid for block in blocks):
            msg = check_file_name(artifact_name, "the directory name")
            if msg:
                problems.append(Problem("error", "name", f"'name' is not set and {msg}; set 'name'", filename))
            else:
                problems.append(Problem("warning", "name",
                                        f"'name' is not set; using the directory name {artifact_name!r}", filename))
        merger.provenance("name").entries = [Entry(artifact_name, Origin(DEFAULT_LAYER, "name"))]
    provenance.fields = {name: merger.fields[name] for name in MERGED_FIELDS if name in merger.fields}
    return merger.merged(), provenance, problems
