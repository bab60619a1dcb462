"""Health, readiness and metrics: no key needed for health and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from ..deps import Viewer
from ..errors import KEYED, error_responses

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Alive")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Lists loaded and database reachable",
            responses={503: {"description": "Not ready: the lists are not loaded or the database does not answer."}})
def readyz(request: Request) -> Response:
    screener = getattr(request.app.state, "screener", None)
    store = getattr(request.app.state, "store", None)
    lists_ok = screener is not None and bool(screener.entities)
    db_ok = store is not None and store.ping()
    body = {"status": "ready" if lists_ok and db_ok else "not ready",
            "lists": "loaded" if lists_ok else "not loaded", "database": "reachable" if db_ok else "unreachable",
            "entities": len(screener.entities) if screener is not None else 0}
    return JSONResponse(body, status_code=200 if lists_ok and db_ok else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse,
            responses=error_responses(*KEYED))
def metrics(request: Request, key: Viewer) -> Response:
    return Response(request.app.state.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")
