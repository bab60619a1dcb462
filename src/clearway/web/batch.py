"""Batch pages: upload a file of names, watch its progress, download the results (the screening
itself is :func:`clearway.batch.run_batch`, run by :mod:`.batch_jobs`)."""

from __future__ import annotations

import threading

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from .. import settings
from ..api.deps import get_store
from ..batch.readers import FORMATS, InputError
from ..lists import UnknownListError
from .auth import PageError, Principal, form_with_csrf, need
from .batch_jobs import BatchJobs, Job
from .render import page, redirect
from .search import list_choices, list_codes

router = APIRouter()
_lock = threading.Lock()
MEDIA = {"csv": "text/csv; charset=utf-8", "tsv": "text/tab-separated-values; charset=utf-8",
         "jsonl": "application/x-ndjson", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "parquet": "application/vnd.apache.parquet"}


def jobs_of(request: Request) -> BatchJobs:
    state = request.app.state
    with _lock:
        jobs = getattr(state, "web_batch_jobs", None)
        if jobs is None:
            jobs = state.web_batch_jobs = BatchJobs(settings.home() / "web-batch")
    return jobs


def _visible(job: Job | None, who: Principal) -> Job:
    if job is None or (job.owner != who.id and not who.allows("admin")):
        raise PageError(404, "error.no_batch")
    return job


def _list_page(request: Request, who: Principal, status: int = 200, error: str | None = None):
    return page(request, "batch.html", status=status, jobs=jobs_of(request).jobs(owner=who.id), error=error,
                formats=FORMATS, max_mb=settings.get_int("max_body") / 1_000_000, list_choices=list_choices())


@router.get("/batch")
async def batch_page(request: Request):
    who = await need(request, "analyst")
    return await run_in_threadpool(_list_page, request, who)


@router.post("/batch")
async def upload(request: Request):
    who = await need(request, "analyst")
    form = await form_with_csrf(request)
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        return await run_in_threadpool(_list_page, request, who, 422, "batch.no_file")
    data = await upload.read()
    if not data:
        return await run_in_threadpool(_list_page, request, who, 422, "batch.empty_file")
    try:
        codes = list_codes(str(form.get("lists") or ""))
    except UnknownListError as exc:
        return await run_in_threadpool(_list_page, request, who, 422, str(exc))
    options = {"name_col": str(form.get("name_col") or "").strip()[:200] or None,
               "lists": sorted(codes) if codes else None}
    try:
        job = await run_in_threadpool(lambda: jobs_of(request).submit(
            data, upload.filename, owner=who.id, actor=who.actor, store=get_store(request), options=options))
    except InputError as exc:
        return await run_in_threadpool(_list_page, request, who, 422, str(exc))
    return redirect(f"/batch/{job.id}")


@router.get("/batch/{job_id}")
async def job_page(request: Request, job_id: str):
    who = await need(request, "analyst")
    job = _visible(await run_in_threadpool(jobs_of(request).get, job_id), who)
    return page(request, "batch_job.html", job=job)


@router.get("/batch/{job_id}/status")
async def job_status(request: Request, job_id: str):
    """The job's progress as JSON, polled by the job page."""
    who = await need(request, "analyst")
    job = _visible(await run_in_threadpool(jobs_of(request).get, job_id), who)
    d = job.to_dict()
    return JSONResponse({k: d[k] for k in ("id", "status", "total", "done", "percent", "error", "summary")})


@router.get("/batch/{job_id}/download/{what}")
async def download(request: Request, job_id: str, what: str):
    who = await need(request, "analyst")
    jobs = jobs_of(request)
    job = _visible(await run_in_threadpool(jobs.get, job_id), who)
    path = jobs.result_file(job, what)
    if path is None:
        raise PageError(404, "error.not_found")
    stem = job.filename.rsplit(".", 1)[0]
    if what == "output":
        name, media = f"{stem}-screened.{job.input_format}", MEDIA.get(job.input_format, "application/octet-stream")
    elif what == "matches":
        name, media = f"{stem}-matches.jsonl", "application/x-ndjson"
    else:
        name, media = f"{stem}-rejects.csv", "text/csv; charset=utf-8"
    return FileResponse(path, media_type=media, filename=name)
