"""What the Build pane asks the workbench to run: an action and the options the pane offers."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RunOptions:
    """What the Build pane (or a command) asks to run, with the options that matter there."""
    action: str = "build"
    compression: str | None = None  # None: the configuration's
    parallel: bool = False
    force: bool = False
    reuse_upper: bool = False  # build/upper: skip an upper whose inputs did not change (genpack reruns it)
