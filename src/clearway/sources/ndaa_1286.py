"""NDAA FY2019 §1286 list of foreign institutions of concern (OpenSanctions ``section_1286.csv``).

Columns: ``schema, name, aliases, topics, program, authority, reason, report-date, start-date,
end-date, country, notes, source_url``. Each DoD report year (2022–2025) repeats the institutions
still on the list, so rows are grouped by name (case, punctuation and dash insensitive) into one
entity with one listing per report year (``start_date`` = the report year, e.g. "2024").
``country`` is often blank for Chinese institutions in the older years: countries are only set
from the rows that give one. ``aliases`` is ';'-separated.
"""

from __future__ import annotations

from ..model import ALIAS, ORGANIZATION, PERSON, PRIMARY, UNKNOWN, Entity, Listing, Name, add_name
from .base import Parsed, SourceFormatError, gunzip_if_needed, make_version, stable_key
from .countries import to_iso2
from .dod_1260h import _ISO_DATE, cell, dedupe_listings, norm_key, read_csv_rows, row_problem, split_multi

SOURCE = "ndaa_1286"
LIST = "1286"
REQUIRED = ("name", "aliases", "report-date", "end-date", "country")

_SCHEMAS = {"company": ORGANIZATION, "organization": ORGANIZATION, "person": PERSON}

def parse(data: bytes, *, published: str = "", url: str = "") -> Parsed:
    rows = read_csv_rows(data, REQUIRED, "an NDAA §1286 CSV")
    version = make_version(SOURCE, gunzip_if_needed(data), published, url)
    problems: list[str] = []

    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for n, raw in enumerate(rows, start=1):
        why = row_problem(raw)
        if why:
            problems.append(f"record {n}: {why}")
            continue
        row = {k: cell(raw, k) for k in raw if k is not None}
        if not row.get("name"):
            problems.append(f"record {n}: no name")
            continue
        year = row.get("report-date", "")
        if year and not _ISO_DATE.fullmatch(year):
            problems.append(f"record {n}: bad report-date {year!r}")
            continue
        for col in ("start-date", "end-date"):
            if row.get(col) and not _ISO_DATE.fullmatch(row[col]):
                problems.append(f"record {n}: bad {col} {row[col]!r}")
                break
        else:
            groups.setdefault(norm_key(row["name"]), []).append((n, row))

    entities: list[Entity] = []
    for key, members in groups.items():
        # Oldest report year first; the newest year's spelling becomes the primary name.
        members.sort(key=lambda m: (m[1].get("report-date", ""), m[0]))
        names: list[Name] = []
        add_name(names, members[-1][1]["name"], PRIMARY)
        for _, row in reversed(members):
            add_name(names, row["name"], ALIAS)
            for alias in split_multi(row.get("aliases", "")):
                add_name(names, alias, ALIAS)

        countries: list[str] = []
        for n, row in members:
            value = row.get("country", "")
            if not value:
                continue
            code = to_iso2(value)
            if code is None:
                problems.append(f"record {n}: unknown country {value!r} (kept the record)")
            elif code not in countries:
                countries.append(code)

        listings = [
            Listing(
                list=LIST,
                programme=row.get("program", ""),
                start_date=row.get("start-date") or row.get("report-date", ""),
                end_date=row.get("end-date", ""),
                source_url=row.get("source_url", ""),
                version=version.id,
                remarks="; ".join(x for x in (row.get("reason", ""), row.get("notes", "")) if x),
            )
            for _, row in members
        ]
        schema = _SCHEMAS.get(members[0][1].get("schema", "").casefold(), UNKNOWN if members[0][1].get("schema") else ORGANIZATION)
        entities.append(
            Entity(
                id=f"{SOURCE}:{stable_key(LIST, key)}",
                schema=schema,
                names=names,
                listings=dedupe_listings(listings),
                countries=countries,
            )
        )

    if not entities and rows:
        raise SourceFormatError(f"no readable record in an NDAA §1286 CSV ({len(rows)} rows)")
    version.records = len(entities)
    return Parsed(version=version, entities=entities, problems=problems)
