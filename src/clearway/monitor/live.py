"""A Screener that a long-running process swaps for a new one when a new list version goes live.

The server holds a :class:`ScreenerHolder`; every request takes ``holder.current`` once and
screens with it to the end, so a request never sees two versions. :meth:`ScreenerHolder.refresh`
checks the version store's marker (one small file read); when another snapshot has gone live it
builds a complete new Screener — in the caller's thread, while requests keep being served by the
old one — and only then replaces the reference, a single assignment. The old Screener is freed
when the last request using it finishes. A snapshot that fails to load leaves the current one in
place (the error is returned and retried at the next check).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..screen import Screener
from .versions import VersionStore, default_store


class ScreenerHolder:
    def __init__(self, screener: Screener, *, store: VersionStore | None = None, marker: str | None = None,
                 loader: Callable[[Path], Screener] = Screener.load):
        self._current = screener
        self._store = store
        self._marker = marker
        self._loader = loader
        self._lock = threading.Lock()  # one rebuild at a time
        self.loaded_at = time.time()
        self.reloads = 0
        self.last_error = ""

    @classmethod
    def load(cls, store: VersionStore | None = None) -> "ScreenerHolder":
        """The live lists of the data directory (the bundled snapshot when none is stored)."""
        store = store or default_store()
        marker = store.marker()
        screener = Screener.load(store.current_snapshot())
        return cls(screener, store=store, marker=marker)

    @property
    def current(self) -> Screener:
        return self._current

    def refresh(self) -> bool:
        """Swap in the live lists if they changed since the last load; True when swapped."""
        if self._store is None:
            return False
        marker = self._store.marker()
        if marker == self._marker:
            return False
        with self._lock:
            marker = self._store.marker()
            if marker == self._marker:
                return False
            try:
                screener = self._loader(self._store.current_snapshot())
            except Exception as exc:  # keep serving the lists we have
                self.last_error = f"{type(exc).__name__}: {exc}"
                return False
            self._current = screener  # the swap: one reference assignment
            self._marker = marker
            self.loaded_at = time.time()
            self.reloads += 1
            self.last_error = ""
            return True


async def keep_fresh(holder: ScreenerHolder, interval: float, on_swap: Callable[[Screener], None]) -> None:
    """Check every ``interval`` seconds for new live lists; build the new Screener in a worker
    thread (requests keep being served meanwhile) and call ``on_swap`` once it is in place."""
    import asyncio

    while True:
        await asyncio.sleep(interval)
        try:
            swapped = await asyncio.to_thread(holder.refresh)
        except Exception:  # pragma: no cover - refresh() already keeps its own errors
            swapped = False
        if swapped:
            on_swap(holder.current)
