"""Signing in (an API key, or a username and password), signing out, and the language switch."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from ..service import record_refusal
from ..store.users import authenticate, list_users, normalise_username
from . import i18n
from .auth import LANG_COOKIE, form_with_csrf, is_https, principal, sign_in, sign_out
from .render import page, redirect, safe_next

router = APIRouter()


def _home_for(who) -> str:
    if who.case_scope:
        return f"/cases/{who.case_scope}"
    return "/search" if who.allows("analyst") else "/landscape"


def _attempted(store, username: str) -> str:
    # An existing account is named (attempts on it can be traced); anything else typed into the
    # box is not repeated: it is often a password typed into the wrong field.
    name = normalise_username(username)
    if name and any(u.username == name for u in list_users(store)):
        return f"username {name!r}"
    return "an unknown username"


@router.get("/")
async def home(request: Request):
    who = await principal(request)
    return redirect("/signin" if who is None else _home_for(who))


@router.get("/signin")
async def signin_page(request: Request, next: str = ""):
    return page(request, "signin.html", next=safe_next(next, ""), error=None, username="", method="password")


@router.post("/signin")
async def signin(request: Request):
    form = await form_with_csrf(request)
    method = str(form.get("method") or "password")
    nxt = safe_next(str(form.get("next") or ""), "")
    store = request.app.state.store
    sub = None
    username = ""
    if method == "key":
        presented = str(form.get("api_key") or "").strip()
        key = await run_in_threadpool(request.app.state.keys.check, store, presented) if presented else None
        if key is not None:
            sub = f"key:{key.id}"
    else:
        username = str(form.get("username") or "")[:100]
        password = str(form.get("password") or "")
        user = await run_in_threadpool(authenticate, store, username, password) if username and password else None
        if user is not None:
            sub = f"user:{user.id}"
    if sub is None:
        # A failed sign-in leaves a refusal in the audit trail, like a refused API request.
        await run_in_threadpool(lambda: record_refusal(
            store, actor="anonymous", channel="POST /signin", status=401,
            reason=f"web sign-in failed ({'API key' if method == 'key' else _attempted(store, username)})"))
        return page(request, "signin.html", status=401, next=nxt, error="signin.failed", username=username,
                    method=method)
    sign_in(request, sub)
    request.scope.pop("cw_principal", None)
    who = await principal(request)
    return redirect(nxt or _home_for(who))


@router.post("/signout")
async def signout(request: Request):
    await form_with_csrf(request)
    sign_out(request)
    return redirect("/signin")


@router.get("/lang/{code}")
async def switch_language(request: Request, code: str, next: str = ""):
    """Remember the reader's language (a year) and go back to the page they were on."""
    response = redirect(safe_next(next, "/"))
    if code in i18n.LANGS:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", httponly=True,
                            secure=is_https(request.scope))
    return response
