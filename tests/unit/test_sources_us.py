"""US publisher parsers (CSL, OFAC legacy CSV, BIS DPL) against the real list snapshots."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from clearway.model import ALIAS, FORMER, ORGANIZATION, PERSON, PRIMARY, UNKNOWN, VESSEL, Identifier
from clearway.sources import csl, dpl, ofac
from clearway.sources.base import SourceFormatError
from clearway.sources.countries import to_iso2

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "lists"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

needs_data = pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared list data not found at {SHARED}")


def _by_list(parsed) -> Counter:
    return Counter(lst.list for e in parsed.entities for lst in e.listings)


def _by_id(parsed) -> dict:
    return {e.id: e for e in parsed.entities}


def _names(entity) -> list[str]:
    return [n.value for n in entity.names]


# ---------------------------------------------------------------------------------------------
# Parsed real files, once per module
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compact():
    return csl.parse((SHARED / "us_csl_2026-07-31.compact.json.gz").read_bytes())


@pytest.fixture(scope="module")
def csl_csv():
    return csl.parse((SHARED / "us_csl_2022-04.csv.gz").read_bytes())


@pytest.fixture(scope="module")
def ofac_full():
    d = SHARED / "us_ofac_sdn" / "full_2021-07-07"
    files = {
        "sdn": (d / "sdn.csv.gz").read_bytes(),
        "add": (d / "add.csv.gz").read_bytes(),
        "alt": (d / "alt.csv.gz").read_bytes(),
        "comments": (d / "sdn_comments.csv.gz").read_bytes(),
    }
    return ofac.parse_legacy(files, published="2021-07-07")


@pytest.fixture(scope="module")
def ofac_cons():
    d = SHARED / "us_ofac_nonsdn_2025-12-19"
    files = {k: (d / f"cons_{k}.csv").read_bytes() for k in ("prim", "add", "alt", "comments")}
    return ofac.parse_legacy(files, source="ofac_cons", published="2025-12-19")


# ---------------------------------------------------------------------------------------------
# CSL compact 2026
# ---------------------------------------------------------------------------------------------


@needs_data
def test_compact_counts_equal_counts_by_source(compact):
    assert compact.problems == []
    assert compact.version.source == "csl"
    assert compact.version.published == "2026-07-31"
    assert compact.version.records == len(compact.entities) == 25_921
    assert _by_list(compact) == {
        "SDN": 19_181, "EL": 3_420, "DPL": 1_596, "DTC": 787, "SSI": 286, "UVL": 222, "ISN": 161,
        "PLC": 78, "MEU": 70, "CMIC": 68, "NS-MBS": 51, "CAP": 1,
    }
    ids = [e.id for e in compact.entities]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("csl:") for i in ids)
    assert all(len(e.listings) == 1 for e in compact.entities)


@needs_data
def test_compact_huawei_entity_list_entry(compact):
    hits = [e for e in compact.entities if e.caption == "Huawei Technologies Co., Ltd. (Huawei)"]
    assert len(hits) == 1
    hw = hits[0]
    assert hw.schema == UNKNOWN  # the Entity List does not say person or organisation
    assert _names(hw) == ["Huawei Technologies Co., Ltd. (Huawei)", "Shenzhen Huawei Technologies", "Huawei Technology"]
    assert hw.countries == ["CN"]
    (lst,) = hw.listings
    assert lst.list == "EL"
    assert lst.license_requirement.startswith("For all items subject to the EAR")
    assert lst.license_policy == "Presumption of denial"
    assert lst.federal_register.startswith("84 FR 22963, 84 FR 43495")
    assert "87 FR 55250" in lst.federal_register
    assert lst.source_url == "https://www.bis.gov/regulations/ear/744#supplement-4-744"
    assert lst.version == compact.version.id
    assert hw.is_current(date(2026, 8, 1))


@needs_data
def test_compact_ofac_entries(compact):
    ents = _by_id(compact)
    # China Telecom: CMIC, programme resolved from tables.programmes
    ct = ents["csl:30882"]
    assert ct.caption == "China Telecom Corporation Limited"
    assert ct.schema == ORGANIZATION
    assert ct.listings[0].list == "CMIC" and ct.listings[0].programme == "CMIC-EO13959"
    assert "CHINA TELECOM CORP LTD" in _names(ct)
    # an entity number on two lists: SDN keeps the plain id, the other entry gets its list code
    shared = [e for e in compact.entities if e.id.endswith("-SSI")]
    assert shared and all(e.listings[0].list == "SSI" for e in shared)
    assert ents[shared[0].id.removesuffix("-SSI")].listings[0].list == "SDN"
    schemas = Counter(e.schema for e in compact.entities)
    assert schemas[PERSON] == 7_591 and schemas[VESSEL] == 1_524


# ---------------------------------------------------------------------------------------------
# CSL official CSV 2022
# ---------------------------------------------------------------------------------------------


@needs_data
def test_csv_rows_grouped_into_entities(csl_csv):
    assert csl_csv.problems == []
    # 14,160 rows; parties listed on several lists share one _id and become one entity
    assert len(csl_csv.entities) == csl_csv.version.records == 14_048
    assert csl_csv.version.published == "2022-04-21"  # newest start date
    assert _by_list(csl_csv) == {
        "SDN": 10_026, "EL": 2_001, "DTC": 727, "DPL": 462, "SSI": 290, "UVL": 201, "ISN": 163,
        "PLC": 78, "MEU": 71, "CMIC": 68, "CAP": 52, "NS-MBS": 17, "FSE": 3,
    }
    assert Counter(len(e.listings) for e in csl_csv.entities) == {1: 13_978, 2: 29, 3: 41}
    ids = [e.id for e in csl_csv.entities]
    assert len(set(ids)) == len(ids)


@needs_data
def test_csv_multi_row_party(csl_csv):
    ents = _by_id(csl_csv)
    vtb = ents["csl:18725"]  # rows on CAPTA, SDN and SSI
    assert sorted(lst.list for lst in vtb.listings) == ["CAP", "SDN", "SSI"]
    assert _names(vtb) == ["BANCO VTB AFRICA SA", "VTB AFRICA"]
    assert vtb.schema == ORGANIZATION
    assert vtb.countries == ["AO"]
    assert vtb.identifiers == [Identifier("SWIFT/BIC", "VTBLAOLU")]
    # Gazprombank: the NS-MBS row and the SSI row carry different programmes
    gpb = ents["csl:17016"]
    assert {lst.list: lst.programme for lst in gpb.listings} == {
        "SSI": "UKRAINE-EO13662; RUSSIA-EO14024",
        "NS-MBS": "UKRAINE-EO13662; MBS",
    }
    assert "JOINT STOCK BANK OF THE GAS INDUSTRY GAZPROMBANK" in _names(gpb)
    # the two rows of 34643 spell the address differently: both kept
    assert ents["csl:34643"].addresses == [
        "33 Oktyabrskaya St, Nizhny Novgorod, 603005, RU",
        "33 Oktyabrskaya St., Nizhny Novgorod, 603005, RU",
    ]
    # the same list and entity number twice (CAPTA 15268): one entity, one listing
    kunlun = ents["csl:15268"]
    assert [lst.list for lst in kunlun.listings] == ["CAP"]
    assert len(kunlun.addresses) == 4


@needs_data
def test_csv_sdn_person_and_entity_list(csl_csv):
    ents = _by_id(csl_csv)
    p = ents["csl:9935"]
    assert p.schema == PERSON
    assert p.caption == "'ABD AL-RAZZIQ, Abu Sufian al-Salamabi Muhammed Ahmed"
    assert len(p.names) == 15 and "DJOLAIBA THE SUDANESE" in _names(p)
    assert p.birth_dates == ["1962-08-06"]
    assert p.countries == ["CA", "SD"]
    assert p.identifiers == [Identifier("passport", "BC166787", "CA")]
    assert ents["csl:26095"].birth_dates == ["1967", "1966", "1968"]

    el = [e for e in csl_csv.entities if e.listings[0].list == "EL"]
    assert all(e.schema == UNKNOWN for e in el)
    plant = ents["csl:4398d33e9e93c7477af39f1e0bfffc13ddd47bcc"]
    # "...; and JSC 140 Repair Plant": the list's own "and" is not part of the name
    assert _names(plant) == ["140 Repair Plant JSC", "Open Joint Stock Company 140 Repair Plant", "JSC 140 Repair Plant"]
    assert plant.countries == ["BY"]
    lst = plant.listings[0]
    assert (lst.federal_register, lst.start_date, lst.license_policy) == ("87 FR 20299", "2022-04-07", "Policy of denial.")
    huawei = [e for e in el if e.caption == "Huawei Technologies Co., Ltd. (Huawei)"]
    assert len(huawei) == 3  # three Entity List entries at different addresses


@needs_data
def test_csv_dpl_end_dates(csl_csv):
    ash = _by_id(csl_csv)["csl:deb7a1d5743a85c354ca1a2c7f2664e2104b32d7"]
    assert ash.caption == "I. ASH"  # leading space collapsed
    assert (ash.listings[0].start_date, ash.listings[0].end_date) == ("2003-06-19", "2056-06-29")
    ended = [e for e in csl_csv.entities if e.listings[0].end_date == "2022-05-16"]
    assert len(ended) == 41
    assert not ended[0].is_current(date(2023, 1, 1)) and ended[0].is_current(date(2022, 5, 1))


def test_csv_merges_aliases_across_rows_and_reports_bad_rows():
    header = "_id,source,entity_number,type,programs,name,addresses,alt_names,dates_of_birth,ids\n"
    sdn = "Specially Designated Nationals (SDN) - Treasury Department"
    ssi = "Sectoral Sanctions Identifications List (SSI) - Treasury Department"
    body = (
        f'7,{sdn},7,Entity,RUSSIA-EO14024,ACME OOO,"1 Main St, Moscow, RU",ACME LLC; OOO ACME,,"RU, 123, Tax ID No."\n'
        f'7,{ssi},7,Entity,UKRAINE-EO13662,ACME OOO,"1 Main St, Moscow, RU",AKME,,\n'
        f"8,{sdn},8,Individual,SDGT,,,,,\n"
        f"9,Some New List - Nowhere,9,Entity,,NEW CO,,,,\n"
        f'10,{sdn},10,Individual,SDGT,"DOE, John",,,circa 1960; 1962 to 1964,\n'
    )
    parsed = csl.parse_csv(gzip.compress((header + body).encode()), published="2024-01-01", url="https://example.org/csl.csv")
    assert parsed.problems == ["record 3: no name", "record 4: unknown source 'Some New List - Nowhere'"]
    assert [e.id for e in parsed.entities] == ["csl:7", "csl:10"]
    acme = parsed.entities[0]
    assert _names(acme) == ["ACME OOO", "ACME LLC", "OOO ACME", "AKME"]
    assert [n.kind for n in acme.names] == [PRIMARY, ALIAS, ALIAS, ALIAS]
    assert [lst.list for lst in acme.listings] == ["SDN", "SSI"]
    assert acme.identifiers == [Identifier("tax_id", "123", "RU")]
    assert acme.addresses == ["1 Main St, Moscow, RU"] and acme.countries == ["RU"]
    assert parsed.entities[1].birth_dates == ["1960", "1962", "1963", "1964"]
    assert parsed.version.published == "2024-01-01"
    assert acme.listings[0].version == parsed.version.id


# ---------------------------------------------------------------------------------------------
# CSL official JSON (fixture rewritten from real 2022 CSV rows)
# ---------------------------------------------------------------------------------------------


def test_json_fixture():
    raw = (FIXTURES / "csl_consolidated_sample.json").read_bytes()
    parsed = csl.parse(raw)
    assert parsed == csl.parse_json(raw)
    assert parsed.problems == []
    assert len(json.loads(raw)["results"]) == 8
    assert len(parsed.entities) == parsed.version.records == 6  # three results are one party
    ents = _by_id(parsed)
    vtb = ents["csl:18725"]
    assert [lst.list for lst in vtb.listings] == ["SDN", "SSI", "CAP"]
    assert vtb.addresses == ["22, Rua da Missao, Luanda, AO"]
    p = ents["csl:9935"]
    assert p.schema == PERSON and p.birth_dates == ["1962-08-06"]
    assert p.identifiers == [Identifier("passport", "BC166787", "CA")]
    assert p.countries == ["CA", "SD"]
    hw = ents["csl:d05d55fa214aff19c1eb3270d54905e4e362d445"]
    assert hw.addresses == ["Bantian Huawei Base, Longgang District, Shenzhen, 518129, CN"]
    assert hw.listings[0].license_policy == "Presumption of denial"
    assert ents["csl:deb7a1d5743a85c354ca1a2c7f2664e2104b32d7"].listings[0].end_date == "2056-06-29"
    assert _names(ents["csl:4398d33e9e93c7477af39f1e0bfffc13ddd47bcc"])[-1] == "JSC 140 Repair Plant"
    assert parsed.version.published == "2022-04-07"


@needs_data
def test_json_matches_csv_for_the_same_records(csl_csv):
    parsed = csl.parse_json((FIXTURES / "csl_consolidated_sample.json").read_bytes())
    from_csv = _by_id(csl_csv)
    for e in parsed.entities:
        c = from_csv[e.id]
        assert _names(e) == _names(c)
        assert e.countries == c.countries and e.birth_dates == c.birth_dates
        assert e.identifiers == c.identifiers
        assert sorted(lst.list for lst in e.listings) == sorted(lst.list for lst in c.listings)


def test_json_record_without_name_is_reported():
    doc = {
        "results": [
            {"id": "1", "source": "Entity List (EL) - Bureau of Industry and Security", "name": "  "},
            {"id": "2", "source": "Entity List (EL) - Bureau of Industry and Security", "name": "Good Co",
             "addresses": [{"address": "1 Road", "city": "Wuhan", "country": "CN"}], "alt_names": ["GC"]},
            "not an object",
        ],
        "total": 3,
    }
    parsed = csl.parse(json.dumps(doc).encode())
    assert parsed.problems == ["record 1: no name", "record 3: not an object"]
    (good,) = parsed.entities
    assert good.id == "csl:2" and _names(good) == ["Good Co", "GC"] and good.countries == ["CN"]


# ---------------------------------------------------------------------------------------------
# OFAC legacy CSV
# ---------------------------------------------------------------------------------------------


@needs_data
def test_ofac_full_set_joins_aliases_and_addresses(ofac_full):
    assert ofac_full.problems == []
    assert len(ofac_full.entities) == ofac_full.version.records == 8_976
    assert ofac_full.version.id.startswith("ofac_sdn@2021-07-07#")
    assert _by_list(ofac_full) == {"SDN": 8_976}
    assert Counter(e.schema for e in ofac_full.entities) == {
        PERSON: 4_620, ORGANIZATION: 3_673, VESSEL: 406, UNKNOWN: 277,  # Unknown: aircraft
    }
    ents = _by_id(ofac_full)
    bnc = ents["ofac_sdn:306"]
    assert _names(bnc) == ["BANCO NACIONAL DE CUBA", "BNC", "NATIONAL BANK OF CUBA"]  # remarks a.k.a. + alt.csv
    assert bnc.countries == ["CH", "ES", "JP", "PA"]
    assert bnc.addresses[0] == "Zweierstrasse 35, Zurich CH-8022, Switzerland"
    assert bnc.listings[0].programme == "CUBA"
    # remarks cut at 1,000 characters continue in sdn_comments.csv
    tian = ents["ofac_sdn:28263"]
    assert _names(tian) == ["TIAN, Yinyin", "tianyinyin0404", "snowsjohn"]
    assert tian.listings[0].remarks.endswith("Linked To: LAZARUS GROUP.")
    assert tian.birth_dates == ["1986-07-12"] and tian.countries == ["CN"]
    assert Identifier("id_number", "321284198607120616", "CN") in tian.identifiers
    zaw = ents["ofac_sdn:2676"]
    assert zaw.schema == PERSON and zaw.birth_dates == ["1951-06-19"]
    assert zaw.identifiers[0] == Identifier("passport", "1084010", "EG")
    assert sum(1 for e in ofac_full.entities if any(n.kind == FORMER for n in e.names)) == 255  # fka (369 rows)


@needs_data
def test_ofac_single_sdn_file():
    raw = (SHARED / "us_ofac_sdn" / "sdn_2024-05-03.csv.gz").read_bytes()
    parsed = ofac.parse(raw, published="2024-05-03")
    assert parsed.problems == []
    assert len(parsed.entities) == 14_965
    assert Counter(e.schema for e in parsed.entities) == {
        ORGANIZATION: 6_884, PERSON: 6_854, VESSEL: 851, UNKNOWN: 376,
    }
    assert all(e.id.startswith("ofac_sdn:") for e in parsed.entities)
    assert sum(1 for e in parsed.entities if any(i.kind == "USCC" for i in e.identifiers)) >= 80
    prev = ofac.parse((SHARED / "us_ofac_sdn" / "sdn_2024-05-02.csv.gz").read_bytes(), published="2024-05-02")
    assert len(prev.entities) == 14_973
    assert prev.version.id != parsed.version.id


@needs_data
def test_ofac_consolidated_lists(ofac_cons):
    assert ofac_cons.problems == []
    assert len(ofac_cons.entities) == 442
    assert _by_list(ofac_cons) == {"SSI": 286, "PLC": 78, "CMIC": 68, "NS-MBS": 9, "CAP": 1}
    assert all(e.id.startswith("ofac_cons:") for e in ofac_cons.entities)
    ct = _by_id(ofac_cons)["ofac_cons:30882"]
    assert ct.caption == "CHINA TELECOM CORPORATION LIMITED"
    assert ct.listings[0].list == "CMIC" and ct.listings[0].start_date == "2021-06-03"
    assert Identifier("USCC", "9111000071093019X7", "CN") in ct.identifiers
    assert "China Telecom Corp Ltd" in _names(ct)
    assert ct.addresses == ["31 Jinrong Street, Xicheng District, Beijing 100033, China"]
    martelly = _by_id(ofac_cons)["ofac_cons:50476"]
    assert [lst.list for lst in martelly.listings] == ["NS-MBS"]
    assert martelly.birth_dates == ["1961-02-12"] and "Sweet Micky" in _names(martelly)
    assert _by_id(ofac_cons)["ofac_cons:15268"].listings[0].list == "CAP"


def test_ofac_bad_records_and_unknown_programme():
    prim = (
        '1,"GOOD CO",-0- ,"NS-PLC",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"a.k.a. \'GC\'; f.k.a. \'OLD CO\'."\n'
        '2,-0- ,"individual","NS-PLC",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n'
        '3,"SHORT ROW"\n'
        '4,"NEW CO",-0- ,"SOMETHING-NEW",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 1970; nationality Korea, North"\n'
        "\x1a"
    ).encode()
    alt = b'1,10,"aka","GOOD COMPANY",-0- \n99,11,"aka","ORPHAN",-0- \n'
    parsed = ofac.parse_legacy({"prim": prim, "alt": alt}, source="ofac_cons")
    assert parsed.problems == [
        "record 2: no name (ent_num 2)",
        "record 3: expected 12 fields, got 2",
        "record 4: programme 'SOMETHING-NEW' of ent_num 4 names no OFAC non-SDN list; filed under NS-MBS",
        "alt record 2: ent_num 99 is not in the prim file",
    ]
    good, new = parsed.entities
    assert _names(good) == ["GOOD CO", "GC", "OLD CO", "GOOD COMPANY"]
    assert [n.kind for n in good.names] == [PRIMARY, ALIAS, FORMER, ALIAS]
    assert good.listings[0].list == "PLC"
    assert new.listings[0].list == "NS-MBS" and new.birth_dates == ["1970"] and new.countries == ["KP"]


# ---------------------------------------------------------------------------------------------
# BIS Denied Persons List
# ---------------------------------------------------------------------------------------------


@needs_data
@pytest.mark.parametrize(
    ("name", "count", "published", "dupes"),
    [
        ("dpl_2019-07-09.txt", 543, "2019-06-12", 3),
        ("dpl_2022-09-07.txt", 579, "2022-09-02", 2),
        ("dpl_2023-11-30.txt", 663, "2023-11-28", 2),
    ],
)
def test_dpl_versions(name, count, published, dupes):
    parsed = dpl.parse((SHARED / "us_bis_dpl" / name).read_bytes())
    assert len(parsed.entities) == parsed.version.records == count
    assert parsed.version.published == published  # newest plausible Last_Update
    assert sum("exact duplicate" in p for p in parsed.problems) == dupes
    assert sum("unknown country 'NM'" in p for p in parsed.problems) == 1  # New Mexico in the country column
    assert len(parsed.problems) == dupes + 1
    assert len({e.id for e in parsed.entities}) == count
    assert all(e.schema == UNKNOWN and e.listings[0].list == "DPL" for e in parsed.entities)
    ash = next(e for e in parsed.entities if e.caption == "I. ASH")
    lst = ash.listings[0]
    assert (lst.start_date, lst.end_date) == ("2003-06-19", "2056-06-29")
    assert lst.federal_register == "68 F.R. 38290 6/27/03 71 F.R. 38843 7/10/06 72 F.R. 4236 1/30/07"
    assert ash.countries == ["US"]
    assert ash.addresses[0].endswith("SEAGOVILLE, TX, 75159, US")


@needs_data
def test_dpl_end_dates_and_stable_ids():
    old = dpl.parse((SHARED / "us_bis_dpl" / "dpl_2019-07-09.txt").read_bytes())
    new = dpl.parse((SHARED / "us_bis_dpl" / "dpl_2022-09-07.txt").read_bytes())
    assert sum(1 for e in old.entities if e.listings[0].end_date) == 490
    henderson = next(e for e in old.entities if e.caption == "AARON ROBERT HENDERSON")
    assert henderson.listings[0].end_date == "2019-09-18"
    assert henderson.is_current(date(2019, 7, 9)) and not henderson.is_current(date(2019, 9, 19))
    # the same row keeps its id from one version to the next
    assert len({e.id for e in old.entities} & {e.id for e in new.entities}) > 300


def test_dpl_bad_rows():
    header = "\t".join(f'"{c}"' for c in (
        "Name", "Street_Address", "City", "State", "Country", "Postal_Code", "Effective_Date",
        "Expiration_Date", "Standard_Order", "Last_Update", "Action", "FR_Citation"))
    rows = [
        '"JOHN DOE"\t"1 MAIN ST"\t"AUSTIN"\t"TX"\t"US"\t"78701"\t"01/02/2020"\t"01/02/2030"\t"Y"\t"2020-01-05"\t"FR NOTICE ADDED"\t"85 F.R. 1 1/5/20"',
        '""\t"2 MAIN ST"\t"AUSTIN"\t"TX"\t"US"\t"78701"\t"01/02/2020"\t""\t"Y"\t"2020-01-05"\t""\t""',
        '"ACME LTD"\t""\t"DUBAI"\t""\t"AE"\t""\t"13/45/2020"\t""\t"N"\t"9999-01-01"\t""\t""',
    ]
    parsed = dpl.parse("\n".join([header, *rows]).encode())
    assert parsed.problems == ["record 2: no name", "record 3: unreadable Effective_Date '13/45/2020' (kept without it)"]
    doe, acme = parsed.entities
    assert (doe.listings[0].start_date, doe.listings[0].end_date) == ("2020-01-02", "2030-01-02")
    assert acme.listings[0].start_date == "" and acme.countries == ["AE"]
    assert parsed.version.published == "2020-01-05"  # 9999-01-01 is not a plausible update date


# ---------------------------------------------------------------------------------------------
# Inputs that are not the format
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("func", [csl.parse, csl.parse_csv, csl.parse_json, csl.parse_compact, dpl.parse, ofac.parse])
def test_empty_input(func):
    with pytest.raises(SourceFormatError):
        func(b"")


@pytest.mark.parametrize("func", [csl.parse, dpl.parse, ofac.parse])
def test_truncated_gzip(func):
    data = gzip.compress(b"x" * 10_000)[:40]
    with pytest.raises(SourceFormatError, match="gzip"):
        func(data)


def test_json_of_the_wrong_shape():
    with pytest.raises(SourceFormatError, match="neither"):
        csl.parse(b'{"data": []}')
    with pytest.raises(SourceFormatError, match="results"):
        csl.parse_json(b'{"entries": []}')
    with pytest.raises(SourceFormatError, match="entries"):
        csl.parse_compact(b'{"results": []}')
    with pytest.raises(SourceFormatError, match="not JSON"):
        csl.parse_json(b"{not json")
    with pytest.raises(SourceFormatError):
        csl.parse(b"[1, 2, 3]")


def test_csv_missing_columns():
    with pytest.raises(SourceFormatError, match="missing column"):
        csl.parse_csv(b"id,name,country\n1,ACME,CN\n")
    with pytest.raises(SourceFormatError, match="missing column"):
        dpl.parse(b'"Name"\t"City"\n"JOHN DOE"\t"AUSTIN"\n')
    with pytest.raises(SourceFormatError, match="not an OFAC"):
        ofac.parse(b"_id,source,name\n1,x,y\n")
    with pytest.raises(SourceFormatError):
        ofac.parse_legacy({"add": b"1,2,x,y,z,-0-\n"})


# ---------------------------------------------------------------------------------------------
# Countries
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("CUBA", "CU"), ("China", "CN"), ("Hong Kong", "HK"), ("Russia", "RU"), ("Iran", "IR"),
        ("United Arab Emirates", "AE"), ("UAE", "AE"), ("Korea, North", "KP"), ("Korea, South", "KR"),
        ("Bahamas, The", "BS"), ("Congo, Democratic Republic of the", "CD"), ("Cote d Ivoire", "CI"),
        ("Côte d'Ivoire", "CI"), ("Man, Isle of", "IM"), ("Virgin Islands, British", "VG"), ("Burma", "MM"),
        ("St. Kitts & Nevis", "KN"), ("Palestinian", "PS"), ("Kosovo", "XK"), ("cn", "CN"), ("US", "US"),
        ("Macedonia, The Former Yugoslav Republic of", "MK"), ("  taiwan ", "TW"),
    ],
)
def test_to_iso2(name, code):
    assert to_iso2(name) == code


@pytest.mark.parametrize("name", ["", None, "XX", "undetermined", "Region: Kafia Kingi", "Atlantis"])
def test_to_iso2_unknown(name):
    assert to_iso2(name) is None
