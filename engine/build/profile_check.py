"""Whether the selected profile exists in the genpack-overlay the build will use, known before any
image is made.

Which profiles exist is a property of the overlay, not of the configuration: genpack-overlay has
``profiles/genpack/<portage arch>/<profile>`` directories (and lists them in ``profiles.desc``), and
not every profile exists for every arch (``weston/paravirt`` is amd64 only). So the check runs in
lower once the overlay tarball is in ``work/`` (or on ``--overlay-override``), reading the tarball's
member list without extracting anything, before the lower image is created or touched.
"""
from __future__ import annotations

import tarfile
from pathlib import Path

from genpack_tui.engine.build.context import BuildContext, PhaseFailed
from genpack_tui.engine.config.printable import escape_controls
from genpack_tui.engine.runtime.confined import ConfinedDir, UnsafePathError

PROFILES_DESC = "profiles/profiles.desc"


def require_profile(ctx: BuildContext) -> None:
    """Raise PhaseFailed naming the config path of ``profile`` when the overlay has no such profile
    for the selected arch."""
    relative = "profiles/" + ctx.derived.profile_path.split(":", 1)[1]
    override = ctx.request.overlay_override_path
    if override is not None:
        directories, desc = _override_listing(override, relative)
    else:
        directories, desc = _tarball_listing(ctx.paths.overlay_tarball, relative)
    if relative in directories:
        return
    arch = ctx.resolution.arch
    portage_arch = ctx.derived.portage_arch
    prefix = f"genpack/{portage_arch}/"
    available = [name.removeprefix(prefix) for name in _profiles_for(desc, portage_arch) if name.startswith(prefix)]
    where = "--overlay-override " + str(override) if override is not None else "genpack-overlay"
    raise PhaseFailed(f"{_origin(ctx)}profile {ctx.derived.profile!r} does not exist for {arch} in {where} "
                      f"(no {ctx.derived.profile_path}); profiles for {arch}: {', '.join(available) or 'none'}")


def _origin(ctx: BuildContext) -> str:
    """``genpack.json5:12:16: variants.v.profile: `` for the value that chose the profile."""
    field = ctx.resolution.provenance.field("profile")
    if field is None or not field.entries:
        return ""
    origin = field.entries[-1].origin
    place = ":".join(str(part) for part in (origin.file, origin.line, origin.column) if part is not None)
    return escape_controls(f"{place + ': ' if place else ''}{origin.path}: ")


def _tarball_listing(tarball: Path, relative: str) -> tuple[set[str], str]:
    """The directories on the way to ``relative`` that the overlay tarball holds (its top directory
    stripped, as the extraction strips it) and the text of its profiles.desc."""
    found: set[str] = set()
    desc = ""
    try:
        with tarfile.open(tarball, "r:*") as archive:
            for member in archive:
                name = member.name.split("/", 1)[1].rstrip("/") if "/" in member.name else ""
                if name == relative and member.isdir() or name.startswith(relative + "/"):
                    found.add(relative)
                elif name == PROFILES_DESC and member.isfile() and member.size < 1 << 20:
                    stream = archive.extractfile(member)
                    desc = stream.read().decode("utf-8", "replace") if stream else ""
    except (OSError, tarfile.TarError) as exc:
        raise PhaseFailed(f"cannot read the genpack-overlay tarball {tarball}: {exc}") from None
    return found, desc


def _override_listing(override: Path, relative: str) -> tuple[set[str], str]:
    tree = ConfinedDir(override, links="in_root")
    try:
        found = {relative} if tree.is_dir(relative, follow=True) else set()
        desc = tree.read_text(PROFILES_DESC, follow=True) if tree.exists(PROFILES_DESC) else ""
    except (OSError, UnicodeDecodeError, UnsafePathError):
        return set(), ""
    return found, desc


def _profiles_for(desc: str, portage_arch: str) -> list[str]:
    names = []
    for line in desc.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and fields[0] == portage_arch:
            names.append(fields[1])
    return names
