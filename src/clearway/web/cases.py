"""Cases: create one (a form or a case file), read its findings, adjudicate hits, comment,
vet again, download the report — through :mod:`clearway.cases.service` as the API does."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ..api.deps import get_screener, get_store
from ..cases.report import ASSESSMENT_ZH, DECISION_ZH, SEVERITY_ZH, render
from ..cases.service import adjudicate, revet_case, vet_case
from ..cases.spec import ACTIVITIES, ROLES, CaseFileError, parse_case, parse_case_text
from ..store import cases as case_store
from .auth import PageError, form_with_csrf, need
from .render import page, redirect

router = APIRouter()
PARTY_ROWS = 5
MAX_CASE_FILE = 1_000_000
DECISIONS = ("true-match", "false-positive", "needs-information")
REPORT_MEDIA = {"html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8", "pdf": "application/pdf"}
# The HTML report carries its own styles; it runs no script.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"


def _get(store, case_id: str) -> dict[str, Any]:
    try:
        return case_store.get_case(store, case_id)
    except case_store.CaseNotFound:
        raise PageError(404, "error.no_case", case=case_id) from None


def _split(text: str) -> list[str]:
    return [t.strip() for t in re.split(r"[,，、;；\n]", text or "") if t.strip()]


def spec_from_form(form) -> dict[str, Any]:
    """A case document from the fields of the form (the same format as a case file)."""
    doc: dict[str, Any] = {"title": str(form.get("title") or "").strip()}
    for key in ("title_zh", "summary", "summary_zh"):
        value = str(form.get(key) or "").strip()
        if value:
            doc[key] = value
    topics = _split(str(form.get("topics") or ""))
    if topics:
        doc["topics"] = topics
    doc["activities"] = [a for a in form.getlist("activities") if isinstance(a, str)]
    parties = []
    for i in range(PARTY_ROWS):
        name = str(form.get(f"party{i}_name") or "").strip()
        if not name:
            continue
        p: dict[str, Any] = {"name": name, "role": str(form.get(f"party{i}_role") or "partner"),
                             "kind": str(form.get(f"party{i}_kind") or "organization")}
        country = str(form.get(f"party{i}_country") or "").strip()
        if country:
            p["country"] = country
        affiliation = str(form.get(f"party{i}_affiliation") or "").strip()
        if affiliation:
            p["affiliation"] = affiliation
        parties.append(p)
    doc["parties"] = parties
    return doc


def _list_page(request: Request, status: int = 200, error: str | None = None, values: dict | None = None):
    rows = case_store.list_cases(get_store(request))
    return page(request, "cases.html", status=status, cases=rows, error=error, values=values or {},
                activities=ACTIVITIES, roles=ROLES, party_rows=PARTY_ROWS, ASSESSMENT_ZH=ASSESSMENT_ZH)


@router.get("/cases")
async def cases_page(request: Request):
    await need(request, "viewer")
    return await run_in_threadpool(_list_page, request)


@router.post("/cases")
async def create_case(request: Request):
    who = await need(request, "analyst")
    form = await form_with_csrf(request)
    upload = form.get("case_file")
    values = {k: v for k, v in form.multi_items() if isinstance(v, str) and k != "csrf_token"}
    values["activities"] = form.getlist("activities")
    try:
        if upload is not None and not isinstance(upload, str) and upload.filename:
            data = await upload.read(MAX_CASE_FILE + 1)
            if len(data) > MAX_CASE_FILE:
                raise CaseFileError(f"{upload.filename}: a case file is at most {MAX_CASE_FILE:,} bytes")
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise CaseFileError(f"{upload.filename}: not valid UTF-8 (byte {exc.start})") from None
            # In a thread: a case file is YAML, whose parser can take seconds on a hostile file.
            spec = await run_in_threadpool(parse_case_text, text, name=upload.filename)
        else:
            spec = parse_case(spec_from_form(form))
    except CaseFileError as exc:
        return await run_in_threadpool(_list_page, request, 422, str(exc), values)
    case = await run_in_threadpool(vet_case, spec, get_screener(request), get_store(request), actor=who.actor)
    return redirect(f"/cases/{case['id']}")


def _case_page(request: Request, case_id: str, who, status: int = 200, error: str | None = None,
               done: str | None = None):
    case = _get(get_store(request), case_id)
    return page(request, "case.html", status=status, case=case, v=case["vetting"], spec=case["spec"], error=error,
                done=done, can_review=who.allows("reviewer"), can_vet=who.allows("analyst"), decisions=DECISIONS,
                ASSESSMENT_ZH=ASSESSMENT_ZH, SEVERITY_ZH=SEVERITY_ZH, DECISION_ZH=DECISION_ZH)


@router.get("/cases/{case_id}")
async def case_page(request: Request, case_id: str, done: str = ""):
    who = await need(request, "viewer", case_id=case_id)
    return await run_in_threadpool(_case_page, request, case_id, who, 200, None, done[:20] or None)


@router.post("/cases/{case_id}/decisions")
async def decide(request: Request, case_id: str):
    who = await need(request, "reviewer", case_id=case_id)
    form = await form_with_csrf(request)
    store = get_store(request)
    try:
        party = int(str(form.get("party") or ""))
    except ValueError:
        party = -1
    try:
        await run_in_threadpool(_get, store, case_id)
        await run_in_threadpool(lambda: adjudicate(
            store, case_id, party_index=party, entity_id=str(form.get("entity_id") or "")[:100],
            decision=str(form.get("decision") or ""), reason=str(form.get("reason") or "")[:5000], actor=who.actor))
    except ValueError as exc:
        return await run_in_threadpool(_case_page, request, case_id, who, 422, str(exc))
    return redirect(f"/cases/{case_id}?done=decision#party-{party}")


@router.post("/cases/{case_id}/comments")
async def comment(request: Request, case_id: str):
    who = await need(request, "reviewer", case_id=case_id)
    form = await form_with_csrf(request)
    store = get_store(request)
    try:
        await run_in_threadpool(_get, store, case_id)
        await run_in_threadpool(case_store.comment, store, case_id, str(form.get("text") or ""), who.actor)
    except ValueError as exc:
        return await run_in_threadpool(_case_page, request, case_id, who, 422, str(exc))
    return redirect(f"/cases/{case_id}?done=comment#comments")


@router.post("/cases/{case_id}/vet")
async def revet(request: Request, case_id: str):
    who = await need(request, "analyst", case_id=case_id)
    await form_with_csrf(request)
    store = get_store(request)
    await run_in_threadpool(_get, store, case_id)
    await run_in_threadpool(lambda: revet_case(case_id, get_screener(request), store, actor=who.actor))
    return redirect(f"/cases/{case_id}?done=vet")


@router.get("/cases/{case_id}/report.{fmt}")
async def report(request: Request, case_id: str, fmt: str):
    await need(request, "viewer", case_id=case_id)
    if fmt not in REPORT_MEDIA:
        raise PageError(404, "error.not_found")
    case = await run_in_threadpool(_get, get_store(request), case_id)
    data = await run_in_threadpool(render, case, fmt)
    disposition = "inline" if fmt == "html" else "attachment"
    headers = {"Content-Disposition": f'{disposition}; filename="clearway-case-{case_id}.{fmt}"'}
    if fmt == "html":
        headers["Content-Security-Policy"] = REPORT_CSP
    return Response(data, media_type=REPORT_MEDIA[fmt], headers=headers)
