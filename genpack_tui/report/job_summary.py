"""The Markdown job summary of one run (GitHub Actions appends $GITHUB_STEP_SUMMARY to the run's page):
the phases with their durations, the packages built from source and installed from binary packages,
the image and its size, or the failure."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from genpack_tui.engine.events import (
    BuildFinished,
    BuildStarted,
    EmergeFailure,
    EmergeProgress,
    ErrorEvent,
    Event,
    PhaseFinished,
    PhaseSkipped,
)
from genpack_tui.engine.report.format import human_duration, human_size

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")  # what can start emphasis, code, a link or a cell


def md(text: str) -> str:
    """``text`` shown as it is in Markdown: its punctuation escaped, HTML made inert, one line."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


@dataclass
class RunSummary:
    """Fed every event of a run; ``markdown()`` once its BuildFinished has arrived."""

    title: str = "genpack-tui"
    phases: list[tuple[str, str, str]] = field(default_factory=list)  # (phase, result, duration)
    packages: dict[str, bool] = field(default_factory=dict)  # package: installed from a binary package
    origins: dict[str, str] = field(default_factory=dict)  # package: EmergeProgress.where
    failures: list[EmergeFailure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    finished: BuildFinished | None = None

    def __call__(self, event: Event) -> None:
        if isinstance(event, BuildStarted):
            variant = f", variant {event.variant}" if event.variant else ""
            self.title = f"genpack-tui {event.action}: {event.artifact} ({event.arch}{variant})"
        elif isinstance(event, PhaseSkipped):
            self.phases.append((event.phase, f"skipped: {event.reason}", ""))
        elif isinstance(event, PhaseFinished):
            self.phases.append((event.phase, "done" if event.ok else "**failed**", human_duration(event.duration)))
        elif isinstance(event, EmergeProgress):
            self.packages[event.package] = event.binary
            self.origins[event.package] = event.where
        elif isinstance(event, EmergeFailure):
            self.failures.append(event)
        elif isinstance(event, ErrorEvent):
            self.errors.append(event.message.split("\n", 1)[0])
        elif isinstance(event, BuildFinished):
            self.finished = event

    def markdown(self) -> str:
        end = self.finished
        ok = end is not None and end.ok
        verdict = "succeeded" if ok else "failed"
        after = f" in {human_duration(end.duration)}" if end is not None else ""
        lines = [f"## {md(self.title)}: {verdict}{after}", ""]
        if self.phases:
            lines += ["| Phase | Result | Duration |", "| --- | --- | --- |"]
            lines += [f"| {md(phase)} | {result if result.startswith('**') else md(result)} | {duration or '–'} |"
                      for phase, result, duration in self.phases]
            lines.append("")
        if self.packages:
            source = sorted(p for p, binary in self.packages.items() if not binary)
            binary = sorted(p for p, binary in self.packages.items() if binary)
            fetched = sum(1 for where in self.origins.values() if where == "binhost")
            from_binhost = f" ({fetched} from the binhost)" if fetched else ""
            lines.append(f"Packages: {len(source)} built from source, {len(binary)} installed from binary "
                         f"packages{from_binhost}.")
            lines.append("")
            for label, names in (("Built from source", source), ("From binary packages", binary)):
                if names:
                    lines += [f"<details><summary>{label} ({len(names)})</summary>", ""]
                    lines += [f"- {md(name)}" for name in names]
                    lines += ["", "</details>", ""]
        if ok and end is not None:
            for output in end.outputs:
                lines.append(f"Image: {md(str(output['path']))} ({human_size(int(output['size']))})")
        else:
            if end is not None and end.message:
                lines.append(f"**Failure:** {md(end.message)}")
            lines += [f"- error: {md(error)}" for error in self.errors]
            for failure in self.failures:
                phase = f" in the {md(failure.ebuild_phase)} phase" if failure.ebuild_phase else ""
                reason = f": {md(failure.reason)}" if failure.reason else ""
                log = f"; log: {md(failure.log_path)} (inside the lower image)" if failure.log_path else ""
                lines.append(f"- failed package: {md(failure.package)}{phase}{reason}{log}")
        return "\n".join(lines).rstrip("\n") + "\n\n"
