"""What runs where the screening happens: in a local worker process, on a Dask worker, or in the
batch's own process. Each process loads the Screener once and keeps it (module-level cache).

:func:`screen_queries` takes unique validated queries and returns, for each, a compact
:class:`Outcome`: the columns written back to the file and the JSON of its matches. It is the same
function whatever runs it, so a local run and a cluster run give identical bytes.
"""

from __future__ import annotations

import hashlib
import signal
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
    """One query's answer, as the batch writes it: the columns of its row and the JSON of its matches.

    Kept packed — one zlib blob of the row's text columns followed by the matches JSON, which
    repeats those columns' explanation, so the compression all but drops the repeat. The batch's
    cache of answers holds several times as many in the same memory (a name repeated far apart
    in a file is then still screened once), and the workers, not the coordinating process, pay
    for the compression. A query without matches is one shared value.
    """

    status: str  # "match", "formerly-listed" or "clear"
    score: float | None
    match_count: int
    packed: bytes  # zlib(JSON [best_match, entity_id, lists, explanation, explanation_zh] + "\n" + matches JSON)

    def unpack(self) -> tuple[tuple, bytes]:
        """(the row's columns: status, score, best match, entity id, lists, match count,
        explanation, Chinese explanation; the matches JSON)."""
        if not self.packed:
            return _CLEAR_COLUMNS, b"[]"
        head, _, matches = zlib.decompress(self.packed).partition(b"\n")
        best, entity, lists, en, zh = orjson.loads(head)
        return (self.status, self.score, best, entity, lists, self.match_count, en, zh), matches

    def size(self) -> int:
        """Bytes held (the value and the cache's own entry), for the cache's budget."""
        return 200 + len(self.packed) if self.packed else 100  # no matches: one shared value


CLEAR = Outcome("clear", None, 0, b"")
_CLEAR_COLUMNS = ("clear", None, "", "", "", 0, "", "")


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
        return CLEAR
    best = matches[0]
    status = "match" if any(m.lists for m in matches) else "formerly-listed"
    lists = ",".join(best.lists) if best.lists else ",".join(best.former_lists)
    head = orjson.dumps([best.name, best.id, lists, best.explanation, best.explanation_zh])
    body = orjson.dumps([m.to_dict() for m in matches])
    return Outcome(status, round(best.score, 4), len(matches), zlib.compress(head + b"\n" + body, 1))


def list_versions(snapshot: str | None) -> list[str]:
    """The list version ids a process screens against (for the batch's checkpoint and audit record)."""
    return versions_fingerprint(get_screener(snapshot))[1]
