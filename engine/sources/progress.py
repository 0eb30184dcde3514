"""Rate limiting for progress events: a renderer needs ~10 updates a second, not one per 64 KiB chunk."""
from __future__ import annotations

import time
from typing import Callable


class ProgressThrottle:
    """``due()`` is true at most once per ``interval`` seconds (the first call is always due)."""

    def __init__(self, interval: float = 0.1, clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = interval
        self._clock = clock
        self._last: float | None = None

    def due(self) -> bool:
        now = self._clock()
        if self._last is not None and now - self._last < self._interval:
            return False
        self._last = now
        return True
