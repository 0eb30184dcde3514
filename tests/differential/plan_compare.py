"""genpack's recorded build (genpack_recorder.py) against our ``plan --json``, as a list of differences.

genpack starts a container for things genpack-tui does on the host, or in one step; those are matched
semantically, each by a named normalisation (NORMALISATIONS, the "normalised" rows of the table in
docs/compatibility.md, "Plan differences"). What is left is compared exactly: the profile, the Portage
files, and every container command in order with where it runs, its environment, its stdin and its binds.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genpack_tui.engine.build.emerge_commands import OUTPUT_FLAGS
from tests.differential.genpack_recorder import Call, Container, parse_nspawn, tar_members

# the run-time conditions (engine/build/plan.py's when-keys) of a first build as the recorder runs it: a
# new image, lower.fresh, the breaker found (and the plain depclean succeeding)
FIRST_BUILD = frozenset({"new-lower-image", "fresh-or-forced", "breaker-available"})

NORMALISATIONS = {
    "lower-image-on-host": "genpack's lower-image set-up (mkfs, stage3, the trees, repos.conf, distfiles) "
                           "is our host step lower-image",
    "profile-on-host": "genpack's 'eselect profile set P' in a container is our profile link: P is compared",
    "portage-files-on-host": "genpack's tar of the Portage files into 'tar xf -' is written from the host: "
                             "each file's content is compared",
    "portage-dirs-on-host": "genpack's rsync and sh containers for savedconfig/ patches/ kernel/ env/ overlay/ "
                            "are our host step portage-config",
    "manifests-per-package": "genpack's one sh script regenerating Manifests is our 'ebuild … manifest' "
                             "per package: the packages are compared",
    "emerge-output-flags": "our emerge calls carry --color=n --nospinner: removed before comparing",
    "upper-image-on-host": "genpack's mkfs of the upper image is our host step upper-image",
    "copyup-dev-on-host": "genpack-helper copyup-dev is our host step copyup-dev",
    "pack-on-host": "genpack's genpack-create-image in the lower container is our host mksquashfs: the "
                    "output name and the compression are compared",
}
_PORTAGE_DIR_SCRIPT = re.compile(r"/etc/portage/(savedconfig|patches|env)\b|/etc/kernel\b|genpack-local-overlay")
_MANIFEST_PACKAGE = re.compile(r'find "/var/db/repos/genpack-local-overlay/([^"]+)" -maxdepth 1')


@dataclass
class Comparison:
    differences: list[tuple[str, str]] = field(default_factory=list)  # (kind, detail)
    normalised: set[str] = field(default_factory=set)  # NORMALISATIONS keys that applied

    def differ(self, kind: str, detail: str) -> None:
        self.differences.append((kind, detail))


@dataclass
class _Genpack:
    profile: str | None = None
    portage_files: dict[str, str] | None = None
    manifests: list[str] = field(default_factory=list)
    containers: list[Container] = field(default_factory=list)
    pack: tuple[str, str] | None = None  # (outfile, compression)


def _sort_genpack(calls: list[Call], seen: set[str]) -> _Genpack:
    g = _Genpack()
    for call in calls:
        container = parse_nspawn(call)
        if container is None:
            if call.argv[:1] == ["mkfs.ext4"]:
                seen.add("upper-image-on-host" if call.argv[-1].split("/")[-1].startswith("upper") else
                         "lower-image-on-host")
            elif call.argv[:2] == ["genpack-helper", "stage3"]:
                seen.add("lower-image-on-host")
            elif call.argv[:2] == ["genpack-helper", "copyup-dev"]:
                seen.add("copyup-dev-on-host")
            else:
                raise AssertionError(f"genpack ran an unexpected host command: {call.argv}")
            continue
        command, stdin = container.command, container.stdin if isinstance(container.stdin, str) else ""
        if command[:3] == ["eselect", "profile", "set"]:
            g.profile = command[3]
            seen.add("profile-on-host")
        elif g.profile is None:  # before the profile: setting up a new lower image
            seen.add("lower-image-on-host")
        elif command == ["tar", "xf", "-"]:
            assert isinstance(container.stdin, bytes)
            g.portage_files = tar_members(container.stdin)
            seen.add("portage-files-on-host")
        elif command[:1] == ["rsync"] or (command == ["sh"] and _PORTAGE_DIR_SCRIPT.search(stdin)
                                         and "manifest" not in stdin):
            seen.add("portage-dirs-on-host")
        elif command == ["sh"] and _MANIFEST_PACKAGE.search(stdin):
            g.manifests = _MANIFEST_PACKAGE.findall(stdin)
            seen.add("manifests-per-package")
        elif command[:1] == ["genpack-create-image"]:
            g.pack = (command[2].removeprefix("/mnt/host/") + ".squashfs", command[command.index("--compression") + 1])
            seen.add("pack-on-host")
        else:
            g.containers.append(container)
    return g


def _our_containers(plan: dict[str, Any], conditions: frozenset[str],
                    seen: set[str]) -> tuple[list[dict[str, Any]], list[str]]:
    steps, manifests = [], []
    for phase in ("lower", "upper"):
        for step in plan[phase]:
            if step["where"] == "host" or (step["when"] is not None and step["when"] not in conditions):
                continue
            if step["name"] == "manifests":
                manifests.append("/".join(Path(step["argv"][1]).parts[-3:-1]))
                continue
            argv = list(step["argv"])
            if argv[:1] == ["emerge"] and argv[1:1 + len(OUTPUT_FLAGS)] == list(OUTPUT_FLAGS):
                argv = [argv[0], *argv[1 + len(OUTPUT_FLAGS):]]
                seen.add("emerge-output-flags")
            steps.append({**step, "argv": argv})
    return steps, manifests


def compare(calls: list[Call], plan: dict[str, Any], *, conditions: frozenset[str] = FIRST_BUILD,
            default_env: dict[str, str]) -> Comparison:
    """The differences between genpack's ``calls`` and our ``plan``, its steps taken as they run when
    ``conditions`` hold (when-keys). ``default_env``: variables our
    containers get from engine/runtime/nspawn.py's defaults that genpack's do not (set aside here and
    reported apart as the kind "default-env")."""
    result = Comparison()
    g = _sort_genpack(calls, result.normalised)
    if g.profile != plan["profile"]:
        result.differ("profile", f"ours {plan['profile']}, genpack {g.profile}")
    if g.portage_files != plan["portage_files"]:
        for path in sorted(set(g.portage_files or {}) | set(plan["portage_files"])):
            ours, theirs = plan["portage_files"].get(path), (g.portage_files or {}).get(path)
            if ours != theirs:
                result.differ("portage-file", f"/{path}: ours {ours!r}, genpack {theirs!r}")
    ours, manifests = _our_containers(plan, conditions, result.normalised)
    if manifests != g.manifests:
        result.differ("manifests", f"ours {manifests}, genpack {g.manifests}")
    if (plan["pack"]["outfile"], plan["pack"]["compression"]) != g.pack:
        result.differ("pack", f"ours {(plan['pack']['outfile'], plan['pack']['compression'])}, genpack {g.pack}")
    for i in range(max(len(ours), len(g.containers))):
        mine = ours[i] if i < len(ours) else None
        theirs = g.containers[i] if i < len(g.containers) else None
        if mine is None or theirs is None:
            result.differ("steps", f"container {i + 1}: ours {mine and mine['argv']}, genpack "
                                   f"{theirs and theirs.command}")
            continue
        label = f"container {i + 1} ({' '.join(theirs.command)[:60]})"
        if mine["argv"] != theirs.command:
            result.differ("argv", f"{label}: ours {mine['argv']}, genpack {theirs.command}")
            continue
        if mine["where"] != theirs.where:
            result.differ("where", f"{label}: ours {mine['where']}, genpack {theirs.where}")
        env = dict(mine["env"])
        for key, value in default_env.items():
            if env.get(key) == value and key not in theirs.env:
                del env[key]
                result.differ("default-env", f"{key}={value}")
        for key in sorted(set(env) | set(theirs.env)):
            if env.get(key) != theirs.env.get(key):
                result.differ(f"env {key}", f"{label}: ours {env.get(key)!r}, genpack {theirs.env.get(key)!r}")
        if (mine["stdin"] or None) != (theirs.stdin or None):
            result.differ("stdin", f"{label}: ours {mine['stdin']!r}, genpack {theirs.stdin!r}")
        if mine["binds"] != theirs.binds:
            result.differ("binds", f"{label}: ours {mine['binds']}, genpack {theirs.binds}")
    return result

# the parity figures of the last run, for the terminal summary (tests/differential/conftest.py)
PARITY_REPORT: list[str] = []
