"""`clearway update` end to end against a local publisher: nothing good is ever lost.

The version store's "bundled" lists are a small real snapshot (136 CSL entries as of
2026-07-31, MIEU, FCC); the publisher serves later versions derived from it and broken files.
"""

from __future__ import annotations

import gzip
import json

import pytest
from monitor_support import Receiver, Route, csl_json, el_record, load_v1

from clearway.monitor.update import (FAILED, NEW, NOT_MODIFIED, REFUSED, UNCHANGED, live_version_ids,
                                     rescreen_if_stale, run_update)
from clearway.monitor.versions import VersionStoreError
from clearway.monitor.watch import Target, register_targets, unregister_targets, verify_signature
from clearway.screen import Query, Screener
from clearway.snapshot import load_snapshot
from clearway.store import monitor as mdb

PARTNER = "Hefei Quantum Lattice Instruments Co., Ltd."


def v1_results() -> list[dict]:
    return load_v1()["results"]


def v2_bytes() -> bytes:
    """v1 plus one new Entity List entry: the partner."""
    return csl_json(v1_results() + [el_record(PARTNER, rid="new-partner-1")])


def v3_bytes() -> bytes:
    """v2 with the partner's licence policy changed."""
    return csl_json(v1_results() + [el_record(PARTNER, rid="new-partner-1", policy="Policy of denial.")])


def live_names(vs) -> set[str]:
    _, ents = load_snapshot(vs.current_snapshot())
    return {n.value for e in ents for n in e.names}


def update(vs, publisher, fast, path="/consolidated.json", **kw):
    return run_update(vs, {"csl": publisher.url(path)}, options=fast, **kw)


def test_a_new_version_is_validated_stored_and_swapped_in_then_304(vs, publisher, fast):
    before = vs.live_versions()["csl"]
    publisher.routes["/consolidated.json"] = Route(v2_bytes(), etag='"v2"')
    rep = update(vs, publisher, fast)
    o = rep.outcomes[0]
    assert rep.ok and rep.swapped, o.message
    assert o.status == NEW and o.previous == before
    assert o.changes == {"added": 1, "removed": 0, "changed": 0}
    assert vs.live_versions()["csl"] == o.version.id != before
    assert PARTNER in live_names(vs)
    assert (vs.root / "versions" / "csl").glob("*.raw.gz")  # the publisher's bytes are kept

    rep = update(vs, publisher, fast)  # same ETag: the publisher says 304
    assert rep.outcomes[0].status == NOT_MODIFIED and not rep.swapped
    assert publisher.requests[-1][1].get("If-None-Match") == '"v2"'

    publisher.routes["/consolidated.json"] = Route(v2_bytes())  # no validators: same bytes again
    rep = update(vs, publisher, fast)
    assert rep.outcomes[0].status == UNCHANGED and not rep.swapped

    state = vs.state()["csl"]
    assert state["status"] == UNCHANGED and state["last_checked"] and state["version"] == vs.live_versions()["csl"]


def _empty() -> bytes:
    return csl_json([])


def _shrunk() -> bytes:
    return csl_json(v1_results()[:60])


def _half_json() -> bytes:
    b = v2_bytes()
    return b[: len(b) // 2]


def _total_mismatch() -> bytes:
    doc = json.loads(v2_bytes())
    doc["total"] = 500
    return json.dumps(doc).encode()


FAULTS = {
    "truncated transfer": (lambda: Route(v2_bytes(), truncate=True), FAILED, "cut off"),
    "HTTP 500": (lambda: Route(v2_bytes(), fail_first=100), FAILED, "HTTP 500"),
    "timeout": (lambda: Route(v2_bytes(), delay=2.5), FAILED, "timeout"),
    "wrong content type": (lambda: Route(b"<html><body>Service unavailable</body></html>", content_type="text/html"),
                           FAILED, "content type"),
    "empty list": (lambda: Route(_empty()), REFUSED, "empty"),
    "gzip bomb": (lambda: Route(gzip.compress(b"[" + b" " * (8 << 20)), content_type="application/gzip"), FAILED, "cap"),
    "sudden shrink": (lambda: Route(_shrunk()), REFUSED, "shrank"),
    "corrupt JSON": (lambda: Route(_half_json()), REFUSED, "not a readable csl file"),
    "file cut off at the publisher": (lambda: Route(_total_mismatch()), REFUSED, "does not hold what it says"),
    "not a CSL file": (lambda: Route(json.dumps({"hello": "world"}).encode()), REFUSED, "not a readable csl file"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_bad_download_never_replaces_the_live_version(vs, publisher, fast, fault):
    # A good version goes live first; then the publisher breaks.
    publisher.routes["/consolidated.json"] = Route(v2_bytes())
    assert update(vs, publisher, fast).swapped
    good = vs.live_versions()["csl"]
    marker, snapshot = vs.marker(), vs.current_snapshot().read_bytes()

    make, status, reason = FAULTS[fault]
    publisher.routes["/consolidated.json"] = make()
    rep = update(vs, publisher, fast)
    o = rep.outcomes[0]
    assert o.status == status, o.message
    assert reason in o.message
    assert not rep.ok and not rep.swapped
    assert vs.live_versions()["csl"] == good and vs.marker() == marker
    assert vs.current_snapshot().read_bytes() == snapshot
    assert PARTNER in live_names(vs)
    st = vs.state()["csl"]
    assert st["status"] == status and reason in st["message"]


def test_a_shrink_is_accepted_when_asked(vs, publisher, fast):
    publisher.routes["/consolidated.json"] = Route(_shrunk())
    rep = update(vs, publisher, fast)
    assert rep.outcomes[0].status == REFUSED and "--accept-shrink" in rep.outcomes[0].message
    rep = update(vs, publisher, fast, accept_shrink=True)
    o = rep.outcomes[0]
    assert o.status == NEW and rep.swapped
    assert any("accepted" in w for w in o.warnings)
    assert o.changes["removed"] > 50


def test_one_failing_source_does_not_block_the_others(vs, publisher, fast, tmp_path):
    publisher.routes["/consolidated.json"] = Route(v2_bytes())
    publisher.routes["/mieu.csv"] = Route(b"", fail_first=100)
    rep = run_update(vs, {"csl": publisher.url("/consolidated.json"), "bis_mieu": publisher.url("/mieu.csv")},
                     options=fast)
    status = {o.source: o.status for o in rep.outcomes}
    assert status == {"csl": NEW, "bis_mieu": FAILED}
    assert rep.swapped and not rep.ok
    assert vs.live_versions()["bis_mieu"].startswith("bis_mieu@2026-07#")  # the bundled one stays


def test_rollback_returns_to_the_previous_version_and_is_not_undone_by_the_next_update(vs, publisher, fast):
    with pytest.raises(VersionStoreError, match="nothing to roll back"):
        vs.rollback("csl")
    bundled = vs.live_versions()["csl"]
    publisher.routes["/consolidated.json"] = Route(v2_bytes(), etag='"v2"')
    update(vs, publisher, fast)
    v2 = vs.live_versions()["csl"]
    with vs.lock():
        pointer = vs.rollback("csl")
    assert pointer["sources"]["csl"] == bundled == vs.live_versions()["csl"]
    assert PARTNER not in live_names(vs)
    with pytest.raises(VersionStoreError, match="no earlier version"):
        vs.rollback("csl")

    rep = update(vs, publisher, fast)  # the publisher still serves v2: not applied again
    assert rep.outcomes[0].status == REFUSED and "rolled back" in rep.outcomes[0].message
    assert publisher.requests[-1][1].get("If-None-Match") is None  # no stale validators after a rollback
    assert vs.live_versions()["csl"] == bundled

    publisher.routes["/consolidated.json"] = Route(v3_bytes())  # a corrected version is
    rep = update(vs, publisher, fast)
    assert rep.outcomes[0].status == NEW
    assert vs.live_versions()["csl"] not in (bundled, v2)
    assert vs.pointer()["rolled_back"] == {}


def test_an_undated_download_is_dated_by_the_fetch(vs, publisher, fast):
    from monitor_support import FIXTURES

    body = (FIXTURES / "us_fcc_covered_list.csv").read_bytes().replace(b"Huawei", b"Huawei Technologies")
    publisher.routes["/table.csv"] = Route(body, content_type="text/csv")
    rep = run_update(vs, {"fcc": publisher.url("/table.csv")}, options=fast)
    o = rep.outcomes[0]
    assert o.status == NEW, o.message
    assert o.version.version.published  # a date, not "undated"
    _, ents = load_snapshot(vs.current_snapshot())
    fcc = [e for e in ents if e.id.startswith("fcc:")]
    assert fcc and all(lst.version == o.version.id for e in fcc for lst in e.listings)


# ---------------------------------------------------------------- the watchlist


def _watch(store, vs, name, **kw):
    from clearway.monitor.watch import screen_target, watch_query

    sc = Screener.load(vs.current_snapshot())
    e = mdb.add_watch(store, name, actor="test", **kw)
    screen_target(sc, store, Target("watch", e.id, watch_query(e)), actor="test")
    return e


def test_a_partner_added_to_the_entity_list_raises_exactly_one_alert(vs, publisher, fast, store):
    partner = _watch(store, vs, "Hefei Quantum Lattice Instruments", country="CN")
    huawei = _watch(store, vs, "Huawei Technologies Co., Ltd.")
    quiet = _watch(store, vs, "Zurich Alpine Dairy Cooperative")
    assert mdb.get_baseline(store, "watch", partner.id)[0] == []
    assert mdb.get_baseline(store, "watch", huawei.id)[0]  # already a hit on v1

    publisher.routes["/consolidated.json"] = Route(v2_bytes(), etag='"v2"')
    rep = update(vs, publisher, fast, store=store, actor="test")
    assert rep.swapped and rep.rescreen.screened == 3
    alerts = mdb.list_alerts(store)
    assert len(alerts) == 1
    a = alerts[0]
    assert (a.kind, a.target_id, a.party) == ("new_hit", partner.id, PARTNER)
    assert a.detail["lists_after"] == ["EL"] and a.list_versions == live_version_ids(vs)
    assert live_version_ids(vs)[0] == rep.outcomes[0].version.id

    # The same version again (304, then unchanged): nothing new.
    update(vs, publisher, fast, store=store, actor="test")
    publisher.routes["/consolidated.json"] = Route(v2_bytes())
    update(vs, publisher, fast, store=store, actor="test")
    assert len(mdb.list_alerts(store)) == 1

    # The partner's listing changes: one listing_changed alert saying what changed.
    publisher.routes["/consolidated.json"] = Route(v3_bytes())
    update(vs, publisher, fast, store=store, actor="test")
    alerts = mdb.list_alerts(store)
    assert [x.kind for x in alerts] == ["listing_changed", "new_hit"]
    assert alerts[0].detail["changes"] == [{"list": "EL", "field": "licence policy",
                                            "before": "Presumption of denial.", "after": "Policy of denial."}]

    # Rolling back undoes the policy change: one more listing_changed alert.
    with vs.lock():
        vs.rollback("csl")
    rs = rescreen_if_stale(vs, store, actor="test")
    assert [x.kind for x in rs.alerts] == ["listing_changed"]

    # Every alert is in the audit trail, which still verifies.
    recs = [r for r in store.records() if r.kind == "alert"]
    assert [r.seq for r in recs] == sorted(a.audit_seq for a in mdb.list_alerts(store))
    assert any(r.kind == "list_update" for r in store.records())
    assert store.verify().ok
    assert quiet.id not in {x.target_id for x in mdb.list_alerts(store)}


def test_removing_an_entry_and_re_screening_only_what_is_stale(vs, publisher, fast, store):
    partner = _watch(store, vs, "Hefei Quantum Lattice Instruments", country="CN")
    mdb.remove_watch(store, partner.id, actor="test")
    publisher.routes["/consolidated.json"] = Route(v2_bytes())
    rep = update(vs, publisher, fast, store=store, actor="test")
    assert rep.rescreen.targets == 0 and mdb.list_alerts(store) == []


def test_registered_targets_are_re_screened_too(vs, publisher, fast, store):
    register_targets("case", lambda st: [Target("case", "case_1:p0", Query(PARTNER), label="Case 1: partner",
                                                baseline=[])])
    try:
        publisher.routes["/consolidated.json"] = Route(v2_bytes())
        rep = update(vs, publisher, fast, store=store, actor="test")
    finally:
        unregister_targets("case")
    [a] = rep.rescreen.alerts
    assert (a.kind, a.target_kind, a.target_id, a.target_name) == ("new_hit", "case", "case_1:p0", "Case 1: partner")


def test_new_alerts_are_posted_signed_to_the_webhook(vs, publisher, fast, store):
    _watch(store, vs, "Hefei Quantum Lattice Instruments", country="CN")
    publisher.routes["/consolidated.json"] = Route(v2_bytes())
    with Receiver() as hook:
        rep = update(vs, publisher, fast, store=store, actor="test", webhook_url=hook.url, webhook_secret="s3cret")
        assert rep.rescreen.webhook == "sent"
        [(headers, body)] = hook.posts
    doc = json.loads(body)
    assert doc["event"] == "alerts" and [a["kind"] for a in doc["alerts"]] == ["new_hit"]
    sig = headers["X-Clearway-Signature"]
    assert sig.startswith("sha256=") and verify_signature("s3cret", body, sig)
    assert not verify_signature("s3cret", body.replace(b"new_hit", b"hit_gone"), sig)
    assert not verify_signature("other", body, sig)
    assert [a.delivery for a in mdb.list_alerts(store)] == ["sent"]


def test_alerts_are_never_posted_unsigned(vs, publisher, fast, store):
    _watch(store, vs, "Hefei Quantum Lattice Instruments", country="CN")
    publisher.routes["/consolidated.json"] = Route(v2_bytes())
    with Receiver() as hook:
        rep = update(vs, publisher, fast, store=store, actor="test", webhook_url=hook.url, webhook_secret="")
        assert hook.posts == []
    assert "not sent" in rep.rescreen.webhook


def test_a_swap_whose_record_was_never_written_is_recorded_by_the_next_update(vs, publisher, fast, store):
    # The first update swaps v2 in but stops before its record (as a crash between the two
    # would): no store is given, so nothing is appended.
    publisher.routes["/consolidated.json"] = Route(v2_bytes(), etag='"v2"')
    first = update(vs, publisher, fast)
    assert first.swapped
    assert not [r for r in store.records() if r.kind == "list_update"]
    # The next update finds v2 unchanged, yet the trail now says v2 went live.
    second = update(vs, publisher, fast, store=store, actor="test", rescreen=False)
    assert not second.swapped
    recs = [r for r in store.records() if r.kind == "list_update"]
    assert len(recs) == 1
    assert recs[0].payload["serial"] == first.pointer["serial"]
    assert recs[0].payload["snapshot"] == first.pointer["snapshot"]
    assert "recovered" in recs[0].payload
    # Once recorded, never again; a real swap afterwards gets its own, ordinary record.
    update(vs, publisher, fast, store=store, actor="test", rescreen=False)
    publisher.routes["/consolidated.json"] = Route(v3_bytes(), etag='"v3"')
    third = update(vs, publisher, fast, store=store, actor="test", rescreen=False)
    assert third.swapped
    recs = [r for r in store.records() if r.kind == "list_update"]
    assert [r.payload["serial"] for r in recs] == [first.pointer["serial"], third.pointer["serial"]]
    assert "recovered" not in recs[1].payload
    assert store.verify().ok
