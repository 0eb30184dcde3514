"""A thread-safe queue of engine events between a producer thread and the UI's flush timer."""
from __future__ import annotations

import threading
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from genpack_tui.engine.events import Event


class EventQueue:
    """``put`` from any thread (it is an engine EventSink); ``drain`` on the UI thread."""

    def __init__(self) -> None:
        self._items: deque[Event] = deque()
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        self.put(event)

    def put(self, event: Event) -> None:
        with self._lock:
            self._items.append(event)

    def extend(self, events: list[Event]) -> None:
        with self._lock:
            self._items.extend(events)

    def drain(self, limit: int = 100_000) -> list[Event]:
        with self._lock:
            count = min(limit, len(self._items))
            return [self._items.popleft() for _ in range(count)]

    def __len__(self) -> int:
        return len(self._items)
