"""The Reconciliation Service API (W3C Entity Reconciliation community group, v0.2) that
OpenRefine speaks: reconcile a spreadsheet column of names against the lists.

``GET /reconcile`` returns the service manifest; ``GET`` or ``POST /reconcile`` with a
``queries`` parameter (JSON) reconciles a batch. OpenRefine cannot send headers, so the API key
may also be given as ``?api_key=`` in the service URL.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request

from ... import settings
from ...screen import MAX_NAME_LENGTH, Query, QueryError
from ...service import screen_and_record
from ..deps import Analyst, ScreenerDep, StoreDep
from ..errors import KEYED, WITH_BODY, ApiError, TooLarge, error_responses

# 413 for GET too: a query string with more queries than CLEARWAY_MAX_BATCH.
router = APIRouter(tags=["reconciliation"], responses=error_responses(*KEYED, *WITH_BODY))

_TYPES = [{"id": "Organization", "name": "Organization"}, {"id": "Person", "name": "Person"}]


def manifest(base: str) -> dict[str, Any]:
    return {
        "versions": ["0.1", "0.2"],
        "name": "Clearway restricted-party lists",
        "identifierSpace": f"{base}/v1/entities/",
        "schemaSpace": "https://clearway.invalid/schema/",
        "defaultTypes": _TYPES,
        "view": {"url": f"{base}/v1/entities/{{{{id}}}}"},
        # OpenRefine sends this many queries per request: never more than the service accepts.
        "batchSize": min(50, settings.get_int("max_batch")),
    }


async def _queries_param(request: Request) -> str | None:
    if request.method == "POST":
        form = await request.form()
        value = form.get("queries")
        if value is not None:
            return str(value)
    return request.query_params.get("queries")


def _parse(raw: str) -> dict[str, dict[str, Any]]:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError("'queries' is not valid JSON", field="queries", status=422) from exc
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ApiError("'queries' must be an object of query objects", field="queries", status=422)
    cap = settings.get_int("max_batch")
    if len(data) > cap:
        raise TooLarge(f"at most {cap} queries per request", field="queries")
    return data


@router.get("/reconcile", summary="Reconciliation Service API (GET)")
async def reconcile_get(request: Request, key: Analyst, screener: ScreenerDep, store: StoreDep) -> dict[str, Any]:
    """Without ``queries``: the service manifest. With ``queries`` (JSON): one result list per query."""
    return await _reconcile(request, key, screener, store)


@router.post("/reconcile", summary="Reconciliation Service API (POST form)")
async def reconcile_post(request: Request, key: Analyst, screener: ScreenerDep, store: StoreDep) -> dict[str, Any]:
    """``queries`` as a form field, as OpenRefine sends it."""
    return await _reconcile(request, key, screener, store)


async def _reconcile(request: Request, key, screener, store) -> dict[str, Any]:
    raw = await _queries_param(request)
    if raw is None:
        return manifest(str(request.base_url).rstrip("/"))
    data = _parse(raw)
    keys: list[str] = []
    queries: list[Query] = []
    limits: list[int] = []
    for k, q in data.items():
        text = q.get("query")
        if not isinstance(text, str) or not text.strip():
            raise ApiError("each query needs a non-empty 'query' string", field=f"queries.{k}.query", status=422)
        if len(text) > MAX_NAME_LENGTH:
            raise ApiError(f"query is too long (limit {MAX_NAME_LENGTH})", field=f"queries.{k}.query", status=422)
        country = None
        for p in q.get("properties") or []:
            if isinstance(p, dict) and p.get("pid") in ("country", "nationality") and isinstance(p.get("v"), str):
                country = p["v"]
        schema = q.get("type") if q.get("type") in ("Organization", "Person") else None
        try:
            queries.append(Query(text, country=country, schema=schema, id=k).validate())
        except QueryError as exc:
            raise ApiError(str(exc), field=f"queries.{k}", status=422) from exc
        keys.append(k)
        lim = q.get("limit", 5)
        limits.append(lim if isinstance(lim, int) and 0 < lim <= 50 else 5)
    results = await _run(screener, store, queries, key.id)
    request.app.state.metrics.screenings.labels("reconcile").inc(len(results))
    out: dict[str, Any] = {}
    for k, r, lim in zip(keys, results, limits):
        out[k] = {"result": [
            {"id": m.id, "name": m.name, "score": round(m.score * 100, 1), "match": m.score >= 0.95 and len(r.matches) == 1,
             "type": [{"id": m.schema if m.schema in ("Person", "Organization") else "Organization",
                       "name": m.schema}],
             "description": f"{', '.join(m.lists or m.former_lists)} — {m.explanation}"}
            for m in r.matches[:lim]
        ]}
    return out


async def _run(screener, store, queries, actor):
    from starlette.concurrency import run_in_threadpool

    # Screening is CPU work and the audit append is I/O: keep both off the event loop.
    return await run_in_threadpool(screen_and_record, screener, store, queries, actor=actor,
                                   channel="reconcile", threshold=0.5)
