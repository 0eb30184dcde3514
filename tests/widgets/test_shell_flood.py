"""The flood skimmer must leave the emulator exactly as full emulation would (real bittty boards)."""
from __future__ import annotations

from bittty import Board
from hypothesis import given, settings
from hypothesis import strategies as st

from genpack_tui.widgets.shell.backend.flood import skim
from genpack_tui.widgets.shell.backend.scrollback import Scrollback

WIDTH, HEIGHT = 30, 8


def make_board() -> tuple[Board, Scrollback]:
    board = Board(width=WIDTH, height=HEIGHT)
    return board, Scrollback(board, max_rows=100_000)


def cells(board: Board) -> list[list[tuple[object, str]]]:
    return [list(row) for row in board.blitter.current_buffer.grid]


def history_text(scrollback: Scrollback) -> list[str]:
    from genpack_tui.widgets.log.text import plain_text

    return [
        (plain_text(row) if isinstance(row, str) else "".join(ch for _s, ch in row)).rstrip()
        for row in scrollback.rows
    ]


def run(chunks: list[str], use_skim: bool) -> tuple[Board, Scrollback, int]:
    board, scrollback = make_board()
    skimmed = 0
    for chunk in chunks:
        if use_skim and skim(board, scrollback, chunk, board.parser.feed):
            skimmed += 1
        else:
            board.parser.feed(chunk)
    return board, scrollback, skimmed


LINE = st.lists(
    st.sampled_from(["a", "b", "Z", " ", "-", "é", "\x1b[31m", "\x1b[1;4m", "\x1b[0m", "\x1b[39;49;00m"]),
    max_size=WIDTH * 2 + 5,
).map("".join)
# A background colour somewhere (scrolling paints it into new rows), or nothing.
BACKGROUND = st.sampled_from(["", "", "\x1b[44mbg\x1b[0m", "\x1b[1;42m", "\x1b[48;5;3m"])


@settings(max_examples=150, deadline=None)
@given(
    prefix=st.sampled_from(["", "$ cat log\r\n", "\x1b[2J\x1b[3;5Hmid-screen ", "\x1b[33mopen colour "]),
    lines=st.lists(LINE, min_size=3 * HEIGHT + 2, max_size=120),
    tail=LINE,
    cut=st.integers(min_value=0, max_value=400),
    background=BACKGROUND,
    where=st.integers(min_value=0, max_value=119),
)
def test_screen_and_state_match_full_emulation(
    prefix: str, lines: list[str], tail: str, cut: int, background: str, where: int
) -> None:
    if lines and background:
        lines[where % len(lines)] += background
    data = "\r\n".join([*lines, tail])
    chunks = [prefix, data[:cut], data[cut:]]
    full, full_history, _ = run(chunks, use_skim=False)
    fast, fast_history, _ = run(chunks, use_skim=True)
    assert cells(fast) == cells(full)
    assert (fast.cursor.x, fast.cursor.y) == (full.cursor.x, full.cursor.y)
    assert fast.style.current == full.style.current


def test_big_flood_is_skimmed_and_history_keeps_every_line_in_order() -> None:
    lines = [f"line {n:05d} \x1b[32mok\x1b[0m" for n in range(2000)]
    chunks = ["$ cat build.log\r\n"] + ["\r\n".join(lines[i : i + 500]) + "\r\n" for i in range(0, 2000, 500)]
    full, full_history, _ = run(chunks, use_skim=False)
    fast, fast_history, skimmed = run(chunks, use_skim=True)
    assert skimmed == 4
    assert cells(fast) == cells(full)
    assert history_text(fast_history) == history_text(full_history)
    assert history_text(fast_history)[0] == "$ cat build.log"
    assert history_text(fast_history)[-1] == f"line {2000 - HEIGHT:05d} ok"


def test_anything_but_plain_lines_takes_the_normal_path() -> None:
    many = "\r\n".join(f"row {n}" for n in range(100))
    for spoiler in ("\t", "\x1b[2K", "progress\r", "\x07", "\x1b[?1049h", "\x1b[3"):
        board, scrollback = make_board()
        assert not skim(board, scrollback, many + spoiler, board.parser.feed)
        assert len(scrollback) == 0
    board, scrollback = make_board()
    board.parser.feed("\x1b[2;5r")  # a scroll region: not the whole screen
    assert not skim(board, scrollback, many, board.parser.feed)
    board, scrollback = make_board()
    assert not skim(board, scrollback, "\r\n".join(["few"] * HEIGHT), board.parser.feed)
