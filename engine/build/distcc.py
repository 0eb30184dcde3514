"""Compiling on a distcc cluster (``--distcc HOSTS``, else ``GENPACK_DISTCC_HOSTS``), only when asked.

The lower's emerge steps then run with Portage's ``FEATURES="distcc"``, distcc's ``DISTCC_HOSTS`` and
a ``MAKEOPTS`` as wide as the cluster: the slots of every host (``host/N``: N, else distcc's default
of 4, 2 for localhost) and a load limit of this machine's CPUs. They are passed in the emerge
steps' environment, so nothing of them stays in the image. A host that is down is distcc's
business: it compiles that job locally.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

DISTCC_ENV = "GENPACK_DISTCC_HOSTS"
DEFAULT_SLOTS = 4  # distcc(1): a host's default job limit
LOCALHOST_SLOTS = 2
# distcc's host specification words: [user@]host[:port][/limit][,options], localhost, --randomize
_WORD = re.compile(r"[A-Za-z0-9@.:/,_\[\]=+-]+")
_LIMIT = re.compile(r"/(\d+)")
# where Portage looks for distcc's masquerade directory (portage/package/ebuild/doebuild.py)
MASQUERADE_CHECK = ("command -v distcc >/dev/null && for d in /usr/lib64/distcc /usr/lib/distcc /usr/libexec/distcc; "
                    "do [ -d \"$d\" ] && exit 0; done; exit 1")


class DistccError(ValueError):
    """The host list cannot be used; the message names where it came from."""


@dataclass(frozen=True)
class Distcc:
    hosts: tuple[str, ...]
    origin: str  # "--distcc" or "GENPACK_DISTCC_HOSTS"

    @property
    def slots(self) -> int:
        total = 0
        for host in self.hosts:
            if host.startswith("--"):  # --randomize, --localslots=N: options, not hosts
                continue
            limit = _LIMIT.search(host)
            total += int(limit.group(1)) if limit else (LOCALHOST_SLOTS if host == "localhost" else DEFAULT_SLOTS)
        return max(total, 1)

    def environment(self, local_cpus: int | None = None) -> dict[str, str]:
        cpus = local_cpus or os.cpu_count() or 1
        return {"FEATURES": "distcc", "DISTCC_HOSTS": " ".join(self.hosts),
                "MAKEOPTS": f"-j{self.slots} -l{cpus}"}


def chosen_distcc(option: str | None, environ: Mapping[str, str] | None = None) -> Distcc | None:
    env = os.environ if environ is None else environ
    if option:
        return parse_distcc(option, "--distcc")
    value = env.get(DISTCC_ENV, "")
    return parse_distcc(value, DISTCC_ENV) if value.strip() else None


def parse_distcc(value: str, origin: str) -> Distcc:
    words = tuple(value.split())
    bad = [w for w in words if not _WORD.fullmatch(w)]
    if not words or bad:
        shown = f" ({', '.join(map(repr, bad))})" if bad else ""
        raise DistccError(f"{origin} {value!r}: expected distcc hosts separated by spaces, such as "
                          f"'10.0.0.2/8 localhost'{shown}")
    return Distcc(hosts=words, origin=origin)


def merged_features(env: Mapping[str, str], distcc: Distcc | None, local_cpus: int | None = None) -> dict[str, str]:
    """``env`` with the distcc settings added; FEATURES is incremental in Portage, so both are kept."""
    merged = dict(env)
    if distcc is None:
        return merged
    for key, value in distcc.environment(local_cpus).items():
        merged[key] = f"{merged[key]} {value}" if key == "FEATURES" and merged.get(key) else value
    return merged
