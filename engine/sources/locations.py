"""Where sources come from: the mirror, the overlay tarball, and the URLs built from them.

Defaults are genpack's; ``--mirror``/``--overlay-url`` arguments win over the environment variables
``GENPACK_MIRROR``/``GENPACK_OVERLAY_URL``, which win over the defaults.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlsplit

from .arches import stage3_arch
from .errors import SourceError

DEFAULT_MIRROR = "https://distfiles.gentoo.org/"
DEFAULT_OVERLAY_URL = "https://github.com/wbrxcorp/genpack-overlay/archive/refs/heads/main.tar.gz"
MIRROR_ENV = "GENPACK_MIRROR"
OVERLAY_URL_ENV = "GENPACK_OVERLAY_URL"
STAGE3_VARIANT = "systemd"


@dataclass(frozen=True)
class SourceLocations:
    mirror: str  # always ends with "/"
    overlay_url: str


def _check_url(value: str, origin: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SourceError(f"{origin}: expected an http:// or https:// URL, got {value!r}")
    return value


def _chosen(argument: str | None, option: str, env: Mapping[str, str], variable: str, default: str) -> str:
    """The command-line argument, else the environment variable, else the default."""
    if argument:
        return _check_url(argument, option)
    if env.get(variable):
        return _check_url(env[variable], variable)
    return default


def resolve_locations(
    mirror: str | None = None,
    overlay_url: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> SourceLocations:
    env = os.environ if environ is None else environ
    chosen_mirror = _chosen(mirror, "--mirror", env, MIRROR_ENV, DEFAULT_MIRROR)
    chosen_overlay = _chosen(overlay_url, "--overlay-url", env, OVERLAY_URL_ENV, DEFAULT_OVERLAY_URL)
    if not chosen_mirror.endswith("/"):
        chosen_mirror += "/"
    return SourceLocations(mirror=chosen_mirror, overlay_url=chosen_overlay)


def autobuilds_url(mirror: str, machine: str) -> str:
    directory, _ = stage3_arch(machine)
    return f"{mirror}releases/{directory}/autobuilds/"


def stage3_list_url(mirror: str, machine: str, stage3_variant: str = STAGE3_VARIANT) -> str:
    _, name_arch = stage3_arch(machine)
    return f"{autobuilds_url(mirror, machine)}latest-stage3-{name_arch}-{stage3_variant}.txt"


def snapshot_url(mirror: str) -> str:
    return f"{mirror}snapshots/portage-latest.tar.xz"


def digests_url(stage3_url: str) -> str:
    return stage3_url + ".DIGESTS"


def digests_urls(stage3_url: str) -> tuple[str, ...]:
    """Where a mirror may publish the stage3's digests: ``.DIGESTS`` (clear-signed since 2023) first,
    then the older signed copy ``.DIGESTS.asc``."""
    return (digests_url(stage3_url), digests_url(stage3_url) + ".asc")


def distfiles_mirror_env(mirror: str | None, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``GENTOO_MIRRORS`` for emerge when a mirror was chosen (``--mirror``, ``GENPACK_MIRROR``): a
    Gentoo mirror serves ``distfiles/`` next to the stage3, so Portage fetches source tarballs from
    it first. With genpack's default mirror, Portage's own setting (make.conf) is left alone."""
    env = os.environ if environ is None else environ
    chosen = _chosen(mirror, "--mirror", env, MIRROR_ENV, DEFAULT_MIRROR)
    return {} if chosen.rstrip("/") == DEFAULT_MIRROR.rstrip("/") else {"GENTOO_MIRRORS": chosen.rstrip("/")}
