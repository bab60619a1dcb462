"""The landscape page: charts of the loaded lists (:func:`clearway.landscape.landscape`) and of what
the latest update added (:func:`clearway.landscape.additions` over the latest diffs). The page
carries the figures as tables too; the charts (Apache ECharts, vendored) read the same figures
from ``/landscape/data.json``."""

from __future__ import annotations

import threading
import weakref
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ..api.deps import get_screener
from ..landscape import SECTORS, additions, landscape
from ..lists import LISTS
from ..monitor.versions import VersionStoreError, default_store
from .auth import need
from .lists import latest_diff
from .render import lang_of, list_name, page

router = APIRouter()
_lock = threading.Lock()
_figures: "weakref.WeakKeyDictionary[Any, dict[str, Any]]" = weakref.WeakKeyDictionary()


def figures(screener) -> dict[str, Any]:
    """The landscape of one loaded Screener (computed once per list version)."""
    with _lock:
        hit = _figures.get(screener)
        if hit is None:
            hit = _figures[screener] = landscape(screener.entities)
    return hit


def last_additions() -> list[dict[str, Any]]:
    vs = default_store()
    out = []
    try:
        for source in vs.live_versions():
            d = latest_diff(vs, source)
            if d is not None:
                out.append(additions(d))
    except VersionStoreError:
        return []
    return out


def _data(request: Request) -> dict[str, Any]:
    lang = lang_of(request)
    data = dict(figures(get_screener(request)))
    data["additions"] = last_additions()
    data["list_names"] = {c: list_name(c, lang) for c in LISTS}
    data["jurisdictions"] = {c: i.jurisdiction for c, i in LISTS.items()}
    return data


@router.get("/landscape")
async def landscape_page(request: Request):
    await need(request, "viewer")
    data = await run_in_threadpool(_data, request)
    top = sorted(data["countries"]["all"].items(), key=lambda kv: -kv[1])[:20]
    return page(request, "landscape.html", d=data, top_countries=top, sectors=list(SECTORS))


@router.get("/landscape/data.json")
async def landscape_data(request: Request):
    await need(request, "viewer")
    data = await run_in_threadpool(_data, request)
    lang = lang_of(request)
    from . import i18n

    data["labels"] = {k: i18n.translate(k, lang) for k in i18n.keys_with_prefix("chart.")}
    data["lang"] = lang
    return JSONResponse(data)
