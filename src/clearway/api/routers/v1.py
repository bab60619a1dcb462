"""Clearway's own API: screen, lists, entities, compare, keys."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query as Q, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.concurrency import run_in_threadpool

from ... import settings
from ...inventory import list_inventory
from ...lists import LISTS, UnknownListError, parse_codes
from ...screen import DEFAULT_LIMIT, MAX_NAME_LENGTH, Query, QueryError, compare
from ...service import list_versions, record_screening, screen_all, screen_and_record
from ...store.store import ROLES, UnknownKeyError
from ..deps import Admin, Analyst, ScreenerDep, StoreDep, Viewer
from ..errors import KEYED, WITH_BODY, ApiError, NotFound, TooLarge, error_responses

router = APIRouter(prefix="/v1", tags=["clearway"], responses=error_responses(*KEYED))
# Requests whose names add up to at most this many characters are screened on the event loop
# (a few milliseconds at most); longer ones in a worker thread.
INLINE_CHARS = 120


class ScreenQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(None, max_length=200, description="Your id for this query, echoed back.")
    name: str = Field(..., min_length=1, max_length=MAX_NAME_LENGTH, description="Name in any script.")
    country: str | None = Field(None, max_length=2, description="ISO-2 country of the party.")
    schema_: str | None = Field(None, alias="schema", description="Person or Organization.")
    birth_date: str | None = Field(None, max_length=10, description="YYYY or YYYY-MM-DD.")


class ScreenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    queries: list[ScreenQuery] = Field(..., min_length=1, description="One query or a batch (at most CLEARWAY_MAX_BATCH).")
    lists: list[str] | None = Field(None, description="Only these list codes (EL, SDN, CN-UEL…).")
    threshold: float | None = Field(None, ge=0.0, le=1.0)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=100)

    @field_validator("queries")
    @classmethod
    def _batch_size(cls, v: list[ScreenQuery]) -> list[ScreenQuery]:
        cap = settings.get_int("max_batch")
        if len(v) > cap:
            raise TooLarge(f"a batch holds at most {cap} queries; this one has {len(v)}", field="queries")
        return v


def to_queries(items: list[ScreenQuery]) -> list[Query]:
    out = []
    for i, item in enumerate(items):
        try:
            out.append(Query(item.name, country=item.country, schema=item.schema_, birth_date=item.birth_date,
                             id=item.id if item.id is not None else str(i)).validate())
        except QueryError as exc:
            raise ApiError(str(exc), field=f"queries.{i}.{exc.field}", status=422) from exc
    return out


def codes(values: list[str] | str | None, field: str = "lists") -> set[str] | None:
    if not values:
        return None
    try:
        return parse_codes(values if isinstance(values, str) else ",".join(values))
    except UnknownListError as exc:
        raise ApiError(str(exc), field=field, status=422) from exc


@router.post("/screen", summary="Screen one name or a batch", response_class=Response,
             responses={**error_responses(*WITH_BODY), 200: {"description": "One result per query.", "content": {
                 "application/json": {"schema": {"type": "object", "required": ["results", "list_versions"]}}}}})
async def screen(body: ScreenRequest, key: Analyst, screener: ScreenerDep, store: StoreDep,
                 request: Request) -> Response:
    """Screen up to CLEARWAY_MAX_BATCH names. Results are shaped like `clearway screen --json`.

    Every request is recorded in the audit trail before the response is sent.
    """
    queries = to_queries(body.queries)
    lists = codes(body.lists)
    if sum(len(q.name) for q in queries) <= INLINE_CHARS:
        # A name or two: screened on the event loop. In a worker thread the same millisecond of
        # CPU would also wait for the interpreter lock, and make the loop wait for it to send
        # other requests' responses. The audit commit waits on the disk: it runs in a thread,
        # where the commits of concurrent requests are grouped.
        results = screen_all(screener, queries, lists=lists, threshold=body.threshold, limit=body.limit)
        await run_in_threadpool(record_screening, screener, store, queries, results, actor=key.id, channel="api",
                                lists=lists, threshold=body.threshold)
    else:  # a batch: in a thread, so it never holds up the worker's other requests
        results = await run_in_threadpool(screen_and_record, screener, store, queries, actor=key.id,
                                          channel="api", lists=lists, threshold=body.threshold, limit=body.limit)
    m = request.app.state.metrics
    m.screenings.labels("api").inc(len(results))
    m.matches.labels("api").inc(sum(len(r.matches) for r in results))
    # Serialised directly: the result is plain data already, and FastAPI's generic encoder would
    # walk it again (a measurable share of a single-name request).
    return Response(orjson.dumps({
        "results": [{"id": q.id, **r.to_dict()} for q, r in zip(queries, results)],
        "list_versions": list_versions(screener),
    }), media_type="application/json")


@router.get("/lists", summary="Every loaded list")
def lists(key: Viewer, screener: ScreenerDep) -> dict[str, Any]:
    """Code, full name (English and Chinese), authority, entities, current entities, as-of date, versions."""
    return {"lists": list_inventory(screener.entities, screener.versions)}


@router.get("/entities/{entity_id}", summary="One listed entity", responses=error_responses(404))
def entity(entity_id: str, key: Viewer, screener: ScreenerDep) -> dict[str, Any]:
    """Every name form, listing, legal effect and citation of an entity."""
    ent = screener.entity(entity_id)
    if ent is None:
        raise NotFound(f"no entity with id {entity_id!r}", field="entity_id")
    d = ent.to_dict()
    for lst in d["listings"]:
        info = LISTS.get(lst["list"])
        lst["list_name"] = info.name if info else lst["list"]
        lst["effect"] = info.effect if info else ""
        lst["citation"] = info.citation if info else ""
        lst["current"] = any(x.list == lst["list"] and x.end_date == lst["end_date"] and x.is_current()
                             for x in ent.listings)
    d["caption"] = ent.caption
    d["current"] = ent.is_current()
    return d


@router.get("/compare", summary="Score two names against each other")
def compare_names(
    key: Analyst,
    a: Annotated[str, Q(min_length=1, max_length=MAX_NAME_LENGTH, description="First name (the query).")],
    b: Annotated[str, Q(min_length=1, max_length=MAX_NAME_LENGTH, description="Second name (the listed name).")],
    schema: Annotated[str | None, Q(description="Person or Organization.")] = None,
) -> dict[str, Any]:
    """The score and explanation a reviewer reads when adjudicating a hit."""
    try:
        sch = Query("x", schema=schema).validate().schema if schema else None
        return compare(a, b, schema=sch)
    except QueryError as exc:
        raise ApiError(str(exc), status=422) from exc


class KeyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str = Field(..., description="viewer, analyst, reviewer or admin")
    name: str = Field("", max_length=200)


@router.post("/keys", summary="Create an API key (admin)", status_code=201, responses=error_responses(*WITH_BODY))
def create_key(body: KeyRequest, key: Admin, store: StoreDep) -> dict[str, Any]:
    """The key string is in the response once and never again."""
    if body.role not in ROLES:
        raise ApiError(f"unknown role {body.role!r} (use one of: {', '.join(ROLES)})", field="role", status=422)
    rec, secret = store.create_key(body.role, body.name)
    store.append("keys", key.id, {"action": "create", "key_id": rec.id, "role": rec.role, "name": rec.name})
    return {"id": rec.id, "role": rec.role, "name": rec.name, "created_at": rec.created_at, "key": secret}


@router.get("/keys", summary="List API keys (admin)")
def list_keys(key: Admin, store: StoreDep) -> dict[str, Any]:
    return {"keys": [{"id": k.id, "role": k.role, "name": k.name, "created_at": k.created_at,
                      "revoked_at": k.revoked_at} for k in store.list_keys()]}


@router.delete("/keys/{key_id}", summary="Revoke an API key (admin)", responses=error_responses(404))
def revoke_key(key_id: str, key: Admin, store: StoreDep) -> dict[str, Any]:
    try:
        rec = store.revoke_key(key_id)
    except UnknownKeyError as exc:
        raise NotFound(str(exc), field="key_id") from exc
    store.append("keys", key.id, {"action": "revoke", "key_id": rec.id})
    return {"id": rec.id, "revoked_at": rec.revoked_at}
