"""Container runtime: host detection, the privileged operations, nspawn, mounts, locks and the build worker.

``privileged`` is the only module in the project that mounts, formats, extracts as root or starts
containers. Build jobs run through ``worker.run_job`` in a child process with a private mount
namespace, so mounts never outlive a build.
"""

from .errors import HostError, PrivilegedOperationError, RuntimeEngineError, WorkerError
from .host import HostInfo, detect_host, require_build_host, require_root
from .lock import BuildLock, BuildLocked, acquire_build_lock
from .nspawn import NspawnSpec
from .worker import run_job

__all__ = [
    "BuildLock",
    "BuildLocked",
    "HostError",
    "HostInfo",
    "NspawnSpec",
    "PrivilegedOperationError",
    "RuntimeEngineError",
    "WorkerError",
    "acquire_build_lock",
    "detect_host",
    "require_build_host",
    "require_root",
    "run_job",
]
