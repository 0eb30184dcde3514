"""Everything a build needs of this host, checked before anything runs: root, systemd-nspawn, loop
devices (engine/runtime/host.py) and the filesystems it mounts, tried rather than looked up
(engine/runtime/filesystems.py)."""
from __future__ import annotations

from .errors import HostError
from .filesystems import Probe, filesystem_problems
from .host import HostInfo, detect_host, require_root


def require_build_host(action: str, host: HostInfo | None = None, probe: Probe | None = None) -> HostInfo:
    """HostError listing every missing capability, or the detected HostInfo. ``probe``: how a
    filesystem missing from /proc/filesystems is tried (default: a real scratch mount)."""
    require_root(action)
    host = host or detect_host()
    problems = host.build_problems()
    if not problems:  # a trial mount needs root, loop devices and nothing else missing to mean anything
        problems = filesystem_problems(host.filesystems, probe)
    if problems:
        raise HostError(f"This host cannot run '{action}': " + "; ".join(problems) + ".")
    return host
