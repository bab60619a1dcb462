"""The version store: seeding from the bundle, the atomic pointer, the lock, hot reload in process."""

from __future__ import annotations

import pytest
from monitor_support import FIXTURES, csl_json, el_record, load_v1

from clearway.monitor.live import ScreenerHolder
from clearway.monitor.versions import VersionStore, VersionStoreError, current_snapshot_path
from clearway.snapshot import DEFAULT_SNAPSHOT, HISTORY_DIR, entity_to_compact, load_snapshot
from clearway.sources import csl


def _store_v2(vs):
    p = csl.parse(csl_json(load_v1()["results"] + [el_record("Test Partner Optics Co., Ltd.", rid="p-1")]),
                  published="2026-08-02")
    return vs.store(p.version, p.entities, None, origin="file")


def test_the_first_swap_reproduces_the_bundled_snapshot_exactly(tmp_path):
    """Seeding splits the bundle per source (native names lent by multi go to carrier records)
    and assembles it again: the same versions, the same entities, the same names."""
    vs = VersionStore(tmp_path / "lists", bundle=DEFAULT_SNAPSHOT, history_dir=HISTORY_DIR)
    with vs.lock():
        pointer = vs.swap({}, reason="test")
    bv, be = load_snapshot(DEFAULT_SNAPSHOT)
    sv, se = load_snapshot(vs.current_snapshot())
    assert [v.id for v in sv] == [v.id for v in bv] == list(pointer["sources"].values())
    assert [entity_to_compact(e) for e in se] == [entity_to_compact(e) for e in be]


def test_without_a_pointer_the_bundle_is_live(tmp_path, monkeypatch):
    monkeypatch.setenv("CLEARWAY_HOME", str(tmp_path / "fresh"))
    assert current_snapshot_path() == DEFAULT_SNAPSHOT


def test_swap_rollback_and_pruning(vs):
    bundled = vs.live_versions()["csl"]
    info = _store_v2(vs)
    for _ in range(3):
        with vs.lock():
            vs.swap({"csl": info.id}, reason="test")
            vs.rollback("csl")
    with vs.lock():
        p = vs.swap({"csl": info.id}, reason="test")
    assert p["serial"] == 7 and vs.live_versions()["csl"] == info.id
    assert p["history"]["csl"] == [bundled]
    snaps = sorted((vs.root / "snapshots").glob("*.json.gz"))
    assert len(snaps) == 4 and snaps[-1] == vs.current_snapshot()
    assert not list(vs.root.glob("*.tmp")) and not list(vs.root.glob(".*.tmp"))


def test_a_broken_pointer_is_reported_not_ignored(vs):
    vs.root.mkdir(parents=True, exist_ok=True)
    vs.pointer_path.write_text("{not json")
    with pytest.raises(VersionStoreError, match="not JSON"):
        vs.current_snapshot()
    assert vs.marker() == "broken"


def test_one_updater_at_a_time(vs):
    with vs.lock():
        with pytest.raises(VersionStoreError, match="another update is running"):
            with vs.lock(wait=False):
                pass


def test_the_holder_swaps_only_complete_screeners(vs):
    holder = ScreenerHolder.load(vs)
    first = holder.current
    assert holder.refresh() is False and holder.current is first
    info = _store_v2(vs)
    with vs.lock():
        vs.swap({"csl": info.id}, reason="test")
    assert holder.refresh() is True and holder.current is not first
    assert info.id in {v.id for v in holder.current.versions}
    assert holder.current.screen("Test Partner Optics Co., Ltd.").matches

    def broken(path):
        raise OSError("disk on fire")

    second = holder.current
    holder._loader = broken
    with vs.lock():
        vs.rollback("csl")
    assert holder.refresh() is False and holder.current is second and "disk on fire" in holder.last_error
    assert (FIXTURES / "csl_v1.json").exists()
