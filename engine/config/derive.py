"""Values computed from a merged configuration: what each build phase actually uses."""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from .arches import PORTAGE_ARCH
from .portage_files import render_portage_files
from .outfile import default_outfile, outfile_problem, squashfs_name
from .problems import Problem
from .schema import DEFAULT_COMPRESSION, DEFAULT_LOWER_CAPACITY_GIB



@dataclass
class Derived:
    """Everything the phases consume for one (variant, arch), normalised and defaulted.

    ``phase_inputs`` maps "lower", "upper" and "pack" to a JSON-able dict of exactly the values that
    phase consumes (the basis of content fingerprints). Dict-valued Portage settings appear there as
    ``[[key, value], ...]`` so their order (which Portage honours) survives any serialisation.
    ``profile`` in the lower/upper inputs is ``profile_path`` (lower) and the merged profile name
    (upper, exported as PROFILE).
    """

    name: str
    variant: str | None
    arch: str
    portage_arch: str
    profile: str | None
    profile_path: str
    outfile: str
    compression: str
    lower_capacity_gib: int
    independent_binpkgs: bool
    circulardep_breaker: dict[str, Any] | None
    packages: list[str]
    buildtime_packages: list[str]
    buildtime_packages_first: bool
    accept_keywords: dict[str, Any]
    use: dict[str, Any]
    license: dict[str, Any]
    mask: list[str]
    env: dict[str, Any]
    binpkg_excludes: list[str]
    users: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    services: list[str]
    setup_commands: list[str]
    portage_files: dict[str, str]
    phase_inputs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.phase_inputs:
            self.phase_inputs = _phase_inputs(self)

    def with_compression(self, compression: str) -> "Derived":
        """A copy with ``compression`` replaced (the CLI's --compression) and pack inputs updated."""
        return replace(self, compression=compression, phase_inputs={})

    def to_json(self) -> dict[str, Any]:
        return copy.deepcopy(asdict(self))


def _pairs(mapping: dict[str, Any]) -> list[list[Any]]:
    return [[key, value] for key, value in mapping.items()]


def _phase_inputs(d: Derived) -> dict[str, dict[str, Any]]:
    return {
        "lower": {
            "arch": d.arch,
            "profile": d.profile_path,
            "packages": list(d.packages),
            "buildtime_packages": list(d.buildtime_packages),
            "buildtime_packages_first": d.buildtime_packages_first,
            "accept_keywords": _pairs(d.accept_keywords),
            "use": _pairs(d.use),
            "license": _pairs(d.license),
            "mask": list(d.mask),
            "env": _pairs(d.env),
            "binpkg_excludes": list(d.binpkg_excludes),
            "circulardep_breaker": copy.deepcopy(d.circulardep_breaker),
            "lower_capacity_gib": d.lower_capacity_gib,
            "independent_binpkgs": d.independent_binpkgs,
        },
        "upper": {
            "name": d.name,
            "variant": d.variant,
            "profile": d.profile,
            "users": copy.deepcopy(d.users),
            "groups": copy.deepcopy(d.groups),
            "services": list(d.services),
            "setup_commands": list(d.setup_commands),
        },
        "pack": {"outfile": d.outfile, "compression": d.compression},
    }


def normalize_user(item: str | dict[str, Any]) -> dict[str, Any]:
    """A user as a dict with underscore keys and genpack's defaults (hyphenated keys lose to underscore)."""
    raw = {"name": item} if isinstance(item, str) else item

    def get(key: str) -> Any:
        return raw[key] if key in raw else raw.get(key.replace("_", "-"))

    groups = get("additional_groups")
    if isinstance(groups, str):
        groups = groups.split(",")
    create_home, empty_password = get("create_home"), get("empty_password")
    return {
        "name": raw["name"],
        "uid": get("uid"),
        "comment": get("comment"),
        "home": get("home"),
        "shell": get("shell"),
        "initial_group": get("initial_group"),
        "additional_groups": list(groups or []),
        "create_home": True if create_home is None else create_home,
        "empty_password": False if empty_password is None else empty_password,
    }


def normalize_group(item: str | dict[str, Any]) -> dict[str, Any]:
    raw = {"name": item} if isinstance(item, str) else item
    return {"name": raw["name"], "gid": raw.get("gid")}


def derive(merged: dict[str, Any], *, artifact_dir: Path, variant: str | None, arch: str,
           filename: str | None = None) -> tuple[Derived, list[Problem]]:
    """Compute :class:`Derived` from a merged configuration; problems: an outfile that cannot be written safely."""
    problems: list[Problem] = []
    name = merged["name"]
    portage_arch = PORTAGE_ARCH[arch]
    profile = merged.get("profile")
    profile_path = f"genpack-overlay:genpack/{portage_arch}" + (f"/{profile}" if profile else "")
    outfile = squashfs_name(merged.get("outfile") or default_outfile(name, variant, arch))
    msg = outfile_problem(artifact_dir, outfile)
    if msg:
        problems.append(Problem("error", "outfile", msg, filename))
    lists: dict[str, Any] = {key: list(merged.get(key, [])) for key in
             ("packages", "buildtime_packages", "mask", "binpkg_excludes", "services", "setup_commands")}
    dicts: dict[str, Any] = {key: dict(merged.get(key, {})) for key in ("accept_keywords", "use", "license", "env")}
    breaker = merged.get("circulardep_breaker")
    derived = Derived(
        name=name,
        variant=variant,
        arch=arch,
        portage_arch=portage_arch,
        profile=profile,
        profile_path=profile_path,
        outfile=outfile,
        compression=merged.get("compression", DEFAULT_COMPRESSION),
        lower_capacity_gib=merged.get("lower-layer-capacity", DEFAULT_LOWER_CAPACITY_GIB),
        independent_binpkgs=merged.get("independent_binpkgs", False),
        circulardep_breaker=copy.deepcopy(breaker) if breaker and breaker.get("packages") else None,
        buildtime_packages_first=merged.get("buildtime_packages_first", False),
        users=[normalize_user(u) for u in merged.get("users", [])],
        groups=[normalize_group(g) for g in merged.get("groups", [])],
        portage_files=render_portage_files(
            packages=lists["packages"], buildtime_packages=lists["buildtime_packages"],
            accept_keywords=dicts["accept_keywords"], use=dicts["use"], license=dicts["license"],
            mask=lists["mask"], env=dicts["env"]),
        **lists,
        **dicts,
    )
    return derived, problems
