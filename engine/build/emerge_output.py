"""Turns emerge's plain-text output (``--color=n --nospinner``, ``--console=pipe``) into progress events.

Line shapes are those listed in docs/test-bed.md §3, seen from the real
Portage 3.0.83.

Each package's origin (EmergeProgress.origin): "source" for an ebuild; a binary is "cache" (the local
binary package cache) until the fetch of its file from the binhost is seen, a line naming the binhost's
URL or Portage's download directory for binhosts, then "binhost". A binary that fails Portage's
digest check is remembered in ``rejected`` (the lower phase rebuilds it from source).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from genpack_tui.engine.events import EmergeFailure, EmergeProgress, Event

_EMERGING = re.compile(r"^>>> Emerging (binary )?\((\d+) of (\d+)\) (\S+?)(?:::(\S+))?$")
_INSTALLING = re.compile(r"^>>> Installing \((\d+) of (\d+)\) (\S+?)(?:::(\S+))?$")
_COMPLETED = re.compile(r"^>>> Completed \((\d+) of (\d+)\) (\S+?)(?:::(\S+))?$")
_STAGE = re.compile(
    r"^>>> (Unpacking source|Preparing source|Configuring source|Compiling source|Test phase|"
    r"Install \S+ into|Creating binpkg|Extracting info|Extracting \S+)"
)
_STAGE_NAMES = {
    "Unpacking source": "unpack", "Preparing source": "prepare", "Configuring source": "configure",
    "Compiling source": "compile", "Test phase": "test", "Install": "install",
    "Creating binpkg": "binpkg", "Extracting info": "extract", "Extracting": "extract",
}
_ERROR = re.compile(r"^ \* ERROR: (\S+?)::(\S+) failed \((\w+) phase\):")
_FAILED = re.compile(r"^>>> Failed to emerge (\S+?)(?:::\S+)?, Log file:")
_LOG_PATH = re.compile(r"^>>>\s+'(.+build\.log)'")
_SUMMARY_LOG = re.compile(r"^ \*\s+'(.+/build\.log)'")
_SUMMARY_PKG = re.compile(r"^ \*\s+\((\S+?):\S*::\S+, (ebuild|binary) scheduled for merge\)")
_BUILD_ID = re.compile(r"-\d+$")  # a binary's cpv in the summary carries its BUILD_ID
_DIGEST_FAILED = re.compile(r"^!!! Digest verification failed:")
BINHOST_DOWNLOADS = "/var/cache/binhost/"  # where Portage puts what it fetches from a binrepos.conf entry

# Fetching a distfile (portage/package/ebuild/fetch.py): a file whose digests or size do not match
# the Manifest, and the end of a fetch that found no good copy; with --jobs only the last line
# reaches the console (the rest is in the build log).
_VERIFY_FAILED = re.compile(r"^!!! Fetched file: (\S+) VERIFY FAILED!")
_VERIFY_REASON = re.compile(r"^!!! Reason: (.+)$")
_NOT_DOWNLOADED = re.compile(r"^!!! Couldn't download '(.+)'\. Aborting\.")
_FETCH_FAILED = re.compile(r"^ \* Fetch failed for '(\S+?)'(?:, Log file:)?")
_FETCH_LOG = re.compile(r"^ \*\s+'(.+)'")

SOURCE, CACHE, BINHOST = "source", "cache", "binhost"
_VERSION = re.compile(r"-\d+(\.\d+)*[a-z]?(_(alpha|beta|pre|rc|p)\d*)*(-r\d+)?$")  # PMS 3.2


def cpv_name(cpv: str) -> str:
    """``app-misc/hello-1.0-r1`` → ``app-misc/hello``."""
    return _VERSION.sub("", cpv)


@dataclass
class EmergeOutputParser:
    """Feed lines in order; ``feed`` returns the events each line implies."""

    phase: str
    binhost_url: str | None = None  # emerge --getbinpkg: a binary may come from this binhost
    _current: tuple[int, int, str, bool] | None = None
    _origin: dict[str, str] = field(default_factory=dict)
    _rejecting: str | None = None  # a digest check failed for this binary; its reason line follows
    rejected: dict[str, str] = field(default_factory=dict)  # binary package -> why Portage refused it
    _failed_pending: str | None = None
    _error_phase: dict[str, str] = field(default_factory=dict)
    _summary_pkg: str | None = None
    _verify_failed: str | None = None  # the distfile whose "VERIFY FAILED" awaits its reason
    _fetch_failed: str | None = None   # the package whose " * Fetch failed" awaits its log line
    _reasons: dict[str, str] = field(default_factory=dict)
    _completed: set[str] = field(default_factory=set)
    failures: list[EmergeFailure] = field(default_factory=list)

    def feed(self, line: str) -> list[Event]:
        line = line.rstrip("\n")
        if m := _EMERGING.match(line):
            binary = bool(m.group(1))
            index, total, package = int(m.group(2)), int(m.group(3)), m.group(4)
            self._current = (index, total, package, binary)
            self._origin.pop(package, None)
            return [self._progress("emerging")]
        if m := _INSTALLING.match(line):
            return [self._at(m, "installing")]
        if m := _COMPLETED.match(line):
            self._completed.add(m.group(3))
            return [self._at(m, "completed")]
        if (m := _STAGE.match(line)) and self._current:
            word = m.group(1)
            stage = _STAGE_NAMES.get(word) or _STAGE_NAMES.get(word.split()[0], word)
            return [self._progress(stage)]
        if self._current and self._current[3] and self._fetch_from_binhost(line):
            package = self._current[2]
            if self._origin.get(package) != BINHOST:
                self._origin[package] = BINHOST
                return [self._progress("fetch")]
            return []
        if self._current and self._current[3] and _DIGEST_FAILED.match(line):
            self._rejecting = self._current[2]
            self.rejected[self._rejecting] = "digest verification failed"
            return []
        if self._rejecting and (m := _VERIFY_REASON.match(line)):
            self.rejected[self._rejecting] = f"digest verification failed: {m.group(1)}"
            self._rejecting = None
            return []
        if (fetch_events := self._fetch_line(line)) is not None:
            return fetch_events
        if m := _ERROR.match(line):
            self._error_phase[m.group(1)] = m.group(3)
            return []
        if m := _FAILED.match(line):
            self._failed_pending = m.group(1)
            return []
        if self._failed_pending and (m := _LOG_PATH.match(line)):
            return [self._failure(self._failed_pending, m.group(1))]
        if m := _SUMMARY_PKG.match(line):
            package = m.group(1)
            if m.group(2) == "binary" and not any(f.package == package for f in self.failures):
                package = _BUILD_ID.sub("", package)
            self._summary_pkg = package
            return []
        if self._summary_pkg and (m := _SUMMARY_LOG.match(line)):
            package, self._summary_pkg = self._summary_pkg, None
            if not any(f.package == package for f in self.failures):
                return [self._failure(package, m.group(1))]
        return []

    def _fetch_from_binhost(self, line: str) -> bool:
        return bool(self.binhost_url and self.binhost_url in line) or BINHOST_DOWNLOADS in line

    def origin(self, package: str, binary: bool) -> str:
        return self._origin.get(package, CACHE) if binary else SOURCE

    def _fetch_line(self, line: str) -> list[Event] | None:
        """The events of a line about a failed fetch ([] when it only changes state), else None."""
        # With --jobs, emerge prints a failed package's log (and these lines) only at the end, while
        # the package shown last has completed: they are not that package's.
        package = self._current[2] if self._current and self._current[2] not in self._completed else None
        if m := _VERIFY_FAILED.match(line):
            self._verify_failed = m.group(1)
            return []
        if self._verify_failed and (m := _VERIFY_REASON.match(line)):
            if package:
                self._reasons.setdefault(package, f"digest verification failed for {self._verify_failed}: {m.group(1)}")
            self._verify_failed = None
            return []
        if m := _NOT_DOWNLOADED.match(line):
            if package:
                self._error_phase.setdefault(package, "fetch")
                self._reasons.setdefault(package, f"could not download {m.group(1)}")
            return []
        if m := _FETCH_FAILED.match(line):
            self._fetch_failed = m.group(1)
            self._error_phase.setdefault(self._fetch_failed, "fetch")
            self._reasons.setdefault(self._fetch_failed, "its distfiles could not be fetched (the build log says why)")
            return []
        if self._fetch_failed and (m := _FETCH_LOG.match(line)):
            package, self._fetch_failed = self._fetch_failed, None
            if not any(f.package == package for f in self.failures):
                return [self._failure(package, m.group(1))]
            return []
        return None

    def _at(self, m: re.Match[str], stage: str) -> EmergeProgress:
        index, total, package = int(m.group(1)), int(m.group(2)), m.group(3)
        binary = bool(self._current and self._current[2] == package and self._current[3])
        self._current = (index, total, package, binary)
        return self._progress(stage)

    def _progress(self, stage: str) -> EmergeProgress:
        assert self._current is not None
        index, total, package, binary = self._current
        return EmergeProgress(phase=self.phase, index=index, total=total, package=package,
                              binary=binary, stage=stage, origin=self.origin(package, binary))

    def _failure(self, package: str, log_path: str | None) -> EmergeFailure:
        self._failed_pending = None
        failure = EmergeFailure(phase=self.phase, package=package, log_path=log_path,
                                ebuild_phase=self._error_phase.get(package),
                                reason=self.rejected.get(package) or self._reasons.get(package))
        self.failures.append(failure)
        return failure
