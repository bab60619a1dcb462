"""The one data model every list is parsed into.

An :class:`Entity` is one party as one publisher lists it: a person, an organisation, a vessel
(or ``Unknown`` when the publisher does not say). It carries every name form the publisher gives,
its addresses, countries, dates of birth and identifiers, and one or more :class:`Listing`
records. A listing says on which list (a short code from :mod:`clearway.lists`), under which
programme, with which legal effect and citation, from when to when, and from which
:class:`ListVersion` it came.

The same real party listed by two publishers stays two entities (one per source record);
screening output groups them for display. Nothing here knows how names are matched.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

# Entity schemas, the vocabulary of FollowTheMoney so yente-style clients read them unchanged.
PERSON = "Person"
ORGANIZATION = "Organization"
VESSEL = "Vessel"
UNKNOWN = "Unknown"
SCHEMAS = (PERSON, ORGANIZATION, VESSEL, UNKNOWN)

# Kinds of name a publisher gives. ``weak`` aliases (brand-level or parent-group names a
# secondary source attaches) are matched but never on their own raise a strong alert.
PRIMARY = "primary"
ALIAS = "alias"
NATIVE = "native"  # the name in the party's own script (Chinese, Japanese, Korean, Cyrillic ...)
FORMER = "former"
WEAK = "weak"
ACRONYM = "acronym"
NAME_KINDS = (PRIMARY, ALIAS, NATIVE, FORMER, WEAK, ACRONYM)


@dataclass(slots=True)
class Name:
    value: str
    kind: str = ALIAS
    lang: str | None = None  # ISO 639-1 where known ("zh", "ja", "ko", "ru")


@dataclass(slots=True)
class Identifier:
    kind: str  # "USCC", "passport", "IMO", "LEI", "registration", ...
    value: str
    country: str | None = None


@dataclass(slots=True)
class ListVersion:
    """One published version of one source file: where it came from and what it held."""

    source: str  # parser key, e.g. "csl", "dod_1260h"
    published: str  # the publisher's date for this version (ISO date), or "" when unknown
    content_hash: str  # sha256 of the raw bytes as published
    url: str = ""
    records: int = 0

    @property
    def id(self) -> str:
        return f"{self.source}@{self.published or 'undated'}#{self.content_hash[:12]}"


@dataclass(slots=True)
class Listing:
    list: str  # list code from clearway.lists.LISTS, e.g. "EL", "SDN", "CN-UEL"
    programme: str = ""
    license_requirement: str = ""
    license_policy: str = ""
    federal_register: str = ""  # citation(s) as published, e.g. "84 FR 22963; 85 FR 29853"
    start_date: str = ""  # ISO dates; "" when the publisher does not say
    end_date: str = ""  # set when the party was removed: kept as history, never a current listing
    source_url: str = ""
    version: str = ""  # ListVersion.id
    remarks: str = ""

    def is_current(self, today: date | None = None) -> bool:
        if not self.end_date:
            return True
        today = today or date.today()
        return self.end_date > today.isoformat()


@dataclass(slots=True)
class Entity:
    id: str  # stable within a source: "<source>:<publisher id or content key>"
    schema: str
    names: list[Name]
    listings: list[Listing]
    countries: list[str] = field(default_factory=list)  # ISO-2, upper case
    addresses: list[str] = field(default_factory=list)
    birth_dates: list[str] = field(default_factory=list)  # ISO, possibly partial ("1962")
    identifiers: list[Identifier] = field(default_factory=list)

    @property
    def caption(self) -> str:
        for n in self.names:
            if n.kind == PRIMARY:
                return n.value
        return self.names[0].value if self.names else self.id

    def is_current(self, today: date | None = None) -> bool:
        return any(lst.is_current(today) for lst in self.listings)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Entity":
        return cls(
            id=d["id"],
            schema=d["schema"],
            names=[Name(**n) for n in d["names"]],
            listings=[Listing(**x) for x in d["listings"]],
            countries=list(d.get("countries", ())),
            addresses=list(d.get("addresses", ())),
            birth_dates=list(d.get("birth_dates", ())),
            identifiers=[Identifier(**i) for i in d.get("identifiers", ())],
        )


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def add_name(names: list[Name], value: str | None, kind: str = ALIAS, lang: str | None = None) -> None:
    """Append a cleaned name unless empty or already present (case-insensitive)."""
    if not value:
        return
    value = " ".join(value.split()).strip(" ;,")
    if not value:
        return
    low = value.casefold()
    for n in names:
        if n.value.casefold() == low:
            return
    names.append(Name(value, kind, lang))
