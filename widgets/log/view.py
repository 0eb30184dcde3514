"""BuildLog: a fast, lazy, colour-aware log view for build output.

Raw lines are kept as ``str`` in a list; only the visible lines are turned into styled strips
(``Text.from_ansi`` once per line, kept in an LRU cache). Producers on any thread call
``append_lines``; a 10 Hz timer on the UI thread moves at most ``max_lines_per_tick`` lines into the
view, so a flood of output never stalls input.

Memory: a stored line costs ``sys.getsizeof(line) + 8`` bytes (the string plus its list slot), about
170 bytes for a 120-character ASCII line; the widget's own structures add about 11 bytes per line.
Measured with tracemalloc (benchmarks/bench_log_view.py): 1,000,000 emerge-like lines take 172 MB
(162 MB of line strings + 10.6 MB retained by the widget), i.e. 181 bytes/line, so the default
``max_lines`` of 2,000,000 bounds the log at about 350 MB for such output.
When the store exceeds ``max_lines`` the oldest lines are discarded down to 7/8 of it in one step
(so the O(n) list shift is rare); the view keeps
the newest lines and line numbers stay absolute (counted from the first line ever appended).

Keys (all bindings carry ids so an app keymap can remap them): arrows/PageUp/PageDown/Home/End scroll,
End also resumes following the tail; ``n``/``N`` next/previous search match; ``]``/``[`` next/previous
section. Search and "first error" scan on a thread (``start_search``, ``start_first_error``) for the
UI; ``search`` and ``first_error`` are their synchronous forms. The container decides which log "first
error" looks in (PhaseRunner's ``e`` tries the failed phase, the shown log, then the others).
"""
from __future__ import annotations

import bisect
import threading
from pathlib import Path
from typing import Iterable, Sequence

from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .buffer import PendingLines, split_lines
from .search import (
    DEFAULT_ERROR_PATTERNS,
    Query,
    SearchError,
    compile_query,
    compile_substrings,
    find_lines,
    match_spans,
)
from .text import MAX_RENDER_CHARS, display_text
from ..ui_thread import call_on_ui_thread

__all__ = ["BuildLog", "SearchError", "DEFAULT_ERROR_PATTERNS"]

_WIDTH_CAP = MAX_RENDER_CHARS + 32


class LogMessage(Message):
    """A message from a BuildLog; ``control`` is that log."""

    def __init__(self, log: "BuildLog") -> None:
        super().__init__()
        self.log = log

    @property
    def control(self) -> "BuildLog":
        return self.log


class BuildLog(ScrollView, can_focus=True):
    """A lazily rendered build log; see the module docstring for the memory bound and keys."""

    DEFAULT_CSS = """
    BuildLog {
        background: $surface;
        color: $text;
        overflow: scroll;
        &:focus { background-tint: $foreground 5%; }
        & > .buildlog--match { background: $warning 40%; }
        & > .buildlog--current-line { background: $accent 35%; }
    }
    """

    COMPONENT_CLASSES = {"buildlog--match", "buildlog--current-line"}

    BINDINGS = [
        Binding("n", "next_match", "Next match", show=False, id="buildlog.next-match"),
        Binding("N", "previous_match", "Previous match", show=False, id="buildlog.previous-match"),
        Binding("right_square_bracket", "next_section", "Next section", show=False, id="buildlog.next-section"),
        Binding("left_square_bracket", "previous_section", "Previous section", show=False, id="buildlog.previous-section"),
        Binding("end", "scroll_end", "Follow tail", show=False, id="buildlog.follow"),
    ]

    class Appended(LogMessage):
        """Lines reached the view. Only the newest of these waits in a queue (they coalesce)."""

        def __init__(self, log: "BuildLog", line_count: int) -> None:
            super().__init__(log)
            self.line_count = line_count

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, BuildLog.Appended) and message.log is self.log

    class Highlighted(LogMessage):
        """The highlighted line changed (search navigation or first error); ``line`` is absolute."""

        def __init__(self, log: "BuildLog", line: int | None, match_index: int | None, match_count: int) -> None:
            super().__init__(log)
            self.line = line
            self.match_index = match_index
            self.match_count = match_count

    class FirstErrorScanned(LogMessage):
        """A ``start_first_error`` has finished: ``line`` is the first error line (absolute), or None."""

        def __init__(self, log: "BuildLog", line: int | None) -> None:
            super().__init__(log)
            self.line = line

    class SearchFinished(LogMessage):
        """A ``start_search`` has scanned the stored lines; ``matches`` are absolute line numbers."""

        def __init__(self, log: "BuildLog", pattern: str, matches: list[int]) -> None:
            super().__init__(log)
            self.pattern = pattern
            self.matches = matches

    def __init__(
        self,
        *,
        max_lines: int = 2_000_000,
        max_lines_per_tick: int = 50_000,
        flush_interval: float = 0.1,
        error_patterns: Sequence[str] = DEFAULT_ERROR_PATTERNS,
        cache_size: int = 1024,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        if max_lines < 1 or max_lines_per_tick < 1 or flush_interval <= 0:
            raise ValueError("max_lines and max_lines_per_tick must be >= 1, flush_interval > 0")
        self.max_lines = max_lines
        self.max_lines_per_tick = max_lines_per_tick
        self._flush_interval = flush_interval
        self._error_matcher = compile_substrings(error_patterns)
        self._pending = PendingLines()
        self._lines: list[str] = []
        self._first = 0  # absolute number of self._lines[0]
        self._width = 0
        self._cache: LRUCache[int, Strip] = LRUCache(cache_size)
        self._follow = True
        self._sections: list[tuple[int, str]] = []
        self._sections_lock = threading.Lock()
        self._matcher: Query | None = None
        self._matches: list[int] = []  # absolute line numbers
        self._search_generation = 0  # a background search's result counts only if no search came after
        self._match_pos: int | None = None
        self._highlight: int | None = None  # absolute line number drawn as "current"
        self._error_scan_next = 0  # absolute number where the first-error scan resumes
        self._first_error: int | None = None
        self._error_generation = 0  # only the latest background error scan counts

    # --- producer side (any thread) --- #

    def append_lines(self, lines: Iterable[str]) -> None:
        """Queue complete lines (a trailing newline is optional; embedded newlines split)."""
        self._pending.put(split_lines(lines))

    def append(self, line: str) -> None:
        self.append_lines((line,))

    def mark_section(self, title: str) -> int:
        """Start a section at the next line to be appended; returns that line's absolute number."""
        with self._sections_lock:
            number = self._pending.next_number
            self._sections.append((number, title))
        return number

    # --- state --- #

    @property
    def line_count(self) -> int:
        """Lines that reached the view so far (absolute; includes discarded old lines)."""
        return self._first + len(self._lines)

    @property
    def first_line(self) -> int:
        """Absolute number of the oldest line still stored."""
        return self._first

    @property
    def lines(self) -> Sequence[str]:
        """The stored raw lines, oldest first (``lines[i]`` is absolute line ``first_line + i``)."""
        return self._lines

    @property
    def pending_lines(self) -> int:
        return self._pending.pending

    @property
    def sections(self) -> list[tuple[int, str]]:
        with self._sections_lock:
            return list(self._sections)

    @property
    def following(self) -> bool:
        return self._follow

    @property
    def matches(self) -> list[int]:
        return list(self._matches)

    @property
    def highlighted_line(self) -> int | None:
        return self._highlight

    # --- flushing (UI thread) --- #

    def on_mount(self) -> None:
        self.set_interval(self._flush_interval, self.flush, name="buildlog-flush")
        self.flush()

    def flush(self, limit: int | None = None) -> int:
        """Move up to ``limit`` (default ``max_lines_per_tick``) pending lines into the view."""
        batch = self._pending.take(limit or self.max_lines_per_tick, self.max_lines)
        new = batch.lines
        if not new:
            return 0
        if batch.first_number != self.line_count:
            # The backlog overflowed and was skipped: what is stored would be evicted anyway.
            self._lines.clear()
            self._first = batch.first_number
        start = len(self._lines)
        self._lines.extend(new)
        if self._matcher is not None:
            self._matches.extend(self._first + i for i in find_lines(self._lines, self._matcher, start))
        self._width = max(self._width, min(_WIDTH_CAP, max(map(len, new))))
        removed = self._trim()
        was_following = self._follow
        self.virtual_size = Size(self._width, len(self._lines))
        if was_following:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
            self._follow = True
        elif removed:
            self.scroll_to(y=max(0, self.scroll_y - removed), animate=False, immediate=True)
            self._follow = False
        self.refresh()
        self.post_message(self.Appended(self, self.line_count))
        return len(new)

    def _trim(self) -> int:
        excess = len(self._lines) - self.max_lines
        if excess <= 0:
            return 0
        # Discard an extra eighth so trimming (an O(n) list shift) happens rarely.
        excess = min(len(self._lines), excess + self.max_lines // 8)
        del self._lines[:excess]
        self._first += excess
        if self._matches and self._matches[0] < self._first:
            del self._matches[: bisect.bisect_left(self._matches, self._first)]
            self._match_pos = None
        return excess

    # --- scrolling and following --- #

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._follow = new_value >= self.max_scroll_y

    def on_resize(self) -> None:
        if self._follow:
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True, x_axis=False)

    def action_scroll_end(self) -> None:
        self.flush()
        self.scroll_end(animate=False, immediate=True, x_axis=False)
        self._follow = True

    def _top_line(self) -> int:
        return self._first + int(self.scroll_y)

    def jump_to_line(self, number: int, *, to_top: bool = True) -> int:
        """Show absolute line ``number`` (clamped to what is stored); stops following the tail."""
        if not self._lines:
            return self._first
        index = min(max(number - self._first, 0), len(self._lines) - 1)
        height = self.scrollable_content_region.height or 1
        visible = self.scroll_y <= index < self.scroll_y + height
        if to_top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif not visible:
            self.scroll_to(y=max(0, index - height // 3), animate=False, immediate=True)
        self._follow = False
        self.refresh()
        return self._first + index

    # --- sections --- #

    def next_section(self) -> int | None:
        top = self._top_line()
        for number, _title in self.sections:
            if number > top and number < self.line_count:
                return self.jump_to_line(number)
        return None

    def previous_section(self) -> int | None:
        top = self._top_line()
        for number, _title in reversed(self.sections):
            if number < top:
                return self.jump_to_line(number)
        return None

    # --- search --- #

    def search(self, pattern: str, regex: bool = False, case_sensitive: bool = False) -> list[int]:
        """Absolute numbers of stored lines whose visible text matches; raises SearchError.

        Matches are highlighted; lines appended later are searched as they arrive. Use
        ``next_match`` / ``previous_match`` to move between them.
        """
        matcher = compile_query(pattern, regex, case_sensitive)
        self._search_generation += 1
        self._matcher = matcher
        self._matches = [self._first + i for i in find_lines(self._lines, matcher)]
        self._match_pos = None
        self._cache.clear()
        self.refresh()
        return list(self._matches)

    def start_search(self, pattern: str, regex: bool = False, case_sensitive: bool = False) -> None:
        """``search`` on a thread, for long logs (about 0.8 s per million lines): the UI stays live and
        ``SearchFinished`` follows. A bad pattern raises SearchError at once. Lines appended meanwhile
        are matched as they arrive, as after ``search``."""
        matcher = compile_query(pattern, regex, case_sensitive)
        self._search_generation += 1
        self._matcher = matcher
        self._matches = []
        self._match_pos = None
        self._cache.clear()
        self.refresh()
        # a copy of the list (references only): flushes and trimming must not move lines under the scan
        self._scan_in_thread(self._lines[:], self._first, matcher, self._search_generation, pattern)

    @work(thread=True, group="log-search", description="search the build log")
    def _scan_in_thread(self, lines: list[str], first: int, matcher, generation: int, pattern: str) -> None:
        found = [first + i for i in find_lines(lines, matcher)]
        call_on_ui_thread(self.app, self._search_scanned, generation, found, pattern)

    def _search_scanned(self, generation: int, found: list[int], pattern: str) -> None:
        if generation != self._search_generation:
            return  # superseded by a later search or cleared
        # lines may have been trimmed meanwhile; lines appended meanwhile are already in _matches
        self._matches = found[bisect.bisect_left(found, self._first):] + self._matches
        self._cache.clear()
        self.refresh()
        self.post_message(self.SearchFinished(self, pattern, list(self._matches)))

    def clear_search(self) -> None:
        self._search_generation += 1
        self._matcher = None
        self._matches = []
        self._match_pos = None
        self._highlight = None
        self._cache.clear()
        self.refresh()

    def next_match(self) -> int | None:
        return self._step_match(+1)

    def previous_match(self) -> int | None:
        return self._step_match(-1)

    def _step_match(self, step: int) -> int | None:
        if not self._matches:
            return None
        if self._match_pos is None or self._match_pos >= len(self._matches):
            top = self._top_line()
            if step > 0:
                position = bisect.bisect_left(self._matches, top) % len(self._matches)
            else:
                position = (bisect.bisect_left(self._matches, top) - 1) % len(self._matches)
        else:
            position = (self._match_pos + step) % len(self._matches)
        self._match_pos = position
        return self._set_highlight(self._matches[position], position)

    def first_error(self) -> int | None:
        """Jump to the first line matching the error patterns; None when there is none."""
        if self._first_error is None or self._first_error < self._first:
            start = max(self._error_scan_next, self._first) - self._first
            found = find_lines(self._lines, self._error_matcher, start, limit=1)
            self._error_scan_next = self.line_count if not found else self._first + found[0]
            self._first_error = self._first + found[0] if found else None
        if self._first_error is None:
            return None
        return self._set_highlight(self._first_error, None)

    def _known_first_error(self) -> int | None:
        if self._first_error is not None and self._first_error >= self._first:
            return self._first_error
        return None

    def start_first_error(self) -> None:
        """``first_error`` with the scan on a thread; ``FirstErrorScanned`` follows (the line is
        highlighted when there is one). Only the lines not scanned before are read."""
        self._error_generation += 1
        if self._known_first_error() is not None:
            self._errors_scanned(self._error_generation, self._first, 0, self._first_error)
            return
        start = max(self._error_scan_next, self._first)
        self._scan_errors_in_thread(self._lines[start - self._first:], start, self._error_generation)

    @work(thread=True, group="log-first-error", description="find the first error in the build log")
    def _scan_errors_in_thread(self, lines: list[str], start: int, generation: int) -> None:
        found = find_lines(lines, self._error_matcher, limit=1)
        call_on_ui_thread(self.app, self._errors_scanned, generation, start, len(lines),
                          start + found[0] if found else None)

    def _errors_scanned(self, generation: int, start: int, scanned: int, found: int | None) -> None:
        if generation != self._error_generation:
            return
        if found is not None and found >= self._first:
            self._first_error = self._error_scan_next = found
        elif found is None:
            self._error_scan_next = max(self._error_scan_next, start + scanned)
        line = self._known_first_error()
        if line is not None:
            self._set_highlight(line, None)
        self.post_message(self.FirstErrorScanned(self, line))

    def _set_highlight(self, number: int, match_index: int | None) -> int:
        self._highlight = number
        shown = self.jump_to_line(number, to_top=False)
        self.post_message(self.Highlighted(self, number, match_index, len(self._matches)))
        return shown

    # --- actions --- #

    def action_next_match(self) -> None:
        self.next_match()

    def action_previous_match(self) -> None:
        self.previous_match()

    def action_next_section(self) -> None:
        self.next_section()

    def action_previous_section(self) -> None:
        self.previous_section()

    # --- saving --- #

    def save(self, path: str | Path) -> int:
        """Write every stored and pending raw line to ``path``; returns the number of lines written."""
        while self._pending.pending:
            self.flush(limit=self._pending.pending)
        written = 0
        with open(path, "w", encoding="utf-8", errors="surrogateescape", newline="\n") as out:
            for start in range(0, len(self._lines), 10_000):
                chunk = self._lines[start : start + 10_000]
                out.write("\n".join(chunk))
                out.write("\n")
                written += len(chunk)
        return written

    # --- rendering --- #

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.rich_style
        index = scroll_y + y
        if index >= len(self._lines):
            return Strip.blank(width, base)
        number = self._first + index
        if number == self._highlight:
            base = base + self._background("buildlog--current-line")
            return self._build_strip(number, base).crop_extend(scroll_x, scroll_x + width, base)
        return self._line_strip(number, base).crop_extend(scroll_x, scroll_x + width, base)

    def _background(self, component: str) -> Style:
        # Only the (alpha-blended) background, so the line's own ANSI colours stay readable.
        return Style(bgcolor=self.get_component_rich_style(component).bgcolor)

    def _line_strip(self, number: int, base: Style) -> Strip:
        strip = self._cache.get(number)
        if strip is None:
            strip = self._cache[number] = self._build_strip(number, base)
        return strip

    def _build_strip(self, number: int, base: Style) -> Strip:
        raw = self._lines[number - self._first]
        text = display_text(raw, base)
        if self._matcher is not None:
            match_style = self._background("buildlog--match")
            for start, end in match_spans(raw, self._matcher):
                text.stylize(match_style, start, end)
        # Text.render leaves a span-less text's own style out, which lost the current line's background
        segments: list[Segment] = list(Segment.apply_style(text.render(self.app.console), base))
        return Strip(segments, text.cell_len)
