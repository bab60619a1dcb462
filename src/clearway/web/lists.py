"""The lists page: what is loaded, every known version of every source and when it was last
checked, the latest diff of each source, the watchlist and its alerts (all from
:mod:`clearway.monitor` and :mod:`clearway.store.monitor`, as ``clearway lists``, ``diff`` and
``alerts`` use them)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from ..api.deps import get_screener, get_store
from ..inventory import list_inventory
from ..monitor.diff import Diff, describe, diff_entities, entry_line
from ..monitor.versions import VersionStore, VersionStoreError, add_last_checked, default_store
from ..store import monitor as mdb
from .auth import PageError, need
from .render import page

router = APIRouter()
DIFF_ROWS = 200  # entries shown per section of a diff page
_diff_lock = threading.Lock()
_diff_cache: OrderedDict[tuple[str, str, str], Diff] = OrderedDict()


def latest_pair(vs: VersionStore, source: str):
    """The two newest known versions of a source (what `clearway diff SOURCE` compares), or None."""
    cat = vs.catalogue(source)
    return (cat[-2], cat[-1]) if len(cat) >= 2 else None


def latest_diff(vs: VersionStore, source: str) -> Diff | None:
    """The diff of the two newest versions of ``source`` (kept for the few newest pairs)."""
    pair = latest_pair(vs, source)
    if pair is None:
        return None
    old, new = pair
    key = (source, old.id, new.id)
    with _diff_lock:
        hit = _diff_cache.get(key)
        if hit is not None:
            _diff_cache.move_to_end(key)
            return hit
        d = diff_entities(vs.entities(old), vs.entities(new), source=source, old_version=old.version,
                          new_version=new.version)
        _diff_cache[key] = d
        while len(_diff_cache) > 8:
            _diff_cache.popitem(last=False)
    return d


def sources_overview(vs: VersionStore) -> list[dict[str, Any]]:
    live = vs.live_versions()
    state = vs.state()
    out = []
    for source, live_id in live.items():
        cat = vs.catalogue(source)
        st = state.get(source, {})
        out.append({"source": source, "live": live_id,
                    "published": next((i.version.published for i in cat if i.id == live_id), ""),
                    "versions": [{"id": i.id, "published": i.version.published, "origin": i.origin,
                                  "stored_at": i.stored_at, "live": i.id == live_id} for i in reversed(cat)],
                    "last_checked": st.get("last_checked", ""), "last_success": st.get("last_success", ""),
                    "status": st.get("status", ""), "message": st.get("message", "")})
    return out


def _overview(request: Request) -> dict[str, Any]:
    screener = get_screener(request)
    store = get_store(request)
    vs = default_store()
    rows = add_last_checked(list_inventory(screener.entities, screener.versions), vs)
    try:
        sources = sources_overview(vs)
    except VersionStoreError as exc:
        sources, error = [], str(exc)
    else:
        error = None
    diffs = []
    for s in sources:
        d = latest_diff(vs, s["source"]) if len(s["versions"]) >= 2 else None
        if d is not None:
            diffs.append({"source": s["source"], "old": d.old_version, "new": d.new_version,
                          "added": len(d.added), "removed": len(d.removed), "changed": len(d.changed),
                          "by_list": d.summary()})
    return {"inventory": rows, "sources": sources, "diffs": diffs, "error": error,
            "last_update": max((s["last_success"] for s in sources), default=""),
            "watch": mdb.list_watch(store), "alerts": mdb.list_alerts(store, limit=100)}


@router.get("/lists")
async def lists_page(request: Request):
    await need(request, "viewer")
    data = await run_in_threadpool(_overview, request)
    return page(request, "lists.html", **data)


@router.get("/lists/diff/{source}")
async def diff_page(request: Request, source: str):
    await need(request, "viewer")

    def work():
        vs = default_store()
        try:
            if source not in vs.live_versions():
                return None
            return latest_diff(vs, source)
        except VersionStoreError:
            return None

    d = await run_in_threadpool(work)
    if d is None:
        raise PageError(404, "error.no_diff", source=source)
    return page(request, "diff.html", d=d, rows=DIFF_ROWS, describe=describe, entry_line=entry_line)
