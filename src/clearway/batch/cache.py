"""A bounded least-recently-used cache of query → outcome, so a name repeated anywhere in a file
is screened once while memory stays within a fixed budget.

Screening is deterministic for a given list version, so an outcome taken from the cache is the
outcome screening would give again: the cache changes the speed, never the result.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, Hashable, TypeVar

V = TypeVar("V")


class ResultCache(Generic[V]):
    """``size`` is a function of the key and the value (bytes they hold, the entry's own
    overhead included): it is computed again when an entry leaves rather than kept beside each
    entry, which would cost another hundred bytes of every one."""

    def __init__(self, budget_bytes: int, size: Callable[[Hashable, V], int]):
        self.budget = max(0, budget_bytes)
        self._size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> V | None:
        item = self._items.get(key)
        if item is None:
            self.misses += 1
            return None
        self._items.move_to_end(key)
        self.hits += 1
        return item

    def put(self, key: Hashable, value: V) -> None:
        if self.budget == 0:
            return
        size = self._size(key, value)
        if size > self.budget // 4:  # one huge result never flushes the whole cache
            return
        old = self._items.pop(key, None)
        if old is not None:
            self.bytes -= self._size(key, old)
        self._items[key] = value
        self.bytes += size
        while self.bytes > self.budget:
            k, v = self._items.popitem(last=False)
            self.bytes -= self._size(k, v)


def key_size(key: Hashable) -> int:
    """Bytes a key holds: the tuple and its values."""
    return sys.getsizeof(key) + (sum(sys.getsizeof(k) for k in key if k is not None)
                                 if isinstance(key, tuple) else 0)
