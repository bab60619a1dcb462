"""Watchlist, baselines and alerts in the store, on SQLite and on PostgreSQL (migration 0003)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))
from service_support import pg_schema  # noqa: E402

from clearway.store import monitor as mdb  # noqa: E402


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request, tmp_path):
    from clearway.store import open_store

    if request.param == "sqlite":
        st = open_store(f"sqlite:///{tmp_path / 's.db'}")
        yield st
        st.close()
        return
    with pg_schema() as (_, url):
        st = open_store(url)
        yield st
        st.close()


def test_watchlist_baselines_alerts(any_store):
    st = any_store
    e = mdb.add_watch(st, "Hefei Quantum Lattice Instruments", actor="cli:test", country="CN", note="NSF 24-117")
    assert mdb.find_watch(st, "hefei  quantum lattice INSTRUMENTS", "CN", None) == e
    assert mdb.find_watch(st, "Hefei Quantum Lattice Instruments", "US", None) is None
    assert [x.id for x in mdb.list_watch(st)] == [e.id]

    assert mdb.get_baseline(st, "watch", e.id) is None
    mdb.save_baseline(st, "watch", e.id, [], ["csl@2026-07-31#4cb2be849d97"])
    mdb.save_baseline(st, "watch", e.id, [{"id": "csl:1", "lists": ["EL"]}], ["csl@2026-08-01#db688f60b97e"])
    assert mdb.get_baseline(st, "watch", e.id) == ([{"id": "csl:1", "lists": ["EL"]}], ["csl@2026-08-01#db688f60b97e"])

    a = mdb.add_alert(st, actor="cli:test", kind="new_hit", target_kind="watch", target_id=e.id, target_name=e.name,
                      entity_id="csl:1", party="Hefei Quantum Lattice Instruments Co., Ltd.",
                      detail={"lists_before": [], "lists_after": ["EL"]}, list_versions=["csl@2026-08-01#db688f60b97e"])
    with pytest.raises(ValueError):
        mdb.add_alert(st, actor="x", kind="bogus", target_kind="watch", target_id="w", target_name="n",
                      entity_id="e", party="p", detail={}, list_versions=[])
    [got] = mdb.list_alerts(st)
    assert got == a and got.audit_seq is not None
    mdb.set_delivery(st, [a.id], "sent")
    assert mdb.list_alerts(st, kind="new_hit")[0].delivery == "sent"
    assert mdb.list_alerts(st, kind="hit_gone") == []

    mdb.remove_watch(st, e.id, actor="cli:test")
    assert mdb.list_watch(st) == [] and mdb.get_baseline(st, "watch", e.id) is None
    with pytest.raises(mdb.UnknownWatchError):
        mdb.remove_watch(st, e.id, actor="cli:test")
    kinds = [r.kind for r in st.records()]
    assert kinds == ["watch", "alert", "watch"] and st.verify().ok
