"""The trade.gov Consolidated Screening List (CSL), in the three layouts it circulates in.

* :func:`parse_csv` — the official CSV download (``consolidated.csv``): one row per list entry,
  multi-value fields joined with ``;``. One listed party can span several rows: the same ``_id``
  on several lists (an OFAC party on SDN, SSI and CAPTA), or the same list and entity number
  repeated. Those rows become one :class:`~clearway.model.Entity` with one listing per list.
* :func:`parse_json` — the official JSON download (``consolidated.json``, the same shape as the
  CSL API v1 search results): ``{"results": [...], "total": N, "sources_used": [...]}`` with
  lists for alt names, addresses (objects) and ids (objects). Grouped the same way.
* :func:`parse_compact` — a compact projection of ``consolidated.json`` (``entries`` plus lookup
  ``tables``; see the data PROVENANCE). One entity per entry, so the counts by list equal the
  file's ``countsBySource``.

:func:`parse` sniffs which one it was given. Entity ids are ``csl:<publisher id>``; entries
without one (BIS and State lists in the compact file) get ``csl:<stable key>`` over list code,
name, citation and countries/addresses.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson

from ..lists import CSL_SOURCES
from ..model import ALIAS, ORGANIZATION, PERSON, PRIMARY, UNKNOWN, VESSEL, Entity, Identifier, Listing, Name, add_name
from .base import Parsed, SourceFormatError, clean, decode_text, gunzip_if_needed, make_version, stable_key
from .countries import ISO2, to_iso2
from .ofac import make_identifier, parse_date, parse_dates

SOURCE = "csl"

csv.field_size_limit(1 << 24)

# "Aircraft" (OFAC) has no schema of its own in the model: Unknown, like an empty type.
TYPE_SCHEMAS = {"individual": PERSON, "entity": ORGANIZATION, "vessel": VESSEL, "aircraft": UNKNOWN, "": UNKNOWN}

CSV_REQUIRED = ("_id", "source", "name")


@dataclass
class _Rec:
    """One publisher record, whatever the layout, before rows are grouped into entities."""

    n: int
    rid: str
    source: str
    code: str
    entity_number: str = ""
    type: str = ""
    programmes: list[str] = field(default_factory=list)
    name: str = ""
    addresses: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    fr: str = ""
    start: str = ""
    end: str = ""
    lr: str = ""
    lp: str = ""
    remarks: str = ""
    url: str = ""
    alt_names: list[str] = field(default_factory=list)
    birth_dates: list[str] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Field helpers
# ---------------------------------------------------------------------------------------------


def _split(value: Any) -> list[str]:
    """A multi-value field: a list, or a string joined with ';' (the last item may open with "and ")."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if item is None:
            continue
        for part in str(item).split(";"):
            part = clean(part)
            if out and part.lower().startswith("and "):
                part = part[4:].strip()
            if part and part not in out:
                out.append(part)
    return out


def _address_country(address: str) -> str | None:
    """The country of a CSL address string: its last comma part ("..., Beijing, CN")."""
    last = address.rsplit(",", 1)[-1].strip()
    code = to_iso2(last)
    if code is None:
        code = to_iso2(re.sub(r"[\d\s-]+$", "", last))  # "China 610036"
    return code


def _iso_date(value: str) -> str:
    """A listing date; '' when absent or implausible (the 2022 CSV has start dates like 0097-...)."""
    d = parse_date(value)
    return d if d and "1900" <= d[:4] <= "2199" else ""


def _csv_ids(value: str) -> list[Identifier]:
    """The CSV "ids" field: "CA, BC166787, Passport; RU, 2017-05-30, 515458008, Passport; ..."."""
    out: list[Identifier] = []
    for item in _split(value):
        parts = [p.strip() for p in item.split(", ")]
        if len(parts) < 2:
            continue
        label, rest = parts[-1], parts[:-1]
        country = None
        if len(rest) > 1 and re.fullmatch(r"[A-Z]{2}", rest[0]) and rest[0] in ISO2:
            country, rest = rest[0], rest[1:]
        while len(rest) > 1 and re.fullmatch(r"\d{4}-\d{2}-\d{2}", rest[0]):
            rest = rest[1:]  # expiration and issue dates
        ident = make_identifier(label, ", ".join(rest), country)
        if ident and ident not in out:
            out.append(ident)
    return out


def _json_ids(value: Any) -> list[Identifier]:
    out: list[Identifier] = []
    for item in value or []:
        if not isinstance(item, dict):
            continue
        ident = make_identifier(str(item.get("type") or ""), str(item.get("number") or ""), item.get("country"))
        if ident and ident not in out:
            out.append(ident)
    return out


def _countries(*values: Any) -> list[str]:
    out: list[str] = []
    for value in values:
        for item in _split(value):
            code = to_iso2(item)
            if code and code not in out:
                out.append(code)
    return out


def _birth_dates(value: Any) -> list[str]:
    out: list[str] = []
    for item in _split(value):
        for d in parse_dates(item):
            if d not in out:
                out.append(d)
    return out


# ---------------------------------------------------------------------------------------------
# Grouping records into entities
# ---------------------------------------------------------------------------------------------


def _merge_listing(listings: dict[str, Listing], rec: _Rec) -> None:
    new = Listing(
        list=rec.code,
        programme="; ".join(rec.programmes),
        license_requirement=rec.lr,
        license_policy=rec.lp,
        federal_register=rec.fr,
        start_date=rec.start,
        end_date=rec.end,
        source_url=rec.url,
        remarks=rec.remarks,
    )
    old = listings.get(rec.code)
    if old is None:
        listings[rec.code] = new
        return
    progs = [p for p in old.programme.split("; ") if p]
    progs += [p for p in rec.programmes if p not in progs]
    old.programme = "; ".join(progs)
    for attr in ("license_requirement", "license_policy", "federal_register", "start_date", "end_date",
                 "source_url", "remarks"):
        if not getattr(old, attr):
            setattr(old, attr, getattr(new, attr))


def _group(recs: list[_Rec]) -> list[Entity]:
    groups: dict[tuple[str, ...], int] = {}
    order: list[list[_Rec]] = []
    for rec in recs:
        keys: list[tuple[str, ...]] = []
        if rec.rid:
            keys.append(("id", rec.rid))
        if rec.entity_number:
            keys.append(("en", rec.code, rec.entity_number))
        if not keys:
            keys.append(("key", rec.code, rec.name, rec.fr, "; ".join(rec.addresses)))
        idx = next((groups[k] for k in keys if k in groups), None)
        if idx is None:
            idx = len(order)
            order.append([])
        order[idx].append(rec)
        for k in keys:
            groups.setdefault(k, idx)

    entities: list[Entity] = []
    used: set[str] = set()
    for rows in order:
        first = rows[0]
        if first.rid:
            eid = first.rid
        elif first.entity_number:
            eid = first.entity_number
        else:
            eid = stable_key(first.code, first.name, first.fr, "; ".join(first.addresses))
        base, k = eid, 1
        while eid in used:
            k += 1
            eid = f"{base}-{k}"
        used.add(eid)

        names = [Name(first.name, PRIMARY)]
        schema = UNKNOWN
        listings: dict[str, Listing] = {}
        ent = Entity(id=f"{SOURCE}:{eid}", schema=UNKNOWN, names=names, listings=[])
        for rec in rows:
            add_name(names, rec.name, ALIAS)
            for alias in rec.alt_names:
                add_name(names, alias, ALIAS)
            s = TYPE_SCHEMAS.get(rec.type.lower(), UNKNOWN)
            if schema == UNKNOWN:
                schema = s
            for a in rec.addresses:
                if a not in ent.addresses:
                    ent.addresses.append(a)
            for c in rec.countries:
                if c not in ent.countries:
                    ent.countries.append(c)
            for d in rec.birth_dates:
                if d not in ent.birth_dates:
                    ent.birth_dates.append(d)
            for i in rec.identifiers:
                if i not in ent.identifiers:
                    ent.identifiers.append(i)
            _merge_listing(listings, rec)
        ent.schema = schema
        ent.listings = list(listings.values())
        entities.append(ent)
    return entities


def _finish(data: bytes, recs: list[_Rec], problems: list[str], published: str, url: str) -> Parsed:
    entities = _group(recs)
    if not published:
        today = date.today().isoformat()
        starts = [r.start for r in recs if r.start and len(r.start) == 10 and r.start <= today]
        published = max(starts, default="")
    version = make_version(SOURCE, data, published=published, url=url, records=len(entities))
    for ent in entities:
        for lst in ent.listings:
            lst.version = version.id
            if not lst.source_url:
                lst.source_url = url
    return Parsed(version=version, entities=entities, problems=problems)


def _code(source: str, n: int, problems: list[str]) -> str | None:
    code = CSL_SOURCES.get(source)
    if code is None:
        problems.append(f"record {n}: unknown source {source!r}")
    return code


# ---------------------------------------------------------------------------------------------
# Official CSV
# ---------------------------------------------------------------------------------------------


def parse_csv(data: bytes, *, published: str = "", url: str = "") -> Parsed:
    data = gunzip_if_needed(data)
    text = decode_text(data)
    if not text.strip():
        raise SourceFormatError("CSL CSV is empty")
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise SourceFormatError(f"CSL CSV has an unreadable header: {exc}") from exc
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        raise SourceFormatError(f"not a CSL CSV: missing column(s) {', '.join(missing)}")
    reader.fieldnames = header

    problems: list[str] = []
    recs: list[_Rec] = []
    n = 0
    try:
        for n, row in enumerate(reader, 1):
            try:
                rec = _csv_record(n, row, problems)
            except Exception as exc:  # one bad row never stops the file
                problems.append(f"record {n}: unreadable ({type(exc).__name__}: {exc})")
                continue
            if rec is not None:
                recs.append(rec)
    except csv.Error as exc:
        raise SourceFormatError(f"CSL CSV is not readable CSV after record {n}: {exc}") from exc
    return _finish(data, recs, problems, published, url)


def _csv_record(n: int, row: dict[str, Any], problems: list[str]) -> _Rec | None:
    def get(key: str) -> str:
        v = row.get(key)
        return clean(v) if isinstance(v, str) else ""

    source = get("source")
    code = _code(source, n, problems)
    if code is None:
        return None
    name = get("name")
    if not name:
        problems.append(f"record {n}: no name")
        return None
    addresses: list[str] = []
    countries: list[str] = []
    for a in _split(row.get("addresses")):
        c = _address_country(a)
        if c and c not in countries:
            countries.append(c)
        if not (c and "," not in a):  # an "address" that is only a country code adds no address
            addresses.append(a)
    for c in _countries(row.get("citizenships"), row.get("nationalities")):
        if c not in countries:
            countries.append(c)
    return _Rec(
        n=n,
        rid=get("_id"),
        source=source,
        code=code,
        entity_number=get("entity_number"),
        type=get("type"),
        programmes=_split(row.get("programs")),
        name=name,
        addresses=addresses,
        countries=countries,
        fr=get("federal_register_notice"),
        start=_iso_date(get("start_date")),
        end=_iso_date(get("end_date")),
        lr=get("license_requirement"),
        lp=get("license_policy"),
        remarks=get("remarks"),
        url=get("source_list_url") or get("source_information_url"),
        alt_names=_split(row.get("alt_names")),
        birth_dates=_birth_dates(row.get("dates_of_birth")),
        identifiers=_csv_ids(get("ids")),
    )


# ---------------------------------------------------------------------------------------------
# Official JSON (consolidated.json / API v1 search results)
# ---------------------------------------------------------------------------------------------


def _load_json(data: bytes, what: str) -> Any:
    data = gunzip_if_needed(data)
    text = decode_text(data)
    if not text.strip():
        raise SourceFormatError(f"{what} is empty")
    try:
        # orjson, not json: it refuses lone surrogates (which no UTF-8 list can store) and nesting
        # past a depth limit, where json would recurse until Python gives up.
        return orjson.loads(text)
    except ValueError as exc:  # orjson.JSONDecodeError
        raise SourceFormatError(f"{what} is not JSON: {exc}") from exc


def parse_json(data: bytes, *, published: str = "", url: str = "") -> Parsed:
    raw = gunzip_if_needed(data)
    return _parse_json_doc(_load_json(raw, "CSL consolidated.json"), raw, published, url)


def _parse_json_doc(doc: Any, raw: bytes, published: str, url: str) -> Parsed:
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        raise SourceFormatError("not a CSL consolidated.json: no 'results' list")
    problems: list[str] = []
    recs: list[_Rec] = []
    for n, item in enumerate(doc["results"], 1):
        if not isinstance(item, dict):
            problems.append(f"record {n}: not an object")
            continue
        try:
            rec = _json_record(n, item, problems)
        except Exception as exc:
            problems.append(f"record {n}: unreadable ({type(exc).__name__}: {exc})")
            continue
        if rec is not None:
            recs.append(rec)
    total = doc.get("total")
    if isinstance(total, int) and total != len(doc["results"]):
        problems.append(f"file says total {total} but holds {len(doc['results'])} results")
    return _finish(raw, recs, problems, published, url)


def _json_record(n: int, item: dict[str, Any], problems: list[str]) -> _Rec | None:
    def get(key: str) -> str:
        v = item.get(key)
        if isinstance(v, list):
            return "; ".join(clean(str(x)) for x in v if x)
        return clean(str(v)) if v is not None else ""

    source = get("source")
    code = _code(source, n, problems)
    if code is None:
        return None
    name = get("name")
    if not name:
        problems.append(f"record {n}: no name")
        return None
    addresses: list[str] = []
    countries: list[str] = []
    for a in item.get("addresses") or []:
        if isinstance(a, str):
            a = {"address": a}
        if not isinstance(a, dict):
            continue
        country = clean(str(a.get("country") or ""))
        parts = [clean(str(a.get(k) or "")) for k in ("address", "city", "state", "postal_code")]
        text = ", ".join(p for p in parts + [country] if p)
        c = to_iso2(country) if country else (_address_country(text) if text else None)
        if c and c not in countries:
            countries.append(c)
        if any(parts):
            addresses.append(text)
    for c in _countries(item.get("country"), item.get("citizenships"), item.get("nationalities")):
        if c not in countries:
            countries.append(c)
    return _Rec(
        n=n,
        rid=get("id") or get("_id"),
        source=source,
        code=code,
        entity_number=get("entity_number"),
        type=get("type"),
        programmes=_split(item.get("programs")),
        name=name,
        addresses=addresses,
        countries=countries,
        fr=get("federal_register_notice"),
        start=_iso_date(get("start_date")),
        end=_iso_date(get("end_date")),
        lr=get("license_requirement"),
        lp=get("license_policy"),
        remarks=get("remarks"),
        url=get("source_list_url") or get("source_information_url"),
        alt_names=_split(item.get("alt_names")),
        birth_dates=_birth_dates(item.get("dates_of_birth")),
        identifiers=_json_ids(item.get("ids")) if isinstance(item.get("ids"), list) else _csv_ids(get("ids")),
    )


# ---------------------------------------------------------------------------------------------
# Compact projection (entries + tables)
# ---------------------------------------------------------------------------------------------


def _table(tables: dict[str, Any], name: str, ref: Any) -> list[str]:
    """Resolve an index (or list of indexes) into tables[name]; strings pass through."""
    if ref is None or ref == "":
        return []
    refs = ref if isinstance(ref, list) else [ref]
    values = tables.get(name) or []
    out: list[str] = []
    for r in refs:
        if isinstance(r, bool):
            raise ValueError(f"bad {name} reference {r!r}")
        if isinstance(r, int):
            if not 0 <= r < len(values):
                raise ValueError(f"{name} index {r} out of range")
            v = clean(str(values[r]))
        else:
            v = clean(str(r))
        if v and v not in out:
            out.append(v)
    return out


def parse_compact(data: bytes, *, published: str = "", url: str = "") -> Parsed:
    raw = gunzip_if_needed(data)
    return _parse_compact_doc(_load_json(raw, "CSL compact file"), raw, published, url)


def _parse_compact_doc(doc: Any, raw: bytes, published: str, url: str) -> Parsed:
    if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list) or not isinstance(doc.get("tables"), dict):
        raise SourceFormatError("not a CSL compact file: needs an 'entries' list and a 'tables' object")
    tables = doc["tables"]
    if not isinstance(tables.get("sources"), list):
        raise SourceFormatError("not a CSL compact file: no tables.sources")
    if not published:
        published = str(doc.get("sourceGeneratedAt") or "")[:10]
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", published):
            published = ""
    if not url and isinstance(doc.get("source"), dict):
        url = str(doc["source"].get("url") or "")

    problems: list[str] = []
    parsed: list[tuple[int, dict[str, Any], str, str]] = []  # (n, entry, source name, list code)
    for n, e in enumerate(doc["entries"], 1):
        if not isinstance(e, dict):
            problems.append(f"record {n}: not an object")
            continue
        try:
            src = _table(tables, "sources", e.get("s"))
        except ValueError as exc:
            problems.append(f"record {n}: {exc}")
            continue
        if len(src) != 1:
            problems.append(f"record {n}: no source")
            continue
        code = _code(src[0], n, problems)
        if code is None:
            continue
        if not clean(str(e.get("n") or "")):
            problems.append(f"record {n}: no name")
            continue
        parsed.append((n, e, src[0], code))

    # An entity number shared by entries of several lists (an OFAC party on SDN and SSI) keeps
    # the plain id on its SDN entry; the others get the list code appended.
    numbers = Counter(clean(str(e.get("e") or "")) for _, e, _, _ in parsed if e.get("e"))
    entities: list[Entity] = []
    used: set[str] = set()
    by_source: Counter[str] = Counter()
    for n, e, src, code in parsed:
        try:
            ent = _compact_entity(e, code, tables, numbers, used)
        except (ValueError, TypeError) as exc:
            problems.append(f"record {n}: {exc}")
            continue
        entities.append(ent)
        by_source[src] += 1

    counts = doc.get("countsBySource")
    if isinstance(counts, dict):
        for src, expected in counts.items():
            if by_source.get(src, 0) != expected:
                problems.append(f"countsBySource says {expected} for {src!r}, parsed {by_source.get(src, 0)}")

    version = make_version(SOURCE, raw, published=published, url=url, records=len(entities))
    for ent in entities:
        for lst in ent.listings:
            lst.version = version.id
    return Parsed(version=version, entities=entities, problems=problems)


def _compact_entity(e: dict[str, Any], code: str, tables: dict[str, Any], numbers: Counter[str],
                    used: set[str]) -> Entity:
    name = clean(str(e.get("n")))
    names = [Name(name, PRIMARY)]
    for alias in _split(e.get("a")):
        add_name(names, alias, ALIAS)
    countries = _countries(e.get("c"))
    fr = clean(str(e.get("fr") or ""))
    number = clean(str(e.get("e") or ""))
    if number:
        eid = number if numbers[number] == 1 or code == "SDN" else f"{number}-{code}"
    else:
        eid = stable_key(code, name, fr, "; ".join(countries))
    base, k = eid, 1
    while eid in used:
        k += 1
        eid = f"{base}-{k}"
    used.add(eid)
    urls = _table(tables, "urls", e.get("u"))
    listing = Listing(
        list=code,
        programme="; ".join(_table(tables, "programmes", e.get("pg"))),
        license_requirement="; ".join(_table(tables, "licenceRequirements", e.get("lr"))),
        license_policy="; ".join(_table(tables, "licencePolicies", e.get("lp"))),
        federal_register=fr,
        source_url=urls[0] if urls else "",
    )
    return Entity(
        id=f"{SOURCE}:{eid}",
        schema=TYPE_SCHEMAS.get(clean(str(e.get("t") or "")).lower(), UNKNOWN),
        names=names,
        listings=[listing],
        countries=countries,
    )


# ---------------------------------------------------------------------------------------------
# Sniffing
# ---------------------------------------------------------------------------------------------


def parse(data: bytes, *, published: str = "", url: str = "") -> Parsed:
    """Parse any of the three CSL layouts, telling them apart by content."""
    raw = gunzip_if_needed(data)
    head = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise SourceFormatError("CSL input is empty")
    if head[:1] in (b"{", b"["):
        doc = _load_json(raw, "CSL JSON")
        if isinstance(doc, dict) and "entries" in doc and "tables" in doc:
            return _parse_compact_doc(doc, raw, published, url)
        if isinstance(doc, dict) and "results" in doc:
            return _parse_json_doc(doc, raw, published, url)
        raise SourceFormatError("JSON is neither CSL consolidated.json ('results') nor the compact layout ('entries', 'tables')")
    return parse_csv(raw, published=published, url=url)
