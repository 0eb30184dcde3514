"""The hand-over point between log producers (any thread) and the UI thread's flush timer."""
from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Iterable

_CHUNK = 8192


@dataclass
class Batch:
    lines: list[str]
    first_number: int  # absolute number of lines[0]
    skipped: int  # lines thrown away unseen because the backlog exceeded the store's capacity


class PendingLines:
    """Thread-safe FIFO of complete lines, numbered from 0 in the order they were appended.

    Producers only take a lock and extend a deque, so they never wait for the UI. The consumer
    takes at most ``limit`` lines per call; when the backlog is larger than ``capacity`` (what the
    store could keep anyway) the oldest pending lines are skipped instead of being processed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._chunks: deque[list[str]] = deque()
        self._pending = 0
        self._next_number = 0  # absolute number the next appended line will get
        self._taken_number = 0  # absolute number of the oldest pending line

    def put(self, lines: list[str]) -> None:
        if not lines:
            return
        with self._lock:
            # Bounded chunks keep a partial take from copying a huge remainder again and again.
            for start in range(0, len(lines), _CHUNK):
                self._chunks.append(lines[start : start + _CHUNK])
            self._pending += len(lines)
            self._next_number += len(lines)

    @property
    def next_number(self) -> int:
        with self._lock:
            return self._next_number

    @property
    def pending(self) -> int:
        with self._lock:
            return self._pending

    def take(self, limit: int, capacity: int) -> Batch:
        with self._lock:
            skipped = 0
            while self._chunks and self._pending - len(self._chunks[0]) >= capacity:
                dropped = self._chunks.popleft()
                skipped += len(dropped)
                self._pending -= len(dropped)
            if self._pending > capacity:
                head = self._chunks[0]
                cut = self._pending - capacity
                self._chunks[0] = head[cut:]
                skipped += cut
                self._pending -= cut
            self._taken_number += skipped
            first = self._taken_number
            out: list[str] = []
            while self._chunks and len(out) < limit:
                chunk = self._chunks[0]
                room = limit - len(out)
                if len(chunk) <= room:
                    out.extend(chunk)
                    self._chunks.popleft()
                else:
                    out.extend(chunk[:room])
                    self._chunks[0] = chunk[room:]
            self._pending -= len(out)
            self._taken_number += len(out)
            return Batch(out, first, skipped)


def split_lines(items: Iterable[str]) -> list[str]:
    """Complete lines from strings that may themselves contain newlines."""
    out: list[str] = []
    for item in items:
        if "\n" in item:
            out.extend((item[:-1] if item.endswith("\n") else item).split("\n"))
        else:
            out.append(item)
    return out
