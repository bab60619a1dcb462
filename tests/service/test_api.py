"""The HTTP API over real HTTP, against ``clearway serve`` running in a subprocess.

One server (``server`` fixture, SQLite) serves the whole module; a second one with a low rate
limit serves the 429 test, and a third one on PostgreSQL shows the service runs there. Tests
read the audit trail by opening the server's database in the test process (``server_store``),
or with ``clearway audit``.
"""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from service_support import KEY_PATTERN, ROLES, Cli, key_id, key_secret

HUAWEI = "Huawei Technologies Co., Ltd."
HUAWEI_ZH = "华为技术有限公司"
HUAWEI_ID = "csl:30947"
YENTE_HUAWEI = {"queries": {"q1": {"schema": "Company",
                                   "properties": {"name": ["Huawei Technologies"], "country": ["cn"]}}}}


# -- helpers ---------------------------------------------------------------------------------

def error_of(resp: httpx.Response, status: int) -> dict:
    """The JSON error body of a refused request, after checking its status."""
    assert resp.status_code == status, (resp.status_code, resp.text[:500])
    assert resp.headers["content-type"].startswith("application/json"), resp.headers
    body = resp.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert err["status"] == status and isinstance(err["detail"], str) and err["detail"], body
    assert "Traceback" not in resp.text
    return err


def last_seq(store) -> int:
    seq = 0
    for rec in store.records():
        seq = rec.seq
    return seq


def records_after(store, seq: int) -> list:
    return [r for r in store.records() if r.seq > seq]


def screen(http, server, body: dict, role: str = "analyst") -> httpx.Response:
    return http.post("/v1/screen", json=body, headers=server.headers(role))


def metric(text: str, name: str, **labels: str) -> float | None:
    """The sum of the samples of ``name`` whose labels include ``labels``; None when absent."""
    total, found = 0.0, False
    for line in text.splitlines():
        m = re.match(r"^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$", line)
        if not m or m.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            total += float(m.group(3))
            found = True
    return total if found else None


# -- health, keys, roles ---------------------------------------------------------------------

def test_health_and_readiness_need_no_key(http):
    r = http.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    r = http.get("/readyz")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ready" and body["lists"] == "loaded" and body["database"] == "reachable"
    assert body["entities"] > 20000


def _protected(server) -> list[tuple[str, str, dict]]:
    return [
        ("GET", "/v1/lists", {}),
        ("GET", f"/v1/entities/{HUAWEI_ID}", {}),
        ("GET", "/metrics", {}),
        ("POST", "/v1/screen", {"json": {"queries": [{"name": HUAWEI}]}}),
        ("GET", "/v1/compare", {"params": {"a": "Huawei", "b": HUAWEI_ZH}}),
        ("POST", "/match/default", {"json": YENTE_HUAWEI}),
        ("GET", "/reconcile", {}),
        ("POST", "/reconcile", {"data": {"queries": json.dumps({"q0": {"query": HUAWEI}})}}),
        ("GET", "/v1/keys", {}),
        ("POST", "/v1/keys", {"json": {"role": "viewer"}}),
        ("DELETE", f"/v1/keys/{server.key_id('viewer')}", {}),
    ]


def test_every_other_endpoint_needs_a_valid_key(http, server, server_store):
    mark = last_seq(server_store)
    garbage = ["garbage", "cw_000000000000_" + "A" * 43,
               # a real key id with a wrong secret, and a key with its secret cut short
               f"cw_{server.key_id('admin')}_" + "B" * 43, server.keys["admin"][:-1]]
    sent = 0
    for method, path, kw in _protected(server):
        err = error_of(http.request(method, path, **kw), 401)
        assert "API key" in err["detail"]
        sent += 1
        for i, bad in enumerate(garbage):
            headers = {"Authorization": f"Bearer {bad}"} if i % 2 == 0 else {"X-API-Key": bad}
            resp = http.request(method, path, headers=headers, **kw)
            err = error_of(resp, 401)
            assert "unknown or revoked" in err["detail"]
            assert resp.headers.get("www-authenticate") == "Bearer"
            sent += 1
    # The key in the query string counts only for /reconcile (OpenRefine cannot send headers).
    error_of(http.get("/v1/lists", params={"api_key": server.keys["admin"]}), 401)
    error_of(http.post("/v1/screen", params={"api_key": server.keys["admin"]},
                       json={"queries": [{"name": HUAWEI}]}), 401)
    sent += 2
    # Each refusal is in the trail, by an anonymous caller, and nothing else happened.
    new = records_after(server_store, mark)
    assert len(new) == sent and {r.kind for r in new} == {"refusal"}
    assert {r.actor for r in new} == {"anonymous"}
    assert {r.payload["status"] for r in new} == {401}


def test_revoked_keys_are_refused_within_seconds(http, server):
    cli = Cli(server.home)
    by_cli = cli.create_key("analyst", server.db_url, name="to revoke (cli)")
    created = http.post("/v1/keys", json={"role": "analyst", "name": "to revoke (api)"},
                        headers=server.headers("admin"))
    assert created.status_code == 201, created.text
    by_api = created.json()["key"]
    server.secrets_seen += [by_cli, by_api]
    for key in (by_cli, by_api):
        assert http.get("/v1/lists", headers={"X-API-Key": key}).status_code == 200  # now cached

    run = cli("keys", "revoke", key_id(by_cli), "--db", server.db_url)
    assert run.returncode == 0 and f"revoked {key_id(by_cli)}" in run.stdout, run.stderr
    r = http.delete(f"/v1/keys/{key_id(by_api)}", headers=server.headers("admin"))
    assert r.status_code == 200 and r.json()["id"] == key_id(by_api) and r.json()["revoked_at"]
    revoked_at = time.monotonic()

    pending = {by_cli: None, by_api: None}
    while any(v is None for v in pending.values()) and time.monotonic() - revoked_at < 10:
        for key, when in pending.items():
            if when is None and http.get("/v1/lists", headers={"Authorization": f"Bearer {key}"}).status_code == 401:
                pending[key] = time.monotonic() - revoked_at
        time.sleep(0.25)
    assert all(v is not None and v <= 6.5 for v in pending.values()), pending
    # ... and stay refused, on every endpoint.
    error_of(http.post("/v1/screen", json={"queries": [{"name": HUAWEI}]}, headers={"X-API-Key": by_cli}), 401)
    listed = {k["id"]: k for k in http.get("/v1/keys", headers=server.headers("admin")).json()["keys"]}
    assert listed[key_id(by_cli)]["revoked_at"] and listed[key_id(by_api)]["revoked_at"]
    assert listed[server.key_id("analyst")]["revoked_at"] is None


def test_role_matrix(http, server, server_store):
    # A throwaway key for DELETE /v1/keys/{id}.
    spare = http.post("/v1/keys", json={"role": "viewer", "name": "spare"}, headers=server.headers("admin"))
    assert spare.status_code == 201
    server.secrets_seen.append(spare.json()["key"])
    spare_id = spare.json()["id"]
    cases = [
        # method, path, request kwargs, lowest role allowed, success status
        ("GET", "/v1/lists", {}, "viewer", 200),
        ("GET", f"/v1/entities/{HUAWEI_ID}", {}, "viewer", 200),
        ("GET", "/metrics", {}, "viewer", 200),
        ("POST", "/v1/screen", {"json": {"queries": [{"name": HUAWEI}]}}, "analyst", 200),
        ("POST", "/match/default", {"json": YENTE_HUAWEI}, "analyst", 200),
        ("GET", "/reconcile", {}, "analyst", 200),
        ("POST", "/reconcile", {"data": {"queries": json.dumps({"q0": {"query": HUAWEI}})}}, "analyst", 200),
        ("GET", "/v1/compare", {"params": {"a": "Huawei", "b": HUAWEI_ZH}}, "analyst", 200),
        ("GET", "/v1/keys", {}, "admin", 200),
        ("POST", "/v1/keys", {"json": {"role": "viewer", "name": "matrix"}}, "admin", 201),
        ("DELETE", f"/v1/keys/{spare_id}", {}, "admin", 200),
    ]
    rank = {r: i for i, r in enumerate(ROLES)}
    mark = last_seq(server_store)
    forbidden = 0
    got = {}
    for method, path, kw, lowest, ok in cases:
        for role in ROLES:
            for style in ("bearer", "x-api-key"):
                resp = http.request(method, path, headers=server.headers(role, style), **kw)
                got[(method, path, role, style)] = resp.status_code
                if rank[role] >= rank[lowest]:
                    assert resp.status_code == ok, (method, path, role, style, resp.text[:300])
                    if method == "POST" and path == "/v1/keys":
                        new = resp.json()
                        assert re.fullmatch(KEY_PATTERN, new["key"]) and new["role"] == "viewer"
                        server.secrets_seen.append(new["key"])
                else:
                    err = error_of(resp, 403)
                    assert lowest in err["detail"] and role in err["detail"], err
                    forbidden += 1
    # 403s are refusals in the trail, made by the key's id.
    refusals = [r for r in records_after(server_store, mark) if r.kind == "refusal"]
    assert len(refusals) == forbidden
    assert {r.actor for r in refusals} <= {server.key_id(r) for r in ROLES}
    assert {r.payload["status"] for r in refusals} == {403}


# -- screening -------------------------------------------------------------------------------

def test_screen_one_name_shaped_like_the_cli(http, server, tmp_path):
    cli = Cli(tmp_path / "home")
    with ThreadPoolExecutor(1) as pool:  # the CLI loads the lists meanwhile (~3 s)
        cli_run = pool.submit(cli, "screen", HUAWEI, "--json", "--db", f"sqlite:///{tmp_path / 'cli.db'}")
        r = screen(http, server, {"queries": [{"id": "h1", "name": HUAWEI}]})
        assert r.status_code == 200, r.text
        body = r.json()
        run = cli_run.result()
    assert run.returncode == 0, run.stderr
    assert set(body) == {"results", "list_versions"}
    assert len(body["results"]) == 1
    res = body["results"][0]
    assert res["id"] == "h1"
    # Apart from the echoed id, a result is exactly what `clearway screen --json` prints.
    assert {k: v for k, v in res.items() if k != "id"} == json.loads(run.stdout)

    assert res["query"] == {"name": HUAWEI} and res["algorithm"] == "clearway-match/1"
    top = res["matches"][0]
    assert top["id"] == HUAWEI_ID and {"EL", "CMIC", "1260H"} <= set(top["lists"])
    assert "huawei" in top["name"].lower()
    for m in res["matches"]:
        assert 0.0 <= m["score"] <= 1.0 and m["score"] >= res["threshold"]
        assert m["id"] and m["name"] and m["explanation"] and m["explanation_zh"]
        assert m["listings"] and all({"list", "effect", "citation", "entity_id"} <= set(x) for x in m["listings"])
    el = [x for x in top["listings"] if x["list"] == "EL"]
    assert el and el[0]["effect"] and el[0]["citation"]
    lists = http.get("/v1/lists", headers=server.headers("viewer")).json()["lists"]
    assert body["list_versions"] and all(isinstance(v, str) for v in body["list_versions"])
    assert {row["code"] for row in lists} >= {"EL", "SDN", "CN-UEL"}


def test_screen_a_batch_in_english_and_chinese(http, server):
    r = screen(http, server, {"queries": [
        {"id": "en", "name": HUAWEI, "country": "CN", "schema": "Organization"},
        {"id": "zh", "name": HUAWEI_ZH},
        {"name": "Zzyzx Quiet Meadow Bakery"},  # no id: the position is echoed
    ]})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["id"] for x in results] == ["en", "zh", "2"]
    assert results[0]["query"] == {"name": HUAWEI, "country": "CN", "schema": "Organization"}
    for x in results[:2]:
        top = x["matches"][0]
        assert top["id"] == HUAWEI_ID and {"EL", "CMIC", "1260H"} <= set(top["lists"]), top
    assert results[1]["query"]["name"] == HUAWEI_ZH
    assert results[2]["matches"] == []


def test_screen_restricted_to_lists(http, server):
    r = screen(http, server, {"queries": [{"name": HUAWEI}], "lists": ["EL"]})
    assert r.status_code == 200, r.text
    matches = r.json()["results"][0]["matches"]
    assert matches and all("EL" in m["lists"] for m in matches)
    assert all(x["list"] == "EL" for m in matches for x in m["listings"]), matches[0]["listings"]
    # Huawei is not on the SDN list.
    r = screen(http, server, {"queries": [{"name": HUAWEI}], "lists": ["SDN"], "threshold": 0.9})
    assert r.status_code == 200 and r.json()["results"][0]["matches"] == []
    # Threshold and limit are honoured.
    r = screen(http, server, {"queries": [{"name": "Huawei"}], "threshold": 0.5, "limit": 2})
    res = r.json()["results"][0]
    assert res["threshold"] == 0.5 and 1 <= len(res["matches"]) <= 2
    assert all(m["score"] >= 0.5 for m in res["matches"])
    err = error_of(screen(http, server, {"queries": [{"name": HUAWEI}], "lists": ["EL", "NOPE"]}), 422)
    assert err["field"] == "lists" and "NOPE" in err["detail"]


BIG = 3_000_000  # over the default CLEARWAY_MAX_BODY of 2,000,000 bytes


def _bad_requests() -> list[tuple[str, dict, int, str | None, bool]]:
    """(case, request kwargs, status, field (prefix), recorded as a refusal)."""
    json_headers = {"Content-Type": "application/json"}
    return [
        ("malformed JSON", {"content": b'{"queries": [{"name": "Huawei"', "headers": json_headers}, 422, "", True),
        ("not an object", {"json": ["Huawei"]}, 422, "body", True),
        ("no body", {}, 422, "body", True),
        ("wrong type", {"json": {"queries": [{"name": 5}]}}, 422, "queries.0.name", True),
        ("queries not a list", {"json": {"queries": {"name": "Huawei"}}}, 422, "queries", True),
        ("missing queries", {"json": {"lists": ["EL"]}}, 422, "queries", True),
        ("no queries", {"json": {"queries": []}}, 422, "queries", True),
        ("empty name", {"json": {"queries": [{"name": ""}]}}, 422, "queries.0.name", True),
        ("blank name", {"json": {"queries": [{"name": " \t "}]}}, 422, "queries", True),
        ("control characters only", {"json": {"queries": [{"name": "\u0001\u0002"}]}}, 422, "queries", True),
        ("100,000-character name", {"json": {"queries": [{"name": "x" * 100_000}]}}, 422, "queries.0.name", True),
        ("1,001 queries", {"json": {"queries": [{"name": f"Company {i}"} for i in range(1001)]}}, 413, "queries", True),
        ("unknown field", {"json": {"queries": [{"name": "Huawei"}], "fuzzy": True}}, 422, "fuzzy", True),
        ("unknown query field", {"json": {"queries": [{"name": "Huawei", "alias": "x"}]}}, 422, "queries.0.alias", True),
        ("three-letter country", {"json": {"queries": [{"name": "Huawei", "country": "CHN"}]}}, 422, "queries.0.country", True),
        ("bad country", {"json": {"queries": [{"name": "Huawei", "country": "C1"}]}}, 422, "queries", True),
        ("bad schema", {"json": {"queries": [{"name": "Huawei", "schema": "Robot"}]}}, 422, "queries", True),
        ("unknown list", {"json": {"queries": [{"name": "Huawei"}], "lists": ["XX"]}}, 422, "lists", True),
        ("threshold over 1", {"json": {"queries": [{"name": "Huawei"}], "threshold": 1.5}}, 422, "threshold", True),
        ("limit 0", {"json": {"queries": [{"name": "Huawei"}], "limit": 0}}, 422, "limit", True),
        # Refused by the body-size guard before the app: no field, no refusal record (see the
        # xfail test below).
        ("3 MB body", {"content": b'{"queries": [{"name": "' + b"x" * BIG + b'"}]}', "headers": json_headers},
         413, None, False),
    ]


def test_bad_input_is_a_4xx_json_error_never_500(http, server, server_store):
    mark = last_seq(server_store)
    cases = _bad_requests()
    seen = []
    for case, kw, status, field, recorded in cases:
        resp = http.post("/v1/screen", headers={**server.headers("analyst"), **kw.pop("headers", {})}, **kw)
        err = error_of(resp, status)
        if field is not None:
            assert isinstance(err.get("field"), str) and err["field"].startswith(field), (case, err)
        if recorded:
            seen.append((case, status, err["detail"]))
    # The trail holds one refusal per refused request (reason = the detail sent back), and no
    # screening happened.
    new = records_after(server_store, mark)
    assert {r.kind for r in new} == {"refusal"}, [(r.kind, r.payload) for r in new]
    # (The 3 MB body, sent last, leaves no record today: test_oversized_body_is_a_recorded_refusal.)
    assert len(seen) <= len(new) <= len(seen) + 1
    for rec, (case, status, detail) in zip(new, seen):
        assert rec.payload["channel"] == "POST /v1/screen"
        assert rec.payload["status"] == status and rec.payload["reason"] == detail[:500], case
        if case != "malformed JSON":  # see test_malformed_json_is_refused_after_authentication
            assert rec.actor == server.key_id("analyst"), case
        assert "x" * 2000 not in json.dumps(rec.payload)  # never the rejected body
    # The server is fine afterwards.
    assert screen(http, server, {"queries": [{"name": HUAWEI}]}).status_code == 200


def test_other_endpoints_refuse_bad_input_with_a_field(http, server):
    h = server.headers("analyst")
    cases = [
        (http.post("/match/default", json={"queries": {"q": {"schema": "Robot", "properties": {"name": ["x"]}}}},
                   headers=h), 422, "queries.q.schema"),
        (http.post("/match/default", json={"queries": {"q": {"schema": "Company", "properties": {}}}}, headers=h),
         422, "queries.q.properties.name"),
        (http.post("/match/default", json={"queries": {"q": {"properties": {"name": [""]}}}}, headers=h), 422, "queries.q"),
        (http.post("/match/default", json={"queries": {"q": {"properties": {"name": ["x" * 5000]}}}}, headers=h),
         422, "queries.q.properties.name"),
        (http.post("/match/default", json={"queries": [1, 2]}, headers=h), 422, "queries"),
        (http.post("/match/default", params={"threshold": 2}, json=YENTE_HUAWEI, headers=h), 422, "threshold"),
        (http.post("/match/default", params={"limit": 0}, json=YENTE_HUAWEI, headers=h), 422, "limit"),
        (http.post("/match/default", json={"queries": {f"q{i}": {"properties": {"name": ["x"]}} for i in range(1001)}},
                   headers=h), 413, "queries"),
        (http.get("/reconcile", params={"queries": "{not json"}, headers=h), 422, "queries"),
        (http.get("/reconcile", params={"queries": "[1]"}, headers=h), 422, "queries"),
        (http.get("/reconcile", params={"queries": json.dumps({"q0": {"query": ""}})}, headers=h), 422, "queries.q0.query"),
        (http.get("/reconcile", params={"queries": json.dumps({"q0": {"query": "x" * 1001}})}, headers=h),
         422, "queries.q0.query"),
        (http.get("/v1/compare", params={"a": "x"}, headers=h), 422, "b"),
        (http.get("/v1/compare", params={"a": "", "b": "y"}, headers=h), 422, "a"),
        (http.get("/v1/compare", params={"a": "x" * 1001, "b": "y"}, headers=h), 422, "a"),
        (http.post("/v1/keys", json={"role": "root"}, headers=server.headers("admin")), 422, "role"),
        (http.post("/v1/keys", json={"name": "no role"}, headers=server.headers("admin")), 422, "role"),
    ]
    for resp, status, field in cases:
        err = error_of(resp, status)
        assert err.get("field") == field, (resp.request.url, err)


def test_malformed_json_is_refused_after_authentication(http, server, server_store):
    body = {"content": b'{"queries": [{', "headers": {"Content-Type": "application/json"}}
    error_of(http.post("/v1/screen", **body), 401)  # no key at all
    mark = last_seq(server_store)
    resp = http.post("/v1/screen", headers={**server.headers("analyst"), **body["headers"]}, content=body["content"])
    assert resp.status_code == 422
    assert [r.actor for r in records_after(server_store, mark)] == [server.key_id("analyst")]


def test_malformed_json_error_names_the_body(http, server):
    resp = http.post("/v1/screen", headers={**server.headers("analyst"), "Content-Type": "application/json"},
                     content=b'{"queries": [{')
    err = error_of(resp, 422)
    assert err["field"] == "body", err


def test_oversized_body_is_a_recorded_refusal(http, server, server_store):
    mark = last_seq(server_store)
    resp = http.post("/v1/screen", headers={**server.headers("analyst"), "Content-Type": "application/json"},
                     content=b'{"queries": [{"name": "' + b"x" * BIG + b'"}]}')
    err = error_of(resp, 413)
    assert [(r.kind, r.payload["status"]) for r in records_after(server_store, mark)] == [("refusal", 413)]
    assert err.get("field") == "body"


def test_oversized_chunked_body_is_413(http, server):
    def chunks():
        yield b'{"queries": [{"name": "'
        for _ in range(BIG // 100_000):
            yield b"x" * 100_000
        yield b'"}]}'

    resp = http.post("/v1/screen", headers={**server.headers("analyst"), "Content-Type": "application/json"},
                     content=chunks())
    assert "content-length" not in {k.lower() for k in resp.request.headers}
    error_of(resp, 413)


def test_birth_date_must_be_a_date(http, server):
    resp = screen(http, server, {"queries": [{"name": "Moon Chi Wong", "schema": "Person", "birth_date": "notadate"}]})
    err = error_of(resp, 422)
    assert "birth_date" in err.get("field", "")


def test_each_screening_is_recorded_with_what_was_returned(http, server, server_store):
    mark = last_seq(server_store)
    r = screen(http, server, {"queries": [{"id": "a", "name": HUAWEI}, {"id": "b", "name": HUAWEI_ZH, "country": "CN"}],
                              "lists": ["EL", "CMIC"], "threshold": 0.8, "limit": 3})
    assert r.status_code == 200
    body = r.json()
    new = records_after(server_store, mark)
    assert len(new) == 1
    rec = new[0]
    assert rec.kind == "screen" and rec.actor == server.key_id("analyst")
    assert server.keys["analyst"] not in rec.actor and key_secret(server.keys["analyst"]) not in json.dumps(rec.payload)
    p = rec.payload
    assert p["channel"] == "api" and p["algorithm"] == body["results"][0]["algorithm"] == "clearway-match/1"
    assert p["list_versions"] == body["list_versions"] and p["lists"] == ["CMIC", "EL"] and p["threshold"] == 0.8
    assert [x["id"] for x in p["results"]] == ["a", "b"]
    for logged, returned in zip(p["results"], body["results"]):
        assert logged["query"] == returned["query"]
        assert [(m["id"], m["score"], m["lists"]) for m in logged["matches"]] == \
            [(m["id"], m["score"], m["lists"]) for m in returned["matches"]]
        assert logged["matches"], "Huawei should match"

    # Concurrent screenings each leave one record, in one chain that verifies.
    mark = last_seq(server_store)
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda i: screen(http, server, {"queries": [{"id": str(i), "name": f"Huawei {i}"}]},
                                               role="analyst" if i % 2 else "reviewer").status_code, range(24)))
    assert codes == [200] * 24
    new = records_after(server_store, mark)
    assert len(new) == 24 and {r.kind for r in new} == {"screen"}
    assert sorted(r.payload["results"][0]["id"] for r in new) == sorted(str(i) for i in range(24))
    assert {r.actor for r in new} == {server.key_id("analyst"), server.key_id("reviewer")}
    assert server_store.verify().ok


# -- entities, compare -----------------------------------------------------------------------

def test_entity_detail(http, server):
    top = screen(http, server, {"queries": [{"name": HUAWEI}]}).json()["results"][0]["matches"][0]
    h = server.headers("viewer", "x-api-key")
    for eid in (top["id"], *[i for i in top["entity_ids"] if i.startswith("dod_1260h:")][:1]):
        r = http.get(f"/v1/entities/{eid}", headers=h)
        assert r.status_code == 200, r.text
        ent = r.json()
        assert ent["id"] == eid and ent["caption"] and isinstance(ent["current"], bool)
        assert ent["names"] and all(n["value"] and n["kind"] for n in ent["names"])
        assert ent["listings"]
        for lst in ent["listings"]:
            assert lst["list"] and lst["list_name"] and lst["effect"] and lst["citation"]
            assert isinstance(lst["current"], bool)
    ent = http.get(f"/v1/entities/{HUAWEI_ID}", headers=h).json()
    assert any(n["value"] == "HUAWEI TECHNOLOGIES CO., LTD." for n in ent["names"])
    assert any("华为" in n["value"] for n in ent["names"])
    err = error_of(http.get("/v1/entities/csl:does-not-exist", headers=h), 404)
    assert err["field"] == "entity_id" and "csl:does-not-exist" in err["detail"]


def test_compare(http, server):
    h = server.headers("analyst")
    r = http.get("/v1/compare", params={"a": "Huawei Technologies", "b": HUAWEI_ZH}, headers=h)
    assert r.status_code == 200, r.text
    c = r.json()
    assert c["a"] == "Huawei Technologies" and c["b"] == HUAWEI_ZH
    assert 0.9 <= c["score"] <= 1.0 and c["match"] is True and c["explanation"] and c["explanation_zh"]
    far = http.get("/v1/compare", params={"a": "Intel Corporation", "b": HUAWEI_ZH}, headers=h).json()
    assert 0.0 <= far["score"] < c["score"] and far["match"] is False
    person = http.get("/v1/compare", params={"a": "Wong Moon Chi", "b": "WONG, Moon Chi", "schema": "Person"}, headers=h)
    assert person.status_code == 200 and person.json()["score"] >= 0.9
    error_of(http.get("/v1/compare", params={"a": "x", "b": "y", "schema": "Robot"}, headers=h), 422)


# -- yente-compatible matching ---------------------------------------------------------------

def test_yente_match(http, server, server_store):
    h = server.headers("analyst", "x-api-key")
    mark = last_seq(server_store)
    r = http.post("/match/default", json=YENTE_HUAWEI, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    q1 = body["responses"]["q1"]
    assert q1["status"] == 200 and q1["query"]["schema"] == "Company"
    assert q1["total"]["value"] == len(q1["results"]) >= 1
    top = q1["results"][0]
    assert {"id", "caption", "schema", "properties", "score", "match", "features"} <= set(top)
    assert top["id"] == HUAWEI_ID and top["schema"] == "Organization" and top["match"] is True
    assert 0.9 <= top["score"] <= 1.0 and top["features"]["name_match"] == top["score"]
    assert "huawei" in top["caption"].lower() and top["properties"]["name"] and top["properties"]["country"] == ["cn"]
    assert "el" in top["datasets"]
    scores = [x["score"] for x in q1["results"]]
    assert scores == sorted(scores, reverse=True)
    # The trail: one screening by the key, on the match channel.
    new = records_after(server_store, mark)
    assert [(x.kind, x.actor, x.payload["channel"]) for x in new] == [("screen", server.key_id("analyst"), "match")]

    # threshold decides the match flag; limit caps the results.
    many = {"queries": {"q": {"schema": "Company", "properties": {"name": ["Huawei"]}}}}
    wide = http.post("/match/default", params={"threshold": 0.5, "limit": 10}, json=many, headers=h).json()
    res = wide["responses"]["q"]["results"]
    assert len(res) >= 3 and wide["limit"] == 10 and wide["matcher"]["threshold"] == 0.5
    assert all(x["match"] == (x["score"] >= 0.5) for x in res)
    strict = http.post("/match/default", params={"threshold": 0.99, "limit": 2}, json=many, headers=h).json()
    res2 = strict["responses"]["q"]["results"]
    assert len(res2) == 2 and strict["matcher"]["threshold"] == 0.99
    assert all(x["match"] == (x["score"] >= 0.99) for x in res2)
    assert [x["id"] for x in res2] == [x["id"] for x in res[:2]]
    assert any(x["score"] < 0.99 and not x["match"] for x in res2 + res)

    # A list code as the dataset restricts; an unknown dataset is 404.
    el = http.post("/match/EL", json=YENTE_HUAWEI, headers=h).json()["responses"]["q1"]["results"]
    assert el and all("el" in x["datasets"] for x in el)
    sdn = http.post("/match/sdn", json=YENTE_HUAWEI, headers=h).json()["responses"]["q1"]["results"]
    assert all(x["id"] != HUAWEI_ID for x in sdn)
    err = error_of(http.post("/match/nonexistent", json=YENTE_HUAWEI, headers=h), 404)
    assert err["field"] == "dataset"

    # A person with a date of birth, and several query entities at once.
    people = {"queries": {
        "p": {"schema": "Person", "properties": {"name": ["Moon Chi Wong"], "birthDate": ["1958-03-01"],
                                                 "nationality": ["cn"]}},
        "c": {"schema": "Company", "properties": {"name": [HUAWEI_ZH]}},
    }}
    r = http.post("/match/default", json=people, headers=h)
    assert r.status_code == 200, r.text
    out = r.json()["responses"]
    assert set(out) == {"p", "c"}
    assert out["p"]["results"] and out["p"]["results"][0]["schema"] == "Person"
    assert "wong" in out["p"]["results"][0]["caption"].lower()
    assert out["c"]["results"][0]["id"] == HUAWEI_ID


# -- reconciliation (OpenRefine) -------------------------------------------------------------

def test_reconciliation_service(http, server, server_store):
    h = server.headers("analyst")
    r = http.get("/reconcile", headers=h)
    assert r.status_code == 200
    m = r.json()
    assert "0.2" in m["versions"] and m["name"]
    assert m["identifierSpace"] == f"{server.base_url}/v1/entities/"
    assert {t["id"] for t in m["defaultTypes"]} == {"Organization", "Person"}
    assert m["view"]["url"] == f"{server.base_url}/v1/entities/{{{{id}}}}"

    queries = {"q0": {"query": HUAWEI, "type": "Organization", "limit": 3},
               "q1": {"query": HUAWEI_ZH, "properties": [{"pid": "country", "v": "CN"}]}}
    mark = last_seq(server_store)
    got = http.get("/reconcile", params={"queries": json.dumps(queries)}, headers=h)
    posted = http.post("/reconcile", data={"queries": json.dumps(queries)}, headers=h)
    for resp in (got, posted):
        assert resp.status_code == 200, resp.text
        out = resp.json()
        assert set(out) == {"q0", "q1"}
        assert 1 <= len(out["q0"]["result"]) <= 3
        for res in out.values():
            top = res["result"][0]
            assert {"id", "name", "score", "match", "type"} <= set(top)
            assert top["id"] == HUAWEI_ID and isinstance(top["match"], bool)
            assert 0 <= top["score"] <= 100 and isinstance(top["type"], list) and top["type"][0]["id"]
    assert got.json() == posted.json()
    new = records_after(server_store, mark)
    assert [(x.kind, x.payload["channel"]) for x in new] == [("screen", "reconcile")] * 2

    # OpenRefine cannot send headers: ?api_key= works on /reconcile (and only there).
    key = server.keys["analyst"]
    assert http.get("/reconcile", params={"api_key": key}).json()["name"] == m["name"]
    assert http.get("/reconcile", params={"api_key": key, "queries": json.dumps(queries)}).json() == got.json()
    assert http.post(f"/reconcile?api_key={key}", data={"queries": json.dumps(queries)}).json() == got.json()
    error_of(http.get("/reconcile", params={"api_key": "cw_000000000000_nope"}), 401)
    error_of(http.get("/reconcile", params={"api_key": server.keys["viewer"]}), 403)
    error_of(http.get("/v1/lists", params={"api_key": key}), 401)


# -- operations ------------------------------------------------------------------------------

def test_metrics(http, server):
    h = server.headers("viewer")
    before = http.get("/metrics", headers=h)
    assert before.status_code == 200 and before.headers["content-type"].startswith("text/plain")
    b = before.text
    assert metric(b, "clearway_list_entities", list="EL") == 3420
    assert metric(b, "clearway_list_entities", list="SDN") > 0
    assert metric(b, "clearway_list_version_info") >= 1
    screened = metric(b, "clearway_screenings_total", channel="api") or 0
    requests = metric(b, "clearway_requests_total")
    screen_ok = metric(b, "clearway_requests_total", method="POST", route="/v1/screen", status="200") or 0

    assert screen(http, server, {"queries": [{"name": HUAWEI}, {"name": HUAWEI_ZH}]}).status_code == 200
    assert screen(http, server, {"queries": [{"name": "Huawei"}]}).status_code == 200
    after = http.get("/metrics", headers=h).text
    assert metric(after, "clearway_screenings_total", channel="api") == screened + 3
    assert metric(after, "clearway_requests_total", method="POST", route="/v1/screen", status="200") == screen_ok + 2
    assert metric(after, "clearway_requests_total") >= requests + 3  # the two screens and the first /metrics
    assert metric(after, "clearway_matches_total", channel="api") >= 3
    assert metric(after, "clearway_request_seconds_count", route="/v1/screen") >= 2


def test_openapi_and_docs(http):
    r = http.get("/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    paths = spec["paths"]
    expected = {
        "/healthz": {"get"}, "/readyz": {"get"}, "/metrics": {"get"},
        "/v1/screen": {"post"}, "/v1/lists": {"get"}, "/v1/entities/{entity_id}": {"get"},
        "/v1/compare": {"get"}, "/v1/keys": {"get", "post"}, "/v1/keys/{key_id}": {"delete"},
        "/match/{dataset}": {"post"}, "/reconcile": {"get", "post"},
        "/v1/cases": {"get", "post"}, "/v1/cases/{case_id}": {"get"}, "/v1/cases/{case_id}/vet": {"post"},
        "/v1/cases/{case_id}/decisions": {"post"}, "/v1/cases/{case_id}/comments": {"post"},
        "/v1/cases/{case_id}/share": {"post"}, "/v1/cases/{case_id}/report": {"get"},
    }
    # Every endpoint above is published (later issues add more).
    assert set(expected) <= set(paths)
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    assert spec["info"]["title"] == "Clearway"
    docs = http.get("/docs")
    assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
    assert "<html" in docs.text.lower() and "/openapi.json" in docs.text


def test_openapi_operation_ids_are_unique(http):
    spec = http.get("/openapi.json").json()
    ids = [op["operationId"] for item in spec["paths"].values() for op in item.values() if "operationId" in op]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_rate_limit(limited_server):
    srv = limited_server
    with httpx.Client(base_url=srv.base_url, timeout=30) as client:
        codes, limited = [], None
        for _ in range(10):
            resp = client.get("/v1/lists", headers=srv.headers("viewer"))
            codes.append(resp.status_code)
            if resp.status_code == 429 and limited is None:
                limited = resp
        assert codes[:5] == [200] * 5 and codes[5:] == [429] * 5, codes
        err = error_of(limited, 429)
        assert "rate limit" in err["detail"]
        retry = limited.headers.get("retry-after")
        assert retry is not None and retry.isdigit() and 1 <= int(retry) <= 60
        # Health checks are not rate limited; 429s are not written to the trail.
        assert all(client.get("/healthz").status_code == 200 for _ in range(10))
    st = srv.open_store()
    try:
        assert all(r.payload.get("status") != 429 for r in st.records())
    finally:
        st.close()


def test_service_on_postgresql(pg_server):
    from service_support import pg_tables

    srv = pg_server
    with httpx.Client(base_url=srv.base_url, timeout=30) as client:
        ready = client.get("/readyz").json()
        assert ready["status"] == "ready" and ready["database"] == "reachable"
        r = client.post("/v1/screen", json={"queries": [{"id": "pg", "name": HUAWEI_ZH}]}, headers=srv.headers("analyst"))
        assert r.status_code == 200, r.text
        top = r.json()["results"][0]["matches"][0]
        assert top["id"] == HUAWEI_ID and "EL" in top["lists"]
    st = srv.open_store()
    try:
        assert st.backend == "postgresql"
        recs = list(st.records())
        assert [x.kind for x in recs] == ["keys", "screen"]
        assert recs[-1].actor == srv.key_id("analyst") and recs[-1].payload["results"][0]["id"] == "pg"
        assert st.verify().ok
    finally:
        st.close()
    assert {"alembic_version", "api_keys", "audit_log", "audit_head"} <= pg_tables(srv.schema)


# -- what the server leaves behind: logs and the trail ---------------------------------------

def test_logs_are_json_lines_without_secrets(http, server):
    assert screen(http, server, {"queries": [{"name": HUAWEI}]}).status_code == 200
    # A key in the query string must not reach the log either.
    assert http.get("/reconcile", params={"api_key": server.keys["analyst"]}).status_code == 200
    error_of(http.get("/v1/lists", headers={"X-API-Key": "cw_000000000000_not-a-real-secret"}), 401)
    time.sleep(0.2)
    lines = [ln for ln in server.log_text().splitlines() if ln.strip()]
    assert lines[0].startswith("Clearway serving on http://127.0.0.1:")  # the banner, before logging starts
    # Every other line is one JSON object, but for the Python warning FastAPI prints (two
    # lines) when it builds /openapi.json: see test_openapi_operation_ids_are_unique.
    rest = [ln for ln in lines[1:] if "Duplicate Operation ID" not in ln and ln.strip() != "warnings.warn(message, stacklevel=1)"]
    entries = [json.loads(ln) for ln in rest]
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    assert any(e.get("event") == "ready" and e.get("database") == "sqlite" for e in entries)
    requests = [e for e in entries if e.get("event") == "request"]
    assert len(requests) >= 3
    assert {"method", "path", "status", "ms", "key"} <= set(requests[-1])
    assert any(e["path"] == "/reconcile" and e["key"] == server.key_id("analyst") for e in requests)
    assert any(e["path"] == "/v1/lists" and e["status"] == 401 and e["key"] is None for e in requests)
    assert not [e for e in entries if e["level"] in ("error", "critical")]
    text = server.log_text()
    for key in server.secrets_seen:
        assert key not in text and key_secret(key) not in text
    assert "not-a-real-secret" not in text


def test_audit_trail_verifies_and_holds_no_secrets(http, server):
    assert screen(http, server, {"queries": [{"name": HUAWEI}]}).status_code == 200
    error_of(screen(http, server, {"queries": [{"name": ""}]}), 422)
    cli = Cli(server.home)
    verify, export = cli.many(["audit", "verify", "--db", server.db_url],
                              ["audit", "export", "--db", server.db_url])
    assert verify.returncode == 0 and "audit trail intact" in verify.stdout, verify.stdout + verify.stderr
    assert export.returncode == 0, export.stderr
    records = [json.loads(ln) for ln in export.stdout.splitlines()]
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    kinds = {r["kind"] for r in records}
    assert {"keys", "screen", "refusal"} <= kinds
    ids = {key_id(k) for k in server.secrets_seen}
    for r in records:
        assert r["actor"] in ids or r["actor"] == "anonymous" or r["actor"].startswith("cli"), r["actor"]
        if r["kind"] == "screen":
            assert r["actor"] in ids
    for key in server.secrets_seen:
        assert key not in export.stdout and key_secret(key) not in export.stdout
