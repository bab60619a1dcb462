"""Search (results as you type) and compare: the Screener through the same audited call the API
makes (:func:`clearway.service.screen_and_record`), and :func:`clearway.screen.compare`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from ..api.deps import get_screener, get_store
from ..lists import LISTS, UnknownListError, parse_codes
from ..screen import Query, QueryError, compare
from ..service import list_versions, screen_and_record
from .auth import Principal, need
from .render import page

router = APIRouter()
SCHEMAS = ("", "Organization", "Person")
MIN_CHARS = 2  # as-you-type search starts at two characters (one Chinese character is too little)


def list_choices() -> list[tuple[str, str]]:
    """Values of the list filter: every list, a jurisdiction's lists, or one list code."""
    return [("", "all"), ("us", "us"), ("cn", "cn")] + [(c, c) for c in LISTS]


def list_codes(value: str) -> set[str] | None:
    """The list codes a filter value stands for (None: every list); UnknownListError for a bad code."""
    value = (value or "").strip()
    if value in ("us", "cn"):
        return {c for c, i in LISTS.items() if i.jurisdiction.lower() == value}
    return parse_codes(value) if value else None


def _search(request: Request, who: Principal, q: str, country: str, schema: str, lists: str) -> dict[str, Any]:
    out: dict[str, Any] = {"result": None, "error": None, "versions": []}
    if len(q.strip()) < MIN_CHARS and not any(ord(ch) > 0x2E7F for ch in q.strip()):
        return out
    screener = get_screener(request)
    try:
        query = Query(q, country=country or None, schema=schema or None, id="web").validate()
        codes = list_codes(lists)
    except (QueryError, UnknownListError) as exc:
        out["error"] = str(exc)
        return out
    results = screen_and_record(screener, get_store(request), [query], actor=who.actor, channel="web", lists=codes)
    metrics = request.app.state.metrics
    metrics.screenings.labels("web").inc()
    metrics.matches.labels("web").inc(len(results[0].matches))
    out["result"] = results[0]
    out["versions"] = list_versions(screener)
    return out


def _values(q: str, country: str, schema: str, lists: str) -> dict[str, str]:
    return {"q": q[:2000], "country": country[:2], "schema": schema if schema in SCHEMAS else "",
            "lists": lists[:40]}


@router.get("/search")
async def search_page(request: Request, q: str = "", country: str = "", schema: str = "", lists: str = ""):
    who = await need(request, "analyst")
    found = await run_in_threadpool(_search, request, who, q, country, schema, lists)
    return page(request, "search.html", **_values(q, country, schema, lists), **found,
                list_choices=list_choices(), schemas=SCHEMAS)


@router.get("/search/results")
async def search_results(request: Request, q: str = "", country: str = "", schema: str = "", lists: str = ""):
    """The results alone, for the page's as-you-type requests."""
    who = await need(request, "analyst")
    found = await run_in_threadpool(_search, request, who, q, country, schema, lists)
    return page(request, "_results.html", **_values(q, country, schema, lists), **found)


@router.get("/compare")
async def compare_page(request: Request, a: str = "", b: str = "", schema: str = ""):
    await need(request, "analyst")
    result = error = None
    if a.strip() and b.strip():
        try:
            result = compare(a, b, schema=Query("x", schema=schema or None).validate().schema)
        except QueryError as exc:
            error = str(exc)
    return page(request, "compare.html", a=a[:2000], b=b[:2000], schema=schema if schema in SCHEMAS else "",
                schemas=SCHEMAS, result=result, error=error)
