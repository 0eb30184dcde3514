"""The few Linux system calls Python's standard library lacks, via ctypes."""

from __future__ import annotations

import ctypes
import os
import signal

_PR_SET_PDEATHSIG = 1
CLONE_NEWNS = 0x00020000
CLONE_NEWPID = 0x20000000

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def set_parent_death_signal(sig: int = signal.SIGKILL) -> None:
    """Ask the kernel to send ``sig`` to this process when the thread that forked it exits."""
    _check(_libc.prctl(_PR_SET_PDEATHSIG, ctypes.c_ulong(sig), 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")


def unshare_mount_namespace() -> None:
    """Move this process into a new mount namespace (only valid while single-threaded)."""
    _check(_libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")


def unshare_pid_namespace() -> None:
    """Make this process's next child the init (pid 1) of a new PID namespace."""
    _check(_libc.unshare(CLONE_NEWPID), "unshare(CLONE_NEWPID)")


_pinned_host_pid: int | None = None


def pin_host_pid() -> None:
    """Remember this process's pid as the host's /proc shows it, for ``host_pid()``; call it in a
    PID namespace of its own (where ``os.getpid()`` is 1) before mounting that namespace's /proc."""
    global _pinned_host_pid
    _pinned_host_pid = int(os.readlink("/proc/self"))


def host_pid() -> int:
    """This process's pid as the host sees it: unique among the host's processes, for names."""
    return _pinned_host_pid if _pinned_host_pid is not None else os.getpid()


def pdeathsig_preexec(parent_pid: int, sig: int = signal.SIGKILL) -> None:
    """``preexec_fn`` body: set the death signal, then close the race with a parent that already died."""
    _libc.prctl(_PR_SET_PDEATHSIG, ctypes.c_ulong(sig), 0, 0, 0)
    if os.getppid() != parent_pid:
        os.kill(os.getpid(), sig)
