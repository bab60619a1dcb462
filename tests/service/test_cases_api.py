"""``/v1/cases`` over real HTTP, against the session's ``clearway serve`` (``server`` fixture).

The cases are created here through the API from the worked examples (YAML read into JSON). Keys
created by sharing a case are added to ``server.secrets_seen``, so the session-wide checks (no key
in the logs or the audit trail) cover them too. The restart test starts a second, short-lived
server on the same database.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
import yaml

from service_support import KEY_PATTERN, Server, clean_env, key_id, key_secret

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "cases"
CGN = "China General Nuclear Power Corporation"
CGN_PARTY = 2
COMMENT_ZH = "请确认探测器电子学在发运前的出口管制分类（ECCN 或 EAR99）。"


def example(name: str) -> dict:
    return yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8"))


def error_of(resp: httpx.Response, status: int) -> dict:
    assert resp.status_code == status, (resp.status_code, resp.text[:500])
    assert resp.headers["content-type"].startswith("application/json"), resp.headers
    body = resp.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert err["status"] == status and isinstance(err["detail"], str) and err["detail"], body
    assert "Traceback" not in resp.text
    return err


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def daya(http, server) -> dict:
    r = http.post("/v1/cases", json=example("daya-bay"), headers=server.headers("analyst"))
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture(scope="module")
def climate(http, server) -> dict:
    r = http.post("/v1/cases", json=example("open-climate-data"), headers=server.headers("analyst"))
    assert r.status_code == 201, r.text
    return r.json()


def near_hit(case: dict) -> dict:
    """The near match on CGN (the Group's Entity List entry): the hit a reviewer clears."""
    (h,) = [h for h in case["vetting"]["parties"][CGN_PARTY]["hits"] if h["score"] < 1.0]
    return h


def get_case(http, server, case_id: str, role: str = "viewer") -> dict:
    r = http.get(f"/v1/cases/{case_id}", headers=server.headers(role))
    assert r.status_code == 200, r.text
    return r.json()


# -- create, read -------------------------------------------------------------------------------

def test_create_case(daya, server):
    assert daya["id"].startswith("case_") and daya["status"] == "open"
    assert daya["created_by"] == server.key_id("analyst")
    v = daya["vetting"]
    assert daya["assessment"] == v["assessment"] == "legal-review"
    rules = {f["rule_id"] for f in v["findings"]}
    assert {"listing.el.ship-items", "listing.el.publish-openly", "listing.el", "activity.ship-items"} <= rules
    for f in v["findings"]:
        assert f["citations"] and any(c.get("url") for c in f["citations"]), f["rule_id"]
        assert f["rules_version"] == v["rules_version"] and f["severity"] and f["evidence"]
    assert v["list_versions"] and v["algorithm"]
    assert [p["party"]["name"] for p in v["parties"]][CGN_PARTY] == CGN
    assert "EL" in v["parties"][CGN_PARTY]["hits"][0]["lists"]


def test_clear_case_proceeds(climate):
    assert climate["assessment"] == "proceed"
    assert {f["severity"] for f in climate["vetting"]["findings"]} == {"info"}


def test_viewer_reads_but_cannot_create(http, server, daya):
    err = error_of(http.post("/v1/cases", json=example("daya-bay"), headers=server.headers("viewer")), 403)
    assert "analyst" in err["detail"]
    r = http.get("/v1/cases", headers=server.headers("viewer"))
    assert r.status_code == 200, r.text
    rows = r.json()["cases"]
    (row,) = [x for x in rows if x["id"] == daya["id"]]
    assert row["assessment"] == "legal-review" and row["status"] == "open"
    assert row["title"] == daya["title"]
    got = get_case(http, server, daya["id"])
    assert got["spec"] == daya["spec"] and got["vetting"]["findings"] == daya["vetting"]["findings"]
    open_rows = http.get("/v1/cases", params={"status": "open"}, headers=server.headers("viewer")).json()["cases"]
    assert daya["id"] in {x["id"] for x in open_rows}
    error_of(http.get("/v1/cases", params={"status": "maybe"}, headers=server.headers("viewer")), 422)


def test_no_key_is_401(http, daya):
    error_of(http.get(f"/v1/cases/{daya['id']}"), 401)
    error_of(http.post("/v1/cases", json=example("daya-bay")), 401)


@pytest.mark.parametrize("mutate,needles", [
    (lambda c: c.update(activities=["publish-openly", "sell-chips"]), ["activities[1]", "sell-chips"]),
    (lambda c: c.update(parties=[]), ["parties", "at least one party"]),
    (lambda c: c.update(budget=250000), ["unknown key", "budget"]),
    (lambda c: c["parties"][1].update(country="CHN"), ["parties[1].country", "CHN"]),
    (lambda c: c["parties"][0].update(role="boss"), ["parties[0].role", "boss"]),
    (lambda c: c.pop("title"), ["title"]),
])
def test_malformed_case_is_422_naming_the_field(http, server, mutate, needles):
    body = example("open-climate-data")
    mutate(body)
    err = error_of(http.post("/v1/cases", json=body, headers=server.headers("analyst")), 422)
    for n in needles:
        assert n in err["detail"], (n, err)


def test_non_object_case_is_422(http, server):
    error_of(http.post("/v1/cases", json=["not", "a", "case"], headers=server.headers("analyst")), 422)
    r = http.post("/v1/cases", content=b"{not json", headers={**server.headers("analyst"),
                                                              "Content-Type": "application/json"})
    error_of(r, 422)


# -- reports ------------------------------------------------------------------------------------

def test_reports(http, server, daya):
    base = f"/v1/cases/{daya['id']}/report"
    html = http.get(base, params={"format": "html"}, headers=server.headers("viewer"))
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "案件报告" in html.text and daya["id"] in html.text and "listing.el.ship-items" in html.text
    default = http.get(base, headers=server.headers("viewer"))
    assert default.status_code == 200 and default.headers["content-type"].startswith("text/html")
    md = http.get(base, params={"format": "md"}, headers=server.headers("viewer"))
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    for heading in ("## Findings · 审查发现", "## Parties and screening · 合作方与名单筛查", "## Decisions · 审查决定"):
        assert heading in md.text
    for lv in daya["vetting"]["list_versions"]:
        assert lv in md.text
    pdf = http.get(base, params={"format": "pdf"}, headers=server.headers("viewer"))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and len(pdf.content) > 10_000
    assert f'{daya["id"]}.pdf' in pdf.headers["content-disposition"]
    error_of(http.get(base, params={"format": "docx"}, headers=server.headers("viewer")), 422)


# -- decisions and comments ---------------------------------------------------------------------

def test_decisions(http, server, server_store, daya):
    url = f"/v1/cases/{daya['id']}/decisions"
    h = near_hit(daya)
    body = {"party": CGN_PARTY, "entity_id": h["entity_id"], "decision": "false-positive",
            "reason": "The Group's entry, not the Corporation"}
    err = error_of(http.post(url, json=body, headers=server.headers("analyst")), 403)
    assert "reviewer" in err["detail"]
    error_of(http.post(url, json=body, headers=server.headers("viewer")), 403)
    error_of(http.post(url, json={**body, "decision": "maybe"}, headers=server.headers("reviewer")), 422)
    error_of(http.post(url, json={**body, "party": 9}, headers=server.headers("reviewer")), 422)
    error_of(http.post(url, json={**body, "entity_id": "csl:nope"}, headers=server.headers("reviewer")), 422)
    error_of(http.post(url, json={**body, "reason": ""}, headers=server.headers("reviewer")), 422)
    error_of(http.post(url, json={**body, "extra": 1}, headers=server.headers("reviewer")), 422)

    r = http.post(url, json=body, headers=server.headers("reviewer"))
    assert r.status_code == 201, r.text
    rec = r.json()
    assert rec["party"] == CGN and rec["entity_id"] == h["entity_id"] and rec["decision"] == "false-positive"
    case = get_case(http, server, daya["id"])
    (d,) = case["decisions"]
    assert d["actor"] == server.key_id("reviewer") and d["at"] and d["reason"] == body["reason"]
    trail = [x for x in server_store.records() if x.kind == "decision" and x.payload.get("case_id") == daya["id"]]
    assert len(trail) == 1 and trail[0].actor == server.key_id("reviewer")

    # Re-vetting (analyst) applies the decision: the hit is cleared and no finding rests on it.
    error_of(http.post(f"/v1/cases/{daya['id']}/vet", headers=server.headers("viewer")), 403)
    r = http.post(f"/v1/cases/{daya['id']}/vet", headers=server.headers("analyst"))
    assert r.status_code == 200, r.text
    revetted = r.json()
    assert near_hit(revetted)["cleared"] is True
    assert revetted["vetting"]["summary"]["cleared_hits"] == 1
    for f in revetted["vetting"]["findings"]:
        assert all(lp["entity_id"] != h["entity_id"] for lp in f["evidence"].get("listed_parties", []))
    assert [x["kind"] for x in revetted["history"]].count("vetted") == 2
    assert revetted["assessment"] == "legal-review"  # the exact CGN hit still stands

    # A new case with the same party: the false positive is remembered.
    fresh = http.post("/v1/cases", json=example("daya-bay"), headers=server.headers("analyst"))
    assert fresh.status_code == 201
    assert near_hit(fresh.json())["cleared"] is True


def test_comments(http, server, server_store, daya):
    url = f"/v1/cases/{daya['id']}/comments"
    error_of(http.post(url, json={"text": "hi"}, headers=server.headers("analyst")), 403)
    error_of(http.post(url, json={"text": ""}, headers=server.headers("reviewer")), 422)
    error_of(http.post(url, json={"text": "   "}, headers=server.headers("reviewer")), 422)
    r = http.post(url, json={"text": COMMENT_ZH}, headers=server.headers("reviewer"))
    assert r.status_code == 201, r.text
    case = get_case(http, server, daya["id"])
    c = [x for x in case["comments"] if x["text"] == COMMENT_ZH]
    assert len(c) == 1 and c[0]["actor"] == server.key_id("reviewer") and c[0]["at"]
    assert any(x.kind == "comment" and x.payload.get("text") == COMMENT_ZH for x in server_store.records())
    md = http.get(f"/v1/cases/{daya['id']}/report", params={"format": "md"}, headers=server.headers("viewer"))
    assert COMMENT_ZH in md.text


# -- sharing: a key scoped to one case ----------------------------------------------------------

def share(http, server, case_id: str, role: str) -> str:
    r = http.post(f"/v1/cases/{case_id}/share", json={"role": role, "name": f"partner {role}"},
                  headers=server.headers("reviewer"))
    assert r.status_code == 201, r.text
    body = r.json()
    key = body["key"]
    server.secrets_seen.append(key)
    assert re.fullmatch(KEY_PATTERN, key) and body["role"] == role and body["case_id"] == case_id
    assert body["key_id"] == key_id(key)
    return key


def test_share_needs_reviewer(http, server, daya):
    url = f"/v1/cases/{daya['id']}/share"
    error_of(http.post(url, json={"role": "viewer"}, headers=server.headers("analyst")), 403)
    error_of(http.post(url, json={"role": "admin"}, headers=server.headers("reviewer")), 422)


def test_shared_reviewer_key_reaches_its_case_only(http, server, server_store, daya, climate):
    key = share(http, server, daya["id"], "reviewer")
    h = bearer(key)
    cid = daya["id"]
    assert http.get(f"/v1/cases/{cid}", headers=h).status_code == 200
    for fmt in ("html", "md"):
        assert http.get(f"/v1/cases/{cid}/report", params={"format": fmt}, headers=h).status_code == 200
    r = http.post(f"/v1/cases/{cid}/decisions", headers=h,
                  json={"party": CGN_PARTY, "entity_id": daya["vetting"]["parties"][CGN_PARTY]["hits"][0]["entity_id"],
                        "decision": "needs-information", "reason": "合作方研究办公室：需要核实该实体的股权结构"})
    assert r.status_code == 201, r.text
    assert http.post(f"/v1/cases/{cid}/comments", json={"text": "partner office: agreed"}, headers=h).status_code == 201
    case = get_case(http, server, cid)
    assert any(d["actor"] == key_id(key) and d["decision"] == "needs-information" for d in case["decisions"])

    # Everything else is refused.
    other = climate["id"]
    refused = [
        http.get(f"/v1/cases/{other}", headers=h),
        http.get(f"/v1/cases/{other}/report", headers=h),
        http.post(f"/v1/cases/{other}/comments", json={"text": "x"}, headers=h),
        http.get("/v1/cases", headers=h),
        http.post("/v1/cases", json=example("open-climate-data"), headers=h),
        http.post(f"/v1/cases/{cid}/share", json={"role": "viewer"}, headers=h),
        http.post("/v1/screen", json={"queries": [{"name": "Huawei"}]}, headers=h),
        http.get("/v1/lists", headers=h),
        http.get("/v1/keys", headers=h),
    ]
    for resp in refused:
        err = error_of(resp, 403)
        assert "limited to case" in err["detail"] or "role" in err["detail"], err
    assert "limited to case" in error_of(refused[0], 403)["detail"]
    assert "limited to case" in error_of(refused[6], 403)["detail"]
    # The secret is nowhere in the trail.
    for rec in server_store.records():
        text = str(rec.payload)
        assert key not in text and key_secret(key) not in text


def test_shared_viewer_key_reads_only(http, server, daya, climate):
    key = share(http, server, daya["id"], "viewer")
    h = bearer(key)
    assert http.get(f"/v1/cases/{daya['id']}", headers=h).status_code == 200
    assert http.get(f"/v1/cases/{daya['id']}/report", params={"format": "md"}, headers=h).status_code == 200
    err = error_of(http.post(f"/v1/cases/{daya['id']}/comments", json={"text": "x"}, headers=h), 403)
    assert "reviewer" in err["detail"]
    error_of(http.post(f"/v1/cases/{daya['id']}/decisions", headers=h,
                       json={"party": CGN_PARTY, "entity_id": "csl:30937", "decision": "true-match", "reason": "x"}), 403)
    error_of(http.post(f"/v1/cases/{daya['id']}/vet", headers=h), 403)
    error_of(http.get(f"/v1/cases/{climate['id']}", headers=h), 403)


# -- unknown cases ------------------------------------------------------------------------------

def test_unknown_case_is_404(http, server):
    nope = "case_000000000000"
    for resp in (
        http.get(f"/v1/cases/{nope}", headers=server.headers("viewer")),
        http.get(f"/v1/cases/{nope}/report", headers=server.headers("viewer")),
        http.post(f"/v1/cases/{nope}/vet", headers=server.headers("analyst")),
        http.post(f"/v1/cases/{nope}/decisions", headers=server.headers("reviewer"),
                  json={"party": 0, "entity_id": "csl:1", "decision": "true-match", "reason": "x"}),
        http.post(f"/v1/cases/{nope}/comments", json={"text": "x"}, headers=server.headers("reviewer")),
        http.post(f"/v1/cases/{nope}/share", json={"role": "viewer"}, headers=server.headers("reviewer")),
    ):
        err = error_of(resp, 404)
        assert nope in err["detail"]


# -- the audit trail ----------------------------------------------------------------------------

def test_case_creation_is_audited(server, server_store, daya):
    created = [r for r in server_store.records()
               if r.kind == "case" and r.payload.get("action") == "created" and r.payload.get("case_id") == daya["id"]]
    assert len(created) == 1
    assert created[0].actor == server.key_id("analyst")
    assert created[0].payload["assessment"] == "legal-review" and created[0].payload["rules_version"]
    assert server_store.verify().ok


# -- restart ------------------------------------------------------------------------------------

def test_cases_survive_a_restart(server, daya):
    """A second server process on the same database serves the case the first one stored."""
    srv = Server("restart", server.db_url, server.home, clean_env(server.home, CLEARWAY_RATE_LIMIT="100000"),
                 keys=dict(server.keys))
    srv.start()
    try:
        srv.wait_ready()
        with httpx.Client(base_url=srv.base_url, timeout=60) as client:
            r = client.get(f"/v1/cases/{daya['id']}", headers=srv.headers("viewer"))
            assert r.status_code == 200, r.text
            case = r.json()
            assert case["spec"] == daya["spec"] and case["assessment"] == daya["assessment"]
            assert case["vetting"]["findings"]
            listed = client.get("/v1/cases", headers=srv.headers("viewer"))
            assert listed.status_code == 200 and daya["id"] in {x["id"] for x in listed.json()["cases"]}
    finally:
        srv.stop()
