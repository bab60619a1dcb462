"""The live-list commands as a user runs them: subprocesses with CLEARWAY_HOME in tmp_path."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from monitor_support import SHARED, clearway, free_port, modified_compact

needs_data = pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared list data not found at {SHARED}")
PARTNER = "Shenzhen Quantum Lattice Instruments Co., Ltd."


def parallel(home, *arg_lists):
    with ThreadPoolExecutor(max_workers=len(arg_lists)) as pool:
        return list(pool.map(lambda a: clearway(home, *a), arg_lists))


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


def test_diff_with_the_bundled_data_alone_is_csl_2022_vs_2026(home):
    r = clearway(home, "diff", "csl", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert (d["old"]["published"], d["new"]["published"]) == ("2022-04-21", "2026-07-31")
    assert d["by_list"]["EL"]["added"] > 1000
    assert "addresses" in d["not_compared"]


def test_unreachable_publisher_and_bad_arguments_fail_clearly(home):
    port = free_port()  # nothing listens there
    r = clearway(home, "update", "--source", f"csl=http://127.0.0.1:{port}/consolidated.json", "--retries", "0")
    assert r.returncode == 1
    assert "failed" in r.stdout and "cannot connect to 127.0.0.1" in r.stdout
    assert "the live lists stay" in r.stdout
    r = clearway(home, "update", "--source", "nope=http://x")
    assert r.returncode == 2 and "unknown source 'nope'" in r.stderr
    r = clearway(home, "update", "--rollback", "csl")
    assert r.returncode == 2 and "nothing to roll back" in r.stderr
    r = clearway(home, "update", "--schedule", "5s")
    assert r.returncode == 2 and "shorter than a minute" in r.stderr
    r = clearway(home, "diff", "NOPE")
    assert r.returncode == 2 and "unknown list or source" in r.stderr


@needs_data
def test_update_watch_alerts_diff_rollback(home, tmp_path):
    r = clearway(home, "watch", "add", "Shenzhen Quantum Lattice Instruments", "--country", "CN")
    assert r.returncode == 0 and "now: no hit" in r.stdout, r.stderr
    entry_id = r.stdout.split()[1].rstrip(":")
    r = clearway(home, "watch", "add", "shenzhen quantum  lattice instruments", "--country", "CN")
    assert r.returncode == 2 and "already on the watchlist" in r.stderr

    newer = modified_compact(tmp_path, "2026-08-01", add_el=[PARTNER])
    r = clearway(home, "update", "--source", f"csl={newer}")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "csl@2026-08-01#" in r.stdout and "(+1 −0 ~0 since csl@2026-07-31#" in r.stdout
    assert "1 alert(s)" in r.stdout

    alerts, lists, md = parallel(home, ["alerts", "--json"], ["lists", "--json"], ["diff", "EL", "--markdown"])
    alerts = json.loads(alerts.stdout)
    assert [(a["kind"], a["target_id"], a["party"]) for a in alerts] == [("new_hit", entry_id, PARTNER)]
    lists = {row["code"]: row for row in json.loads(lists.stdout)}
    assert lists["EL"]["as_of"] == "2026-08-01" and lists["EL"]["entities"] == 3421
    assert lists["EL"]["last_checked"] and lists["UFLPA"]["last_checked"] == ""
    assert "**1 added**" in md.stdout and f"**{PARTNER}** — EL · CN · 91 FR 10001" in md.stdout

    r = clearway(home, "update", "--rollback", "csl")
    assert r.returncode == 0 and "Rolled csl back" in r.stdout, r.stderr
    alerts, again, verify = parallel(home, ["alerts", "--json"], ["update", "--source", f"csl={newer}"],
                                     ["audit", "verify"])
    assert [a["kind"] for a in json.loads(alerts.stdout)] == ["hit_gone", "new_hit"]
    assert again.returncode == 1 and "rolled back by hand" in again.stdout
    assert verify.returncode == 0 and "chain verified" in verify.stdout


def test_watch_import_list_remove(home, tmp_path):
    f = tmp_path / "partners.csv"
    f.write_text("id,name,country,schema\n1,Huawei Technologies Co. Ltd.,CN,\n2,Zurich Alpine Dairy Cooperative,CH,\n"
                 "3,,,\n1,Huawei Technologies Co. Ltd.,CN,\n", encoding="utf-8")
    r = clearway(home, "watch", "import", f, "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert len(doc["added"]) == 2 and doc["already_watched"] == 1 and doc["bad_rows"] == 1 and doc["with_hits"] == 1
    rows = json.loads(clearway(home, "watch", "list", "--json").stdout)
    huawei = next(x for x in rows if x["name"].startswith("Huawei"))
    assert "EL" in {c for h in huawei["hits"] for c in h["lists"]}
    r = clearway(home, "watch", "remove", huawei["id"])
    assert r.returncode == 0
    assert len(json.loads(clearway(home, "watch", "list", "--json").stdout)) == 1
    r = clearway(home, "watch", "remove", huawei["id"])
    assert r.returncode == 2 and "no watchlist entry" in r.stderr
