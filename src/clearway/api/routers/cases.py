"""``/v1/cases``: vet a proposed collaboration, review its hits, discuss it, get its report.

A key scoped to one case (``clearway case share``) reaches that case's endpoints only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query as Q
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from ...cases.report import render
from ...cases.service import adjudicate, revet_case, vet_case
from ...cases.spec import CaseFileError, parse_case
from ...store import cases as case_store
from ..deps import Analyst, CaseAnalyst, CaseReviewer, CaseViewer, Reviewer, ScreenerDep, StoreDep, Viewer
from ..errors import KEYED, WITH_BODY, ApiError, NotFound, error_responses

router = APIRouter(prefix="/v1/cases", tags=["cases"], responses=error_responses(*KEYED))
_CASE_ID = error_responses(404)  # an operation on one case
_POST = error_responses(*WITH_BODY)


def _case(store, case_id: str) -> dict[str, Any]:
    try:
        return case_store.get_case(store, case_id)
    except case_store.CaseNotFound:
        raise NotFound(f"no case with id {case_id!r}", field="case_id") from None


@router.post("", status_code=201, summary="Vet and store a case", responses=_POST)
def create(spec: Annotated[dict[str, Any], Body(description="A case in the format of case.schema.json.")],
           key: Analyst, screener: ScreenerDep, store: StoreDep) -> dict[str, Any]:
    """Every party screened, every rule applied; the stored case with its assessment and findings."""
    try:
        parsed = parse_case(spec)
    except CaseFileError as exc:
        raise ApiError(str(exc), field="body", status=422) from exc
    return vet_case(parsed, screener, store, actor=key.id)


@router.get("", summary="List cases")
def list_cases(key: Viewer, store: StoreDep, status: Annotated[str | None, Q(pattern="^(open|closed)$")] = None) -> dict[str, Any]:
    return {"cases": case_store.list_cases(store, status)}


@router.get("/{case_id}", summary="One case with its history", responses=_CASE_ID)
def get(case_id: str, key: CaseViewer, store: StoreDep) -> dict[str, Any]:
    return _case(store, case_id)


@router.post("/{case_id}/vet", summary="Vet the case again", responses={**_CASE_ID, **_POST})
def revet(case_id: str, key: CaseAnalyst, screener: ScreenerDep, store: StoreDep) -> dict[str, Any]:
    _case(store, case_id)
    return revet_case(case_id, screener, store, actor=key.id)


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    party: int = Field(..., ge=0, description="Party number in the case.")
    entity_id: str = Field(..., min_length=1, max_length=100)
    decision: str = Field(..., pattern="^(true-match|false-positive|needs-information)$")
    reason: str = Field(..., min_length=1, max_length=5000)


@router.post("/{case_id}/decisions", status_code=201, summary="Adjudicate a screening hit",
             responses={**_CASE_ID, **_POST})
def decide(case_id: str, body: Decision, key: CaseReviewer, store: StoreDep) -> dict[str, Any]:
    """true-match, false-positive (remembered for that party and entry until the entry changes)
    or needs-information; recorded with who and when."""
    _case(store, case_id)
    try:
        return adjudicate(store, case_id, party_index=body.party, entity_id=body.entity_id,
                          decision=body.decision, reason=body.reason, actor=key.id)
    except ValueError as exc:
        raise ApiError(str(exc), field="body", status=422) from exc


class Comment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(..., min_length=1, max_length=20000)


@router.post("/{case_id}/comments", status_code=201, summary="Comment on the case", responses={**_CASE_ID, **_POST})
def comment(case_id: str, body: Comment, key: CaseReviewer, store: StoreDep) -> dict[str, Any]:
    _case(store, case_id)
    try:
        return case_store.comment(store, case_id, body.text, key.id)
    except ValueError as exc:
        raise ApiError(str(exc), field="text", status=422) from exc


class Share(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str = Field("viewer", pattern="^(viewer|reviewer)$")
    name: str = Field("", max_length=200)


@router.post("/{case_id}/share", status_code=201, summary="Share the case with the partner",
             responses={**_CASE_ID, **_POST})
def share(case_id: str, body: Share, key: Reviewer, store: StoreDep) -> dict[str, Any]:
    """A key that sees this case only; the key string is in this response once."""
    _case(store, case_id)
    rec, secret = case_store.share(store, case_id, body.role, body.name, key.id)
    return {**rec, "key": secret}


@router.get("/{case_id}/report", summary="The case report (html, md or pdf)", response_class=Response,
            responses={**_CASE_ID, 200: {"description": "The report in the format asked for.", "content": {
                "text/html": {}, "text/markdown": {}, "application/pdf": {}}}})
async def report(case_id: str, key: CaseViewer, store: StoreDep,
                 format: Annotated[str, Q(pattern="^(html|md|pdf)$")] = "html") -> Response:
    case = await run_in_threadpool(_case, store, case_id)
    data = await run_in_threadpool(render, case, format)
    media = {"html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8", "pdf": "application/pdf"}[format]
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'inline; filename="{case_id}.{format}"'})

