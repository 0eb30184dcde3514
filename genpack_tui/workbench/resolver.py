"""The workbench's resolve pipeline, without the UI: which resolve is the newest, the resolve and
phase-status bodies (run on worker threads), and the check for edits made before the file watch began.

A resolve is numbered (its generation) when it is asked for; results arrive from worker threads in any
order and only the newest is shown (``accept``), its phase statuses only while it is still the one shown
(``statuses_current``). Until the watch is in place (``watch_began``), each read records a signature of
what it read, so that ``edited_while_unwatched`` can tell whether an edit slipped in before the watch.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from genpack_tui.engine.artifact.inputs import InputSignature, config_signature, input_signature

if TYPE_CHECKING:
    from genpack_tui.engine.build.status import PhaseStatus
    from genpack_tui.engine.config import Resolution
    from genpack_tui.widgets.config.selection import Selection


class Resolver:
    def __init__(self, artifact_dir: Path, *, devel: bool, binhost: str | None = None) -> None:
        self.artifact_dir = Path(artifact_dir)
        self.devel = devel
        self.binhost = _binhost_url(binhost)
        self.watching = False  # the artifact directory is watched: later edits arrive as changes
        self._requested = 0
        self._shown = -1
        # what the newest resolve (the config) and phase status (every input) read before the watch began
        self._unwatched_config: InputSignature | None = None
        self._unwatched_inputs: InputSignature | None = None

    def next_generation(self) -> int:
        """Number a new resolve (on the UI thread)."""
        self._requested += 1
        return self._requested

    def accept(self, generation: int) -> bool:
        """Whether the resolve numbered ``generation`` is newer than the one shown; if so it is shown now."""
        if generation <= self._shown:
            return False
        self._shown = generation
        return True

    def statuses_current(self, generation: int) -> bool:
        """Whether phase statuses computed for ``generation`` still belong to the resolution shown."""
        return generation == self._shown

    def resolve(self, selection: "Selection") -> "Resolution":
        """Read and resolve the configuration for ``selection`` (any thread)."""
        from genpack_tui.engine.config import resolve

        if not self.watching:
            self._unwatched_config = config_signature(self.artifact_dir)
        return resolve(self.artifact_dir, variant=selection.variant_arg(), arch=selection.arch)

    def phase_statuses(self, resolution: "Resolution") -> "list[PhaseStatus]":
        """Phase status of a resolution (a worker thread: it loads the build engine and hashes the inputs)."""
        from genpack_tui.engine.build.status import phase_statuses

        if not self.watching:
            self._unwatched_inputs = input_signature(self.artifact_dir)
        return phase_statuses(resolution, devel=self.devel, binhost=self.binhost)

    def watch_began(self) -> None:
        self.watching = True

    def edited_while_unwatched(self) -> bool:
        """Whether the config or any input differs from what was read before the watch began (any thread)."""
        seen_config, seen_inputs = self._unwatched_config, self._unwatched_inputs
        return (seen_config is not None and config_signature(self.artifact_dir) != seen_config) or (
            seen_inputs is not None and input_signature(self.artifact_dir) != seen_inputs)


def _binhost_url(option: str | None) -> str | None:
    """The binhost a build from here would use (--binhost, else GENPACK_BINHOST); a bad one counts as
    none here, the build itself reports it."""
    from genpack_tui.engine.build.binhost import BinhostError, chosen_binhost
    try:
        binhost = chosen_binhost(option)
    except BinhostError:
        return None
    return binhost.url if binhost else None
