"""Security headers and cookies on every kind of response, over real HTTP (no browser needed).

Against the web tests' server (``web`` fixture). The pages' policy allows this origin only and
no inline script or style; the JSON API's allows nothing at all; the API docs may run only the
inline script whose hash the policy names; a handler that sets its own policy (the HTML case
report) keeps it. The browser tests (``test_web_pages.py``) check that the pages still work
under the policy: any violation is a console error there.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from typing import Iterator

import httpx
import pytest

pytestmark = pytest.mark.usefixtures("web")

BASE = ("x-content-type-options", "x-frame-options", "referrer-policy", "content-security-policy")


def policy(resp: httpx.Response) -> dict[str, list[str]]:
    """The Content-Security-Policy as {directive: [sources]}."""
    out = {}
    for part in resp.headers["content-security-policy"].split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def check_base(resp: httpx.Response) -> dict[str, list[str]]:
    missing = [h for h in BASE if h not in resp.headers]
    assert not missing, (resp.request.url, resp.status_code, missing)
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["x-frame-options"] == "DENY"
    assert resp.headers["referrer-policy"] in ("no-referrer", "same-origin", "strict-origin-when-cross-origin")
    csp = policy(resp)
    assert csp.get("frame-ancestors") == ["'none'"], csp
    return csp


class InlineCode(HTMLParser):
    """Collects what a strict policy would block: inline scripts, event handlers, styles."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self._in_script = "src" not in a and "nonce" not in a
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name == "style":
                self.found.append(f"<{tag} style={value!r}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]!r}")


def sign_in(client: httpx.Client, key: str) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text).group(1)
    r = client.post("/signin", data={"csrf_token": token, "method": "key", "api_key": key})
    assert r.status_code == 303, r.text[:300]


@pytest.fixture(scope="module")
def admin(web) -> Iterator[httpx.Client]:
    """A client signed in on the pages with the admin key."""
    with httpx.Client(base_url=web.base_url, timeout=60) as c:
        sign_in(c, web.keys["admin"])
        yield c


@pytest.fixture(scope="module")
def case_id(web) -> str:
    case = {"title": "Security headers", "activities": ["publish-openly"],
            "parties": [{"name": "Example University", "country": "US", "role": "lead"}]}
    r = httpx.post(f"{web.base_url}/v1/cases", json=case, headers=web.headers("analyst"), timeout=60)
    assert r.status_code == 201, r.text
    return r.json()["id"]


PAGES = ["/signin", "/search", "/search?q=Huawei+Technologies", "/compare?a=Huawei&b=%E5%8D%8E%E4%B8%BA",
         "/cases", "/cases/{case}", "/batch", "/lists", "/landscape", "/cases/no-such-case"]


def test_pages_allow_only_this_origin_and_carry_no_inline_code(admin, case_id):
    for path in PAGES:
        r = admin.get(path.replace("{case}", case_id))
        assert r.status_code in (200, 404), (path, r.status_code)
        csp = check_base(r)
        assert csp["default-src"] == ["'self'"] and csp["script-src"] == ["'self'"], (path, csp)
        assert csp["style-src"] == ["'self'"] and csp["object-src"] == ["'none'"], (path, csp)
        assert "'unsafe-inline'" not in " ".join(sum(csp.values(), [])), (path, csp)
        assert r.headers["cache-control"] == "no-store", path  # pages are per person: never cached
        if "text/html" in r.headers.get("content-type", ""):
            parser = InlineCode()
            parser.feed(r.text)
            assert parser.found == [], (path, parser.found)


def test_static_files_carry_the_page_policy(web):
    for path in ("/static/clearway.js", "/static/clearway.css", "/static/no-such-file.js"):
        r = httpx.get(f"{web.base_url}{path}")
        csp = check_base(r)
        assert csp["script-src"] == ["'self'"], path


def test_json_api_responses_allow_nothing(web):
    h = web.headers("viewer")
    for method, path, headers in [("GET", "/healthz", {}), ("GET", "/v1/lists", h), ("GET", "/v1/lists", {}),
                                  ("GET", "/openapi.json", {}), ("GET", "/v1/nowhere", {}),
                                  ("POST", "/v1/screen", h)]:
        r = httpx.request(method, f"{web.base_url}{path}", headers=headers, json={"queries": [{"name": "x"}]}
                          if method == "POST" else None)
        csp = check_base(r)
        assert csp["default-src"] == ["'none'"], (path, csp)
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["cache-control"] == "no-store", path


def test_api_docs_run_only_their_own_hashed_inline_script(web):
    for path in ("/docs", "/docs/oauth2-redirect", "/redoc"):
        r = httpx.get(f"{web.base_url}{path}")
        assert r.status_code == 200
        csp = check_base(r)
        scripts = re.findall(r"<script>(.*?)</script>", r.text, re.DOTALL)
        hashes = {f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts}
        allowed = set(csp["script-src"])
        assert hashes <= allowed, (path, hashes, allowed)
        assert "'unsafe-inline'" not in allowed and "'unsafe-eval'" not in allowed
        assert {s for s in allowed if s.startswith("'sha256-")} == hashes, path  # nothing else inline
        assert csp["default-src"] == ["'none'"] and csp["connect-src"] == ["'self'"]
    assert scripts == [] and "'sha256-" not in " ".join(allowed)  # ReDoc has no inline script


def test_a_handler_s_own_policy_is_kept_and_completed(admin, case_id):
    r = admin.get(f"/cases/{case_id}/report.html")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = check_base(r)
    # The report carries its own styles and runs no script.
    assert csp["default-src"] == ["'none'"] and "script-src" not in csp
    assert r.headers["content-security-policy"].count("default-src") == 1


def test_cookies_are_httponly_samesite_and_secure_over_https(web):
    with httpx.Client(base_url=web.base_url, timeout=30) as c:
        plain = c.get("/signin").headers["set-cookie"]
        assert plain.startswith("cw_session=") and "HttpOnly" in plain and "SameSite=Lax" in plain
        assert "Secure" not in plain and "Path=/" in plain
        lang = c.get("/lang/zh", params={"next": "/signin"}).headers["set-cookie"]
        assert lang.startswith("cw_lang=zh") and "HttpOnly" in lang and "samesite=lax" in lang.lower()
    # Behind a proxy that terminates TLS, both cookies are Secure.
    forwarded = {"X-Forwarded-Proto": "https"}
    assert "Secure" in httpx.get(f"{web.base_url}/signin", headers=forwarded).headers["set-cookie"]
    lang = httpx.get(f"{web.base_url}/lang/en", headers=forwarded).headers["set-cookie"]
    assert "secure" in lang.lower()


def test_a_signed_in_session_cookie_holds_no_key(web):
    with httpx.Client(base_url=web.base_url, timeout=30) as c:
        sign_in(c, web.keys["reviewer"])
        cookie = c.cookies["cw_session"]
    body = cookie.split(".", 1)[0]
    payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    secret = web.keys["reviewer"].split("_", 2)[2]
    assert web.key_id("reviewer") in payload and secret not in payload and secret not in cookie
