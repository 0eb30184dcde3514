"""Errors raised by the container runtime; each message names the operation and the path involved."""

from __future__ import annotations

from pathlib import Path


class RuntimeEngineError(RuntimeError):
    """Base class: a clear, user-facing message; never shown as a traceback."""


class PrivilegedOperationError(RuntimeEngineError):
    def __init__(self, operation: str, path: str | Path | None, message: str) -> None:
        self.operation = operation
        self.path = None if path is None else str(path)
        self.message = message
        where = f" {self.path}" if self.path is not None else ""
        super().__init__(f"{operation}{where}: {message}")


class HostError(RuntimeEngineError):
    """The host cannot do what was asked (not root, no nspawn, no binfmt registration, ...)."""


class WorkerError(RuntimeEngineError):
    """A build worker could not be started or spoke an invalid protocol."""
