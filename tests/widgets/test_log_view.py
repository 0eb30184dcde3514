"""BuildLog driven through a tiny host app with App.run_test (real Textual, real threads)."""
from __future__ import annotations

import threading

import pytest
from textual.app import App, ComposeResult

from genpack_tui.widgets.log.search import SearchError
from tests.fixtures.app import wait_for
from genpack_tui.widgets.log.view import BuildLog

SIZE = (80, 20)


class LogApp(App[None]):
    def __init__(self, **log_options) -> None:
        super().__init__()
        self.log_options = log_options
        self.messages: list[object] = []

    def compose(self) -> ComposeResult:
        yield BuildLog(id="log", **self.log_options)

    def on_build_log_appended(self, message: BuildLog.Appended) -> None:
        self.messages.append(message)

    def on_build_log_highlighted(self, message: BuildLog.Highlighted) -> None:
        self.messages.append(message)

    def on_build_log_search_finished(self, message: BuildLog.SearchFinished) -> None:
        self.messages.append(message)

    def on_build_log_first_error_scanned(self, message: BuildLog.FirstErrorScanned) -> None:
        self.messages.append(message)


def row_text(log: BuildLog, y: int) -> str:
    return "".join(segment.text for segment in log.render_line(y))


def screen_rows(log: BuildLog) -> list[str]:
    return [row_text(log, y).rstrip() for y in range(log.scrollable_content_region.height)]


def visible_range(log: BuildLog) -> range:
    top = log.first_line + int(log.scroll_y)
    return range(top, top + log.scrollable_content_region.height)


async def test_lines_from_a_thread_appear_and_tail_is_followed() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.query_one(BuildLog)

        def produce() -> None:
            for start in range(0, 500, 50):
                log.append_lines(f"line {n}" for n in range(start, start + 50))

        worker = threading.Thread(target=produce)
        worker.start()
        worker.join()
        await pilot.pause(0.3)  # the 10 Hz flush timer moves them in
        assert log.line_count == 500
        rows = screen_rows(log)
        assert rows[-1] == "line 499"
        assert rows[0] == f"line {500 - len(rows)}"
        assert log.following
        assert app.messages and isinstance(app.messages[-1], BuildLog.Appended)
        assert app.messages[-1].line_count == 500


async def test_scrolled_up_view_stays_put_and_end_resumes_following() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.query_one(BuildLog)
        log.focus()
        log.append_lines([f"line {n}" for n in range(300)])
        await pilot.pause(0.25)
        await pilot.press("pageup")
        assert not log.following
        top_before = screen_rows(log)[0]
        log.append_lines([f"new {n}" for n in range(100)])
        await pilot.pause(0.25)
        assert log.line_count == 400
        assert screen_rows(log)[0] == top_before  # not dragged to the tail
        await pilot.press("end")
        assert log.following
        assert screen_rows(log)[-1] == "new 99"
        log.append("newest")
        await pilot.pause(0.25)
        assert screen_rows(log)[-1] == "newest"


async def test_sgr_colours_become_styles_and_other_controls_are_removed() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.query_one(BuildLog)
        log.append_lines(
            [
                "\x1b[32;01m * \x1b[39;49;00mPackage: \x1b[31mfoo\x1b[0m done",
                "\x1b]0;window title\x07\x1b[2Kdownload 10%\rdownload 100%",
                "bell\x07 and\tTab",
            ]
        )
        await pilot.pause(0.25)
        segments = list(log.render_line(0))
        assert all("\x1b" not in s.text for s in segments)
        by_text = {s.text: s.style for s in segments if s.text.strip()}
        assert by_text[" * "].color.number == 2 and by_text[" * "].bold  # ANSI green, bold
        assert by_text["foo"].color.number == 1  # ANSI red
        assert by_text["Package: "].color.number is None  # the widget's own foreground
        assert row_text(log, 1).rstrip() == "download 100%"
        assert row_text(log, 2).rstrip() == "bell and        Tab"
        # the stored line is untouched
        assert log.lines[0].startswith("\x1b[32;01m")


async def test_very_long_line_is_abbreviated_for_display_only() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.query_one(BuildLog)
        long_line = "x" * 100_000
        log.append(long_line)
        await pilot.pause(0.25)
        assert log.lines[0] == long_line
        assert log.virtual_size.width < 5_000
        full = log._line_strip(0, log.rich_style)
        assert full.cell_length < 5_000
        assert "[+96000 chars]" in "".join(s.text for s in full)


async def test_search_next_previous_and_highlight() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.query_one(BuildLog)
        log.focus()
        lines = [f"compiling unit {n}" for n in range(200)]
        for n in (20, 90, 150):
            lines[n] = f"\x1b[33mwarning\x1b[0m: \x1b[1mdeprecated\x1b[0m call in unit {n}"
        log.append_lines(lines)
        await pilot.pause(0.25)
        await pilot.press("home")
        assert log.search("WARNING: deprecated") == [20, 90, 150]  # visible text, any case
        assert log.search("warning: deprecated", case_sensitive=True) == [20, 90, 150]
        assert log.search(r"unit 1\d\d$", regex=True) == list(range(100, 200))
        assert log.search("warning: deprecated") == [20, 90, 150]
        await pilot.press("n")
        assert log.highlighted_line == 20
        await pilot.press("n")
        assert log.highlighted_line == 90 and 90 in visible_range(log)
        await pilot.press("n", "n")
        assert log.highlighted_line == 20  # wrapped
        await pilot.press("N")
        assert log.highlighted_line == 150 and 150 in visible_range(log)
        highlighted = [m for m in app.messages if isinstance(m, BuildLog.Highlighted)]
        assert [m.line for m in highlighted] == [20, 90, 150, 20, 150]
        assert highlighted[-1].match_index == 2 and highlighted[-1].match_count == 3
        # the current line is drawn with a background across the full width
        y = 150 - int(log.scroll_y)
        current = list(log.render_line(y))
        other = list(log.render_line(y + 1 if y + 1 < log.size.height else y - 1))
        assert current[-1].style.bgcolor != other[-1].style.bgcolor
        # the matched words carry the match style
        match_bg = log.get_component_rich_style("buildlog--match").bgcolor
        assert any(s.text == "deprecated" and s.style.bgcolor == match_bg for s in current)
        # later lines are searched as they arrive
        log.append("another warning: deprecated thing")
        await pilot.pause(0.25)
        assert log.matches == [20, 90, 150, 200]
        with pytest.raises(SearchError, match=r"invalid regular expression '\(unclosed'"):
            log.search("(unclosed", regex=True)


async def test_background_search_matches_what_search_finds_including_lines_arriving_meanwhile() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.query_one(BuildLog)
        log.append_lines([f">>> Emerging ({n} of 300000) cat/pkg-{n}" + (" FAILED" if n % 1000 == 7 else "")
                          for n in range(300_000)])
        assert await wait_for(lambda: log.line_count == 300_000 and not log.pending_lines, 20)
        log.start_search("failed")
        log.start_search("FAILED ")  # superseded at once: its result must never show
        log.start_search("failed")
        assert log.matches == []  # the scan runs on a thread; nothing is applied before the UI loop runs
        log.append_lines(["late line FAILED"])  # arrives during the scan: matched on arrival
        assert await wait_for(lambda: any(isinstance(m, BuildLog.SearchFinished) for m in app.messages), 20)
        await pilot.pause(0.3)
        finished = [m for m in app.messages if isinstance(m, BuildLog.SearchFinished)]
        assert len(finished) == 1 and finished[0].pattern == "failed"
        expected = [n for n in range(300_000) if n % 1000 == 7] + [300_000]
        assert log.matches == expected
        assert log.search("failed") == expected  # the synchronous scan agrees
        with pytest.raises(SearchError, match="empty search pattern"):
            log.start_search("")


async def test_first_error_jumps_to_the_first_failure() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.query_one(BuildLog)
        log.focus()
        lines = [f">>> Emerging (1 of 3) dev-libs/foo-{n}" for n in range(400)]
        lines[250] = " \x1b[31;01m*\x1b[0m ERROR: dev-libs/foo-1.0::gentoo failed (compile phase):"
        lines[260] = ">>> Failed to emerge dev-libs/foo-1.0"
        log.append_lines(lines)
        await pilot.pause(0.25)
        assert log.following
        log.start_first_error()  # the scan runs on a thread
        assert await wait_for(lambda: any(isinstance(m, BuildLog.FirstErrorScanned) for m in app.messages))
        assert [m.line for m in app.messages if isinstance(m, BuildLog.FirstErrorScanned)] == [250]
        assert log.highlighted_line == 250
        assert 250 in visible_range(log)
        assert not log.following
        custom = LogApp(error_patterns=["Failed to emerge"])
        async with custom.run_test(size=SIZE) as pilot2:
            other = custom.query_one(BuildLog)
            other.append_lines(lines)
            await pilot2.pause(0.25)
            assert other.first_error() == 260


async def test_first_error_none_when_clean_and_found_when_it_arrives_later() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.query_one(BuildLog)
        log.append_lines([f"ok {n}" for n in range(100)])
        await pilot.pause(0.25)
        assert log.first_error() is None
        log.append_lines(["!!! existing preserved libs found"])
        await pilot.pause(0.25)
        assert log.first_error() == 100


async def test_background_first_error_scans_only_new_lines_and_reports_none_when_clean() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE):
        log = app.query_one(BuildLog)
        log.append_lines([f"ok {n}" for n in range(200_000)])
        assert await wait_for(lambda: log.line_count == 200_000 and not log.pending_lines, 20)

        def results() -> list[int | None]:
            return [m.line for m in app.messages if isinstance(m, BuildLog.FirstErrorScanned)]

        log.start_first_error()
        assert await wait_for(lambda: len(results()) == 1, 20)
        assert results() == [None] and log.highlighted_line is None
        log.append_lines(["ok", " * ERROR: app-misc/broken-1.0::gentoo failed (compile phase):"])
        assert await wait_for(lambda: log.line_count == 200_002 and not log.pending_lines)
        log.start_first_error()
        assert await wait_for(lambda: len(results()) == 2, 20)
        assert results() == [None, 200_001] and log.highlighted_line == 200_001
        assert log.first_error() == 200_001  # the synchronous form agrees (and reuses the result)


async def test_sections_marked_from_a_thread_and_jumped_to() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.query_one(BuildLog)
        log.focus()
        marks: list[int] = []

        def produce() -> None:
            for phase in ("lower", "upper", "pack"):
                marks.append(log.mark_section(f"phase {phase}"))
                log.append(f"=== {phase} ===")
                log.append_lines(f"{phase} output {n}" for n in range(100))

        worker = threading.Thread(target=produce)
        worker.start()
        worker.join()
        await pilot.pause(0.3)
        assert marks == [0, 101, 202]
        assert log.sections == [(0, "phase lower"), (101, "phase upper"), (202, "phase pack")]
        await pilot.press("home", "right_square_bracket")
        assert screen_rows(log)[0] == "=== upper ==="
        await pilot.press("right_square_bracket")
        assert screen_rows(log)[0] == "=== pack ==="
        await pilot.press("left_square_bracket")
        assert screen_rows(log)[0] == "=== upper ==="
        assert log.jump_to_line(150) == 150
        assert screen_rows(log)[0] == "upper output 48"


async def test_memory_bound_keeps_the_newest_lines() -> None:
    app = LogApp(max_lines=1000)
    async with app.run_test(size=SIZE) as pilot:
        log = app.query_one(BuildLog)
        for start in range(0, 5000, 250):
            log.append_lines([f"line {n}" for n in range(start, start + 250)])
            await pilot.pause(0.12)
        await pilot.pause(0.2)
        assert log.line_count == 5000
        assert len(log.lines) <= 1000
        assert log.lines[-1] == "line 4999"
        assert log.lines[0] == f"line {log.first_line}"
        assert screen_rows(log)[-1] == "line 4999"
        assert log.jump_to_line(10) == log.first_line  # discarded lines clamp to the oldest kept


async def test_backlog_larger_than_the_store_skips_to_the_tail() -> None:
    app = LogApp(max_lines=500, max_lines_per_tick=100)
    async with app.run_test(size=SIZE) as pilot:
        log = app.query_one(BuildLog)
        log.append_lines([f"line {n}" for n in range(10_000)])
        await pilot.pause(0.8)
        assert log.line_count == 10_000
        assert log.lines[-1] == "line 9999"
        assert log.first_line >= 9500 and len(log.lines) <= 500


async def test_save_writes_the_raw_log(tmp_path) -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.query_one(BuildLog)
        raw = [f"\x1b[32mline\x1b[0m {n}\ttab" for n in range(50)] + ["", "ünïcode ✓"]
        log.append_lines(raw)
        await pilot.pause(0.25)
        log.append("still pending")  # save() includes lines not yet flushed
        target = tmp_path / "build.log"
        assert log.save(target) == len(raw) + 1
        assert target.read_text(encoding="utf-8") == "\n".join([*raw, "still pending"]) + "\n"


async def test_embedded_newlines_split_into_lines() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.query_one(BuildLog)
        log.append("one\ntwo\n")
        log.append_lines(["three\n", "four\nfive"])
        await pilot.pause(0.25)
        assert list(log.lines) == ["one", "two", "three", "four", "five"]


async def test_current_line_background_covers_its_text() -> None:
    """The highlighted line's background is under its text too, plain or coloured, not only after it."""
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        log = app.query_one(BuildLog)
        log.append_lines(["before", " * ERROR: plain text, no escapes", " \x1b[31;01m*\x1b[0m ERROR: coloured"])
        log.flush(limit=10)
        await pilot.pause()
        for line in (1, 2):
            log._set_highlight(line, None)
            segments = [s for s in log.render_line(line - log.first_line) if s.text.strip()]
            current = log.get_component_rich_style("buildlog--current-line").bgcolor
            assert segments and all(s.style and s.style.bgcolor == current for s in segments), segments
