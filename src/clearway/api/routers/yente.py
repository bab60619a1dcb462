"""yente-compatible matching: ``POST /match/{dataset}`` speaks OpenSanctions yente's shape.

Clients written for yente (``{"queries": {"key": {"schema": "Company", "properties": {"name":
[...]}}}}`` → ``{"responses": {"key": {"results": [...]}}}``) work unchanged; the scores come from
Clearway's Screener. ``dataset`` is ``default`` (every list) or a Clearway list code (``EL``,
``cn-uel`` …).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query as Q, Request
from pydantic import BaseModel, ConfigDict, Field

from ... import settings
from ...lists import LISTS
from ...model import PERSON
from ...screen import ALGORITHM_VERSION, DEFAULT_THRESHOLD, MAX_NAME_LENGTH, Match, Query, QueryError
from ...service import screen_and_record
from ..deps import Analyst, ScreenerDep, StoreDep
from ..errors import KEYED, WITH_BODY, ApiError, NotFound, TooLarge, error_responses

router = APIRouter(tags=["yente-compatible"], responses=error_responses(*KEYED))

# FollowTheMoney schemata → Clearway's: anything that is not a person or vessel is screened as an
# organisation-like party; LegalEntity and Thing leave the schema open.
_SCHEMA = {"Person": PERSON, "Company": "Organization", "Organization": "Organization",
           "PublicBody": "Organization", "Vessel": "Vessel", "LegalEntity": None, "Thing": None}
_ALL = {"default", "all", "sanctions", "clearway"}


class EntityExample(BaseModel):
    model_config = ConfigDict(extra="allow")
    schema_: str = Field("Thing", alias="schema")
    properties: dict[str, list[str] | str] = Field(default_factory=dict)


class MatchRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    queries: dict[str, EntityExample]


def _values(props: dict[str, list[str] | str], name: str) -> list[str]:
    v = props.get(name) or []
    return [v] if isinstance(v, str) else [x for x in v if isinstance(x, str)]


def _result(m: Match, threshold: float) -> dict[str, Any]:
    props: dict[str, list[str]] = {"name": m.names[:10] or [m.name]}
    if m.countries:
        props["country"] = [c.lower() for c in m.countries]
    programmes = sorted({lv.programme for lv in m.listings if lv.programme})
    if programmes:
        props["program"] = programmes
    props["topics"] = ["sanction"] if any(c in ("SDN", "CN-AFSL", "CN-UEL") for c in m.lists) else ["export.control"]
    return {
        "id": m.id,
        "caption": m.name,
        "schema": {"Organization": "Organization", PERSON: "Person", "Vessel": "Vessel"}.get(m.schema, "LegalEntity"),
        "properties": props,
        "datasets": [c.lower() for c in (m.lists or m.former_lists)],
        "referents": [i for i in m.entity_ids if i != m.id],
        "target": bool(m.lists),
        "score": round(m.score, 4),
        "match": m.score >= threshold,
        "features": {"name_match": round(m.score, 4)},
        "explanations": {"name_match": {"detail": m.explanation, "detail_zh": m.explanation_zh}},
    }


@router.post("/match/{dataset}", summary="Match entities (yente-compatible)",
             responses=error_responses(404, *WITH_BODY))
def match(
    dataset: Annotated[str, Path(description="'default' for every list, or a list code such as EL or cn-uel")],
    body: MatchRequest,
    key: Analyst,
    screener: ScreenerDep,
    store: StoreDep,
    request: Request,
    threshold: Annotated[float, Q(ge=0.0, le=1.0, description="Score at which a result is a match.")] = DEFAULT_THRESHOLD,
    cutoff: Annotated[float, Q(ge=0.0, le=1.0, description="Results scoring below this are left out.")] = 0.5,
    limit: Annotated[int, Q(ge=1, le=100)] = 5,
    algorithm: Annotated[str, Q(description="Accepted for compatibility; Clearway always uses its own matcher.")] = "best",
) -> dict[str, Any]:
    """For each query entity, the best-scoring listed entities with a match flag at ``threshold``."""
    lists: set[str] | None
    if dataset.lower() in _ALL:
        lists = None
    elif dataset.upper() in LISTS:
        lists = {dataset.upper()}
    else:
        raise NotFound(f"no such dataset: {dataset!r} (use 'default' or a list code)", field="dataset")
    cap = settings.get_int("max_batch")
    if len(body.queries) > cap:
        raise TooLarge(f"at most {cap} queries per request; this one has {len(body.queries)}", field="queries")
    keys: list[str] = []
    queries: list[Query] = []
    for k, ex in body.queries.items():
        names = _values(ex.properties, "name")
        if not names:
            raise ApiError("a query needs at least one 'name' property", field=f"queries.{k}.properties.name", status=422)
        if ex.schema_ not in _SCHEMA:
            raise ApiError(f"unsupported schema {ex.schema_!r}", field=f"queries.{k}.schema", status=422)
        countries = _values(ex.properties, "country") or _values(ex.properties, "nationality")
        births = _values(ex.properties, "birthDate")
        for n in names[:5]:
            if len(n) > MAX_NAME_LENGTH:
                raise ApiError(f"name is too long (limit {MAX_NAME_LENGTH})", field=f"queries.{k}.properties.name", status=422)
            try:
                queries.append(Query(n, country=countries[0] if countries else None, schema=_SCHEMA[ex.schema_],
                                     birth_date=births[0] if births else None, id=k).validate())
            except QueryError as exc:
                raise ApiError(str(exc), field=f"queries.{k}", status=422) from exc
            keys.append(k)
    results = screen_and_record(screener, store, queries, actor=key.id, channel="match", lists=lists,
                                threshold=cutoff, limit=limit)
    request.app.state.metrics.screenings.labels("match").inc(len(results))
    responses: dict[str, dict[str, Any]] = {}
    for k, q, r in zip(keys, queries, results):
        # Several names of one query entity: keep each listed entity's best score.
        slot = responses.setdefault(k, {"status": 200, "results": {}, "query": body.queries[k].model_dump(by_alias=True)})
        for m in r.matches:
            prev = slot["results"].get(m.id)
            if prev is None or m.score > prev["score"]:
                slot["results"][m.id] = _result(m, threshold)
    for slot in responses.values():
        res = sorted(slot["results"].values(), key=lambda x: -x["score"])[:limit]
        slot["results"] = res
        slot["total"] = {"value": len(res), "relation": "eq"}
    return {"responses": responses, "matcher": {"name": ALGORITHM_VERSION, "threshold": threshold, "cutoff": cutoff},
            "limit": limit}
