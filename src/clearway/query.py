"""What a screening is asked: the query, its validation, the defaults and limits around it, and
the version of the matching that answers it.

Kept apart from :mod:`clearway.screen` so a process that only reads and checks names — the
coordinating process of a batch, say — does not load the name tables (pinyin, glossary) and
the lists that screening needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import PERSON

# The version of the matching that answers a query, recorded with every screening (bump it when
# the same query and lists could be answered differently).
ALGORITHM_VERSION = "clearway-match/1"
# Calibrated on the dev set (see README, "Matching quality"): one threshold for organisations
# and people.
DEFAULT_THRESHOLD = 0.70
DEFAULT_LIMIT = 10
MAX_NAME_LENGTH = 1000
_BIRTH_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")  # bytes that were not UTF-8, decoded with surrogateescape


class QueryError(ValueError):
    """A query that cannot be screened (empty name, too long, unknown schema...)."""

    def __init__(self, message: str, field: str = "name"):
        super().__init__(message)
        self.field = field


@dataclass(slots=True)
class Query:
    name: str
    country: str | None = None
    schema: str | None = None  # "Person", "Organization" or None
    birth_date: str | None = None
    id: str | None = None

    def validate(self) -> "Query":
        from .names.text import strip_controls

        if not isinstance(self.name, str):
            raise QueryError("name must be text")
        cleaned = " ".join(strip_controls(self.name).split())
        if not cleaned:
            raise QueryError("name is empty")
        if _SURROGATE_RE.search(cleaned):
            raise QueryError("name is not valid UTF-8")
        if len(cleaned) > MAX_NAME_LENGTH:
            raise QueryError(f"name is too long ({len(cleaned):,} characters; the limit is {MAX_NAME_LENGTH:,})")
        schema = self.schema
        if schema:
            canon = {"person": PERSON, "organization": "Organization", "organisation": "Organization",
                     "company": "Organization", "vessel": "Vessel", "unknown": None}
            if schema.lower() not in canon:
                raise QueryError(f"unknown schema {schema!r} (use Person or Organization)", "schema")
            schema = canon[schema.lower()]
        birth = (self.birth_date or "").strip() or None
        if birth is not None and not _BIRTH_RE.match(birth):
            raise QueryError(f"birth date must be YYYY, YYYY-MM or YYYY-MM-DD, got {self.birth_date!r}", "birth_date")
        country = self.country.strip().upper() if self.country and self.country.strip() else None
        if country and (len(country) != 2 or not country.isalpha()):
            raise QueryError(f"country must be a two-letter ISO code, got {self.country!r}", "country")
        return Query(cleaned, country, schema, birth, self.id)
