"""BIS Military-Intelligence End User designations (OpenSanctions CSV).

Columns: ``Type, Name, Alias, Country, Topics, Program, Date, End date, Source URL``; ``Country``
is already ISO-2, ``Alias`` ';'-separated. Rows with the same name (should they ever repeat)
become one entity with one listing per row.
"""

from __future__ import annotations

from ..model import ALIAS, ORGANIZATION, PERSON, PRIMARY, UNKNOWN, VESSEL, Entity, Listing, Name, add_name
from .base import Parsed, SourceFormatError, gunzip_if_needed, make_version, stable_key
from .countries import to_iso2
from .dod_1260h import _ISO_DATE, cell, dedupe_listings, norm_key, read_csv_rows, row_problem, split_multi

SOURCE = "bis_mieu"
LIST = "MIEU"
REQUIRED = ("Type", "Name", "Alias", "Country", "Date")

_SCHEMAS = {
    "organization": ORGANIZATION,
    "company": ORGANIZATION,
    "legalentity": ORGANIZATION,
    "person": PERSON,
    "vessel": VESSEL,
}


def parse(data: bytes, *, published: str = "", url: str = "") -> Parsed:
    rows = read_csv_rows(data, REQUIRED, "a BIS MIEU CSV")
    version = make_version(SOURCE, gunzip_if_needed(data), published, url)
    problems: list[str] = []

    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for n, raw in enumerate(rows, start=1):
        why = row_problem(raw)
        if why:
            problems.append(f"record {n}: {why}")
            continue
        row = {k: cell(raw, k) for k in raw if k is not None}
        if not row.get("Name"):
            problems.append(f"record {n}: no name")
            continue
        bad = [c for c in ("Date", "End date") if row.get(c) and not _ISO_DATE.fullmatch(row[c])]
        if bad:
            problems.append(f"record {n}: bad {bad[0].lower()} {row[bad[0]]!r}")
            continue
        groups.setdefault(norm_key(row["Name"]), []).append((n, row))

    entities: list[Entity] = []
    for key, members in groups.items():
        names: list[Name] = []
        add_name(names, members[-1][1]["Name"], PRIMARY)
        countries: list[str] = []
        for n, row in members:
            add_name(names, row["Name"], ALIAS)
            for alias in split_multi(row.get("Alias", "")):
                add_name(names, alias, ALIAS)
            for value in split_multi(row.get("Country", "")):
                code = to_iso2(value)
                if code is None:
                    problems.append(f"record {n}: unknown country {value!r} (kept the record)")
                elif code not in countries:
                    countries.append(code)
        listings = [
            Listing(
                list=LIST,
                programme=row.get("Program", ""),
                start_date=row.get("Date", ""),
                end_date=row.get("End date", ""),
                source_url=row.get("Source URL", ""),
                version=version.id,
            )
            for _, row in members
        ]
        entities.append(
            Entity(
                id=f"{SOURCE}:{stable_key(LIST, key)}",
                schema=_SCHEMAS.get(members[0][1].get("Type", "").casefold(), UNKNOWN),
                names=names,
                listings=dedupe_listings(listings),
                countries=countries,
            )
        )

    if not entities and rows:
        raise SourceFormatError(f"no readable record in a BIS MIEU CSV ({len(rows)} rows)")
    version.records = len(entities)
    return Parsed(version=version, entities=entities, problems=problems)
