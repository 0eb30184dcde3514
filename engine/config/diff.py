"""What differs between two resolved selections (variant, arch) of one artifact, field by field.

Lists are compared as sets of items (users and groups by name), dicts per key, scalars by value;
derived values (outfile, profile path, Portage arch, ...) are compared too. Each change keeps the
origin of both sides so the view can say where a value came from.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from genpack_tui.engine.config import Entry, FieldProvenance, Origin, Resolution

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
_DERIVED = ("outfile", "profile_path", "portage_arch", "compression", "lower_capacity_gib",
            "independent_binpkgs", "buildtime_packages_first", "circulardep_breaker")


@dataclass(frozen=True)
class Change:
    kind: str  # ADDED (only in B), REMOVED (only in A) or CHANGED
    label: str  # the item, the dict key or the field name
    a: Any = None
    b: Any = None
    origin_a: Origin | None = None
    origin_b: Origin | None = None


@dataclass(frozen=True)
class FieldDiff:
    field: str
    changes: tuple[Change, ...]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _keyed(fp: FieldProvenance | None) -> dict[str, Entry]:
    """Entries by identity: the key for dicts and accounts, the value itself for plain lists."""
    if fp is None:
        return {}
    if fp.kind == "dict" or fp.name in ("users", "groups"):
        return {str(e.key): e for e in fp.entries}
    return {_canonical(e.value) if not isinstance(e.value, str) else e.value: e for e in fp.entries}


def _field_changes(name: str, fa: FieldProvenance | None, fb: FieldProvenance | None) -> list[Change]:
    kind = (fa or fb).kind  # type: ignore[union-attr]
    if kind == "scalar":
        ea = fa.entries[0] if fa and fa.entries else None
        eb = fb.entries[0] if fb and fb.entries else None
        if ea is None and eb is not None:
            return [Change(ADDED, name, None, eb.value, None, eb.origin)]
        if eb is None and ea is not None:
            return [Change(REMOVED, name, ea.value, None, ea.origin, None)]
        if ea is not None and eb is not None and _canonical(ea.value) != _canonical(eb.value):
            return [Change(CHANGED, name, ea.value, eb.value, ea.origin, eb.origin)]
        return []
    a, b = _keyed(fa), _keyed(fb)
    changes: list[Change] = []
    for label, entry in a.items():
        other = b.get(label)
        if other is None:
            changes.append(Change(REMOVED, label, entry.value, None, entry.origin, None))
        elif _canonical(entry.value) != _canonical(other.value):
            changes.append(Change(CHANGED, label, entry.value, other.value, entry.origin, other.origin))
    for label, entry in b.items():
        if label not in a:
            changes.append(Change(ADDED, label, None, entry.value, None, entry.origin))
    return changes


def diff_resolutions(a: Resolution, b: Resolution) -> list[FieldDiff]:
    """Field-by-field differences from ``a`` to ``b``; empty when both merge to the same configuration."""
    result: list[FieldDiff] = []
    names = list(a.provenance.fields)
    names += [n for n in b.provenance.fields if n not in a.provenance.fields]
    for name in names:
        changes = _field_changes(name, a.provenance.field(name), b.provenance.field(name))
        if changes:
            result.append(FieldDiff(name, tuple(changes)))
    if a.derived is not None and b.derived is not None:
        derived = [Change(CHANGED, label, getattr(a.derived, label), getattr(b.derived, label))
                   for label in _DERIVED
                   if _canonical(getattr(a.derived, label)) != _canonical(getattr(b.derived, label))]
        if derived:
            result.append(FieldDiff("derived", tuple(derived)))
    return result
