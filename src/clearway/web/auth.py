"""Sessions, sign-in and CSRF for the web pages.

**Session.** Every visitor gets one cookie, ``cw_session``: a small JSON payload (who signed in,
a CSRF token, when it expires) and an HMAC-SHA256 over it under the server's secret key
(``CLEARWAY_SECRET_KEY``, else a key generated once into the data directory). The cookie is
HttpOnly, SameSite=Lax, and Secure when the page is served over https. It holds ids, never a key
or a password: each request looks the user or API key up again, so a disabled user or a revoked
key is signed out at once.

**Who.** A :class:`Principal` is a user (``clearway users create``) or an API key; roles are the
API's (viewer < analyst < reviewer < admin), and a key scoped to one case sees that case only.

**CSRF.** The token is bound to the session: every form carries it in a hidden field
(``csrf_token``) and every script request in the ``X-CSRF-Token`` header; a POST without the
session's token is refused with 403. Signing in and out replaces the session (and its token).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import settings
from ..store.store import ROLE_RANK
from ..store.users import get_key, get_user

COOKIE = "cw_session"
LANG_COOKIE = "cw_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_SIGNING_CONTEXT = b"clearway-web-session/1\x00"


# -- the secret key --------------------------------------------------------------------------

_secret_cache: dict[str, bytes] = {}


def secret_key() -> bytes:
    """CLEARWAY_SECRET_KEY, else the key file in the data directory (created on first use,
    readable by its owner only; every process of one data directory shares it)."""
    configured = settings.get("secret_key")
    if configured:
        return configured.encode("utf-8")
    path = settings.home() / "secret_key"
    cached = _secret_cache.get(str(path))
    if cached is not None:
        return cached
    key = _read_or_create(path)
    _secret_cache[str(path)] = key
    return key


def _read_or_create(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be writing it this instant
            data = path.read_bytes().strip()
            if data:
                return data
            time.sleep(0.02)
        raise RuntimeError(f"the secret key file {path} is empty; remove it or set CLEARWAY_SECRET_KEY")
    value = secrets.token_urlsafe(48).encode()
    try:
        os.write(fd, value + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    return value


# -- signed cookies --------------------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(payload: dict[str, Any], key: bytes | None = None) -> str:
    body = _b64(orjson.dumps(payload))
    mac = hmac.new(key or secret_key(), _SIGNING_CONTEXT + body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def unsign(value: str, key: bytes | None = None) -> dict[str, Any] | None:
    """The payload of a cookie this server signed, or None (forged, altered or garbled)."""
    try:
        body, mac = value.split(".", 1)
        expected = hmac.new(key or secret_key(), _SIGNING_CONTEXT + body.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(mac)):
            return None
        doc = orjson.loads(_unb64(body))
    except (ValueError, orjson.JSONDecodeError):
        return None
    return doc if isinstance(doc, dict) else None


@dataclass
class Session:
    sub: str | None  # "user:<id>", "key:<id>" or None (not signed in)
    csrf: str
    expires: float
    changed: bool = False  # to be sent back as a new cookie

    @classmethod
    def new(cls, sub: str | None = None) -> "Session":
        hours = max(0.1, settings.get_float("session_hours"))
        return cls(sub, secrets.token_urlsafe(24), time.time() + hours * 3600, changed=True)

    @classmethod
    def from_cookie(cls, value: str | None) -> "Session":
        doc = unsign(value) if value else None
        if not doc or doc.get("v") != 1 or not isinstance(doc.get("csrf"), str):
            return cls.new()
        try:
            expires = float(doc["exp"])
        except (KeyError, TypeError, ValueError):
            return cls.new()
        if expires < time.time():
            return cls.new()
        sub = doc.get("sub")
        return cls(sub if isinstance(sub, str) else None, doc["csrf"], expires)

    def cookie(self) -> str:
        return sign({"v": 1, "sub": self.sub, "csrf": self.csrf, "exp": int(self.expires)})


def session(request: Request) -> Session:
    return request.scope["cw_session"]


def sign_in(request: Request, sub: str) -> None:
    """Replace the session with a signed-in one (a new token: no fixation)."""
    request.scope["cw_session"] = Session.new(sub)


def sign_out(request: Request) -> None:
    request.scope["cw_session"] = Session.new()


def csrf_ok(request: Request, submitted: str | None) -> bool:
    token = submitted or request.headers.get(CSRF_HEADER) or ""
    return bool(token) and hmac.compare_digest(token.encode(), session(request).csrf.encode())


# -- who is signed in ------------------------------------------------------------------------

@dataclass(frozen=True)
class Principal:
    kind: str  # "user" or "key"
    id: str
    name: str
    role: str
    scope: str | None = None  # "case:<id>" for a key shared for one case

    @property
    def actor(self) -> str:
        """How the audit trail names this principal (a key by its id, as the API does)."""
        return self.id if self.kind == "key" else f"user:{self.name}"[:64]

    @property
    def case_scope(self) -> str | None:
        return self.scope.split(":", 1)[1] if self.scope and self.scope.startswith("case:") else None

    def allows(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


def _lookup(store, sub: str) -> Principal | None:
    kind, _, ident = sub.partition(":")
    if kind == "user":
        u = get_user(store, ident)
        if u is None or u.disabled_at:
            return None
        return Principal("user", u.id, u.username, u.role)
    if kind == "key":
        k = get_key(store, ident)
        if k is None or k.revoked_at:
            return None
        return Principal("key", k.id, k.name or k.id, k.role, k.scope)
    return None


async def principal(request: Request) -> Principal | None:
    """The signed-in user or key of this request, checked against the store (once per request)."""
    if "cw_principal" in request.scope:
        return request.scope["cw_principal"]
    sess = session(request)
    who = None
    if sess.sub:
        who = await run_in_threadpool(_lookup, request.app.state.store, sess.sub)
        if who is None:  # disabled, revoked or deleted since: signed out
            sign_out(request)
    request.scope["cw_principal"] = who
    return who


# -- the pages' security headers (sent by clearway.api.app.SecurityHeaders); the session middleware

# Only self: no inline script or style, no framing, forms post to this origin only.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


def is_https(scope: Scope) -> bool:
    if scope.get("scheme") == "https":
        return True
    headers = dict(scope.get("headers") or [])
    return headers.get(b"x-forwarded-proto", b"").split(b",")[0].strip() == b"https"


class WebMiddleware:
    """For the page paths: read the session cookie, and on the way out add the session cookie
    when it changed and keep pages out of caches. Other paths — the JSON API, /docs, static
    files — pass untouched."""

    def __init__(self, app: ASGIApp, is_page: Any, static_prefix: str) -> None:
        self.app = app
        self.is_page = is_page
        self.static_prefix = static_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        if path.startswith(self.static_prefix) or not self.is_page(path):
            return await self.app(scope, receive, send)
        scope["cw_session"] = Session.from_cookie(Request(scope).cookies.get(COOKIE))
        secure = is_https(scope)

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                # (The security headers are added for every response by the app's
                # SecurityHeaders middleware, from SECURITY_HEADERS above.)
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                sess: Session = scope["cw_session"]
                if sess.changed:
                    age = max(60, int(sess.expires - time.time()))
                    attrs = f"{COOKIE}={sess.cookie()}; Path=/; HttpOnly; SameSite=Lax; Max-Age={age}"
                    if secure:
                        attrs += "; Secure"
                    headers.append((b"set-cookie", attrs.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, wrapped)


# -- guards the pages call -------------------------------------------------------------------

class PageError(Exception):
    """A page refused or failed: shown as an HTML page with this status and message key."""

    def __init__(self, status: int, message: str, **params: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message  # an i18n key
        self.params = params


class SignInRequired(Exception):
    """No one is signed in: the page sends the browser to the sign-in page and back."""


async def need(request: Request, role: str, *, case_id: str | None = None) -> Principal:
    """The signed-in principal if its role is ``role`` or higher; a key shared for one case
    passes only on that case's pages. Counts against the principal's rate limit, like the API."""
    who = await principal(request)
    if who is None:
        raise SignInRequired()
    scoped = who.case_scope
    if scoped is not None and scoped != case_id:
        raise PageError(403, "error.case_scope", case=scoped)
    if not who.allows(role):
        raise PageError(403, "error.role", role=role, has=who.role)
    request.state.key_id = who.id  # the request log names who, as it does for API keys
    wait = request.app.state.limiter.take(who.id)
    if wait > 0:
        raise PageError(429, "error.rate", seconds=max(1, math.ceil(wait)))
    return who


async def form_with_csrf(request: Request) -> Any:
    """The posted form, after checking its CSRF token (403 without the session's token)."""
    try:
        form = await request.form()
    except Exception:  # a malformed multipart body
        raise PageError(400, "error.bad_form") from None
    token = form.get(CSRF_FIELD)
    if not csrf_ok(request, token if isinstance(token, str) else None):
        raise PageError(403, "error.csrf")
    return form
