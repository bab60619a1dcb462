"""GET /v1/alerts, in process (the server-with-reload test is test_monitor_reload.py)."""

from __future__ import annotations

import warnings

import pytest

from clearway.store import monitor as mdb

with warnings.catch_warnings():  # starlette's note about its httpx dependency is not ours to fix
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture
def client(store, small_bundle):
    from clearway.api.app import create_app
    from clearway.screen import Screener

    app = create_app(screener=Screener.load(small_bundle), store=store)
    with TestClient(app) as c:
        yield c


def test_alerts_endpoint(client, store):
    _, viewer = store.create_key("viewer")
    mdb.add_alert(store, actor="test", kind="new_hit", target_kind="watch", target_id="w_1", target_name="Partner",
                  entity_id="csl:1", party="Partner Co.", detail={"lists_before": [], "lists_after": ["EL"]},
                  list_versions=["csl@2026-08-01#abc"])
    mdb.add_alert(store, actor="test", kind="hit_gone", target_kind="watch", target_id="w_2", target_name="Other",
                  entity_id="csl:2", party="Other Co.", detail={"lists_before": ["EL"], "lists_after": []},
                  list_versions=["csl@2026-08-01#abc"])
    h = {"Authorization": f"Bearer {viewer}"}
    r = client.get("/v1/alerts", headers=h)
    assert r.status_code == 200
    alerts = r.json()["alerts"]
    assert [a["kind"] for a in alerts] == ["hit_gone", "new_hit"]
    assert alerts[1]["detail"]["lists_after"] == ["EL"] and alerts[1]["audit_seq"]
    assert [a["target_id"] for a in client.get("/v1/alerts?kind=new_hit", headers=h).json()["alerts"]] == ["w_1"]
    assert len(client.get("/v1/alerts?limit=1", headers=h).json()["alerts"]) == 1
    assert client.get("/v1/alerts?target=w_2", headers=h).json()["alerts"][0]["party"] == "Other Co."
    assert client.get("/v1/alerts?since=2999-01-01", headers=h).json()["alerts"] == []
    assert client.get("/v1/alerts").status_code == 401
    bad = client.get("/v1/alerts?kind=oops", headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "kind"
    assert client.get("/v1/alerts?since=yesterday", headers=h).status_code == 422
    assert client.get("/v1/alerts?limit=0", headers=h).status_code == 422


def test_a_screener_passed_in_stays_fixed(client):
    holder = client.app.state.screener_holder
    assert holder.current is client.app.state.screener and holder.refresh() is False
