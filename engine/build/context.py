"""What every phase needs while it runs: the request, the resolved config, paths, the host, events.

``BuildContext.step`` wraps a unit of work in StepStarted/StepFinished events; ``container`` runs a
command in an nspawn container with genpack-helper's binds and streams its output as events.
"""
from __future__ import annotations

import contextlib
import functools
import os
import shlex
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from genpack_tui.engine.build.emerge_output import EmergeOutputParser
from genpack_tui.engine.build.image_space import FullImage, find_full_image, says_no_space
from genpack_tui.engine.build.paths import WorkPaths
from genpack_tui.engine.build.plan import BuildPlan, build_plan
from genpack_tui.engine.build.request import BuildRequest
from genpack_tui.engine.config import Derived, Resolution
from genpack_tui.engine.events import EventSink, OutputLine, StepFinished, StepStarted
from genpack_tui.engine.history.recorder import BuildRecorder
from genpack_tui.engine.runtime import privileged
from genpack_tui.engine.runtime.host import HostInfo
from genpack_tui.engine.runtime.nspawn import NspawnSpec
from genpack_tui.engine.runtime.ownership import InvokingUser


class PhaseFailed(Exception):
    """A phase could not complete; the message says what failed, for the user."""


@dataclass
class BuildContext:
    request: BuildRequest
    resolution: Resolution
    paths: WorkPaths
    host: HostInfo
    user: InvokingUser
    sink: EventSink
    emulated: bool = False
    phase: str = "setup"
    container_starts: dict[str, int] = field(default_factory=dict)
    full_image: FullImage | None = None  # found full when the last command or step failed
    history: BuildRecorder | None = None  # records the build (engine/build/history_hook.py)

    @property
    def derived(self) -> "Derived":
        assert self.resolution.derived is not None
        return self.resolution.derived

    @functools.cached_property
    def plan(self) -> BuildPlan:
        """What the phases run (engine/build/plan.py); ``genpack-tui plan`` prints the same."""
        return build_plan(self.request, self.derived, emulated=self.emulated, cpu_count=os.cpu_count() or 1)

    def host_step(self, name: str) -> contextlib.AbstractContextManager[None]:
        """``step`` for the plan's host step ``name``, with the plan's title."""
        return self.step(name, self.plan.host(name).title)

    def say(self, text: str, step: str = "") -> None:
        self.sink(OutputLine(phase=self.phase, step=step, text=text))

    @contextlib.contextmanager
    def step(self, name: str, title: str) -> Iterator[None]:
        self.sink(StepStarted(phase=self.phase, step=name, title=title))
        started = time.monotonic()
        ok = False
        try:
            yield
            ok = True
        except BaseException as exc:
            if self.full_image is None and says_no_space(exc):
                self.full_image = self._find_full_image()  # the images are still mounted here
            raise
        finally:
            self.sink(StepFinished(phase=self.phase, step=name, ok=ok, duration=time.monotonic() - started))

    def container(self, root: Path, command: Sequence[str], *, step: str, stdin: bytes | None = None,
                  env: dict[str, str] | None = None, binpkgs: bool = False, download: bool = False,
                  overlay_override: bool = True, overlay_upper: Path | None = None,
                  host_dir: Path | None = None, extra_dir: Path | None = None,
                  parser: EmergeOutputParser | None = None,
                  on_text: Callable[[str], None] | None = None, quiet: bool = False) -> int:
        """Run ``command`` in a container on ``root``; every output line becomes an event. ``host_dir``
        is bound at /mnt/host instead of the artifact directory; ``extra_dir`` at /mnt/extra."""
        spec = NspawnSpec(
            root=root, command=list(command), artifact_dir=host_dir or self.paths.artifact_dir, extra_dir=extra_dir,
            binpkgs_dir=self.paths.binpkgs_dir if binpkgs and not self.derived_independent else None,
            download_dir=self.paths.download_dir if download else None,
            overlay_override=self.request.overlay_override_path if overlay_override else None,
            overlay_upper=overlay_upper, env=env or {},
        )
        self.container_starts[self.phase] = self.container_starts.get(self.phase, 0) + 1
        self.full_image = None
        if self.request.debug:
            self.say("+ " + shlex.join(spec.argv(self.host)), step)

        def on_line(text: str, stream: str) -> None:
            if quiet:
                return
            self.sink(OutputLine(phase=self.phase, step=step, text=text, stream=stream))
            if parser is not None:
                for event in parser.feed(text):
                    self.sink(event)
            if on_text is not None:
                on_text(text)

        rc = privileged.run_nspawn(spec, on_line, stdin=stdin, host=self.host)
        if rc != 0:
            self.full_image = self._find_full_image()  # while the images are still mounted
        return rc

    def _find_full_image(self) -> FullImage | None:
        return find_full_image({"lower": self.paths.lower_image, "upper": self.paths.upper_image})

    def failure_message(self, failure: str) -> str:
        """``failure`` as the user should read it: led by the full image, when that is why."""
        if self.full_image is None:
            return failure
        config = self.resolution.config_file
        return self.full_image.explain(failure, self.paths.artifact_dir, config.name if config else "genpack.json5",
                                       self.derived.lower_capacity_gib)

    def check(self, rc: int, what: str) -> None:
        if rc != 0:
            raise PhaseFailed(f"{what} failed with exit status {rc}")

    @property
    def derived_independent(self) -> bool:
        return self.request.independent_binpkgs or self.derived.independent_binpkgs

    def describe(self) -> dict[str, Any]:
        return {"artifact": self.resolution.name, "variant": self.resolution.variant, "arch": self.resolution.arch}
