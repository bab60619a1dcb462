"""Diffs of real list versions from ../shared/data/lists, asserting real changes."""

from __future__ import annotations

import re
from functools import lru_cache

import pytest
from monitor_support import SHARED

from clearway.monitor.diff import describe, diff_entities
from clearway.monitor.versions import VersionStore
from clearway.snapshot import DEFAULT_SNAPSHOT, HISTORY_DIR
from clearway.sources import cn_sanctions, csl, dod_1260h, dpl, ofac
from clearway.sources.base import read_source

pytestmark = pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared list data not found at {SHARED}")


@lru_cache(maxsize=None)
def parsed(module, name: str):
    m = re.search(r"\d{4}-\d{2}-\d{2}", name)  # the file's date, as `clearway update` reads it
    return module.parse(read_source(SHARED / name), published=m.group(0) if m and module is not csl else "")


def diff(module, a: str, b: str, source: str, **kw):
    pa, pb = parsed(module, a), parsed(module, b)
    return diff_entities(pa.entities, pb.entities, source=source, old_version=pa.version,
                         new_version=pb.version, **kw)


def names(entries) -> set[str]:
    return {x.name for x in entries}


def test_sdn_adjacent_days():
    d = diff(ofac, "us_ofac_sdn/sdn_2024-05-02.csv.gz", "us_ofac_sdn/sdn_2024-05-03.csv.gz", "ofac_sdn")
    # On 2024-05-03 OFAC delisted Emperor Aviation Ltd and its seven Maltese-registered aircraft
    # (9H-…), all under RUSSIA-EO14024, and changed nothing else.
    assert names(d.removed) == {"EMPEROR AVIATION LTD", "9H-AMN", "9H-ARK", "9H-EAA", "9H-MAO", "9H-SIS",
                                "9H-SSK", "9H-TIO"}
    assert all(x.listing.programme == "RUSSIA-EO14024" and x.code == "SDN" for x in d.removed)
    assert d.added == [] and d.changed == []
    assert d.paired == {"id": d.unchanged} and d.unchanged > 14_000
    assert d.summary() == {"SDN": {"added": 0, "removed": 8, "changed": 0}}


def test_sdn_a_year_apart():
    d = diff(ofac, "us_ofac_sdn/sdn_2023-08-03.csv.gz", "us_ofac_sdn/sdn_2024-05-02.csv.gz", "ofac_sdn")
    assert len(d.added) > 1000 > len(d.removed) > 0
    assert "programme" in d.field_counts() or "remarks" in d.field_counts()


@pytest.mark.parametrize("a,b", [("dpl_2019-07-09.txt", "dpl_2022-09-07.txt"), ("dpl_2022-09-07.txt", "dpl_2023-11-30.txt")])
def test_dpl_versions(a, b):
    d = diff(dpl, f"us_bis_dpl/{a}", f"us_bis_dpl/{b}", "dpl")
    pa, pb = parsed(dpl, f"us_bis_dpl/{a}"), parsed(dpl, f"us_bis_dpl/{b}")
    # Every entry of both files is accounted for exactly once.
    assert len(d.removed) + len(d.changed) + d.unchanged == len(pa.entities)
    assert len(d.added) + len(d.changed) + d.unchanged == len(pb.entities)
    assert d.added and d.removed and d.changed
    # DPL rows carry no id: renewed denial orders pair by name and show new dates and citations.
    assert d.paired["name"] > 0
    fields = d.field_counts()
    assert fields["end date"] > 0 and fields["citation"] > 0
    renewed = [c for c in d.changed if any(x["field"] == "end date" for x in c.changes)]
    assert all(c.old.name.casefold() == c.new.name.casefold() or any(x["field"] == "name" for x in c.changes)
               for c in renewed)


def test_dpl_2022_to_2023_real_changes():
    d = diff(dpl, "us_bis_dpl/dpl_2022-09-07.txt", "us_bis_dpl/dpl_2023-11-30.txt", "dpl")
    assert "AIDEN DAVIDSON" in names(d.added)
    assert "ABDULAMIR MAHDI" in names(d.removed)
    aero = [c for c in d.changed if c.new.name == "AEROCARGO DEL SUR TRANSPORTATION COMPANY"]
    assert aero and {"start date", "end date", "citation"} <= {x["field"] for x in aero[0].changes}


def test_1260h_releases():
    d = diff(dod_1260h, "us_dod_1260h_2026-08-14.csv", "us_dod_1260h_2026-08-20.csv", "dod_1260h")
    assert d.added == [] and d.removed == []
    assert d.paired == {"id": 222}
    # The 2026-08-20 file writes the AVIC parent with a comma: "Aviation Industry Corporation of China, Ltd."
    avic = [c for c in d.changed if any("Aviation Industry Corporation of China, Ltd." in str(x.get("after"))
                                        for x in c.changes)]
    assert len(avic) >= 15
    assert any(describe(x).startswith("remarks: Parent: Aviation Industry Corporation of China Ltd.")
               for c in avic for x in c.changes)


def test_cn_sanctions_versions():
    d = diff(cn_sanctions, "cn_sanctions_2026-06-29.csv", "cn_sanctions_2026-08-07.csv", "cn_sanctions")
    s = d.summary()
    assert s["CN-UEL"]["added"] > 0 and s["CN-ECL"]["added"] > 0
    assert "Shintaro Ishihara" in names(d.removed)
    renamed = [c for c in d.changed if c.new.name == "Hong Kong Democracy Council"]
    assert renamed and {"field": "name", "before": "Hong Kong Democratic Council",
                        "after": "Hong Kong Democracy Council"} in renamed[0].changes
    assert "addresses" in d.not_compared  # only the newer file carries addresses
    md = d.to_markdown(limit=5)
    assert md.startswith("## What changed in cn_sanctions: 2026-06-29 → 2026-08-07")
    assert "| CN-UEL — China Unreliable Entity List |" in md and "… and" in md


def test_csl_2022_vs_2026():
    d = diff(csl, "us_csl_2022-04.csv.gz", "us_csl_2026-07-31.compact.json.gz", "csl")
    s = d.summary()
    # The Entity List grew from 2,001 to 3,420 entries between the two files.
    assert s["EL"]["added"] > 1000 and s["EL"]["removed"] < s["EL"]["added"] / 5
    # The ids differ between the 2022 CSV and the 2026 compact file: pairs come from names.
    assert d.paired["name"] > 3000
    # The compact file dropped addresses, dates and ids: not compared, said so.
    assert {"addresses", "start date", "end date"} <= set(d.not_compared)
    assert "licence policy" in d.field_counts() and "citation" in d.field_counts()
    out = d.to_dict()
    assert out["counts"]["added"] == len(out["added"]) and out["old"]["published"] == "2022-04-21"
    el_added = {x["name"] for x in out["added"] if x["list"] == "EL"}
    assert "3DiVi OOO" in el_added


def test_list_filter():
    d = diff(csl, "us_csl_2022-04.csv.gz", "us_csl_2026-07-31.compact.json.gz", "csl", list_code="MEU")
    assert set(d.summary()) <= {"MEU"} and d.unchanged > 0


def test_the_bundled_history_makes_2022_and_2026_the_default_csl_pair(tmp_path):
    vs = VersionStore(tmp_path / "lists", bundle=DEFAULT_SNAPSHOT, history_dir=HISTORY_DIR)
    cat = vs.catalogue("csl")
    assert [i.version.published for i in cat[-2:]] == ["2022-04-21", "2026-07-31"]
    assert [i.origin for i in cat[-2:]] == ["history", "bundled"]
    assert [i.version.published for i in vs.catalogue("dod_1260h")] == ["2026-08-14", "2026-08-20"]
    assert [i.version.published for i in vs.catalogue("cn_sanctions")] == ["2026-06-29", "2026-08-07"]
    old = vs.entities(cat[-2])
    new = vs.entities(cat[-1])
    assert len(old) == 14_048 and len(new) == 25_921
    assert not any(n.kind == "weak" for e in new for n in e.names)  # names lent by multi are not the CSL's
