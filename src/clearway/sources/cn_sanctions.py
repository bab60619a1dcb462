"""China's countermeasure, unreliable-entity, export-control and Taiwan Affairs Office lists
(OpenSanctions ``datasets/cn/sanctions`` CSV).

Columns: ``Type, QID, Name, Alias, Chinese name, Country, Topics, Summary, Chinese summary, Body,
List, Date, End date, Source URL, Address``. Each row is one party named in one announcement.

List codes from ``List`` / ``Body``:

* ``UEL`` -> CN-UEL; ``List of Export Controls`` -> CN-ECL; ``Export Control Watch List`` -> CN-ECWL
* a Taiwan Affairs Office / Taiwan Work Office body -> CN-TAO
* everything else from the MFA or MOFCOM (AFSL, "List of Targets of Countermeasures",
  "Decision on Countermeasures ...", blank) -> CN-AFSL

The same party is often named in several announcements (Lockheed Martin: UEL 2023, export
control list 2025); rows with the same name (case, punctuation and a trailing legal form
ignored) and the same kind of party become ONE entity with one listing per announcement —
unless their Wikidata ids (``QID``) differ. A row repeating another of the same entity on the
same list and date (the MFA published some announcements twice) adds no listing.

``Chinese name`` -> NATIVE (zh); ``Alias`` is ';'-separated. Dates are DD.MM.YYYY or DD.MM.YY.
``Country`` is ISO-2 or an English country name.
"""

from __future__ import annotations

import re

from ..model import ALIAS, NATIVE, ORGANIZATION, PERSON, PRIMARY, UNKNOWN, VESSEL, Entity, Identifier, Listing, Name, add_name
from .base import Parsed, SourceFormatError, gunzip_if_needed, make_version, stable_key
from .countries import to_iso2
from .dod_1260h import cell, group_key, read_csv_rows, row_problem, split_multi
from .multi import script_lang

SOURCE = "cn_sanctions"
REQUIRED = ("Type", "Name", "Chinese name", "Country", "Body", "List", "Date")

_SCHEMAS = {"company": ORGANIZATION, "organization": ORGANIZATION, "person": PERSON, "vessel": VESSEL}
_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})")

# "EU" is used for EU institutions: an ISO 3166-1 exceptionally reserved code, kept as published.
_EXTRA_CODES = frozenset({"EU"})


def list_code(body: str, list_name: str) -> str:
    """Our list code for a row's ``Body`` and ``List``."""
    low = list_name.casefold()
    if low == "uel" or "unreliable entit" in low:
        return "CN-UEL"
    if low == "list of export controls" or "export control control list" in low:
        return "CN-ECL"
    if "export control watch list" in low:
        return "CN-ECWL"
    if "taiwan" in body.casefold():
        return "CN-TAO"
    return "CN-AFSL"


def iso_date(value: str) -> str | None:
    """"02.12.2019" / "16.02.23" -> ISO; "" -> ""; None when unreadable."""
    if not value:
        return ""
    m = _DATE.fullmatch(value)
    if not m:
        return None
    day, month, year = int(m.group(1)), int(m.group(2)), m.group(3)
    if len(year) == 2:
        year = f"20{year}"
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year}-{month:02d}-{day:02d}"


def _iso2(value: str) -> str | None:
    if value.upper() in _EXTRA_CODES:
        return value.upper()
    return to_iso2(value)


def parse(data: bytes, *, published: str = "", url: str = "") -> Parsed:
    rows = read_csv_rows(data, REQUIRED, "a China sanctions CSV")
    version = make_version(SOURCE, gunzip_if_needed(data), published, url)
    problems: list[str] = []

    # (schema, key) -> list of groups; a group is a list of (record, row, start, end)
    groups: dict[tuple[str, str], list[list[tuple[int, dict[str, str], str, str]]]] = {}
    for n, raw in enumerate(rows, start=1):
        why = row_problem(raw)
        if why:
            problems.append(f"record {n}: {why}")
            continue
        row = {k: cell(raw, k) for k in raw if k is not None}
        name = row.get("Name") or row.get("Chinese name", "")
        if not name:
            problems.append(f"record {n}: no name")
            continue
        start, end = iso_date(row.get("Date", "")), iso_date(row.get("End date", ""))
        if start is None or end is None:
            bad = row.get("Date") if start is None else row.get("End date")
            problems.append(f"record {n}: unreadable date {bad!r}")
            continue
        schema = _SCHEMAS.get(row.get("Type", "").casefold(), UNKNOWN)
        key = (schema, group_key(name) or name)
        qid = row.get("QID", "")
        bucket = groups.setdefault(key, [])
        for group in bucket:
            qids = {r.get("QID") for _, r, _, _ in group if r.get("QID")}
            if not qid or not qids or qid in qids:
                group.append((n, row, start, end))
                break
        else:
            bucket.append([(n, row, start, end)])

    entities: list[Entity] = []
    for (schema, key), bucket in groups.items():
        for group in bucket:
            entities.append(_entity(schema, key, group, version.id, problems, split=len(bucket) > 1))

    if not entities and rows:
        raise SourceFormatError(f"no readable record in a China sanctions CSV ({len(rows)} rows)")
    version.records = len(entities)
    return Parsed(version=version, entities=entities, problems=problems)


def _entity(schema: str, key: str, group, version_id: str, problems: list[str], split: bool) -> Entity:
    group.sort(key=lambda m: (m[2], m[0]))  # oldest announcement first
    newest = group[-1][1]
    names: list[Name] = []
    add_name(names, newest.get("Name") or newest.get("Chinese name"), PRIMARY, script_lang(newest.get("Name", "")))
    countries: list[str] = []
    addresses: list[str] = []
    identifiers: list[Identifier] = []
    listings: list[Listing] = []
    seen: set[tuple[str, str, str]] = set()
    for n, row, start, end in reversed(group):
        add_name(names, row.get("Name"), ALIAS, script_lang(row.get("Name", "")))
        for alias in split_multi(row.get("Alias", "")):
            lang = script_lang(alias)
            add_name(names, alias, NATIVE if lang else ALIAS, lang)
        for native in split_multi(row.get("Chinese name", "")):
            add_name(names, native, NATIVE, script_lang(native) or "zh")
        for value in split_multi(row.get("Country", "")):
            code = _iso2(value)
            if code is None:
                problems.append(f"record {n}: unknown country {value!r} (kept the record)")
            elif code not in countries:
                countries.append(code)
        address = row.get("Address", "")
        if address and address not in addresses:
            addresses.append(address)
        qid = row.get("QID", "")
        if qid and all(i.value != qid for i in identifiers):
            identifiers.append(Identifier("wikidata", qid))
    for n, row, start, end in group:
        code = list_code(row.get("Body", ""), row.get("List", ""))
        if (code, start, end) in seen:
            continue  # the same announcement published twice
        seen.add((code, start, end))
        summary = row.get("Summary", "")
        zh = row.get("Chinese summary", "")
        listings.append(
            Listing(
                list=code,
                programme=row.get("List") or row.get("Body", ""),
                start_date=start,
                end_date=end,
                source_url=row.get("Source URL", ""),
                version=version_id,
                remarks=" / ".join(x for x in (summary, zh) if x),
            )
        )
    qids = [i.value for i in identifiers]
    base = stable_key(schema, key)
    eid = f"{SOURCE}:{base}-{qids[0]}" if split and qids else f"{SOURCE}:{base}"
    return Entity(
        id=eid,
        schema=schema,
        names=names,
        listings=listings,
        countries=countries,
        addresses=addresses,
        identifiers=identifiers,
    )
