"""Dependencies declared once: the screener, the store, the caller's key and role, rate limits."""

from __future__ import annotations

import math
import threading
import time
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from ..screen import Screener
from ..store import Store
from ..store.store import ApiKey
from .errors import Forbidden, RateLimited, Unauthorized

# Verified keys are remembered this long, so a request does not cost a database read; a
# revocation therefore takes effect within this many seconds.
KEY_CACHE_SECONDS = 5.0


def get_screener(request: Request) -> Screener:
    # The holder's current Screener, taken once per request: a list update swapping in a new
    # one mid-request does not change what this request screens against.
    holder = getattr(request.app.state, "screener_holder", None)
    return holder.current if holder is not None else request.app.state.screener


def get_store(request: Request) -> Store:
    return request.app.state.store


# The dependencies are coroutines: FastAPI runs a plain function dependency in a worker thread,
# which for two attribute reads cost two thread hops per request.
async def _screener_dependency(request: Request) -> Screener:
    return get_screener(request)


async def _store_dependency(request: Request) -> Store:
    return get_store(request)


ScreenerDep = Annotated[Screener, Depends(_screener_dependency)]
StoreDep = Annotated[Store, Depends(_store_dependency)]


class KeyCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, tuple[float, ApiKey | None]] = {}

    def cached(self, presented: str) -> tuple[bool, ApiKey | None]:
        """(known, key) from the cache alone, without touching the database."""
        with self._lock:
            hit = self._items.get(presented)
            if hit and time.monotonic() - hit[0] < KEY_CACHE_SECONDS:
                return True, hit[1]
        return False, None

    def check(self, store: Store, presented: str) -> ApiKey | None:
        now = time.monotonic()
        known, key = self.cached(presented)
        if known:
            return key
        key = store.check_key(presented)
        with self._lock:
            if len(self._items) > 10000:
                self._items.clear()
            self._items[presented] = (now, key)
        return key


class RateLimiter:
    """A token bucket per key: ``per_minute`` requests a minute, bursts up to that many."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = max(1, per_minute)
        self.capacity = float(self.per_minute)
        self.rate = self.capacity / 60.0
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key_id: str) -> float:
        """0 when allowed, else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key_id, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key_id] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key_id] = (tokens, now)
            return (1.0 - tokens) / self.rate


def presented_key(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    # OpenRefine cannot send headers to a reconciliation service: the key may ride in the URL there.
    if request.url.path.startswith("/reconcile"):
        return request.query_params.get("api_key") or None
    return None


async def _authenticate(request: Request, role: str, case_id: str | None = None) -> ApiKey:
    presented = presented_key(request)
    if not presented:
        raise Unauthorized()
    cache = request.app.state.keys
    known, key = cache.cached(presented)
    if not known:
        key = await run_in_threadpool(cache.check, request.app.state.store, presented)
    if key is None:
        raise Unauthorized("the API key is unknown or revoked")
    request.state.key_id = key.id
    # A key shared with a partner sees its one case and nothing else.
    if key.scope and key.scope != f"case:{case_id}":
        raise Forbidden(f"this key is limited to {key.scope.replace(':', ' ')}")
    if not key.allows(role):
        raise Forbidden(f"this endpoint needs the {role} role; the key has the {key.role} role")
    limiter = request.app.state.limiter
    wait = limiter.take(key.id)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise RateLimited(f"rate limit exceeded for this key: at most {limiter.per_minute} requests a minute; "
                          f"retry in {seconds} s", headers={"Retry-After": str(seconds)})
    return key


def require(role: str):
    """A dependency that admits keys whose role is ``role`` or higher (and no case-scoped keys)."""

    async def dep(request: Request) -> ApiKey:
        return await _authenticate(request, role)

    dep.clearway_role = role  # type: ignore[attr-defined]  # read by authorise_route
    return dep


def require_case(role: str):
    """Like :func:`require`, for ``/v1/cases/{case_id}…``: a key scoped to that case is admitted too."""

    async def dep(request: Request, case_id: str) -> ApiKey:
        return await _authenticate(request, role, case_id)

    dep.clearway_role = role  # type: ignore[attr-defined]
    dep.clearway_case = True  # type: ignore[attr-defined]
    return dep


async def authorise_route(request: Request) -> tuple[bool, ApiKey | None]:
    """The checks the matched route's key dependency makes, for a request refused before
    dependencies run (a body that is not JSON at all): a caller learns it needs a key, or a
    higher role, before anything about its body. (False, None) when the route declares none."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    for d in getattr(dependant, "dependencies", ()):
        role = getattr(d.call, "clearway_role", None)
        if role is not None:
            case_id = request.path_params.get("case_id") if getattr(d.call, "clearway_case", False) else None
            return True, await _authenticate(request, role, case_id)
    return False, None


Viewer = Annotated[ApiKey, Depends(require("viewer"))]
Analyst = Annotated[ApiKey, Depends(require("analyst"))]
Admin = Annotated[ApiKey, Depends(require("admin"))]

Reviewer = Annotated[ApiKey, Depends(require("reviewer"))]
CaseViewer = Annotated[ApiKey, Depends(require_case("viewer"))]
CaseReviewer = Annotated[ApiKey, Depends(require_case("reviewer"))]
CaseAnalyst = Annotated[ApiKey, Depends(require_case("analyst"))]
