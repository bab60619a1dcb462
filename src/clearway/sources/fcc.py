"""FCC Covered List (OpenSanctions ``table.csv``: ``covered_equipment_or_services,
date_of_inclusion_on_covered_list``).

Rows name products or services of companies, not companies: the company is taken from the
publisher's own wording ("... produced by Huawei Technologies Company, including ...",
"... provided by China Mobile International USA Inc. subject to section 214 ...",
"... supplied, directly or indirectly, by AO Kaspersky Lab or any of its ...",
"... provided by Pacific Networks Corp and its wholly-owned subsidiary ComNet (USA) LLC ...").
The full row text is the listing's remarks; the date of inclusion ("March 12, 2021") its start.
Rows that name a category of foreign-produced equipment rather than a company (drones, routers,
power inverters, robotic devices) name no party and are reported in ``problems``.
Rows naming the same company (same name apart from case, punctuation and legal form, e.g.
"AO Kaspersky Lab" and "Kaspersky Lab, Inc.") become one entity with one listing per row.
"""

from __future__ import annotations

import re
from datetime import datetime

from ..model import ALIAS, ORGANIZATION, PRIMARY, Entity, Listing, Name, add_name
from .base import Parsed, SourceFormatError, gunzip_if_needed, make_version, stable_key
from .dod_1260h import cell, dedupe_listings, group_key, read_csv_rows, row_problem

SOURCE = "fcc"
LIST = "FCC"
TEXT = "covered_equipment_or_services"
DATE = "date_of_inclusion_on_covered_list"

# "<verb> by <COMPANY><terminator>"
_BY = re.compile(
    r"\b(?:produced or provided|produced|provided|supplied(?:, directly or indirectly,)?|manufactured|offered)"
    r"\s+by\s+(?P<company>.+?)"
    r"(?=\s*\((?:and\s+)?its\s+subsidiar|,?\s+(?:including|to the extent|or any of its|subject to|and any of its)\b|,?\s*$|\.\s*$)",
    re.IGNORECASE,
)
# "<A> and its (wholly-owned) subsidiary <B>" names two companies.
_AND_SUBSIDIARY = re.compile(r"\s+and its (?:wholly[- ]owned )?subsidiar(?:y|ies)\s+", re.IGNORECASE)
_DATE = re.compile(r"(January|February|March|April|May|June|July|August|September|October|November|December)\s+(\d{1,2}),\s*(\d{4})")


def companies_in(text: str) -> list[str]:
    """The companies a Covered List row names, as written there (empty when it names none)."""
    m = _BY.search(text)
    if not m:
        return []
    company = m.group("company").strip().rstrip(",;")
    company = re.sub(r"\s*\((?:and\s+)?its subsidiaries and affiliates\)\s*$", "", company, flags=re.IGNORECASE)
    parts = [p.strip().rstrip(",;") for p in _AND_SUBSIDIARY.split(company)]
    return [p for p in parts if p and not re.match(r"(?i)(a|any) foreign", p)]


def iso_date(text: str) -> str:
    """ISO date of the first "Month D, YYYY" in ``text`` ("" when none)."""
    m = _DATE.search(text)
    if not m:
        return ""
    return datetime.strptime(f"{m.group(1)} {m.group(2)} {m.group(3)}", "%B %d %Y").date().isoformat()


def parse(data: bytes, *, published: str = "", url: str = "") -> Parsed:
    rows = read_csv_rows(data, (TEXT, DATE), "an FCC Covered List CSV")
    version = make_version(SOURCE, gunzip_if_needed(data), published, url)
    problems: list[str] = []

    groups: dict[str, list[tuple[int, str, str, str]]] = {}  # key -> (record, company, text, date)
    for n, raw in enumerate(rows, start=1):
        why = row_problem(raw)
        if why:
            problems.append(f"record {n}: {why}")
            continue
        text = cell(raw, TEXT)
        if not text:
            problems.append(f"record {n}: empty {TEXT}")
            continue
        date_text = cell(raw, DATE)
        start = iso_date(date_text)
        if date_text and not start:
            problems.append(f"record {n}: unreadable date {date_text!r}")
            continue
        companies = companies_in(text)
        if not companies:
            problems.append(f"record {n}: names no company (a category of equipment): {text[:70]}...")
            continue
        for company in companies:
            groups.setdefault(group_key(company), []).append((n, company, text, start))

    entities: list[Entity] = []
    for key, members in groups.items():
        members.sort(key=lambda m: (m[3], m[0]))
        names: list[Name] = []
        add_name(names, members[-1][1], PRIMARY)  # the newest row's wording
        for _, company, _, _ in reversed(members):
            add_name(names, company, ALIAS)
        listings = [
            Listing(list=LIST, start_date=start, version=version.id, remarks=text)
            for _, _, text, start in members
        ]
        entities.append(
            Entity(
                id=f"{SOURCE}:{stable_key(LIST, key)}",
                schema=ORGANIZATION,
                names=names,
                listings=dedupe_listings(listings),
            )
        )

    if not entities and rows and len(problems) == len(rows) and all("names no company" not in p for p in problems):
        raise SourceFormatError(f"no readable record in an FCC Covered List CSV ({len(rows)} rows)")
    version.records = len(entities)
    return Parsed(version=version, entities=entities, problems=problems)
