"""The app factory: ``create_app()`` wires settings, the Screener, the store, routers and errors."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import re
import time

import orjson
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__, settings, web
from ..inventory import list_inventory
from ..monitor.live import ScreenerHolder, keep_fresh
from ..screen import Screener, freeze_loaded
from ..service import record_refusal
from ..store import Store, open_store
from ..web.auth import SECURITY_HEADERS as PAGE_HEADERS
from .deps import KeyCache, RateLimiter, authorise_route, presented_key
from .errors import ApiError, Unauthorized
from .observability import Metrics, log, log_request, setup_logging
from .routers import alerts, cases, ops, reconcile, v1, yente


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, declared or chunked, before the app
    reads them (so before the key is looked at); the refusal is recorded like any other. The
    API gets a JSON error naming the limit, a page (an upload from a browser) an HTML page."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await self._refuse(scope, send)
        # Read the body here (it is at most ``limit`` bytes) and replay it to the app.
        chunks: list[bytes] = []
        size = 0
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            body = msg.get("body", b"")
            size += len(body)
            if size > self.limit:
                return await self._refuse(scope, send)
            chunks.append(body)
            if not msg.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        detail = f"request body over the limit of {self.limit} bytes"
        app = scope.get("app")
        store = getattr(getattr(app, "state", None), "store", None)
        if store is not None:
            await run_in_threadpool(_record_oversize, store, scope, detail)
        if web.is_page(scope["path"]):
            # A browser uploading a file that is too large gets a page saying so, not JSON.
            return await web.too_large(scope, self.limit)(scope, _no_body, send)
        body = orjson.dumps({"error": {"status": 413, "detail": detail, "field": "body"}})
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _record_oversize(store: Store, scope: Scope, detail: str) -> None:
    try:
        record_refusal(store, actor="anonymous", channel=f"{scope['method']} {scope['path']}", reason=detail, status=413)
    except Exception:
        log.exception("cannot record a refusal")


# -- security headers: one policy for every response ------------------------------------------

# JSON and text answers: nothing in them may run, be framed or be sniffed into HTML.
API_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]
# FastAPI's interactive docs load Swagger UI / ReDoc from their CDN and start them with an
# inline script: that script is allowed by its hash (computed from the page sent), nothing else
# inline; ReDoc sets styles at run time, so inline styles are allowed there.
DOCS_CSP = ("default-src 'none'; script-src {scripts}; "
            "style-src https://cdn.jsdelivr.net https://fonts.googleapis.com 'unsafe-inline'; "
            "font-src https://fonts.gstatic.com; img-src 'self' data: https:; connect-src 'self'; "
            "worker-src blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def docs_csp(html: bytes) -> str:
    sources = ["https://cdn.jsdelivr.net"] + [
        f"'sha256-{base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode()}'"
        for m in _INLINE_SCRIPT.finditer(html)]
    return DOCS_CSP.format(scripts=" ".join(sources))


def _with_defaults(headers: list[tuple[bytes, bytes]], defaults: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    # A handler may set a specific policy (the HTML case report's own styles): it is kept.
    present = {k.lower() for k, _ in headers}
    return headers + [(k, v) for k, v in defaults if k not in present]


class SecurityHeaders:
    """Adds the security headers to every response, in one place: the pages' policy
    (:data:`clearway.web.auth.SECURITY_HEADERS`) on pages and static files, a hash-pinned one on
    the API docs, and a deny-everything one on the JSON API."""

    def __init__(self, app: ASGIApp, docs_paths: frozenset[str]) -> None:
        self.app = app
        self.docs_paths = docs_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        if path in self.docs_paths:
            return await self._docs(scope, receive, send)
        page = web.is_page(path) or path.startswith(web.STATIC_PREFIX)
        defaults = PAGE_HEADERS if page else API_HEADERS

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": _with_defaults(list(message.get("headers", [])), defaults)}
            await send(message)

        await self.app(scope, receive, wrapped)

    async def _docs(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The docs pages are a few kB: hold the response, hash its inline scripts, then send it.
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        html = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
        own = [(b"content-security-policy", docs_csp(html).encode())]
        for message in held:
            if message["type"] == "http.response.start":
                headers = _with_defaults(list(message.get("headers", [])), own)
                message = {**message, "headers": _with_defaults(headers, API_HEADERS)}
            await send(message)


class Observe:
    """Metrics and one JSON log line per request (a plain ASGI middleware: no extra task or
    stream per request, unlike a decorator-style HTTP middleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            m = scope["app"].state.metrics
            m.requests.labels(scope["method"], route, str(status)).inc()
            m.latency.labels(route).observe(time.perf_counter() - started)
            state = scope.get("state") or {}
            log_request(scope["method"], scope["path"], status, started, state.get("key_id"))


def _field(loc: tuple[Any, ...], kind: str = "") -> str:
    if kind == "json_invalid":  # the location is a character offset, not a field
        return "body"
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def _list_metrics(metrics: Metrics, screener: Screener) -> None:
    metrics.list_entities.clear()
    metrics.list_version.clear()
    for row in list_inventory(screener.entities, screener.versions):
        metrics.list_entities.labels(row["code"]).set(row["entities"])
    for v in screener.versions:
        metrics.list_version.labels(v.source, v.published, v.content_hash[:12]).set(1)


def create_app(*, screener: Screener | None = None, store: Store | None = None, db_url: str | None = None) -> FastAPI:
    """The Clearway service. Lists and database are opened at start-up unless passed in."""
    setup_logging(settings.get("log_level"))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # The live lists of the data directory, swapped for newer ones without a restart (see
        # clearway.monitor.live); a Screener passed in stays fixed.
        holder = ScreenerHolder(screener) if screener else await run_in_threadpool(ScreenerHolder.load)
        app.state.screener_holder = holder
        app.state.screener = holder.current
        app.state.store = store or await run_in_threadpool(open_store, db_url)
        _list_metrics(app.state.metrics, holder.current)
        freeze_loaded()
        log.info("ready", extra={"fields": {"event": "ready", "entities": len(app.state.screener.entities),
                                            "database": app.state.store.backend}})

        def swapped(new: Screener) -> None:
            app.state.screener = new
            _list_metrics(app.state.metrics, new)
            freeze_loaded()
            log.info("lists reloaded", extra={"fields": {"event": "lists reloaded", "entities": len(new.entities),
                                                         "versions": [v.id for v in new.versions]}})

        interval = settings.get_float("reload_seconds")
        watcher = asyncio.create_task(keep_fresh(holder, interval, swapped)) if screener is None and interval > 0 else None
        yield
        if watcher is not None:
            watcher.cancel()
        if store is None:
            app.state.store.close()

    app = FastAPI(
        title="Clearway",
        version=__version__,
        description=("Restricted-party screening for China–US science and technology cooperation: "
                     "US and Chinese lists, names in English, Chinese or pinyin, every match explained. "
                     "Send an API key as `Authorization: Bearer <key>` or `X-API-Key`."),
        lifespan=lifespan,
    )
    app.state.metrics = Metrics()
    app.state.keys = KeyCache()
    app.state.limiter = RateLimiter(settings.get_int("rate_limit"))

    def refuse(request: Request, status: int, detail: str) -> None:
        # A refused request leaves only the refusal in the trail; 429s are not recorded (a
        # flood of them would drown the trail) and neither are unknown routes.
        st = getattr(request.app.state, "store", None)
        if status in (429, 404) or st is None:
            return
        try:
            record_refusal(st, actor=getattr(request.state, "key_id", None) or "anonymous",
                           channel=f"{request.method} {request.url.path}", reason=detail, status=status)
        except Exception:  # the refusal stands even if it cannot be recorded
            log.exception("cannot record a refusal")

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        await run_in_threadpool(refuse, request, exc.status, exc.detail)
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        # The body is parsed before the key is checked; a caller without a valid key (or whose
        # role may not call the route) learns only that, whatever the body held.
        # (When the key was checked already — a bad parameter is found after the dependencies
        # ran — it is not checked, nor counted against the rate limit, twice.)
        declared = getattr(request.state, "key_id", None) is not None
        if not declared:
            try:
                declared, _ = await authorise_route(request)
            except ApiError as refused:
                return await api_error(request, refused)
        if not declared and request.url.path not in ("/healthz", "/readyz"):
            presented = presented_key(request)
            key = await run_in_threadpool(request.app.state.keys.check, request.app.state.store, presented) \
                if presented else None
            if key is None:
                return await api_error(request, Unauthorized() if not presented
                                       else Unauthorized("the API key is unknown or revoked"))
            request.state.key_id = key.id
        errors = exc.errors()
        first = errors[0] if errors else {"loc": ("body",), "msg": "invalid request"}
        field = _field(tuple(first.get("loc", ())), first.get("type", ""))
        detail = f"{field}: {first.get('msg', 'invalid')}"
        await run_in_threadpool(refuse, request, 422, detail)
        return JSONResponse({"error": {"status": 422, "detail": detail, "field": field,
                                       "errors": [{"field": _field(tuple(e.get("loc", ())), e.get("type", "")),
                                                   "message": e.get("msg")}
                                                  for e in errors[:20]]}}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return JSONResponse({"error": {"status": exc.status_code, "detail": str(exc.detail)}},
                            status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unhandled error", extra={"fields": {"path": request.url.path}})
        return JSONResponse({"error": {"status": 500, "detail": "internal error; it has been logged"}}, status_code=500)

    # Outermost last: security headers on everything, the session, then the body limit inside
    # the request log (a refused body is logged and counted like any other request).
    app.add_middleware(BodyLimit, limit=settings.get_int("max_body"))
    app.add_middleware(Observe)
    for r in (ops.router, v1.router, yente.router, reconcile.router, cases.router, alerts.router):
        app.include_router(r)
    web.install(app)  # the pages: /search, /cases, /batch, /lists, /landscape (clearway.web)
    app.add_middleware(SecurityHeaders, docs_paths=frozenset(
        p for p in (app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url) if p))
    logging.getLogger("uvicorn.access").disabled = True
    return app
