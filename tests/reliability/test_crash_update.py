"""kill -9 of `clearway update` mid-download, while it stores the new version and while it writes
the new snapshot: each time the previous version stays live and whole; after the kills a fresh
process screens with it, and the next update goes through.

The publisher is a local HTTP server serving a recorded CSL file (the real 2026-07-31 compact CSL
with Entity List entries added). There is no hook into the update: the kill lands mid-download
because the server stalls halfway through the body, and in the later phases because the test
polls for the temporary files the update writes before renaming them into place.
"""

from __future__ import annotations

import json
import shutil
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from crash_support import kill_group, live_snapshot_problems, new_files, spawn, wait_for
from monitor_support import SHARED, PublisherServer, Route, clean_env, clearway, modified_compact

pytestmark = pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared list data not found at {SHARED}")

OLD_PARTNER = "Shenzhen Quantum Lattice Instruments Co., Ltd."  # added by the version that stays live
NEW_PARTNER = "Zhuhai Tidewater Photonic Metrology Co., Ltd."  # added only by the version killed mid-way


def _screen_version(home, name: str) -> tuple[str, list[str]]:
    """(the csl version the best match's EL listing came from, its lists) — screening the name."""
    r = clearway(home, "screen", name, "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    if not doc["matches"]:
        return "", []
    m = doc["matches"][0]
    return next((x["version"] for x in m["listings"] if x["list"] == "EL"), ""), m["lists"]


def _check_previous_live(home, lists_root, old: str) -> None:
    """The version live before the killed update is still live and whole; the lock died with
    the process that held it."""
    from clearway.monitor.versions import VersionStore

    assert live_snapshot_problems(lists_root) == []
    assert json.loads((lists_root / "current.json").read_bytes())["sources"]["csl"] == old
    r = clearway(home, "diff", "csl", "--versions", "--json")
    assert r.returncode == 0, r.stderr
    assert [v["id"] for v in json.loads(r.stdout) if v["live"]] == [old]
    with VersionStore(lists_root).lock(wait=False):
        pass


def test_kill_9_during_a_list_update_keeps_the_previous_version_live(tmp_path):
    t0 = time.monotonic()
    home = tmp_path / "home"
    lists_root = home / "lists"
    db = f"sqlite:///{tmp_path / 'update.db'}"
    v1 = modified_compact(tmp_path, "2026-08-01", add_el=[OLD_PARTNER])
    with ThreadPoolExecutor(max_workers=1) as pool:  # the next version is made while v1 goes live
        setup = pool.submit(clearway, home, "update", "--source", f"csl={v1}", "--db", db)
        v2 = modified_compact(tmp_path, "2026-08-02", add_el=[OLD_PARTNER, NEW_PARTNER])
        r = setup.result()
    assert r.returncode == 0, r.stdout + r.stderr
    old = json.loads((lists_root / "current.json").read_bytes())["sources"]["csl"]
    assert old.startswith("csl@2026-08-01#")
    body = v2.read_bytes()
    path = "/" + v2.name
    env = clean_env(home)
    kills: list[str] = []

    with PublisherServer() as publisher:
        url = publisher.url(path)
        args = ["update", "--source", f"csl={url}", "--db", db, "--retries", "0"]

        def killed_update(moment: str, route: Route, ready) -> None:
            publisher.routes[path] = route
            log = tmp_path / f"update-{len(kills)}.log"
            proc = spawn(args, env, log)
            try:
                wait_for(ready, moment, proc=proc, log=log, interval=0.002)
            finally:
                kill_group(proc)
            kills.append(moment)
            _check_previous_live(home, lists_root, old)

        # 1. Mid-download: the publisher sends half the file, then stalls.
        stalled = Route(body=body, content_type="application/gzip", stall=20.0)

        def mid_download() -> bool:
            if stalled.hits < 1:
                return False
            time.sleep(0.5)  # the first half is on its way; the rest waits for the stall
            return True

        killed_update("the download is half done", stalled, mid_download)

        # 2. After the download, while the new version is written beside the old ones.
        csl_dir = lists_root / "versions" / "csl"
        before = {p.name for p in csl_dir.glob("*.tmp")}
        killed_update("the new version is being stored", Route(body=body, content_type="application/gzip"),
                      lambda: bool(new_files(csl_dir, "*.tmp", before)))

        # 3. While the assembled snapshot is written, before the pointer may switch to it.
        snaps = lists_root / "snapshots"
        before = {p.name for p in snaps.glob("*.tmp")}
        killed_update("the new snapshot is being written", Route(body=body, content_type="application/gzip"),
                      lambda: bool(new_files(snaps, "*.tmp", before)))
        half_written = [p.name for p in snaps.glob("*.tmp")]
        assert half_written  # the kill landed while the snapshot was being written

        # After the three crashes the previous version is what a fresh process loads and screens.
        version, lists = _screen_version(home, OLD_PARTNER)
        assert version == old and "EL" in lists

        # The update after the crashes goes through, and the new version is what screens now.
        publisher.routes[path] = Route(body=body, content_type="application/gzip")
        r = clearway(home, *args)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "Swapped in" in r.stdout

    assert live_snapshot_problems(lists_root) == []
    new = json.loads((lists_root / "current.json").read_bytes())["sources"]["csl"]
    assert new.startswith("csl@2026-08-02#")
    with ThreadPoolExecutor(max_workers=2) as pool:
        verify = pool.submit(clearway, home, "audit", "verify", "--db", db)
        version, matched = _screen_version(home, NEW_PARTNER)
        verify = verify.result()
    assert version == new and "EL" in matched
    assert verify.returncode == 0, verify.stdout
    # The trail holds the two swaps that happened, and none of the killed ones.
    from clearway.store import open_store

    st = open_store(db)
    try:
        swaps = [rec.payload["sources"]["csl"]["to"] for rec in st.records() if rec.kind == "list_update"]
    finally:
        st.close()
    assert swaps == [old, new]

    leftovers = sorted(str(p.relative_to(lists_root)) for p in lists_root.rglob("*.tmp"))

    # The check of the live snapshot can fail: a pointer naming a cut-off snapshot is caught.
    broken = tmp_path / "broken"
    pointer = json.loads((lists_root / "current.json").read_bytes())
    (broken / pointer["snapshot"]).parent.mkdir(parents=True)
    shutil.copy(lists_root / "current.json", broken / "current.json")
    data = (lists_root / pointer["snapshot"]).read_bytes()
    (broken / pointer["snapshot"]).write_bytes(data[: len(data) // 2])
    assert live_snapshot_problems(broken)
    print(f"\nupdate crash: kills={len(kills)} ({'; '.join(kills)}), snapshot left half-written by the "
          f"last kill: {half_written}, temporary files left after the next update: {leftovers}, "
          f"seconds={time.monotonic() - t0:.1f}")
