"""Parsers for the non-CSL lists (1260H, §1286, FCC, MIEU, China lists, multi) on the real files."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from clearway.model import ALIAS, FORMER, NATIVE, ORGANIZATION, PERSON, PRIMARY, WEAK
from clearway.sources import bis_mieu, cn_mofcom, cn_sanctions, dod_1260h, fcc, multi, ndaa_1286
from clearway.sources.base import SourceFormatError, read_source

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "lists"

if not SHARED.is_dir():
    pytest.skip(f"shared list data not found at {SHARED}", allow_module_level=True)

# The data's dates are in 2026; judge "current" on a fixed day so the tests do not age.
TODAY = date(2026, 9, 1)


def _parse(module, filename: str):
    return module.parse(read_source(SHARED / filename))


@pytest.fixture(scope="module")
def p1260h():
    return _parse(dod_1260h, "us_dod_1260h_2026-08-20.csv")


@pytest.fixture(scope="module")
def p1286():
    return _parse(ndaa_1286, "us_ndaa_1286.csv")


@pytest.fixture(scope="module")
def pfcc():
    return _parse(fcc, "us_fcc_covered_list.csv")


@pytest.fixture(scope="module")
def pcn():
    return _parse(cn_sanctions, "cn_sanctions_2026-08-07.csv")


@pytest.fixture(scope="module")
def pmofcom():
    return _parse(cn_mofcom, "cn_mofcom_lists_2026-07-19.json")


@pytest.fixture(scope="module")
def pmulti():
    return _parse(multi, "multi_restricted_parties_2026-08-18.json.gz")


def _find(parsed, name: str):
    """The entity with ``name`` among its names (exactly one)."""
    hits = [e for e in parsed.entities if any(n.value == name for n in e.names)]
    assert len(hits) == 1, (name, [e.caption for e in hits])
    return hits[0]


def _names(entity, kind=None) -> list[str]:
    return [n.value for n in entity.names if kind is None or n.kind == kind]


def _ids_ok(parsed, prefix: str) -> None:
    ids = [e.id for e in parsed.entities]
    assert len(ids) == len(set(ids))
    assert all(i.startswith(prefix + ":") for i in ids)
    assert parsed.version.records == len(parsed.entities)


# ---------------------------------------------------------------------------------------------
# DoD 1260H
# ---------------------------------------------------------------------------------------------


def test_1260h_groups_releases_into_companies(p1260h):
    assert p1260h.problems == []
    _ids_ok(p1260h, "dod_1260h")
    # 397 release rows -> 222 companies; 204 still listed, 18 formerly listed.
    assert len(p1260h.entities) == 222
    current = [e for e in p1260h.entities if e.is_current(TODAY)]
    assert len(current) == 204
    assert len(p1260h.entities) - len(current) == 18
    assert sum(len(e.listings) for e in p1260h.entities) == 397  # one listing per release row
    assert all(e.schema == ORGANIZATION and e.countries == ["CN"] for e in p1260h.entities)


def test_1260h_names_as_published(p1260h):
    knownsec = _find(p1260h, "Beijing Zhidao Chuangyu Information Technology Co., Ltd. (Knownsec)*")
    primaries = _names(knownsec, PRIMARY)
    # the newest release's Name is the caption; the 2022 Name (with its asterisk) stays primary too
    assert knownsec.caption == "Beijing Zhidao Chuangyu Information Technology Co., Ltd. (Knownsec)"
    assert "Beijing Zhidao Chuangyu Information Technology Co., Ltd. (Knownsec)*" in primaries
    assert {"Knownsec", "Beijing Kownsec", "Beijing Zhidao Chuangyu Information Technology Co., Ltd."} <= set(
        _names(knownsec, ALIAS)
    )
    assert [(x.start_date, x.end_date) for x in knownsec.listings] == [
        ("2022-10-05", ""), ("2025-01-07", ""), ("2026-06-08", "")
    ]
    assert knownsec.listings[-1].remarks.startswith("Knownsec is directly affiliated with MIIT")
    assert knownsec.listings[-1].source_url.endswith("SECTION-1260H.PDF")

    phenix = _find(p1260h, "Phenix Optical Company Limited (formerly Phoenix Optics Company Limited)")
    assert _names(phenix, FORMER) == ["Phoenix Optics Company Limited"]


def test_1260h_release_spellings_are_one_company(p1260h):
    # "AVIC Jonhon" (2021) / "AVIC JONHON" (2025); "Co Ltd." / "Co., Ltd."
    jonhon = _find(p1260h, "AVIC Jonhon Optronic Technology Co., Ltd. (AVIC Jonhon)*")
    assert [x.start_date for x in jonhon.listings] == ["2021-06-03", "2025-01-07", "2026-06-08"]
    gtcom = _find(p1260h, "Global Tone Communication Technology Co Ltd. (GTCOM)*")
    assert [x.start_date for x in gtcom.listings] == ["2022-10-05", "2025-01-07", "2026-06-08"]


def test_1260h_delisted_company_is_formerly_listed(p1260h):
    megvii = _find(p1260h, "Beijing Megvii Technology Co., Ltd. (Megvii)")
    assert [(x.start_date, x.end_date) for x in megvii.listings] == [("2024-01-31", "2025-01-07")]
    assert not megvii.is_current(TODAY)
    # removed in February 2026, listed again in June 2026: current
    ymtc = _find(p1260h, "Yangtze Memory Technologies Co., Ltd. (YMTC)")
    assert [x.end_date for x in ymtc.listings] == ["", "2026-02-17", ""]
    assert ymtc.is_current(TODAY)


def test_1260h_ids_stable_across_versions(p1260h):
    older = _parse(dod_1260h, "us_dod_1260h_2026-08-14.csv")
    assert {e.id for e in older.entities} == {e.id for e in p1260h.entities}


# ---------------------------------------------------------------------------------------------
# NDAA §1286
# ---------------------------------------------------------------------------------------------


def test_1286_grouped_by_name(p1286):
    assert p1286.problems == []
    _ids_ok(p1286, "ndaa_1286")
    assert len(p1286.entities) == 190  # 443 report-year rows
    assert sum(len(e.listings) for e in p1286.entities) == 443
    amms = _find(p1286, "Academy of Military Medical Sciences")
    assert [x.start_date for x in amms.listings] == ["2022", "2024", "2025"]
    assert "AMMS" in _names(amms, ALIAS)
    assert amms.countries == ["CN"]  # blank in 2022, "China" later
    # spellings differing in case / dash become one entity
    sysu = _find(p1286, "Sun Yat-sen University")
    assert len(sysu.listings) == 4
    sia = _find(p1286, "Chinese Academy of Sciences - Shenyang Institute of Automation")
    assert "Chinese Academy of Sciences – Shenyang Institute of Automation" in _names(sia)


def test_1286_end_dates_and_countries(p1286):
    mabna = _find(p1286, "Mabna Institute")
    assert {x.end_date for x in mabna.listings} == {"2026-07-23"}
    assert not mabna.is_current(TODAY)
    assert mabna.countries == []  # never given
    assert Counter(c for e in p1286.entities for c in e.countries) == {"CN": 108, "RU": 33, "IR": 9}


# ---------------------------------------------------------------------------------------------
# FCC Covered List
# ---------------------------------------------------------------------------------------------


def test_fcc_extracts_companies(pfcc):
    _ids_ok(pfcc, "fcc")
    captions = {e.caption for e in pfcc.entities}
    assert {
        "Huawei Technologies Company",
        "ZTE Corporation",
        "Hytera Communications Corporation",
        "Hangzhou Hikvision Digital Technology Company",
        "Dahua Technology Company",
        "China Mobile International USA Inc.",
        "China Telecom (Americas) Corp.",
        "China Unicom (Americas) Operations Limited",
        "Pacific Networks Corp",
        "ComNet (USA) LLC",
        "Digitalsystem Technology Inc.",
    } <= captions
    huawei = _find(pfcc, "Huawei Technologies Company")
    assert huawei.listings[0].start_date == "2021-03-12"
    assert huawei.listings[0].remarks.startswith("Telecommunications equipment produced by Huawei")
    # the four "foreign-produced ..." category rows name no company
    assert len(pfcc.problems) == 4 and all("names no company" in p for p in pfcc.problems)


def test_fcc_same_company_twice_is_one_entity(pfcc):
    kaspersky = _find(pfcc, "AO Kaspersky Lab")
    assert kaspersky.caption == "Kaspersky Lab, Inc."
    assert [x.start_date for x in kaspersky.listings] == ["2022-03-25", "2024-07-23"]
    assert len(pfcc.entities) == 12


def test_fcc_company_forms():
    assert fcc.companies_in("Gear produced or provided by Foo Co., Ltd. (and its subsidiaries and affiliates).") == [
        "Foo Co., Ltd."
    ]
    assert fcc.companies_in("Routers produced in a foreign country.") == []
    assert fcc.iso_date("December 22, 2025Updated:January 7, 2026") == "2025-12-22"


# ---------------------------------------------------------------------------------------------
# BIS MIEU
# ---------------------------------------------------------------------------------------------


def test_bis_mieu():
    parsed = _parse(bis_mieu, "us_bis_mieu.csv")
    assert parsed.problems == []
    _ids_ok(parsed, "bis_mieu")
    assert len(parsed.entities) == 13
    gru = _find(parsed, "Main Intelligence Directorate")
    assert _names(gru, ALIAS) == ["GRU"] and gru.countries == ["RU"]
    assert gru.listings[0].list == "MIEU" and gru.listings[0].start_date == "2021-03-16"


# ---------------------------------------------------------------------------------------------
# China: countermeasures, UEL, export control, TAO
# ---------------------------------------------------------------------------------------------


def test_cn_sanctions_counts(pcn):
    assert pcn.problems == []
    _ids_ok(pcn, "cn_sanctions")
    # 610 rows -> 449 parties (one party is often named in several announcements)
    assert len(pcn.entities) == 449
    with_native = [e for e in pcn.entities if any(n.kind == NATIVE and n.lang == "zh" for n in e.names)]
    assert len(with_native) == 412
    by_list = Counter(x.list for e in pcn.entities for x in e.listings)
    assert by_list == {"CN-AFSL": 268, "CN-ECL": 153, "CN-UEL": 66, "CN-ECWL": 40, "CN-TAO": 37}
    assert Counter(e.schema for e in pcn.entities) == {ORGANIZATION: 283, PERSON: 166}
    assert all(len(c) == 2 and c.isupper() for e in pcn.entities for c in e.countries)


def test_cn_sanctions_lockheed(pcn):
    lm = _find(pcn, "Lockheed Martin Corporation")
    assert "洛克希德·马丁公司" in _names(lm, NATIVE)
    assert [(x.list, x.start_date) for x in lm.listings] == [("CN-UEL", "2023-02-16"), ("CN-ECL", "2025-01-02")]
    assert lm.countries == ["US"]


def test_cn_sanctions_grouping_and_dates(pcn):
    # three rows (UEL 16.02.23, AFSL 21.06.24 and the same AFSL announcement again) -> two listings
    taiclet = _find(pcn, "James Donald Taiclet")
    assert [(x.list, x.start_date) for x in taiclet.listings] == [("CN-UEL", "2023-02-16"), ("CN-AFSL", "2024-06-21")]
    assert {"詹姆斯·唐纳德·泰克里特", "詹姆斯·泰克里特"} <= set(_names(taiclet, NATIVE))
    assert [i.value for i in _wikidata(taiclet)] == ["Q110610881"]
    hsiao = _find(pcn, "Bi-khim Hsiao")
    assert {x.list for x in hsiao.listings} == {"CN-TAO"} and hsiao.schema == PERSON
    skyla = _find(pcn, "Skyla")
    assert (skyla.listings[0].start_date, skyla.listings[0].end_date) == ("2022-08-03", "2023-07-13")
    assert not skyla.is_current(TODAY)
    jaxa = _find(pcn, "Japan Aerospace Exploration Agency")
    assert jaxa.countries == ["JP"] and "JAXA" in _names(jaxa, ALIAS)


def _wikidata(entity):
    return [i for i in entity.identifiers if i.kind == "wikidata"]


def test_cn_sanctions_list_codes():
    assert cn_sanctions.list_code("Ministry of Commerce", "UEL") == "CN-UEL"
    assert cn_sanctions.list_code("Ministry of Commerce", "List of Export Controls") == "CN-ECL"
    assert cn_sanctions.list_code("Ministry of Commerce", "Export Control Watch List") == "CN-ECWL"
    assert cn_sanctions.list_code("Taiwan Work Office of the CPC Central Committee", "") == "CN-TAO"
    assert cn_sanctions.list_code("Ministry of Foreign Affairs", "") == "CN-AFSL"
    assert cn_sanctions.list_code("Ministry of Commerce", "List of Targets of Countermeasures") == "CN-AFSL"
    assert cn_sanctions.iso_date("02.12.2019") == "2019-12-02"
    assert cn_sanctions.iso_date("16.02.23") == "2023-02-16"
    assert cn_sanctions.iso_date("2019-12-02") is None


def test_cn_sanctions_older_version():
    older = _parse(cn_sanctions, "cn_sanctions_2026-06-29.csv")
    assert older.problems == [] and len(older.entities) == 259


# ---------------------------------------------------------------------------------------------
# MOFCOM registry JSON
# ---------------------------------------------------------------------------------------------


def test_mofcom(pmofcom):
    _ids_ok(pmofcom, "cn_mofcom")
    assert len(pmofcom.entities) == 240
    assert Counter(e.listings[0].list for e in pmofcom.entities) == {"CN-ECL": 139, "CN-UEL": 61, "CN-ECWL": 40}
    assert all(e.countries == [] for e in pmofcom.entities)  # "cn" is the list's country
    subaru = _find(pmofcom, "SUBARU Corporation")
    assert subaru.names[1].value == "斯巴鲁株式会社" and subaru.names[1].kind == NATIVE and subaru.names[1].lang == "zh"
    assert subaru.listings[0].start_date == "2026-02-24"
    # two publisher ids are used twice: kept apart, reported
    assert len(pmofcom.problems) == 2 and all("repeats" in p for p in pmofcom.problems)


# ---------------------------------------------------------------------------------------------
# casslab-kaist multi-list JSON
# ---------------------------------------------------------------------------------------------


def _on(parsed, code):
    return [e for e in parsed.entities if e.listings[0].list == code]


def test_multi_list_counts(pmulti):
    _ids_ok(pmulti, "multi")
    raw = json.loads(gzip.decompress((SHARED / "multi_restricted_parties_2026-08-18.json.gz").read_bytes()))
    assert Counter(r["source"]["list_id"] for r in raw)["us-dhs-uflpa"] == 144
    # UFLPA: 144 records, "Xinjiang Energy" twice under one id -> 143 parties
    assert len(_on(pmulti, "UFLPA")) == 143
    assert len(_on(pmulti, "METI-EUL")) == 835
    nro = _on(pmulti, "CA-NRO")
    assert len(nro) == 103
    assert Counter(c for e in nro for c in e.countries) == {"CN": 85, "IR": 12, "RU": 6}
    assert all(e.schema == ORGANIZATION for e in nro)
    assert all(e.countries == ["CN"] for e in _on(pmulti, "UFLPA"))


def test_multi_native_names(pmulti):
    # US lists: brand / parent-level native names are weak
    cambricon = _find(pmulti, "Anhui Cambricon Information Technology Co., Ltd.")
    assert [(n.value, n.kind, n.lang) for n in cambricon.names if n.value == "寒武纪"] == [("寒武纪", WEAK, "zh")]
    # METI: native names in the party's script
    meti = [e for e in _on(pmulti, "METI-EUL") if e.caption.startswith("10th Research Institute of China Electronic")]
    assert [(n.kind, n.lang) for n in meti[0].names[1:]] == [(NATIVE, "zh")]
    # the Korean translation is dropped for a Chinese party, kept for a North Korean one
    assert not any(n.lang == "ko" for n in meti[0].names)
    koryo = _find(pmulti, "Air Koryo")
    assert ("고려항공", NATIVE, "ko") in [(n.value, n.kind, n.lang) for n in koryo.names]
    assert koryo.countries == ["KP"]


def test_multi_korean_countries_cover_the_file():
    raw = json.loads(gzip.decompress((SHARED / "multi_restricted_parties_2026-08-18.json.gz").read_bytes()))
    values = {c for r in raw for c in r["countries"]}
    for value in values:
        codes, unknown = multi.korean_countries(value)
        assert codes and not unknown, value
    assert multi.korean_countries("중국/홍콩") == (["CN", "HK"], [])


def test_script_lang():
    assert multi.script_lang("华为") == "zh"
    assert multi.script_lang("スバル株式会社") == "ja"
    assert multi.script_lang("고려항공") == "ko"
    assert multi.script_lang("Газпром") == "ru"
    assert multi.script_lang("Huawei") is None


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------

CSV_PARSERS = [dod_1260h, ndaa_1286, fcc, bis_mieu, cn_sanctions]
JSON_PARSERS = [cn_mofcom, multi]


@pytest.mark.parametrize("module", CSV_PARSERS + JSON_PARSERS)
def test_empty_input_is_a_format_error(module):
    with pytest.raises(SourceFormatError):
        module.parse(b"")
    with pytest.raises(SourceFormatError):
        module.parse(b"  \n")


@pytest.mark.parametrize("module", CSV_PARSERS)
def test_wrong_columns_is_a_format_error(module):
    with pytest.raises(SourceFormatError, match="missing column"):
        module.parse(b"id,title,when\n1,foo,2020\n")
    with pytest.raises(SourceFormatError):
        module.parse(gzip.compress(b"\x00\x01\x02 binary"))


@pytest.mark.parametrize("module", JSON_PARSERS)
def test_wrong_json_shape_is_a_format_error(module):
    with pytest.raises(SourceFormatError, match="invalid JSON"):
        module.parse(b"id,name\n1,x\n")
    with pytest.raises(SourceFormatError, match="array"):
        module.parse(b'{"entities": []}')
    with pytest.raises(SourceFormatError):
        module.parse(b"[]")
    with pytest.raises(SourceFormatError, match="keys"):
        module.parse(b'[{"foo": 1}, {"bar": 2}]')


def test_bad_csv_records_are_reported_not_fatal():
    data = (
        "Name,Clean Name,Alias,Previous Name,Parent Name,Note,Start date,End date,Source Url\n"
        "Foo Co. (Foo)*,Foo Co.,Foo,,,,2021-06-03,,\n"
        ",,,,,,2021-06-03,,\n"
        "Bar Ltd,Bar Ltd,,,,,03/06/2021,,\n"
        "Baz,Baz,,,,,2021-06-03,,,extra,cells\n"
    ).encode()
    parsed = dod_1260h.parse(gzip.compress(data))  # gzip is undone too
    assert [e.caption for e in parsed.entities] == ["Foo Co. (Foo)*"]
    assert parsed.problems == [
        "record 2: no name",
        "record 3: bad start date '03/06/2021'",
        "record 4: 2 field(s) more than the header (misquoted row?)",
    ]

    cn = (
        "Type,QID,Name,Alias,Chinese name,Country,Topics,Summary,Chinese summary,Body,List,Date,End date,Source URL,Address\n"
        "Company,,Acme Inc.,,阿克米公司,US,,,,Ministry of Commerce,UEL,16.02.23,,,\n"
        "Company,,Broken Date Corp,,,US,,,,Ministry of Commerce,UEL,2023-02-16,,,\n"
        "Person,,,,,US,,,,Ministry of Foreign Affairs,,16.02.23,,,\n"
    ).encode()
    parsed = cn_sanctions.parse(cn)
    assert [e.caption for e in parsed.entities] == ["Acme Inc."]
    assert parsed.problems == ["record 2: unreadable date '2023-02-16'", "record 3: no name"]


def test_bad_json_records_are_reported_not_fatal():
    good = {"entity_name": "Acme", "list_id": "cn-unreliable-entity-list", "aliases": ["阿克米"], "id": "x-1"}
    parsed = cn_mofcom.parse(json.dumps([good, "oops", {"entity_name": "", "list_id": "cn-attention-list"},
                                         {"entity_name": "B", "list_id": "nope"}]).encode())
    assert [e.caption for e in parsed.entities] == ["Acme"]
    assert parsed.problems == ["record 2: not an object", "record 3: no entity_name", "record 4: unknown list_id 'nope'"]

    rec = {"id": "r1", "name": {"english": "Acme", "native": "", "korean": ""}, "aliases": [], "countries": ["화성"],
           "source": {"list_id": "us-dhs-uflpa"}}
    parsed = multi.parse(json.dumps([rec, 5, {"name": {}, "source": {"list_id": "us-dhs-uflpa"}}]).encode())
    assert [e.caption for e in parsed.entities] == ["Acme"]
    assert parsed.problems == [
        "record 1: unknown country '화성' (kept the record)",
        "record 2: not an object",
        "record 3: no name",
    ]
