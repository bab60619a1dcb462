"""The limits, at their edges: exactly at a limit is accepted, one over is refused with a clear
4xx that names the limit — over real HTTP against a ``clearway serve`` with small limits.

The server of this module runs with ``CLEARWAY_MAX_BODY=1100000`` (room for a case file of the
fixed 1,000,000-byte limit plus its form), ``CLEARWAY_MAX_BATCH=10`` and ``CLEARWAY_RATE_LIMIT=20``;
each test takes fresh keys, so one test's requests do not spend another's allowance. What
``tests/service/test_api.py`` covers already (over-limit bodies and batches at the defaults,
the 429 of the API) is not repeated: here are the boundaries, the other endpoints, the pages,
and the README's table of limits.
"""

from __future__ import annotations

import json
import math
import re
import time
from contextlib import closing
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from service_support import Server, launch_server

MAX_BODY = 1_100_000
MAX_BATCH = 10
RATE = 20
MAX_NAME = 1000  # clearway.screen.MAX_NAME_LENGTH: fixed
MAX_CASE_FILE = 1_000_000  # clearway.web.cases.MAX_CASE_FILE: fixed
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(scope="module")
def srv(tmp_path_factory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("limits")
    server = launch_server("limits", f"sqlite:///{home / 'limits.db'}", home, ("admin",),
                           CLEARWAY_MAX_BODY=str(MAX_BODY), CLEARWAY_MAX_BATCH=str(MAX_BATCH),
                           CLEARWAY_RATE_LIMIT=str(RATE), CLEARWAY_RELOAD_SECONDS="0")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def http(srv) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=srv.base_url, timeout=60) as client:
        yield client


def new_key(http: httpx.Client, srv: Server, role: str = "analyst") -> dict[str, str]:
    r = http.post("/v1/keys", json={"role": role, "name": f"limits {role}"}, headers=srv.headers("admin"))
    assert r.status_code == 201, r.text
    srv.secrets_seen.append(r.json()["key"])
    return {"Authorization": f"Bearer {r.json()['key']}"}


def error_of(resp: httpx.Response, status: int) -> dict:
    assert resp.status_code == status, (resp.status_code, resp.text[:300])
    assert resp.headers["content-type"].startswith("application/json")
    err = resp.json()["error"]
    assert err["status"] == status and err["detail"] and "Traceback" not in resp.text
    return err


def csrf_in(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def signed_in(srv: Server, auth: dict[str, str], form_page: str | None = "/cases") -> tuple[httpx.Client, str]:
    """A client signed in on the pages with the key in ``auth``, and the CSRF token of its
    session (read from the form on ``form_page``: one request against the key's allowance)."""
    c = httpx.Client(base_url=srv.base_url, timeout=60)
    token = csrf_in(c.get("/signin").text)
    r = c.post("/signin", data={"csrf_token": token, "method": "key", "api_key": auth["Authorization"][7:]})
    assert r.status_code == 303 and not r.headers["location"].startswith("/signin"), r.text[:300]
    return c, csrf_in(c.get(form_page).text) if form_page else ""


def upload(c: httpx.Client, path: str, fields: dict[str, str], field: str, filename: str, content: bytes,
           total: int | None = None) -> httpx.Response:
    """POST a multipart form; with ``total``, the file is padded (by the caller's ``content``
    builder) so that the whole body is exactly ``total`` bytes — checked here."""
    req = c.build_request("POST", path, data=fields, files={field: (filename, content, "application/octet-stream")})
    if total is not None:
        assert int(req.headers["content-length"]) == total, (req.headers["content-length"], total)
    return c.send(req)


def multipart_overhead(c: httpx.Client, fields: dict[str, str], field: str, filename: str) -> int:
    req = c.build_request("POST", "/", data=fields, files={field: (filename, b"", "application/octet-stream")})
    return int(req.headers["content-length"])


def audit_refusals(srv: Server) -> list:
    st = srv.open_store()
    try:
        return [r for r in st.records() if r.kind == "refusal"]
    finally:
        st.close()


# -- request body ----------------------------------------------------------------------------

def padded_screen_body(size: int) -> bytes:
    """A valid screening request of exactly ``size`` bytes (JSON allows trailing whitespace)."""
    body = json.dumps({"queries": [{"name": "Huawei Technologies"}]}).encode()
    return body + b" " * (size - len(body))


def test_request_body_exactly_at_the_limit_is_accepted_one_byte_over_is_413(http, srv):
    h = {**new_key(http, srv), "Content-Type": "application/json"}
    at = http.post("/v1/screen", content=padded_screen_body(MAX_BODY), headers=h)
    assert at.status_code == 200, at.text[:300]
    assert at.json()["results"][0]["matches"]
    err = error_of(http.post("/v1/screen", content=padded_screen_body(MAX_BODY + 1), headers=h), 413)
    assert err["field"] == "body" and f"{MAX_BODY} bytes" in err["detail"]

    # Chunked (no Content-Length): counted as it arrives, with the same edge.
    def chunks(size: int):
        body = padded_screen_body(size)
        for i in range(0, len(body), 64_000):
            yield body[i:i + 64_000]

    assert http.post("/v1/screen", content=chunks(MAX_BODY), headers=h).status_code == 200
    err = error_of(http.post("/v1/screen", content=chunks(MAX_BODY + 1), headers=h), 413)
    assert err["field"] == "body"
    # Every other POST route is guarded the same way, before the handler (or the key) is looked at.
    for path in ("/match/default", "/reconcile", "/v1/cases", "/v1/keys"):
        error_of(http.post(path, content=b" " * (MAX_BODY + 1), headers={"Content-Type": "application/json"}), 413)
    # The refusals are in the request log like any request, and in the audit trail.
    time.sleep(0.2)
    logged = [json.loads(ln) for ln in srv.log_text().splitlines() if ln.startswith("{")]
    assert sum(1 for e in logged if e.get("event") == "request" and e["status"] == 413) >= 6
    assert sum(1 for r in audit_refusals(srv) if r.payload["status"] == 413) >= 6


# -- batch size ------------------------------------------------------------------------------

def test_batch_size_at_the_limit_is_accepted_one_over_is_413_on_every_batch_endpoint(http, srv):
    h = new_key(http, srv)

    def screen(n: int) -> httpx.Response:
        return http.post("/v1/screen", json={"queries": [{"name": f"Huawei {i}"} for i in range(n)]}, headers=h)

    def match(n: int) -> httpx.Response:
        return http.post("/match/default", headers=h, json={"queries": {
            f"q{i}": {"schema": "Company", "properties": {"name": [f"Huawei {i}"]}} for i in range(n)}})

    def reconcile(n: int) -> httpx.Response:
        queries = json.dumps({f"q{i}": {"query": f"Huawei {i}"} for i in range(n)})
        return http.post("/reconcile", data={"queries": queries}, headers=h)

    for name, send in (("screen", screen), ("match", match), ("reconcile", reconcile)):
        at = send(MAX_BATCH)
        assert at.status_code == 200, (name, at.text[:300])
        body = at.json()
        answered = {"screen": lambda: body["results"], "match": lambda: body["responses"], "reconcile": lambda: body}
        assert len(answered[name]()) == MAX_BATCH, name
        err = error_of(send(MAX_BATCH + 1), 413)
        assert err["field"] == "queries" and str(MAX_BATCH) in err["detail"], (name, err)
    # OpenRefine sends what the manifest announces: never more than the service accepts.
    manifest = http.get("/reconcile", headers=h).json()
    assert manifest["batchSize"] == MAX_BATCH


# -- name length -----------------------------------------------------------------------------

def test_names_of_1000_characters_are_accepted_1001_refused_naming_the_field(http, srv):
    h = new_key(http, srv)
    at = ("Huawei Technologies Co Ltd " * 40)[:MAX_NAME - 1] + "X"
    over = at + "Y"
    assert len(at) == MAX_NAME and len(over) == MAX_NAME + 1

    r = http.post("/v1/screen", json={"queries": [{"name": at}]}, headers=h)
    assert r.status_code == 200, r.text[:300]
    err = error_of(http.post("/v1/screen", json={"queries": [{"name": over}]}, headers=h), 422)
    assert err["field"] == "queries.0.name" and "1000" in err["detail"]

    r = http.post("/match/default", json={"queries": {"q": {"properties": {"name": [at]}}}}, headers=h)
    assert r.status_code == 200, r.text[:300]
    err = error_of(http.post("/match/default", json={"queries": {"q": {"properties": {"name": [over]}}}}, headers=h), 422)
    assert err["field"] == "queries.q.properties.name" and "1000" in err["detail"]

    r = http.post("/reconcile", data={"queries": json.dumps({"q": {"query": at}})}, headers=h)
    assert r.status_code == 200, r.text[:300]
    err = error_of(http.post("/reconcile", data={"queries": json.dumps({"q": {"query": over}})}, headers=h), 422)
    assert err["field"] == "queries.q.query" and "1000" in err["detail"]

    # Characters, not bytes: 1,000 Chinese characters (3,000 bytes of UTF-8) are one name.
    han = ("华为技术有限公司" * 125)[:MAX_NAME]
    assert http.get("/v1/compare", params={"a": han, "b": "华为"}, headers=h).status_code == 200
    err = error_of(http.get("/v1/compare", params={"a": han + "司", "b": "华为"}, headers=h), 422)
    assert err["field"] == "a"


def test_the_search_page_refuses_an_over_long_name_with_the_limit(http, srv):
    c, _ = signed_in(srv, new_key(http, srv))
    with closing(c):
        at = ("Huawei Technologies " * 50)[:MAX_NAME - 1] + "X"
        r = c.get("/search/results", params={"q": at})
        assert r.status_code == 200 and "the limit is" not in r.text
        r = c.get("/search/results", params={"q": at + "Y"})
        assert r.status_code == 200 and "the limit is 1,000" in r.text


# -- rate limit ------------------------------------------------------------------------------

def test_rate_limit_per_key_shared_by_api_and_pages_with_a_usable_retry_after(http, srv):
    h = new_key(http, srv, "viewer")
    c, _ = signed_in(srv, h, form_page=None)  # signing in is not counted; pages are
    with closing(c):
        started = time.monotonic()
        codes = []
        while len(codes) < 3 * RATE and (not codes or codes[-1] != 429):
            codes.append(http.get("/v1/lists", headers=h).status_code)
        elapsed = time.monotonic() - started
        first_refusal = codes.index(429)
        # A full bucket admits RATE at once, plus what refilled meanwhile (RATE a minute).
        assert RATE <= first_refusal <= RATE + math.floor(elapsed * RATE / 60) + 1, (codes, elapsed)
        assert set(codes[:first_refusal]) == {200}
        limited = http.get("/v1/lists", headers=h)
        err = error_of(limited, 429)
        assert f"{RATE} requests a minute" in err["detail"]
        retry = int(limited.headers["retry-after"])
        assert 1 <= retry <= math.ceil(60 / RATE)
        # The pages count against the same allowance: the signed-in key is refused there too.
        page = c.get("/cases")
        assert page.status_code == 429 and page.headers["content-type"].startswith("text/html")
        assert int(page.headers["retry-after"]) >= 1
        # Another key is not affected; health checks are never limited.
        assert http.get("/v1/lists", headers=new_key(http, srv, "viewer")).status_code == 200
        assert http.get("/healthz").status_code == 200
        # Waiting as long as Retry-After says is enough.
        time.sleep(int(http.get("/v1/lists", headers=h).headers.get("retry-after", retry)))
        assert http.get("/v1/lists", headers=h).status_code == 200


# -- the pages: batch uploads and case files -------------------------------------------------

def csv_of_size(size: int) -> bytes:
    """A CSV of names of exactly ``size`` bytes (every row the same name: screened once)."""
    head, row = b"name,note\n", b"Huawei Technologies," + b"x" * 980 + b"\n"
    n = (size - len(head)) // len(row) - 1
    rest = size - len(head) - n * len(row) - len(b"Huawei Technologies,\n")
    out = head + row * n + b"Huawei Technologies," + b"x" * rest + b"\n"
    assert len(out) == size
    return out


def test_batch_page_upload_at_the_body_limit_is_accepted_one_byte_over_is_a_413_page(http, srv):
    c, token = signed_in(srv, new_key(http, srv))
    with closing(c):
        page = c.get("/batch")
        assert "at most 1.1 MB" in page.text  # the limit is stated where the file is chosen
        fields = {"csrf_token": token, "name_col": "name"}
        overhead = multipart_overhead(c, fields, "file", "names.csv")
        at = upload(c, "/batch", fields, "file", "names.csv", csv_of_size(MAX_BODY - overhead), total=MAX_BODY)
        assert at.status_code == 303 and re.fullmatch(r"/batch/[0-9a-f]{16}", at.headers["location"]), at.text[:300]
        before = len(audit_refusals(srv))
        over = upload(c, "/batch", fields, "file", "names.csv", csv_of_size(MAX_BODY - overhead + 1),
                      total=MAX_BODY + 1)
        # A page, not JSON: the browser shows what went wrong and the limit.
        assert over.status_code == 413 and over.headers["content-type"].startswith("text/html")
        assert "at most 1.1 MB" in over.text and "<h1>" in over.text
        assert over.headers["x-content-type-options"] == "nosniff" and "frame-ancestors 'none'" in \
            over.headers["content-security-policy"]
        new = audit_refusals(srv)[before:]
        assert [(r.payload["channel"], r.payload["status"]) for r in new] == [("POST /batch", 413)]


def case_file_of_size(size: int) -> bytes:
    case = ("title: Case file at the size limit\nactivities: [publish-openly]\n"
            "parties:\n  - {name: Example University, country: US, role: lead}\n").encode()
    line = b"# " + b"p" * 97 + b"\n"
    n = (size - len(case)) // len(line) - 1
    last = size - len(case) - n * len(line) - len(b"# \n")
    out = case + line * n + b"# " + b"p" * last + b"\n"
    assert len(out) == size
    return out


def test_case_file_of_1_000_000_bytes_is_accepted_one_byte_more_refused(http, srv):
    c, token = signed_in(srv, new_key(http, srv))
    with closing(c):
        fields = {"csrf_token": token}
        at = upload(c, "/cases", fields, "case_file", "big.yaml", case_file_of_size(MAX_CASE_FILE))
        assert at.status_code == 303 and at.headers["location"].startswith("/cases/case_"), at.text[-500:]
        over = upload(c, "/cases", fields, "case_file", "big.yaml", case_file_of_size(MAX_CASE_FILE + 1))
        assert over.status_code == 422
        assert "big.yaml: a case file is at most 1,000,000 bytes" in over.text


# -- documentation ---------------------------------------------------------------------------

def test_every_limit_is_in_the_readme_table_with_its_setting_and_default():
    from clearway.settings import SETTINGS

    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Limits"):]
    section = section[:section.index("\n#", 1)]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[1].startswith("`CLEARWAY_"):
            rows[cells[1].strip("`")] = cells[2]
    defaults = {s.env: s.default for s in SETTINGS}
    for env in ("CLEARWAY_MAX_BODY", "CLEARWAY_MAX_BATCH", "CLEARWAY_RATE_LIMIT", "CLEARWAY_SESSION_HOURS"):
        assert env in rows, f"{env} is not in the README's table of limits"
        documented = re.sub(r"[^\d.]", "", rows[env].split()[0])
        assert documented == defaults[env], (env, rows[env], defaults[env])
    # The fixed limits are stated with the values the code enforces.
    from clearway.screen import MAX_NAME_LENGTH
    from clearway.web.cases import MAX_CASE_FILE as case_file

    assert MAX_NAME_LENGTH == MAX_NAME and case_file == MAX_CASE_FILE
    assert f"{MAX_NAME:,} characters" in section and f"{MAX_CASE_FILE:,} bytes" in section
