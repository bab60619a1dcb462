"""BIS Denied Persons List, the tab-separated file BIS publishes (``dpl.txt``).

Columns: Name, Street_Address, City, State, Country, Postal_Code, Effective_Date,
Expiration_Date, Standard_Order, Last_Update, Action, FR_Citation; every field double-quoted.
Dates are MM/DD/YYYY (Last_Update is YYYY-MM-DD). One row is one denial-order entry at one
address: a person denied at two addresses is two rows, kept as two entities as BIS lists them.
Rows repeated verbatim (the files hold a few) are read once and reported in ``problems``.
The file does not say whether a party is a person or a company, so the schema is ``Unknown``.
The expiration date is the listing's end date; an order that has expired is history, not current.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from ..model import PRIMARY, UNKNOWN, Entity, Listing, Name
from .base import Parsed, SourceFormatError, clean, decode_text, gunzip_if_needed, make_version, stable_key
from .countries import to_iso2
from .ofac import parse_date

SOURCE = "dpl"
LIST_CODE = "DPL"
REQUIRED = ("Name", "Street_Address", "City", "State", "Country", "Postal_Code",
            "Effective_Date", "Expiration_Date", "FR_Citation")


def _plausible(iso: str, today: date) -> bool:
    return len(iso) == 10 and "1950" <= iso[:4] and iso <= today.isoformat()


def parse(data: bytes, *, published: str = "", url: str = "") -> Parsed:
    data = gunzip_if_needed(data)
    text = decode_text(data)
    if not text.strip():
        raise SourceFormatError("DPL file is empty")
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
    except csv.Error as exc:
        raise SourceFormatError(f"DPL file is not readable tab-separated text: {exc}") from exc
    header = [h.strip() for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise SourceFormatError(f"not a BIS DPL file: missing column(s) {', '.join(missing)}")
    col = {h: i for i, h in enumerate(header)}

    def get(r: list[str], name: str) -> str:
        i = col.get(name)
        return clean(r[i]) if i is not None and i < len(r) else ""

    problems: list[str] = []
    entities: list[Entity] = []
    seen: dict[str, int] = {}
    rows_seen: dict[tuple[str, ...], int] = {}
    updates: list[str] = []
    today = date.today()
    for n, r in enumerate(rows[1:], 1):
        if not any(c.strip() for c in r):
            continue
        if len(r) < len(REQUIRED):
            problems.append(f"record {n}: expected {len(header)} fields, got {len(r)}")
            continue
        full_row = tuple(clean(c) for c in r)
        if full_row in rows_seen:
            problems.append(f"record {n}: exact duplicate of record {rows_seen[full_row]} (skipped)")
            continue
        rows_seen[full_row] = n
        name = get(r, "Name")
        if not name:
            problems.append(f"record {n}: no name")
            continue
        country_field = get(r, "Country")
        parts = [get(r, "Street_Address"), get(r, "City"), get(r, "State"), get(r, "Postal_Code"), country_field]
        address = ", ".join(p for p in parts if p)
        fr = get(r, "FR_Citation")
        dates = {}
        for field in ("Effective_Date", "Expiration_Date"):
            raw = get(r, field)
            dates[field] = parse_date(raw) if raw else ""
            if raw and not dates[field]:
                problems.append(f"record {n}: unreadable {field} {raw!r} (kept without it)")
        last = parse_date(get(r, "Last_Update"))
        if last and _plausible(last, today):
            updates.append(last)

        key = stable_key(LIST_CODE, name, fr, address)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:  # same name, citation and address but other dates: tell the rows apart
            key = f"{key}-{seen[key]}"
        countries = []
        code = to_iso2(country_field)
        if code:
            countries.append(code)
        elif country_field:
            problems.append(f"record {n}: unknown country {country_field!r} (kept without it)")
        entities.append(
            Entity(
                id=f"{SOURCE}:{key}",
                schema=UNKNOWN,
                names=[Name(name, PRIMARY)],
                listings=[
                    Listing(
                        list=LIST_CODE,
                        federal_register=fr,
                        start_date=dates["Effective_Date"],
                        end_date=dates["Expiration_Date"],
                        source_url=url,
                        remarks=get(r, "Action"),
                    )
                ],
                countries=countries,
                addresses=[address] if address else [],
            )
        )

    if not published and updates:
        published = max(updates)
    version = make_version(SOURCE, data, published=published, url=url, records=len(entities))
    for ent in entities:
        for lst in ent.listings:
            lst.version = version.id
    return Parsed(version=version, entities=entities, problems=problems)
