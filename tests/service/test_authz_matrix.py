"""Authorisation matrix: every route of the app × every kind of caller, over real HTTP.

One ``clearway serve`` (SQLite) serves the module, with a known session-signing key
(``CLEARWAY_SECRET_KEY``) so the test can forge sessions the way the server signs them — an
expired one, one for a revoked key, one signed with the wrong key — next to real sign-ins.

* ``API_ROUTES`` and ``PAGE_ROUTES`` are the one table of who may call what: the lowest role,
  and whether a key shared for one case (``clearway case share``) reaches the route for its case.
  ``test_every_route_is_in_the_table`` enumerates the app's routes (and the running server's
  OpenAPI document) and fails on any route missing from the table, so a new endpoint cannot
  escape the matrix.
* Each API route is called with no key, a wrong secret, a revoked key (revoked with
  ``clearway keys revoke``), a valid session cookie but no key, a key of each role, and
  case-scoped keys on their own case and on another: 401 without a valid key, 403 for a role
  (or case) that may not, anything else — 200, or a 4xx about the harmless body sent — when
  admitted. A body that is not JSON gets the same 401/403 before any 422.
* Each page is fetched signed out, with only an API key header, with an expired, a tampered
  and a revoked-key session, signed in with a key of each role, with a password, and with the
  case-scoped keys: signed-out callers are sent to the sign-in page, a role that may not gets 403.
* Afterwards, no key, password or session cookie used appears in the server's log, the audit
  export, or any file of the data directory.
"""

from __future__ import annotations

import dataclasses
import json
import re
import secrets
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Iterator

import httpx
import pytest

from service_support import ROLES, Cli, Server, clean_env, key_id, key_secret, launch_server

RANK = {r: i for i, r in enumerate(ROLES)}
HUAWEI_ID = "csl:30947"
SIGNING_KEY = "authz-matrix-" + secrets.token_urlsafe(24)
PASSWORD = "matrix-correct-horse-" + secrets.token_hex(4)
USERNAME = "matrix.pat"
CSRF_MESSAGE = "missing security token"
SECURITY_HEADERS = ("content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy")


# -- the table -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    role: str | None  # the lowest role admitted; None: open to everyone
    case: bool = False  # a key shared for the case in the path is admitted too (its role permitting)
    request: dict[str, Any] = field(default_factory=dict)  # a harmless request: params, json, data (pages: form)
    path: str | None = None  # the path to call, when the route's own path is not callable as written


OPEN = Rule(None)
YENTE = {"queries": {"q": {"schema": "Company", "properties": {"name": ["Huawei Technologies"]}}}}

API_ROUTES: dict[tuple[str, str], Rule] = {
    # Operations and documentation: open.
    ("GET", "/healthz"): OPEN,
    ("GET", "/readyz"): OPEN,
    ("GET", "/openapi.json"): OPEN,
    ("GET", "/docs"): OPEN,
    ("GET", "/docs/oauth2-redirect"): OPEN,
    ("GET", "/redoc"): OPEN,
    ("GET", "/metrics"): Rule("viewer"),
    # Viewer: lists, entities, alerts, cases.
    ("GET", "/v1/lists"): Rule("viewer"),
    ("GET", "/v1/entities/{entity_id}"): Rule("viewer"),
    ("GET", "/v1/alerts"): Rule("viewer"),
    ("GET", "/v1/cases"): Rule("viewer"),
    ("GET", "/v1/cases/{case_id}"): Rule("viewer", case=True),
    ("GET", "/v1/cases/{case_id}/report"): Rule("viewer", case=True, request={"params": {"format": "md"}}),
    # Analyst: screening, creating and re-vetting cases.
    ("POST", "/v1/screen"): Rule("analyst", request={"json": {"queries": [{"name": "Huawei"}]}}),
    ("GET", "/v1/compare"): Rule("analyst", request={"params": {"a": "Huawei", "b": "华为"}}),
    ("POST", "/match/{dataset}"): Rule("analyst", request={"json": YENTE}),
    ("GET", "/reconcile"): Rule("analyst"),
    ("POST", "/reconcile"): Rule("analyst", request={"data": {"queries": json.dumps({"q": {"query": "Huawei"}})}}),
    ("POST", "/v1/cases"): Rule("analyst", request={"json": {"title": "no parties"}}),  # admitted: 422
    ("POST", "/v1/cases/{case_id}/vet"): Rule("analyst", case=True),
    # Reviewer: adjudicate, comment, share.
    ("POST", "/v1/cases/{case_id}/decisions"): Rule("reviewer", case=True, request={"json": {
        "party": 99, "entity_id": HUAWEI_ID, "decision": "false-positive", "reason": "matrix"}}),  # admitted: 422
    ("POST", "/v1/cases/{case_id}/comments"): Rule("reviewer", case=True, request={"json": {"text": "matrix"}}),
    ("POST", "/v1/cases/{case_id}/share"): Rule("reviewer", request={"json": {"role": "admin"}}),  # admitted: 422
    # Admin: keys.
    ("GET", "/v1/keys"): Rule("admin"),
    ("POST", "/v1/keys"): Rule("admin", request={"json": {"role": "nobody"}}),  # admitted: 422
    ("DELETE", "/v1/keys/{key_id}"): Rule("admin"),  # admitted: 404 (no such key)
}

PAGE_ROUTES: dict[tuple[str, str], Rule] = {
    # Open: the start page, signing in and out, the language switch, static files.
    ("GET", "/"): OPEN,
    ("GET", "/signin"): OPEN,
    ("POST", "/signin"): Rule(None, request={"data": {"method": "key", "api_key": "<viewer-key>"}}),
    ("POST", "/signout"): OPEN,
    ("GET", "/lang/{code}"): OPEN,
    ("GET", "/static"): Rule(None, path="/static/clearway.css"),
    # Analyst: search, compare, batches, creating and re-vetting cases.
    ("GET", "/search"): Rule("analyst"),
    ("GET", "/search/results"): Rule("analyst", request={"params": {"q": "Huawei"}}),
    ("GET", "/compare"): Rule("analyst"),
    ("POST", "/cases"): Rule("analyst", request={"data": {"title": ""}}),  # admitted: 422
    ("POST", "/cases/{case_id}/vet"): Rule("analyst", case=True),
    ("GET", "/batch"): Rule("analyst"),
    ("POST", "/batch"): Rule("analyst"),  # no file: 422
    ("GET", "/batch/{job_id}"): Rule("analyst"),  # no such job: 404
    ("GET", "/batch/{job_id}/status"): Rule("analyst"),
    ("GET", "/batch/{job_id}/download/{what}"): Rule("analyst"),
    # Viewer: cases, lists, the landscape.
    ("GET", "/cases"): Rule("viewer"),
    ("GET", "/cases/{case_id}"): Rule("viewer", case=True),
    ("GET", "/cases/{case_id}/report.{fmt}"): Rule("viewer", case=True),
    ("GET", "/lists"): Rule("viewer"),
    ("GET", "/lists/diff/{source}"): Rule("viewer"),  # no such source: 404
    ("GET", "/landscape"): Rule("viewer"),
    ("GET", "/landscape/data.json"): Rule("viewer"),
    # Reviewer: adjudicate and comment.
    ("POST", "/cases/{case_id}/decisions"): Rule("reviewer", case=True, request={"data": {
        "party": "99", "entity_id": HUAWEI_ID, "decision": "false-positive", "reason": "matrix"}}),  # admitted: 422
    ("POST", "/cases/{case_id}/comments"): Rule("reviewer", case=True, request={"data": {"text": ""}}),  # 422
}

PATH_VALUES = {"entity_id": HUAWEI_ID, "key_id": "000000000000", "dataset": "default", "case_id": "<case>",
               "code": "zh", "fmt": "md", "job_id": "0" * 16, "what": "output", "source": "no-such-source"}


def app_routes() -> set[tuple[str, str]]:
    """(method, path) of every route the app serves, mounts included (as GET)."""
    import logging

    from fastapi import routing

    from clearway.api.app import create_app

    # create_app() sets up the service's logging; leave the test process's as it was.
    logger = logging.getLogger("clearway")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    try:
        app = create_app()
    finally:
        logger.handlers[:], logger.level, logger.propagate = saved
    flatten = getattr(routing, "iter_route_contexts", None)  # newer FastAPI nests included routers
    out = set()
    for route in (flatten(app.routes) if flatten else app.routes):
        for method in (getattr(route, "methods", None) or {"GET"}):
            if method != "HEAD":
                out.add((method, route.path))
    return out


# -- callers ---------------------------------------------------------------------------------

@dataclass
class Caller:
    name: str
    role: str | None = None  # the role admitted for this caller; None: no valid key or session
    scoped: bool = False  # a key shared for case A
    other_case: bool = False  # ... calling about case B
    headers: dict[str, str] = field(default_factory=dict)
    cookie: str | None = None
    session_ok: bool = False  # the cookie is a valid, unexpired session (its CSRF token counts)
    csrf: str = ""


@dataclass
class Matrix:
    server: Server
    client: httpx.Client
    case_a: str
    case_b: str
    api: list[Caller]
    pages: list[Caller]
    secrets: list[str]  # every key, password and session cookie used: none may leak
    cases: int = 0
    requests: int = 0


def forge(payload: dict[str, Any], key: str = SIGNING_KEY) -> str:
    from clearway.web.auth import sign

    return sign(payload, key=key.encode())


def csrf_of(cookie: str) -> str:
    from clearway.web.auth import unsign

    doc = unsign(cookie, key=SIGNING_KEY.encode())
    return doc["csrf"] if doc else ""


def sign_in(base_url: str, **form: str) -> str:
    """A session cookie from the sign-in form, as a browser gets it."""
    with httpx.Client(base_url=base_url, timeout=30) as c:
        c.get("/signin")
        r = c.post("/signin", data={"csrf_token": csrf_of(c.cookies["cw_session"]), **form})
        assert r.status_code == 303 and not r.headers["location"].startswith("/signin"), (r.status_code, r.text[:300])
        return c.cookies["cw_session"]


def _create_user_and_sign_in(server: Server) -> str:
    run = subprocess.run([sys.executable, "-m", "clearway", "users", "create", "--username", USERNAME,
                          "--role", "reviewer", "--password-stdin", "--db", server.db_url],
                         input=(PASSWORD + "\n").encode(), capture_output=True, env=clean_env(server.home), timeout=120)
    assert run.returncode == 0, run.stderr.decode()
    return sign_in(server.base_url, method="password", username=USERNAME, password=PASSWORD)


def _revoked_key(server: Server, http: httpx.Client) -> str:
    """A key made with the API and revoked with the CLI before the server ever saw it used."""
    r = http.post("/v1/keys", json={"role": "admin", "name": "revoked before use"}, headers=server.headers("admin"))
    assert r.status_code == 201, r.text
    key = r.json()["key"]
    run = Cli(server.home)("keys", "revoke", key_id(key), "--db", server.db_url)
    assert run.returncode == 0 and "revoked" in run.stdout, run.stderr
    return key


CASE = {"title": "Authorisation matrix", "activities": ["publish-openly"],
        "parties": [{"name": "Example University", "country": "US", "role": "lead"}]}


def session_payload(sub: str | None, exp: float) -> dict[str, Any]:
    return {"v": 1, "sub": sub, "csrf": secrets.token_urlsafe(24), "exp": int(exp)}


@pytest.fixture(scope="module")
def matrix(tmp_path_factory) -> Iterator[Matrix]:
    home = tmp_path_factory.mktemp("authz")
    # The admin key comes from the CLI (it creates the database); the others from the API.
    srv = launch_server("authz", f"sqlite:///{home / 'authz.db'}", home, ("admin",), CLEARWAY_RATE_LIMIT="100000",
                        CLEARWAY_SECRET_KEY=SIGNING_KEY, CLEARWAY_RELOAD_SECONDS="0")
    try:
        with ThreadPoolExecutor(4) as pool, httpx.Client(base_url=srv.base_url, timeout=60) as http:
            revoked_f = pool.submit(_revoked_key, srv, http)
            user_f = pool.submit(_create_user_and_sign_in, srv)
            for role in ROLES[:-1]:
                r = http.post("/v1/keys", json={"role": role, "name": f"matrix {role}"}, headers=srv.headers("admin"))
                assert r.status_code == 201, r.text
                srv.keys[role] = r.json()["key"]
            cases = []
            for title in ("A", "B"):
                r = http.post("/v1/cases", json={**CASE, "title": f"Authorisation matrix {title}"},
                              headers=srv.headers("analyst"))
                assert r.status_code == 201, r.text
                cases.append(r.json()["id"])
            case_a, case_b = cases
            shared = {}
            for role in ("viewer", "reviewer"):
                r = http.post(f"/v1/cases/{case_a}/share", json={"role": role, "name": f"matrix {role}"},
                              headers=srv.headers("reviewer"))
                assert r.status_code == 201, r.text
                shared[role] = r.json()["key"]
            signing_in = {name: pool.submit(sign_in, srv.base_url, method="key", api_key=key)
                          for name, key in [*srv.keys.items(), *[(f"case-{r}", k) for r, k in shared.items()]]}
            sessions = {name: f.result() for name, f in signing_in.items()}
            sessions["user"] = user_f.result()
            revoked = revoked_f.result()

        admin_id = srv.key_id("admin")
        wrong = f"cw_{admin_id}_" + "B" * 43
        later, earlier = time.time() + 3600, time.time() - 60
        anonymous = forge(session_payload(None, later))
        expired = forge(session_payload(f"key:{admin_id}", earlier))
        tampered = forge(session_payload(f"key:{admin_id}", later), key="not-the-server-key")
        of_revoked = forge(session_payload(f"key:{key_id(revoked)}", later))

        def bearer(key: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {key}"}

        api = [
            Caller("no key"),
            Caller("wrong secret", headers={"X-API-Key": wrong}),
            Caller("revoked key", headers=bearer(revoked)),
            Caller("session cookie, no key", cookie=sessions["admin"]),
            *[Caller(role, role=role, headers=bearer(srv.keys[role])) for role in ROLES],
            Caller("case viewer key", role="viewer", scoped=True, headers=bearer(shared["viewer"])),
            Caller("case reviewer key", role="reviewer", scoped=True, headers=bearer(shared["reviewer"])),
            Caller("case reviewer key, other case", role="reviewer", scoped=True, other_case=True,
                   headers={"X-API-Key": shared["reviewer"]}),
        ]

        def session(name: str, cookie: str, role: str | None, ok: bool = True, **kw: Any) -> Caller:
            return Caller(name, role=role, cookie=cookie, session_ok=ok, csrf=csrf_of(cookie), **kw)

        pages = [
            session("signed out", anonymous, None),
            Caller("API key header, no session", headers=bearer(srv.keys["admin"])),
            session("expired session", expired, None, ok=False),
            session("session signed with another key", tampered, None, ok=False),
            session("session of a revoked key", of_revoked, None),
            *[session(f"{role} key", sessions[role], role) for role in ROLES],
            session("reviewer with password", sessions["user"], "reviewer"),
            session("case viewer key", sessions["case-viewer"], "viewer", scoped=True),
            session("case reviewer key", sessions["case-reviewer"], "reviewer", scoped=True),
            session("case reviewer key, other case", sessions["case-reviewer"], "reviewer", scoped=True,
                    other_case=True),
        ]
        used = [*srv.keys.values(), *shared.values(), revoked, wrong, PASSWORD, SIGNING_KEY, *sessions.values(),
                expired, of_revoked]
        srv.secrets_seen.extend(used)
        with httpx.Client(base_url=srv.base_url, timeout=60) as client:
            yield Matrix(srv, client, case_a, case_b, api, pages, used)
    finally:
        srv.stop()


# -- one route × every caller ----------------------------------------------------------------

def expected(rule: Rule, caller: Caller, page: bool, method: str) -> str:
    if rule.role is None:
        # Open, but a form post needs the CSRF token of a live session (signing in and out too).
        return "csrf" if page and method == "POST" and not caller.session_ok else "admitted"
    if caller.role is None:
        return "sign-in" if page else "401"
    if caller.scoped and (not rule.case or caller.other_case):
        return "403"
    return "admitted" if RANK[caller.role] >= RANK[rule.role] else "403"


def outcome(resp: httpx.Response, page: bool) -> str:
    status = resp.status_code
    if status >= 500:
        return f"error {status}"
    if status == 401:
        return "401"
    if status == 403:
        return "csrf" if page and CSRF_MESSAGE in resp.text else "403"
    if page and status in (302, 303, 307) and resp.headers.get("location", "").startswith("/signin"):
        return "sign-in"
    return "admitted"


def call(m: Matrix, method: str, route: str, rule: Rule, caller: Caller, page: bool) -> httpx.Response:
    path = rule.path or route
    for name, value in PATH_VALUES.items():
        path = path.replace("{" + name + "}", value)
    path = path.replace("<case>", m.case_b if caller.other_case else m.case_a)
    kw: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in rule.request.items()}
    headers = dict(caller.headers)
    if caller.cookie:
        headers["Cookie"] = f"cw_session={caller.cookie}"
    if page and method == "POST":
        form = {k: v.replace("<viewer-key>", m.server.keys["viewer"]) for k, v in kw.pop("data", {}).items()}
        kw["data"] = {**form, "csrf_token": caller.csrf}
    resp = m.client.request(method, path, headers=headers, **kw)
    m.client.cookies.clear()  # each caller sends its own cookie; nothing carries over
    m.requests += 1
    return resp


def check_route(m: Matrix, method: str, route: str, rule: Rule, page: bool) -> None:
    wrong = []
    for caller in (m.pages if page else m.api):
        resp = call(m, method, route, rule, caller, page)
        want, got = expected(rule, caller, page, method), outcome(resp, page)
        if got == "sign-in" and rule.role is None:
            got = "admitted"  # the open start page sends a signed-out visitor to sign in
        if want != got:
            wrong.append(f"{caller.name}: expected {want}, got {resp.status_code} {got}: {resp.text[:160]!r}")
        missing = [h for h in SECURITY_HEADERS if h not in resp.headers]
        if missing:
            wrong.append(f"{caller.name}: {resp.status_code} without {missing}")
        if not page and got == "401":
            assert resp.json()["error"]["status"] == 401 and resp.headers.get("www-authenticate") == "Bearer"
        if not page and got == "403":
            assert re.search(r"needs the \w+ role|limited to case", resp.json()["error"]["detail"]), resp.text
        m.cases += 1
    assert not wrong, f"{method} {route}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("method,route", list(API_ROUTES), ids=[f"{m} {p}" for m, p in API_ROUTES])
def test_api_route(matrix, method, route):
    check_route(matrix, method, route, API_ROUTES[(method, route)], page=False)


@pytest.mark.parametrize("method,route", list(PAGE_ROUTES), ids=[f"{m} {p}" for m, p in PAGE_ROUTES])
def test_page_route(matrix, method, route):
    check_route(matrix, method, route, PAGE_ROUTES[(method, route)], page=True)


JSON_ROUTES = [(m, p) for (m, p), rule in API_ROUTES.items() if "json" in rule.request]


@pytest.mark.parametrize("method,route", JSON_ROUTES, ids=[f"{m} {p}" for m, p in JSON_ROUTES])
def test_a_body_that_is_not_json_is_judged_after_the_key_and_role(matrix, method, route):
    """FastAPI reads a JSON body before any dependency runs; the refusal still comes in the
    order 401, 403, then 422 — a caller that may not call the route learns nothing of its body."""
    rule = API_ROUTES[(method, route)]
    not_json = dataclasses.replace(rule, request={"content": b'{"queries": ['})
    wrong = []
    for caller in matrix.api:
        sent = dataclasses.replace(caller, headers={**caller.headers, "Content-Type": "application/json"})
        resp = call(matrix, method, route, not_json, sent, page=False)
        want = {"401": 401, "403": 403, "admitted": 422}[expected(rule, caller, False, method)]
        if resp.status_code != want:
            wrong.append(f"{caller.name}: expected {want}, got {resp.status_code}: {resp.text[:160]!r}")
        elif want == 422:
            assert resp.json()["error"]["field"] == "body", resp.text
    assert not wrong, f"{method} {route}:\n" + "\n".join(wrong)


def test_every_route_is_in_the_table(matrix):
    from clearway import web

    served = app_routes()
    table = set(API_ROUTES) | set(PAGE_ROUTES)
    assert not served - table, f"routes missing from the authorisation table: {sorted(served - table)}"
    assert not table - served, f"routes in the table the app no longer serves: {sorted(table - served)}"
    # The session middleware reads cookies on page paths only: a page listed as API (or the
    # reverse) would be checked against the wrong kind of credential.
    for method, path in PAGE_ROUTES:
        assert web.is_page(path) or path == "/static", path
    for method, path in API_ROUTES:
        assert not web.is_page(path), path
    # The running server publishes the same API.
    spec = matrix.client.get("/openapi.json").json()
    published = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    assert published <= set(API_ROUTES), sorted(published - set(API_ROUTES))


def test_a_session_is_refused_because_it_expired(matrix):
    """The expired session of the matrix differs from an admitted one only in its expiry."""
    m = matrix
    sub = f"key:{m.server.key_id('admin')}"
    for exp, admitted in ((time.time() + 3600, True), (time.time() - 1, False)):
        r = m.client.get("/cases", headers={"Cookie": f"cw_session={forge(session_payload(sub, exp))}"})
        m.client.cookies.clear()
        assert (r.status_code == 200) is admitted, (exp, r.status_code)
        if not admitted:
            assert r.status_code == 303 and r.headers["location"] == "/signin?next=/cases"
            # ... and the browser is given a fresh, signed-out session in its place.
            assert "cw_session=" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]


def test_script_requests_signed_out_get_401_not_a_redirect(matrix):
    """The search page's script polls results; signed out, it is told so (401) rather than
    being redirected to an HTML sign-in page it cannot show."""
    r = matrix.client.get("/search/results", params={"q": "Huawei"}, headers={"X-Requested-With": "fetch"})
    matrix.client.cookies.clear()
    assert r.status_code == 401 and "text/html" in r.headers["content-type"]


def test_no_key_password_or_session_in_logs_or_audit_trail(matrix):
    m = matrix
    srv = m.server
    # A failed password sign-in with the password typed into the username box: the trail
    # records the refusal without repeating what was typed.
    with httpx.Client(base_url=srv.base_url, timeout=30) as c:
        c.get("/signin")
        r = c.post("/signin", data={"csrf_token": csrf_of(c.cookies["cw_session"]), "method": "password",
                                    "username": PASSWORD, "password": USERNAME})
        assert r.status_code == 401
        r = c.post("/signin", data={"csrf_token": csrf_of(c.cookies["cw_session"]), "method": "password",
                                    "username": USERNAME, "password": PASSWORD + "-wrong"})
        assert r.status_code == 401
    m.secrets.append(PASSWORD + "-wrong")
    export = Cli(srv.home)("audit", "export", "--db", srv.db_url)
    assert export.returncode == 0, export.stderr
    records = [json.loads(line) for line in export.stdout.splitlines()]
    # The trail is the real one: it names the keys, the user and the refusals by id.
    actors = {r["actor"] for r in records}
    assert {srv.key_id(role) for role in ("analyst", "reviewer")} <= actors and f"user:{USERNAME}" in actors
    reasons = [r["payload"].get("reason", "") for r in records if r["kind"] == "refusal"]
    assert "web sign-in failed (an unknown username)" in reasons
    assert f"web sign-in failed (username {USERNAME!r})" in reasons
    log = srv.log_text()
    assert log.count('"event": "request"') >= m.requests  # every matrix request was logged
    assert srv.key_id("admin") in log  # key ids may appear, and do
    files = {p: p.read_bytes() for p in srv.home.rglob("*") if p.is_file()}
    assert any(p.suffix == ".db" for p in files) and any(p.suffix == ".log" for p in files)
    leaks = []
    for secret in m.secrets:
        parts = [secret]
        if re.fullmatch(r"cw_[0-9a-f]{12}_.+", secret):
            parts.append(key_secret(secret))  # the secret part alone must not appear either
        for part in parts:
            if part in export.stdout:
                leaks.append(f"audit export holds {part[:12]}…")
            for path, data in files.items():
                if part.encode() in data:
                    leaks.append(f"{path.name} holds {part[:12]}…")
    assert not leaks, leaks
