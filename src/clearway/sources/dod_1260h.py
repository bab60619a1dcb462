"""US DoD Section 1260H "Chinese military companies" (OpenSanctions CSV of every release).

The file holds every DoD release 2021–2026 as blocks of rows (``Name, Clean Name, Alias,
Previous Name, Parent Name, Note, Start date, End date, Source Url``). A company that appears in
several releases has one row per release; a row with an end date says the company was removed
then. Rows are grouped into ONE entity per company with one :class:`Listing` per row, so an
entity whose rows all ended is "formerly listed" (``Entity.is_current()`` is False).

Rows of one company are recognised by their ``Clean Name`` (or ``Name``) after normalisation
(case, punctuation, apostrophes, a trailing legal form such as "Co."/"Ltd."), because the
publisher spells the same company slightly differently from release to release
("Co Ltd." / "Co., Ltd.", "Jonhon" / "JONHON", "Xi'an" / "Xi’an").

Names: every release's ``Name`` is kept exactly as published (e.g. with the asterisk some
releases put after the name) as a PRIMARY name, the newest release's first (it is the caption);
``Alias`` -> alias, ``Previous Name`` -> former name, ``Clean Name`` -> alias when it differs.

This module also holds the small CSV and name-key helpers the other CSV parsers share.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable

from ..model import ALIAS, FORMER, ORGANIZATION, PRIMARY, Entity, Listing, Name, add_name
from .base import Parsed, SourceFormatError, clean, decode_text, gunzip_if_needed, make_version, stable_key

SOURCE = "dod_1260h"
LIST = "1260H"
REQUIRED = ("Name", "Clean Name", "Alias", "Previous Name", "Start date", "End date")

_ISO_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")

# Legal-form words stripped from the END of a name when building a grouping key.
LEGAL_FORMS = frozenset(
    "co company corp corporation inc incorporated llc ltd limited plc lp pty jsc ooo ao pjsc gmbh ag sa".split()
)
# Words dropped from the START: Russian-style legal forms ("AO Kaspersky Lab"), "The".
LEADING_FORMS = frozenset("the ao ooo oao zao pao pjsc jsc".split())


# ---------------------------------------------------------------- shared helpers (CSV parsers)


def read_csv_rows(data: bytes, required: Iterable[str], what: str) -> list[dict[str, str]]:
    """Decode ``data`` as a CSV with a header row holding every ``required`` column.

    Raises :class:`SourceFormatError` (one line) when the input is empty, is not CSV, or lacks a
    required column. Returns the data rows; a row with too many fields keeps them under the key
    ``None`` (the caller reports and skips it), a short row has ``None`` for the missing cells.
    """
    data = gunzip_if_needed(data)
    if not data.strip():
        raise SourceFormatError(f"empty input: expected {what}")
    text = decode_text(data)
    if "\x00" in text:
        raise SourceFormatError(f"not {what}: binary data (NUL bytes)")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [(h or "").strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise SourceFormatError(f"not {what}: unreadable header ({exc})") from exc
    missing = [c for c in required if c not in header]
    if missing:
        raise SourceFormatError(f"not {what}: missing column(s) {', '.join(missing)}")
    reader.fieldnames = header
    try:
        return list(reader)
    except csv.Error as exc:
        raise SourceFormatError(f"malformed CSV ({what}) near line {reader.line_num}: {exc}") from exc


def row_problem(row: dict) -> str | None:
    """Why a CSV row is structurally broken (too many fields), or None."""
    extra = row.get(None)
    if extra:
        return f"{len(extra)} field(s) more than the header (misquoted row?)"
    return None


def cell(row: dict, key: str) -> str:
    return clean(row.get(key))


def norm_key(value: str) -> str:
    """Case-, punctuation- and width-insensitive key: only letters and digits survive."""
    value = unicodedata.normalize("NFKC", value).casefold()
    return "".join(ch for ch in value if ch.isalnum())


def group_key(value: str) -> str:
    """:func:`norm_key` after dropping legal-form words at the end ("Co., Ltd.", "Inc.") or start ("AO", "The")."""
    tokens = re.findall(r"\w+", unicodedata.normalize("NFKC", value).casefold())
    while len(tokens) > 1 and tokens[-1] in LEGAL_FORMS:
        tokens.pop()
    while len(tokens) > 1 and tokens[0] in LEADING_FORMS:
        tokens.pop(0)
    return "".join(ch for ch in "".join(tokens) if ch.isalnum())


def split_multi(value: str) -> list[str]:
    """Split a publisher multi-value cell: on ';' always, on ',' only when no space follows
    (OpenSanctions joins values as "Knownsec,Beijing Kownsec" while names keep "Co., Ltd.")."""
    out: list[str] = []
    for part in value.split(";"):
        pieces = re.split(r",(?=\S)", part)
        merged: list[str] = []
        for p in pieces:
            first = re.match(r"\w+", p.strip().casefold())
            if merged and first and first.group(0) in LEGAL_FORMS:
                merged[-1] = merged[-1] + "," + p  # "Co.,Ltd." is one name
            else:
                merged.append(p)
        out.extend(clean(m) for m in merged if clean(m))
    return out


def dedupe_listings(listings: list[Listing]) -> list[Listing]:
    seen: set[tuple] = set()
    out = []
    for lst in listings:
        k = (lst.list, lst.programme, lst.start_date, lst.end_date, lst.remarks)
        if k not in seen:
            seen.add(k)
            out.append(lst)
    return out


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


# ---------------------------------------------------------------- the parser


def parse(data: bytes, *, published: str = "", url: str = "") -> Parsed:
    rows = read_csv_rows(data, REQUIRED, "a DoD 1260H CSV")
    version_data = gunzip_if_needed(data)
    problems: list[str] = []

    good: list[tuple[int, dict[str, str]]] = []  # (record number, cleaned row)
    for n, raw in enumerate(rows, start=1):
        why = row_problem(raw)
        if why:
            problems.append(f"record {n}: {why}")
            continue
        row = {k: cell(raw, k) for k in raw if k is not None}
        if not row.get("Name") and not row.get("Clean Name"):
            problems.append(f"record {n}: no name")
            continue
        bad = [c for c in ("Start date", "End date") if row.get(c) and not _ISO_DATE.fullmatch(row[c])]
        if bad:
            problems.append(f"record {n}: bad {bad[0].lower()} {row[bad[0]]!r}")
            continue
        good.append((n, row))

    # Group rows of one company: same Clean Name or same Name, after normalisation.
    uf = _UnionFind()
    row_keys: list[str] = []
    for n, row in good:
        keys = [group_key(v) for v in (row.get("Clean Name", ""), row.get("Name", "")) if v]
        keys = [k for k in keys if k]
        if not keys:
            keys = [f"#record{n}"]
        for k in keys[1:]:
            uf.union(keys[0], k)
        row_keys.append(keys[0])
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for (n, row), k in zip(good, row_keys):
        groups.setdefault(uf.find(k), []).append((n, row))

    version = make_version(SOURCE, version_data, published, url)
    entities: list[Entity] = []
    used_ids: set[str] = set()
    for members in groups.values():
        # Oldest first (by start date, then file order): the id comes from the first row, so it
        # stays stable when later releases are added; the newest release gives the caption.
        members.sort(key=lambda m: (m[1].get("Start date", ""), m[0]))
        first = members[0][1]
        eid = f"{SOURCE}:{stable_key(LIST, group_key(first.get('Clean Name') or first.get('Name', '')))}"
        if eid in used_ids:  # cannot normally happen; keep ids unique regardless
            eid = f"{eid}-{members[0][0]}"
        used_ids.add(eid)

        names: list[Name] = []
        newest_first = list(reversed(members))
        for _, row in newest_first:
            _add_exact(names, row.get("Name") or row.get("Clean Name", ""), PRIMARY)
        for _, row in newest_first:
            for alias in split_multi(row.get("Alias", "")):
                add_name(names, alias, ALIAS)
            if row.get("Clean Name"):
                add_name(names, row["Clean Name"], ALIAS)
            for former in split_multi(row.get("Previous Name", "")):
                add_name(names, former, FORMER)

        listings = []
        for _, row in members:
            remarks = row.get("Note", "")
            if row.get("Parent Name"):
                parent = f"Parent: {row['Parent Name']}"
                remarks = f"{remarks} {parent}".strip() if remarks else parent
            listings.append(
                Listing(
                    list=LIST,
                    start_date=row.get("Start date", ""),
                    end_date=row.get("End date", ""),
                    source_url=row.get("Source Url", ""),
                    version=version.id,
                    remarks=remarks,
                )
            )
        entities.append(
            Entity(id=eid, schema=ORGANIZATION, names=names, listings=dedupe_listings(listings), countries=["CN"])
        )

    if not entities and rows:
        raise SourceFormatError(f"no readable record in a DoD 1260H CSV ({len(rows)} rows)")
    version.records = len(entities)
    return Parsed(version=version, entities=entities, problems=problems)


def _add_exact(names: list[Name], value: str, kind: str) -> None:
    """Like :func:`add_name` but only exact (whitespace-collapsed) duplicates are dropped, so
    "X (Knownsec)*" and "X (Knownsec)" are both kept as published."""
    value = " ".join(value.split())
    if not value:
        return
    for n in names:
        if n.value == value:
            return
    names.append(Name(value, kind))
