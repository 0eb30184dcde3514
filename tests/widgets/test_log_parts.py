"""The BuildLog's headless parts: line cleaning, chunked search, the producer hand-over buffer."""
from __future__ import annotations

import threading

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.style import Style

from genpack_tui.widgets.log.buffer import PendingLines, split_lines
from genpack_tui.widgets.log.search import (
    DEFAULT_ERROR_PATTERNS,
    compile_query,
    compile_substrings,
    find_lines,
    match_spans,
)
from genpack_tui.widgets.log.text import abbreviate, display_text, plain_text


def test_plain_text_removes_escapes_and_applies_carriage_returns() -> None:
    assert plain_text("\x1b[1;31mred\x1b[0m \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\") == "red link"
    assert plain_text("\x1b[2K\x1b[1Gprogress 10%\rprogress 99%\r") == "progress 99%"
    assert plain_text("a\tb\x07\x08c") == "a       bc"
    assert plain_text("cut escape \x1b[3") == "cut escape "
    assert plain_text("charset \x1b(Bdone\x1b=") == "charset done"


def test_display_text_keeps_colour_spans_only() -> None:
    text = display_text("\x1b[31mred\x1b[0m\tnext\x1b[K", Style())
    assert text.plain == "red     next"
    assert [(span.start, span.end, str(span.style)) for span in text.spans] == [(0, 3, "color(1)")]


def test_abbreviate_marks_how_much_was_cut() -> None:
    assert abbreviate("x" * 10, limit=20) == "x" * 10
    assert abbreviate("x" * 50, limit=20) == "x" * 20 + " … [+30 chars]"


LINES = [
    ">>> Emerging (1 of 2) dev-libs/foo-1.0::gentoo",
    " \x1b[31;01m*\x1b[0m ERROR: dev-libs/foo-1.0::gentoo failed (compile phase):",
    "make: *** [Makefile:12: all] Error 1",
    "\x1b[33mFAILED\x1b[0m\ttab",
    ">>> Failed to emerge dev-libs/foo-1.0",
    "!!! existing preserved libs",
]


def test_search_plain_regex_and_case() -> None:
    assert find_lines(LINES, compile_query("error")) == [1, 2]
    assert find_lines(LINES, compile_query("Error", case_sensitive=True)) == [2]
    assert find_lines(LINES, compile_query(r"^>>> \w+", regex=True)) == [0, 4]
    assert find_lines(LINES, compile_query("FAILED tab")) == []  # the tab is 2 columns wide
    assert find_lines(LINES, compile_query("FAILED  tab")) == [3]
    assert find_lines(LINES, compile_substrings(DEFAULT_ERROR_PATTERNS)) == [1, 4, 5]
    assert find_lines(LINES, compile_substrings(DEFAULT_ERROR_PATTERNS), start=2, limit=1) == [4]
    assert match_spans(LINES[1], compile_query("error")) == [(3, 8)]


def test_regex_never_matches_across_lines() -> None:
    lines = ["a ok", "yes b", "ok  yes", "plain"]
    assert find_lines(lines, compile_query(r"ok\s+yes", regex=True)) == [2]
    assert find_lines(lines, compile_query(r"b\s*$", regex=True)) == [1]
    assert find_lines(lines, compile_query(r"\Ayes", regex=True)) == [1]


TOKENS = st.sampled_from([*"abcE R:*!>\t\r\x1b[31m0;", "\x1b[0m", "\x1b[1;33m", "é", "İ", "\x1b]0;t\x07", "\x1b]", "]", "\x1b("])
SAMPLE = st.lists(st.lists(TOKENS, max_size=30).map("".join), max_size=60)


@settings(max_examples=300, deadline=None)
@given(lines=SAMPLE, needle=st.sampled_from(["a", "E", "r:", "b c", "é", "i", "31m", "^a", "c$", r"b\s*$", r"\Aa"]),
       regex=st.booleans())
def test_chunked_search_equals_the_line_by_line_definition(lines: list[str], needle: str, regex: bool) -> None:
    for query in (compile_query(needle, regex=regex), compile_query(needle, case_sensitive=True)):
        expected = [i for i, line in enumerate(lines) if query.regex.search(plain_text(line))]
        assert find_lines(lines, query) == expected


def test_pending_lines_numbering_limit_and_overflow_skip() -> None:
    pending = PendingLines()
    pending.put([f"a{n}" for n in range(10)])
    pending.put([f"b{n}" for n in range(10)])
    assert pending.next_number == 20
    batch = pending.take(limit=5, capacity=100)
    assert batch.lines == ["a0", "a1", "a2", "a3", "a4"] and batch.first_number == 0 and batch.skipped == 0
    batch = pending.take(limit=100, capacity=8)  # 15 pending but only 8 could ever be kept
    assert batch.skipped == 7 and batch.first_number == 12
    assert batch.lines == ["b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9"]
    assert pending.pending == 0


def test_pending_lines_from_many_threads_lose_nothing() -> None:
    pending = PendingLines()

    def produce(tag: int) -> None:
        for n in range(200):
            pending.put([f"{tag}:{n}"] * 3)

    threads = [threading.Thread(target=produce, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    taken: list[str] = []
    while any(t.is_alive() for t in threads) or pending.pending:
        taken.extend(pending.take(limit=500, capacity=10**6).lines)
    for thread in threads:
        thread.join()
    taken.extend(pending.take(limit=10**6, capacity=10**6).lines)
    assert len(taken) == 8 * 200 * 3
    for tag in range(8):
        mine = [line for line in taken if line.startswith(f"{tag}:")]
        assert mine == [f"{tag}:{n}" for n in range(200) for _ in range(3)]


def test_split_lines() -> None:
    assert split_lines(["a\nb", "c\n", "", "d\n\n"]) == ["a", "b", "c", "", "d", ""]
