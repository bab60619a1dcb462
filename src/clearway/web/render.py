"""Rendering pages: one Jinja2 environment, the language of the request, and the small helpers
templates use (Federal Register links, the matched part of a name, list names, numbers)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from ..lists import LISTS
from ..names.text import is_han_char, to_simplified
from . import i18n
from .auth import CSRF_FIELD, LANG_COOKIE, session

TEMPLATES = Path(__file__).parent / "templates"
_FR_RE = re.compile(r"\b(\d{1,3})\s*FR\s*(\d{1,6})\b", re.IGNORECASE)

env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                  trim_blocks=True, lstrip_blocks=True)


def lang_of(request: Request) -> str:
    if "cw_lang" not in request.scope:
        request.scope["cw_lang"] = i18n.negotiate(request.cookies.get(LANG_COOKIE),
                                                  request.headers.get("accept-language"))
    return request.scope["cw_lang"]


# -- helpers for templates ---------------------------------------------------------------------

def fr_links(citation: str) -> Markup:
    """A citation with each "85 FR 51603" linked to its page on federalregister.gov."""
    out: list[str] = []
    last = 0
    for m in _FR_RE.finditer(citation or ""):
        out.append(str(escape(citation[last:m.start()])))
        vol, page = m.group(1), m.group(2)
        out.append(f'<a href="https://www.federalregister.gov/citation/{vol}-FR-{page}" rel="noopener noreferrer" '
                   f'target="_blank">{escape(m.group(0))}</a>')
        last = m.end()
    out.append(str(escape((citation or "")[last:])))
    return Markup("".join(out))


def _latin_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[0-9a-z]+", text.casefold()) if len(w) >= 2}


def highlight(name: str, query: str) -> Markup:
    """``name`` with the parts it shares with ``query`` in <strong>: Latin words (case-insensitive)
    and runs of two or more Chinese characters (simplified and traditional alike)."""
    if not name:
        return Markup("")
    qwords = _latin_words(query or "")
    qhan = "".join(to_simplified(ch) if is_han_char(ch) else " " for ch in (query or ""))
    marked = [False] * len(name)
    for m in re.finditer(r"[0-9A-Za-z]+", name):
        if m.group(0).casefold() in qwords:
            for i in range(m.start(), m.end()):
                marked[i] = True
    simple = [to_simplified(ch) if is_han_char(ch) else "\0" for ch in name]
    i = 0
    while i < len(name):
        if simple[i] == "\0":
            i += 1
            continue
        best = 0
        j = i + 2
        while j <= len(name) and "\0" not in simple[i:j] and "".join(simple[i:j]) in qhan:
            best = j - i
            j += 1
        if best:
            for k in range(i, i + best):
                marked[k] = True
            i += best
        else:
            i += 1
    out: list[str] = []
    run: list[str] = []
    state = False
    for ch, on in zip(name, marked):
        if on != state and run:
            text = str(escape("".join(run)))
            out.append(f"<strong>{text}</strong>" if state else text)
            run = []
        state = on
        run.append(ch)
    if run:
        text = str(escape("".join(run)))
        out.append(f"<strong>{text}</strong>" if state else text)
    return Markup("".join(out))


def list_name(code: str, lang: str) -> str:
    info = LISTS.get(code)
    if info is None:
        return code
    return info.name_zh if lang == "zh" and info.name_zh else info.name


def jurisdiction(code: str) -> str:
    info = LISTS.get(code)
    return info.jurisdiction.lower() if info else "other"


def num(value: Any) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


def script_lang(text: str) -> str | None:
    """``zh`` for a name written in Chinese characters, for the lang attribute."""
    return "zh" if text and any(is_han_char(c) for c in text) else None


env.filters.update(fr_links=fr_links, num=num)
env.globals.update(highlight=highlight, jurisdiction=jurisdiction, script_lang=script_lang, LISTS=LISTS,
                   quote=quote, urlencode=urlencode)


# -- responses ---------------------------------------------------------------------------------

NAV = (("search", "/search", "analyst"), ("compare", "/compare", "analyst"), ("cases", "/cases", "viewer"),
       ("batch", "/batch", "analyst"), ("lists", "/lists", "viewer"), ("landscape", "/landscape", "viewer"))


def context(request: Request, **values: Any) -> dict[str, Any]:
    lang = lang_of(request)
    who = request.scope.get("cw_principal")

    def t(key: str, **params: Any) -> str:
        return i18n.translate(key, lang, **params)

    path = request.url.path
    here = path + (f"?{request.url.query}" if request.url.query else "")
    nav = [(key, href, path == href or path.startswith(href + "/")) for key, href, role in NAV
           if who is not None and who.case_scope is None and who.allows(role)]
    return {"request": request, "lang": lang, "t": t, "who": who, "csrf_field": CSRF_FIELD,
            "csrf_token": session(request).csrf if "cw_session" in request.scope else "",
            "nav": nav, "here": here, "list_name": lambda code: list_name(code, lang),
            "how": lambda text: i18n.how(text, lang), **values}


def page(request: Request, template: str, status: int = 200, headers: dict[str, str] | None = None,
         **values: Any) -> HTMLResponse:
    html = env.get_template(template).render(context(request, **values))
    return HTMLResponse(html, status_code=status, headers=headers)


def redirect(url: str, status: int = 303) -> RedirectResponse:
    return RedirectResponse(url, status_code=status)


def safe_next(value: str | None, default: str = "/search") -> str:
    """A local path to go back to after sign-in or a language switch (never another site)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value or "\n" in value:
        return default
    return value
