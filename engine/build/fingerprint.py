"""Content fingerprints per phase (docs/compatibility.md §7): rebuild decisions from content, not mtimes.

A fingerprint is a mapping of named components to digests:
  lower: one component per lower-relevant config field, one per Portage input directory
         (savedconfig/ patches/ kernel/ env/ overlay/), one per upstream source (stage3, portage, overlay),
         and the --overlay-override directory's contents when one is given;
  upper: "lower" (the whole lower fingerprint) + users/groups/services/setup_commands/... + files/;
  pack:  "upper" + compression and outfile; its marker also lists the outputs pack made.
A tree's digest covers contents, full modes and owners (digest_tree).
Keeping components separate lets a rerun say exactly why: "use changed → lower".
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from genpack_tui.engine.build.artifact_trees import LOWER_TREES, UPPER_TREES, has_tree
from genpack_tui.engine.runtime.confined import ConfinedDir

if TYPE_CHECKING:
    from genpack_tui.engine.sources.identity import SourceIdentity


OVERLAY_OVERRIDE = "--overlay-override"  # the lower component of the override's contents


def digest_value(value: Any) -> str:
    data = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


def digest_tree(root: Path) -> str:
    """Digest of a directory tree as it reaches an image: names, types, full mode bits (setuid and
    sticky included), owners and groups of every entry and of ``root`` itself, symlink targets,
    device numbers and file contents; never modification times.

    Absent and empty directories differ ("absent" vs a digest): genpack treats an absent kernel/ by
    removing what was installed before, which is a real change. ``root`` itself being a symlink is an
    UnsafePathError naming it (these trees are copied into the image, and a link out of the artifact
    is never followed); links inside it are content: their targets are hashed, never read through.
    """
    if not has_tree(root.parent, root.name):
        return "absent"
    with ConfinedDir(root.parent) as parent:
        top = parent.lstat(root.name)
        tree = parent.subdir(root.name)
    h = hashlib.sha256()
    h.update(b"tree v2\0")
    with tree:
        _digest_dir(tree, ".", top, h)
    return h.hexdigest()


def _entry(kind: str, rel: str, st: os.stat_result) -> bytes:
    return f"{kind} {rel} {stat.S_IMODE(st.st_mode):o} {st.st_uid}:{st.st_gid}\0".encode()


def _digest_dir(tree: ConfinedDir, rel_dir: str, st_dir: os.stat_result, h: "hashlib._Hash") -> None:
    h.update(_entry("d", rel_dir, st_dir))
    subdirs = []
    for name in tree.listdir():
        rel = os.path.normpath(os.path.join(rel_dir, name))
        st = tree.lstat(name)
        if stat.S_ISDIR(st.st_mode):
            subdirs.append((name, rel, st))
        elif stat.S_ISLNK(st.st_mode):
            h.update(_entry("l", rel, st) + f"{tree.readlink(name)}\0".encode())
        elif stat.S_ISREG(st.st_mode):
            h.update(_entry("f", rel, st))
            with tree.open_read(name) as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
        else:
            h.update(_entry("o", rel, st) + f"{stat.S_IFMT(st.st_mode):o} {st.st_rdev}\0".encode())
    for name, rel, st in subdirs:
        with tree.subdir(name) as sub:
            _digest_dir(sub, rel, st, h)


@dataclass(frozen=True)
class Fingerprint:
    """What a phase consumed (``components``) and, once it ran, what it made (``outputs``: paths
    relative to the artifact; not part of the digest, a deleted output is checked by its phase)."""
    phase: str
    components: dict[str, str]
    outputs: tuple[str, ...] = field(default=())

    @property
    def digest(self) -> str:
        return digest_value(self.components)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"phase": self.phase, "digest": self.digest, "components": self.components}
        if self.outputs:
            data["outputs"] = list(self.outputs)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Fingerprint":
        components = data.get("components")
        outputs = data.get("outputs", [])
        if not isinstance(components, dict) or not isinstance(data.get("phase"), str) \
                or not isinstance(outputs, list):
            raise ValueError("not a fingerprint record")
        return cls(phase=data["phase"], components={str(k): str(v) for k, v in components.items()},
                   outputs=tuple(str(o) for o in outputs))

    def changes_since(self, old: "Fingerprint | None") -> list[str]:
        """Names of the components that differ from ``old`` (all of them when there is no old one)."""
        if old is None:
            return sorted(self.components)
        names = set(self.components) | set(old.components)
        return sorted(n for n in names if self.components.get(n) != old.components.get(n))


def lower_fingerprint(phase_inputs: Mapping[str, Any], artifact_dir: Path,
                      sources: Mapping[str, str], overlay_override: Path | None = None) -> Fingerprint:
    """``overlay_override``: the ``--overlay-override`` directory, bound over genpack-overlay in every
    container; its contents are a component only when one is given, so builds without it keep
    their fingerprint."""
    components = {f"config.{k}": digest_value(v) for k, v in phase_inputs.items()}
    components.update({f"{d}/": digest_tree(artifact_dir / d) for d in LOWER_TREES})
    components.update({f"source.{k}": v for k, v in sources.items()})
    if overlay_override is not None:
        components[OVERLAY_OVERRIDE] = digest_tree(overlay_override)
    return Fingerprint("lower", components)


def upper_fingerprint(phase_inputs: Mapping[str, Any], artifact_dir: Path, lower: Fingerprint) -> Fingerprint:
    components = {"lower": lower.digest}
    components.update({f"config.{k}": digest_value(v) for k, v in phase_inputs.items()})
    components.update({f"{d}/": digest_tree(artifact_dir / d) for d in UPPER_TREES})
    return Fingerprint("upper", components)


def pack_fingerprint(phase_inputs: Mapping[str, Any], upper: Fingerprint) -> Fingerprint:
    components = {"upper": upper.digest}
    components.update({f"config.{k}": digest_value(v) for k, v in phase_inputs.items()})
    return Fingerprint("pack", components)


def describe_changes(names: list[str]) -> str:
    """'use, packages and kernel/ changed' for the reason shown to the user."""
    pretty = [n.removeprefix("config.").removeprefix("source.") + (" (upstream)" if n.startswith("source.") else "")
              for n in names]
    if not pretty:
        return "nothing changed"
    if len(pretty) == 1:
        return f"{pretty[0]} changed"
    return f"{', '.join(pretty[:-1])} and {pretty[-1]} changed"


def source_components(identity: "SourceIdentity | None") -> dict[str, str]:
    """The lower fingerprint's part for the stage3, Portage snapshot and overlay the image came from."""
    if identity is None:
        return {"stage3": "unknown", "portage": "unknown", "overlay": "unknown"}
    # content identity only: the same files from another mirror (or port) are not a change
    return {name: getattr(identity, name).sha512 or digest_value(getattr(identity, name).info)
            for name in ("stage3", "portage", "overlay")}
