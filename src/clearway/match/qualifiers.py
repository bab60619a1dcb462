"""What besides the name moves a score: country, schema, date of birth, weak aliases, common names.

Each qualifier returns a factor and a reason; the reasons become the "what lowered the score"
part of an explanation.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from pypinyin.pinyin_dict import pinyin_dict

from ..model import ORGANIZATION, PERSON, UNKNOWN, VESSEL, WEAK, Entity
from ..names.han import COMMON_SURNAMES, person_pinyin, pinyin
from ..names.text import fold, has_han

COUNTRY_CONFLICT = 0.85
SCHEMA_CONFLICT = 0.75
DOB_CONFLICT = 0.7
DOB_AGREES = 0.05  # added
WEAK_ALIAS = 0.85
HOMOPHONE = 0.5

# Mainland China, Hong Kong and Macau are one jurisdiction for export controls (15 CFR 744.23
# treats Macau with China; 31 CFR 850 includes both): a listed party's Hong Kong address does
# not make a query naming China a different party.
_COUNTRY_CLASSES = [{"CN", "HK", "MO"}]


def _same_country_class(a: str, b: str) -> bool:
    if a == b:
        return True
    return any(a in c and b in c for c in _COUNTRY_CLASSES)


def country_factor(query_country: str | None, countries: list[str]) -> tuple[float, str | None]:
    """A query country none of the party's countries agrees with lowers the score."""
    if not query_country or not countries:
        return 1.0, None
    q = query_country.upper()
    if any(_same_country_class(q, c) for c in countries):
        return 1.0, None
    return COUNTRY_CONFLICT, f"country differs (query {q}, listed {', '.join(countries[:4])})"


def schema_factor(query_schema: str | None, entity: Entity) -> tuple[float, str | None]:
    if not query_schema or query_schema == UNKNOWN or entity.schema == UNKNOWN:
        return 1.0, None
    kinds = {PERSON: "person", ORGANIZATION: "organisation", VESSEL: "vessel"}
    if query_schema == entity.schema:
        return 1.0, None
    # Companies and organisations are one kind for screening.
    if {query_schema, entity.schema} <= {ORGANIZATION, "Company", "LegalEntity"}:
        return 1.0, None
    return SCHEMA_CONFLICT, (
        f"the query is a {kinds.get(query_schema, query_schema)}, the listed party a "
        f"{kinds.get(entity.schema, entity.schema)}"
    )


def dob_factor(birth_date: str | None, entity: Entity) -> tuple[float, str | None, bool]:
    """(factor, reason, corroborated)."""
    if not birth_date or not entity.birth_dates:
        return 1.0, None, False
    year = birth_date[:4]
    if any(d[:4] == year for d in entity.birth_dates):
        return 1.0, "date of birth agrees", True
    return DOB_CONFLICT, f"date of birth differs ({birth_date} vs {', '.join(entity.birth_dates[:3])})", False


def weak_factor(name_kind: str) -> tuple[float, str | None]:
    if name_kind == WEAK:
        return WEAK_ALIAS, "matched a weak alias (a brand or parent-group name from a secondary source)"
    return 1.0, None


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable, read from pypinyin's character table."""
    out: set[str] = set()
    for readings in pinyin_dict.values():
        for r in readings.split(","):
            plain = "".join(c for c in unicodedata.normalize("NFKD", r) if not unicodedata.combining(c))
            plain = plain.replace("ü", "v")
            if plain.isascii() and plain.isalpha():
                out.add(plain)
    return frozenset(out)


def is_bare_common_chinese_name(name: str) -> bool:
    """A Chinese personal name of a family name and a one-syllable given name (李娜, Liu Yang).

    Hundreds of thousands of people share each such name; on its own it cannot identify a
    listed person, so a match on it alone must not raise an alert.
    """
    folded = fold(name)
    if has_han(folded):
        text = folded.replace(" ", "")
        if person_pinyin(text) is None or len(text) != 2 or text[0] not in COMMON_SURNAMES:
            return False
        return True
    words = folded.split()
    if len(words) != 2:
        return False
    surnames = _common_surnames_pinyin()
    syl = _syllables()
    return all(w in syl for w in words) and (words[0] in surnames or words[1] in surnames)


@lru_cache(maxsize=1)
def _common_surnames_pinyin() -> frozenset[str]:
    return frozenset(pinyin(s) for s in COMMON_SURNAMES)
