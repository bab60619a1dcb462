"""casslab-kaist restricted-parties-db (``restricted_parties.json``): eight lists in one JSON array.

Each record: ``id``, ``entity_type``, ``name: {english, native, korean}``, ``aliases``,
``countries`` (Korean country names, several joined with '/': "중국/홍콩"), ``listing_rationale``,
``remarks``, ``source: {list_id, list_name, official_source_url, ...}``.

Names: ``english`` is the primary name, ``aliases`` aliases. ``native`` gets kind NATIVE with the
language guessed from its script (Han "zh", Hangul "ko", Cyrillic "ru", kana "ja") — except on
the US lists (EL, 1260H, UFLPA, 1286, CMIC, MEU), where this publisher's native names are
brand-level and sometimes the parent group's ("寒武纪" for every Cambricon subsidiary), so they
are WEAK. A native name mixing Hangul with Latin words ("아카데미 Health 및 Food 과학") is a machine
translation and is WEAK as well. ``korean`` is this publisher's translation, not a published
name: it is dropped unless the party is Korean (KP/KR).

The publisher's ``entity_type`` is always "Unknown"; the lists that only hold organisations
(UFLPA, METI-EUL, CA-NRO) give their entities the Organization schema. Records repeating an id
(the source spreadsheet split one party over two rows) are merged into one entity.

This module also holds :func:`script_lang`, the script-based language guess other parsers use.
"""

from __future__ import annotations

import re
import unicodedata

import orjson

from ..model import ALIAS, NATIVE, ORGANIZATION, PERSON, PRIMARY, UNKNOWN, VESSEL, WEAK, Entity, Listing, Name, add_name
from .base import Parsed, SourceFormatError, gunzip_if_needed, make_version, stable_key
from .dod_1260h import dedupe_listings

SOURCE = "multi"

LIST_CODES: dict[str, str] = {
    "us-bis-entity-list": "EL",
    "jp-meti-end-user-list": "METI-EUL",
    "us-dod-section-1260h": "1260H",
    "us-dhs-uflpa": "UFLPA",
    "us-dod-section-1286": "1286",
    "ca-ised-named-research-organizations": "CA-NRO",
    "us-ofac-ns-cmic": "CMIC",
    "us-bis-military-end-user-list": "MEU",
}
US_LISTS = frozenset({"EL", "1260H", "UFLPA", "1286", "CMIC", "MEU"})
ORGANIZATION_LISTS = frozenset({"UFLPA", "METI-EUL", "CA-NRO"})
KOREAN_PARTY = frozenset({"KP", "KR"})

# Every country name the file uses (split on '/'), plus a few neighbours, -> ISO-2.
KOREAN_COUNTRIES: dict[str, str] = {
    "그리스": "GR", "남수단": "SS", "남아프리카공화국": "ZA", "네덜란드": "NL", "노르웨이": "NO",
    "뉴질랜드": "NZ", "니카라과": "NI", "대만": "TW", "덴마크": "DK", "독일": "DE", "라오스": "LA",
    "라트비아": "LV", "러시아": "RU", "레바논": "LB", "루마니아": "RO", "룩셈부르크": "LU",
    "리투아니아": "LT", "마다가스카르": "MG", "말레이시아": "MY", "멕시코": "MX", "모로코": "MA",
    "몰타": "MT", "미얀마": "MM", "바레인": "BH", "베네수엘라": "VE", "베트남": "VN", "벨기에": "BE",
    "벨라루스": "BY", "벨리즈": "BZ", "볼리비아": "BO", "북마케도니아": "MK", "북한": "KP",
    "불가리아": "BG", "브라질": "BR", "사우디아라비아": "SA", "세네갈": "SN", "스리랑카": "LK",
    "스웨덴": "SE", "스위스": "CH", "스페인": "ES", "슬로바키아": "SK", "시리아": "SY",
    "싱가포르": "SG", "아랍에미리트": "AE", "아르메니아": "AM", "아르헨티나": "AR", "아일랜드": "IE",
    "아프가니스탄": "AF", "에스토니아": "EE", "에콰도르": "EC", "영국": "GB", "예멘": "YE",
    "오만": "OM", "오스트리아": "AT", "요르단": "JO", "우간다": "UG", "우즈베키스탄": "UZ",
    "우크라이나": "UA", "이라크": "IQ", "이란": "IR", "이스라엘": "IL", "이집트": "EG",
    "이탈리아": "IT", "인도": "IN", "인도네시아": "ID", "일본": "JP", "자메이카": "JM",
    "조지아": "GE", "중국": "CN", "칠레": "CL", "카자흐스탄": "KZ", "카타르": "QA", "캐나다": "CA",
    "케냐": "KE", "코스타리카": "CR", "쿠바": "CU", "키르기스스탄": "KG", "키프로스": "CY",
    "태국": "TH", "튀르키예": "TR", "파나마": "PA", "파라과이": "PY", "파키스탄": "PK", "페루": "PE",
    "포르투갈": "PT", "폴란드": "PL", "프랑스": "FR", "핀란드": "FI", "필리핀": "PH", "한국": "KR",
    "헝가리": "HU", "호주": "AU", "홍콩": "HK",
    # not in the 2026-08-18 file, kept for newer versions
    "미국": "US", "대한민국": "KR", "터키": "TR", "마카오": "MO", "몽골": "MN", "체코": "CZ",
    "아제르바이잔": "AZ", "타지키스탄": "TJ", "투르크메니스탄": "TM", "리비아": "LY", "수단": "SD",
    "쿠웨이트": "KW", "캄보디아": "KH", "세르비아": "RS", "알제리": "DZ", "나이지리아": "NG",
}

_SCHEMAS = {"organization": ORGANIZATION, "company": ORGANIZATION, "person": PERSON, "individual": PERSON, "vessel": VESSEL}
_EXCEL_ERROR = re.compile(r"#(NAME\?|REF!|VALUE!|N/A|DIV/0!|NULL!|NUM!)")


def _script_counts(text: str) -> dict[str, int]:
    c = {"kana": 0, "hangul": 0, "han": 0, "cyrillic": 0, "latin": 0}
    for ch in text:
        o = ord(ch)
        if 0x3040 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF or 0xFF66 <= o <= 0xFF9F:
            c["kana"] += 1
        elif 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
            c["hangul"] += 1
        elif 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FA1F:
            c["han"] += 1
        elif 0x0400 <= o <= 0x04FF:
            c["cyrillic"] += 1
        elif ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN"):
            c["latin"] += 1
    return c


def script_lang(text: str) -> str | None:
    """Language guessed from script: kana "ja", Hangul "ko", Han "zh", Cyrillic "ru", else None."""
    c = _script_counts(text)
    if c["kana"]:
        return "ja"
    if c["hangul"]:
        return "ko"
    if c["han"]:
        return "zh"
    if c["cyrillic"]:
        return "ru"
    return None


def is_cjk(text: str) -> bool:
    c = _script_counts(text)
    return bool(c["kana"] or c["hangul"] or c["han"])


def korean_countries(value: str) -> tuple[list[str], list[str]]:
    """ISO-2 codes for a Korean country value ("중국/홍콩" -> CN, HK) and the parts not known."""
    codes, unknown = [], []
    for part in value.split("/"):
        part = part.strip()
        if not part:
            continue
        code = KOREAN_COUNTRIES.get(part)
        if code is None:
            unknown.append(part)
        elif code not in codes:
            codes.append(code)
    return codes, unknown


def load_records(data: bytes, what: str) -> list:
    """Decode a JSON array (gzip undone); SourceFormatError when empty, not JSON or not an array."""
    data = gunzip_if_needed(data)
    if not data.strip():
        raise SourceFormatError(f"empty input: expected {what}")
    try:
        # orjson, not json: it refuses lone surrogates (raw or escaped), which no UTF-8 list can
        # store, and nesting past a depth limit instead of recursing until Python gives up.
        records = orjson.loads(data.removeprefix(b"\xef\xbb\xbf"))
    except ValueError as exc:  # orjson.JSONDecodeError
        raise SourceFormatError(f"not {what}: invalid JSON ({exc.__class__.__name__})") from exc
    if not isinstance(records, list):
        raise SourceFormatError(f"not {what}: expected a JSON array, got {type(records).__name__}")
    if not records:
        raise SourceFormatError(f"empty input: {what} holds no records")
    return records


def _native_kind(value: str, code: str) -> tuple[str, str | None]:
    lang = script_lang(value)
    if code in US_LISTS:
        return WEAK, lang
    c = _script_counts(value)
    if c["hangul"] and c["latin"]:
        return WEAK, lang  # machine translation mixing Korean and English words
    if lang is None:
        return ALIAS, None  # a Latin-script "native" name is just another spelling
    return NATIVE, lang


def parse(data: bytes, *, published: str = "", url: str = "") -> Parsed:
    what = "a restricted-parties-db JSON array"
    records = load_records(data, what)
    if not any(isinstance(r, dict) and "name" in r and "source" in r for r in records):
        raise SourceFormatError(f"not {what}: no record has the 'name' and 'source' keys")
    version = make_version(SOURCE, gunzip_if_needed(data), published, url)
    problems: list[str] = []

    by_id: dict[str, Entity] = {}
    for n, rec in enumerate(records, start=1):
        if not isinstance(rec, dict):
            problems.append(f"record {n}: not an object")
            continue
        name = rec.get("name")
        source = rec.get("source")
        if not isinstance(name, dict) or not isinstance(source, dict):
            problems.append(f"record {n}: 'name' or 'source' is not an object")
            continue
        code = LIST_CODES.get(str(source.get("list_id", "")))
        if code is None:
            problems.append(f"record {n}: unknown list_id {source.get('list_id')!r}")
            continue
        english = _text(name.get("english"))
        native = _text(name.get("native"))
        korean = _text(name.get("korean"))
        if not english and not native:
            problems.append(f"record {n}: no name")
            continue

        countries: list[str] = []
        for value in _values(rec, "countries", n, problems):
            codes, unknown = korean_countries(_text(value))
            countries.extend(c for c in codes if c not in countries)
            if unknown:
                problems.append(f"record {n}: unknown country {'/'.join(unknown)!r} (kept the record)")

        names: list[Name] = []
        if english:
            add_name(names, english, PRIMARY)
        for alias in _values(rec, "aliases", n, problems):
            alias = _text(alias)
            lang = script_lang(alias)
            add_name(names, alias, NATIVE if lang else ALIAS, lang)
        natives = [native]
        if korean and KOREAN_PARTY.intersection(countries):
            natives.append(korean)
        for value in natives:
            if not value:
                continue
            if _EXCEL_ERROR.fullmatch(value):
                problems.append(f"record {n}: native name {value!r} is a spreadsheet error (dropped the name)")
                continue
            if not names:
                add_name(names, value, PRIMARY, script_lang(value))
                continue
            kind, lang = _native_kind(value, code)
            add_name(names, value, kind, lang)

        remarks = "; ".join(x for x in (_text(rec.get("listing_rationale")), _text(rec.get("remarks"))) if x)
        listing = Listing(
            list=code,
            programme=_text(source.get("list_name")),
            source_url=_text(source.get("official_source_url")),
            version=version.id,
            remarks=remarks,
        )
        schema = _SCHEMAS.get(_text(rec.get("entity_type")).casefold())
        if schema is None:
            schema = ORGANIZATION if code in ORGANIZATION_LISTS else UNKNOWN

        pid = _text(rec.get("id")) or stable_key(code, english or native)
        eid = f"{SOURCE}:{pid}"
        if eid in by_id:
            ent = by_id[eid]
            if ent.listings[0].list != code:  # same id on two lists: keep them apart
                eid = f"{eid}-{stable_key(code)}"
                ent = by_id.get(eid)
        else:
            ent = None
        if ent is None:
            by_id[eid] = Entity(id=eid, schema=schema, names=names, listings=[listing], countries=countries)
            continue
        for nm in names:  # a repeated record of the same party: merge it
            add_name(ent.names, nm.value, ALIAS if nm.kind == PRIMARY else nm.kind, nm.lang)
        ent.listings = dedupe_listings(ent.listings + [listing])
        ent.countries.extend(c for c in countries if c not in ent.countries)

    entities = list(by_id.values())
    if not entities:
        raise SourceFormatError(f"no readable record in {what} ({len(records)} records)")
    version.records = len(entities)
    return Parsed(version=version, entities=entities, problems=problems)


def _values(rec: dict, key: str, n: int, problems: list[str]) -> list:
    """A field that holds a list of texts (a lone text counts as one); anything else is noted and
    read as none, so one odd record never stops the file."""
    value = rec.get(key)
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return value
    problems.append(f"record {n}: {key!r} is not a list of texts (ignored)")
    return []


def _text(value) -> str:
    if value is None:
        return ""
    return " ".join(str(value).split())
