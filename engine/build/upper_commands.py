"""The upper phase's commands (docs/genpack.md §6) as argv lists for the upper container."""
from __future__ import annotations

from typing import Any, Mapping

FILES_AND_BUILD_SCRIPTS = """set -e
if [ -d /mnt/host/files ]; then
    echo "Copying files from /mnt/host/files to upper image..."
    cp -rdv /mnt/host/files/. /
fi
execute-artifact-build-scripts
touch /usr"""  # no newline at the end: genpack's stdin, byte for byte


def groupadd_argv(group: Mapping[str, Any]) -> list[str]:
    argv = ["groupadd"]
    if group.get("gid") is not None:
        argv += ["-g", str(group["gid"])]
    return argv + [str(group["name"])]


def useradd_argv(user: Mapping[str, Any]) -> list[str]:
    """genpack's fixed option order; ``user`` is a normalised user (underscore keys)."""
    argv = ["useradd"]
    if user.get("uid") is not None:
        argv += ["-u", str(user["uid"])]
    if user.get("comment") is not None:
        argv += ["-c", str(user["comment"])]
    if user.get("home") is not None:
        argv += ["-d", str(user["home"])]
    if user.get("initial_group") is not None:
        argv += ["-g", str(user["initial_group"])]
    groups = user.get("additional_groups") or []
    if isinstance(groups, str):
        groups = [groups]
    if groups:
        argv += ["-G", ",".join(groups)]
    if user.get("shell") is not None:
        argv += ["-s", str(user["shell"])]
    if user.get("create_home", True):
        argv.append("-m")
    if user.get("empty_password", False):
        argv += ["-p", ""]
    return argv + [str(user["name"])]


def upper_env(name: str, profile: str | None, variant: str | None) -> dict[str, str]:
    env = {"ARTIFACT": name}
    if profile:
        env["PROFILE"] = profile
    if variant:
        env["VARIANT"] = variant
    return env
