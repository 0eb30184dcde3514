"""The panes not visible at start (Diff, Build, Shell): mounted once, after the first frame or on first
need, whichever comes first; ``ensure()`` returns the task to await before touching them.

Not textual.lazy.Lazy, which also mounts after the first refresh: it gives nothing to await, cannot be
hurried by a first need (``genpack-tui build`` starts its action from the first frame), and would build
the Diff pane at compose time, before the first resolution has said which variants exist.
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable, Coroutine

from textual.dom import DOMNode


class DeferredPanes:
    def __init__(self, root: DOMNode, mount: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self._root = root
        self._mount = mount
        self._task: asyncio.Task[None] | None = None

    def ensure(self) -> "asyncio.Task[None]":
        if self._task is None:
            self._task = asyncio.create_task(self._mount(), name="mount the Diff, Build, Shell panes")
            # retrieved here too, so a mount cut short by the app closing is not reported as unhandled
            self._task.add_done_callback(lambda task: task.cancelled() or task.exception())
        return self._task

    @property
    def ready(self) -> bool:
        return self._task is not None and self._task.done()

    def if_mounted(self, selector: str) -> Any:
        """The widget, or None before they are mounted (or while the app is closing)."""
        if not self.ready:
            return None
        found = self._root.query(selector)
        return found.first() if found else None

    async def mounted(self, selector: str) -> Any:
        """The widget, once the panes are mounted (mounting them now if they are not yet)."""
        await self.ensure()
        return self._root.query_one(selector)
