"""Snapshot save/load: a round trip keeps every field; the shipped snapshot loads."""

from __future__ import annotations

import gzip
import time

import orjson
import pytest

from clearway.model import (
    ACRONYM, ALIAS, FORMER, NATIVE, ORGANIZATION, PERSON, PRIMARY, UNKNOWN, WEAK,
    Entity, Identifier, Listing, ListVersion, Name,
)
from clearway.snapshot import (
    DEFAULT_SNAPSHOT, HISTORY_DIR, SnapshotError, entity_from_compact, entity_to_compact,
    load_snapshot, save_snapshot,
)


def _entities() -> list[Entity]:
    full = Entity(
        id="csl:123",
        schema=ORGANIZATION,
        names=[
            Name("Huawei Technologies Co., Ltd.", PRIMARY),
            Name("Huawei", ALIAS),
            Name("华为技术有限公司", NATIVE, "zh"),
            Name("华为", WEAK, "zh"),
            Name("Futurewei", FORMER),
            Name("HW", ACRONYM),
            Name("ファーウェイ", ALIAS, "ja"),  # an alias with a language keeps both
        ],
        listings=[
            Listing(
                list="EL",
                programme="EAR",
                license_requirement="For all items subject to the EAR.",
                license_policy="Presumption of denial.",
                federal_register="84 FR 22963; 85 FR 29853",
                start_date="2019-05-16",
                end_date="",
                source_url="https://www.bis.gov/entity-list",
                version="csl@2026-07-31#4cb2be849d97",
                remarks="See also ...",
            ),
            Listing(list="1260H", start_date="2021-06-03", end_date="2025-01-07", version="dod_1260h@2026-08-20#502dfa5a9af6"),
        ],
        countries=["CN", "HK"],
        addresses=["Bantian, Longgang District, Shenzhen"],
        birth_dates=[],
        identifiers=[Identifier("USCC", "914403001922038216", "CN"), Identifier("LEI", "5493001KJTIIGC8Y1R12")],
    )
    person = Entity(
        id="cn_sanctions:abc",
        schema=PERSON,
        names=[Name("Marco Rubio", PRIMARY), Name("鲁比欧", NATIVE, "zh")],
        listings=[Listing(list="CN-AFSL")],
        birth_dates=["1971-05-28", "1971"],
    )
    bare = Entity(id="multi:x", schema=UNKNOWN, names=[], listings=[])
    return [full, person, bare]


def _versions() -> list[ListVersion]:
    return [
        ListVersion("csl", "2026-07-31", "4cb2be849d97" + "0" * 52, "https://example.org/c.json", 25921),
        ListVersion("ndaa_1286", "", "e9b929ff5780" + "1" * 52),
    ]


def test_round_trip_preserves_every_field(tmp_path):
    path = save_snapshot(tmp_path / "s.json.gz", _versions(), _entities())
    versions, entities = load_snapshot(path)
    assert versions == _versions()
    assert entities == _entities()
    assert [v.id for v in versions] == [v.id for v in _versions()]


def test_file_layout_is_compact(tmp_path):
    path = save_snapshot(tmp_path / "s.json.gz", _versions(), _entities(), built="2026-08-20T00:00:00Z")
    doc = orjson.loads(gzip.decompress(path.read_bytes()))
    assert doc["format"] == 1 and doc["built"] == "2026-08-20T00:00:00Z"
    full, person, bare = doc["entities"]
    assert full["names"][1] == "Huawei"  # plain alias: a bare string
    assert full["names"][0] == {"value": "Huawei Technologies Co., Ltd.", "kind": "primary"}
    assert full["names"][6] == {"value": "ファーウェイ", "lang": "ja"}
    assert "end_date" not in full["listings"][0] and full["listings"][1]["end_date"] == "2025-01-07"
    assert "birth_dates" not in full and "addresses" not in person
    assert full["identifiers"][1] == {"kind": "LEI", "value": "5493001KJTIIGC8Y1R12"}
    assert person["listings"] == [{"list": "CN-AFSL"}]
    assert bare == {"id": "multi:x", "schema": UNKNOWN, "names": [], "listings": []}
    assert entity_from_compact(entity_to_compact(_entities()[0])) == _entities()[0]


def test_reproducible_bytes(tmp_path):
    a = save_snapshot(tmp_path / "a.json.gz", _versions(), _entities(), built="x").read_bytes()
    b = save_snapshot(tmp_path / "b.json.gz", _versions(), _entities(), built="x").read_bytes()
    assert a == b


def test_not_a_snapshot(tmp_path):
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(b"not gzip")
    with pytest.raises(SnapshotError):
        load_snapshot(bad)
    bad.write_bytes(gzip.compress(b'{"format": 99, "versions": [], "entities": []}'))
    with pytest.raises(SnapshotError, match="format"):
        load_snapshot(bad)


@pytest.mark.skipif(not DEFAULT_SNAPSHOT.is_file(), reason="snapshot not built (scripts/build_snapshot.py)")
def test_shipped_snapshot_loads():
    t = time.perf_counter()
    versions, entities = load_snapshot()
    elapsed = time.perf_counter() - t
    assert {v.source for v in versions} == {
        "csl", "dod_1260h", "ndaa_1286", "fcc", "bis_mieu", "cn_sanctions", "cn_mofcom", "multi"
    }
    assert len(entities) > 28000
    assert len({e.id for e in entities}) == len(entities)
    codes = {x.list for e in entities for x in e.listings}
    assert {"SDN", "EL", "1260H", "1286", "FCC", "MIEU", "CN-UEL", "CN-ECL", "UFLPA", "METI-EUL", "CA-NRO"} <= codes
    assert "EL" not in {e.listings[0].list for e in entities if e.id.startswith("multi:")}
    assert elapsed < 3.0  # ~0.2 s on the dev machine; generous for slow CI
    assert {p.name for p in HISTORY_DIR.glob("*.json.gz")} >= {
        "csl@2022-04-21.json.gz", "dod_1260h@2026-08-14.json.gz", "cn_sanctions@2026-06-29.json.gz"
    }
