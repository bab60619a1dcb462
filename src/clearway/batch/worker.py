"""What runs where the screening happens: in a local worker process, on a Dask worker, or in the
batch's own process. Each process loads the Screener once and keeps it (module-level cache).

:func:`screen_queries` takes unique validated queries and returns, for each, a compact
:class:`Outcome`: the columns written back to the file and the JSON of its matches. It is the same
function whatever runs it, so a local run and a cluster run give identical bytes.
"""

from __future__ import annotations

import hashlib
import signal
import sys
import threading
import zlib
from pathlib import Path
from typing import NamedTuple

import orjson

# (name, country, schema, birth_date): a validated query, the unit of deduplication.
QueryKey = tuple[str, "str | None", "str | None", "str | None"]

_lock = threading.Lock()
_loaded: dict[str, object] = {}


class Outcome(NamedTuple):
    status: str  # "match", "formerly-listed" or "clear"
    score: float | None
    best_match: str
    entity_id: str
    lists: str
    match_count: int
    explanation: str
    explanation_zh: str
    # The matches, as `clearway screen --json` shapes them, zlib-compressed (b"" for none): the
    # batch's cache of answers holds three times as many in the same memory, and the workers,
    # not the coordinating process, pay for the compression.
    matches_z: bytes

    def matches_json(self) -> bytes:
        return zlib.decompress(self.matches_z) if self.matches_z else b"[]"

    def size(self) -> int:
        """Bytes held (the tuple, its values, and the cache's own entry), for the cache's budget."""
        return 200 + sys.getsizeof(self) + sum(sys.getsizeof(v) for v in self)


class Options(NamedTuple):
    snapshot: str | None  # None: the live lists of the process running the screening
    lists: tuple[str, ...] | None
    threshold: float | None
    limit: int


def get_screener(snapshot: str | None):
    """The process's Screener for ``snapshot``, loaded on first use (thread-safe)."""
    key = snapshot or ""
    sc = _loaded.get(key)
    if sc is not None:
        return sc
    with _lock:
        sc = _loaded.get(key)
        if sc is None:
            from ..screen import Screener, freeze_loaded

            path = Path(snapshot) if snapshot else None
            if path is None or not path.exists():
                from ..monitor.versions import current_snapshot_path

                path = current_snapshot_path()
            _loaded.clear()  # one list set per process
            sc = Screener.load(path)
            _loaded[key] = sc
            freeze_loaded()
    return sc


def versions_fingerprint_of(ids: list[str]) -> str:
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]


def versions_fingerprint(screener) -> tuple[str, list[str]]:
    ids = [v.id for v in screener.versions]
    return versions_fingerprint_of(ids), ids


def init_process(snapshot: str | None) -> None:
    """Process-pool initializer: Ctrl-C is the batch's to handle, and the lists load now."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    get_screener(snapshot)


def screen_queries(queries: list[QueryKey], options: Options) -> tuple[str, list[Outcome]]:
    """(the fingerprint of the list versions used, one outcome per query, in order)."""
    from ..screen import Query

    sc = get_screener(options.snapshot)
    fp, _ = versions_fingerprint(sc)
    lists = set(options.lists) if options.lists else None
    out: list[Outcome] = []
    for name, country, schema, birth in queries:
        res = sc.screen(Query(name, country=country, schema=schema, birth_date=birth), lists=lists,
                        threshold=options.threshold, limit=options.limit)
        out.append(outcome(res))
    return fp, out


def outcome(result) -> Outcome:
    matches = result.matches
    if not matches:
        return Outcome("clear", None, "", "", "", 0, "", "", b"")
    best = matches[0]
    status = "match" if any(m.lists for m in matches) else "formerly-listed"
    lists = ",".join(best.lists) if best.lists else ",".join(best.former_lists)
    return Outcome(status, round(best.score, 4), best.name, best.id, lists, len(matches), best.explanation,
                   best.explanation_zh, zlib.compress(orjson.dumps([m.to_dict() for m in matches]), 1))


def list_versions(snapshot: str | None) -> list[str]:
    """The list version ids a process screens against (for the batch's checkpoint and audit record)."""
    return versions_fingerprint(get_screener(snapshot))[1]
