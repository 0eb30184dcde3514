"""Handing results from worker threads back to the UI thread."""
from __future__ import annotations

import contextlib
from typing import Any, Callable

from textual.app import App


def call_on_ui_thread(app: App, callback: Callable[..., Any], *args: Any) -> None:
    """From a worker thread: run ``callback(*args)`` on the UI thread and wait for it; nothing when
    the app has closed (or closes while the call is on its way)."""
    if not app.is_running:
        return
    with contextlib.suppress(RuntimeError):  # call_from_thread's "app is not running"
        app.call_from_thread(callback, *args)
