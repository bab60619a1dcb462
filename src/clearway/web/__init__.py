"""The web pages: search, compare, cases, batch uploads, lists and the landscape, in English and
简体中文, served by the same app as the JSON API (``clearway serve``).

Pages are thin: each parses its form, makes the same service call the API makes (the Screener
through :func:`clearway.service.screen_and_record`, cases through :mod:`clearway.cases.service`,
batches through :func:`clearway.batch.run_batch`, list versions and diffs through
:mod:`clearway.monitor`) and renders a Jinja2 template. Sessions, sign-in and CSRF are in
:mod:`.auth`, the message catalogues in :mod:`.i18n`.

    from clearway import web
    web.install(app)      # routers, static files, session middleware, HTML error pages
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from ..service import record_refusal
from .auth import PageError, SignInRequired, WebMiddleware
from .render import lang_of, page, redirect

STATIC = Path(__file__).parent / "static"
STATIC_PREFIX = "/static/"
# First path segments that are pages (everything else — /v1, /docs, /match … — is the API's).
PAGE_ROOTS = frozenset({"", "signin", "signout", "lang", "search", "compare", "cases", "batch", "lists", "landscape"})


def is_page(path: str) -> bool:
    return path.split("/", 2)[1] in PAGE_ROOTS if path.startswith("/") else False


def _router() -> APIRouter:
    from . import batch, cases, landscape, lists, search, signin

    router = APIRouter(include_in_schema=False)
    for module in (signin, search, cases, batch, lists, landscape):
        router.include_router(module.router)
    return router


async def _sign_in_required(request: Request, exc: SignInRequired) -> Response:
    if request.headers.get("x-requested-with") == "fetch":
        return page(request, "_signed_out.html", status=401)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    from urllib.parse import quote

    return redirect(f"/signin?next={quote(here, safe='/')}")


async def _page_error(request: Request, exc: PageError) -> HTMLResponse:
    if exc.status == 403:
        # A refused page, like a refused API request, leaves the refusal in the audit trail.
        who = request.scope.get("cw_principal")
        await run_in_threadpool(_record_refusal, request, who.id if who else "anonymous", exc.message)
    template = "_error_fragment.html" if request.headers.get("x-requested-with") == "fetch" else "error.html"
    lang_of(request)
    headers = {"Retry-After": str(exc.params.get("seconds", 1))} if exc.status == 429 else None
    return page(request, template, status=exc.status, headers=headers, error=exc)


def too_large(scope, limit: int) -> HTMLResponse:
    """The page shown when a form or an upload is over the request size limit (the body-size
    guard refuses it before any page handler runs)."""
    request = Request(scope)
    lang_of(request)
    error = PageError(413, "error.too_large", mb=f"{limit / 1_000_000:g}")
    return page(request, "error.html", status=413, error=error)


def _record_refusal(request: Request, actor: str, reason: str) -> None:
    try:
        record_refusal(request.app.state.store, actor=actor, channel=f"{request.method} {request.url.path}",
                       reason=f"web: {reason}", status=403)
    except Exception:  # the refusal stands even if it cannot be recorded
        logging.getLogger("clearway.web").exception("cannot record a refusal")


def install(app: FastAPI) -> None:
    """Serve the pages from ``app``: routers, /static, the session middleware, HTML errors."""
    app.include_router(_router())
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.add_middleware(WebMiddleware, is_page=is_page, static_prefix=STATIC_PREFIX)
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(PageError, _page_error)
