"""Checks a downloaded list must pass before it may replace the version that is live.

1. **Format**: the source's own parser reads it (a truncated JSON file, a CSV with the wrong
   columns, an HTML page, corrupt gzip all fail here), with the parser's reason.
2. **Schema**: at least one entity; every entity has an id (unique), a name, a known schema and
   at least one listing on a known list code.
3. **Readability**: file-level problems the parser reports (the file's own record total or
   per-list counts disagree with what it holds: a cut-off file) refuse it; so do records the
   parser could not read when they are the majority. Fewer are passed on as warnings.
4. **Record counts** (the shrink guard): a list that loses more than ``max_shrink`` (default
   20%) of its entities since the live version — the whole source, or one list code in it that
   had at least :data:`MIN_LIST_FOR_SHRINK` entities — is refused unless ``accept_shrink``.
   Publishers remove parties one by one; a list that halves overnight is a broken export.
5. **Content hash**: the SHA-256 of the bytes is the version's identity
   (:class:`~clearway.model.ListVersion`); equal to the live version's means "unchanged".

:func:`validate` raises :class:`Refused` with the reason, or returns the parsed version.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..lists import LISTS
from ..model import SCHEMAS, Entity
from ..sources.base import Parsed, SourceFormatError
from .publishers import Publisher

DEFAULT_MAX_SHRINK = 0.20
MIN_LIST_FOR_SHRINK = 20  # one list code is checked on its own from this many entities up
_RECORD_PREFIXES = ("record ", "add record ", "alt record ", "comments record ", "line ")


class Refused(Exception):
    """A download that must not replace the live version; ``str()`` says why."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind  # "format", "schema", "problems", "empty", "shrink"


@dataclass
class Validated:
    parsed: Parsed
    counts: dict[str, int]  # entities per list code
    warnings: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.parsed.entities)


def list_counts(entities: list[Entity]) -> dict[str, int]:
    """Entities per list code (an entity counts once per list it is on)."""
    c: Counter[str] = Counter()
    for e in entities:
        c.update({lst.list for lst in e.listings})
    return dict(c)


def _schema_problems(entities: list[Entity]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for n, e in enumerate(entities, 1):
        where = f"entity {n} ({e.id or 'no id'})"
        if not e.id:
            out.append(f"{where}: no id")
        elif e.id in seen:
            out.append(f"{where}: duplicate id")
        seen.add(e.id)
        if not e.names or not any(x.value.strip() for x in e.names):
            out.append(f"{where}: no name")
        if e.schema not in SCHEMAS:
            out.append(f"{where}: unknown schema {e.schema!r}")
        if not e.listings:
            out.append(f"{where}: no listing")
        for lst in e.listings:
            if lst.list not in LISTS:
                out.append(f"{where}: unknown list code {lst.list!r}")
        if len(out) >= 5:
            break
    return out


def _pct(old: int, new: int) -> str:
    return f"{(old - new) / old:.0%}" if old else "100%"


def validate(publisher: Publisher, data: bytes, *, published: str = "", url: str = "",
             previous_counts: Mapping[str, int] | None = None, max_shrink: float = DEFAULT_MAX_SHRINK,
             accept_shrink: bool = False) -> Validated:
    """Parse ``data`` with the source's parser and check it (see the module docstring)."""
    what = publisher.title
    if not data.strip():
        raise Refused("the download is empty (0 bytes of content)", "empty")
    try:
        parsed = publisher.parse(data, published=published, url=url)
    except SourceFormatError as exc:
        raise Refused(f"not a readable {publisher.source} file: {exc}", "format") from None
    except (ValueError, TypeError, KeyError, IndexError, UnicodeError) as exc:  # a parser tripped on garbage
        raise Refused(f"not a readable {publisher.source} file ({type(exc).__name__}: {exc})", "format") from None
    if parsed.version.source != publisher.source:
        raise Refused(f"the parser produced source {parsed.version.source!r}, expected {publisher.source!r}", "schema")
    entities = parsed.entities
    if not entities:
        raise Refused(f"the list is empty: no entity in the file ({what})", "empty")
    bad = _schema_problems(entities)
    if bad:
        raise Refused("entities fail the schema check: " + "; ".join(bad), "schema")

    file_level = [p for p in parsed.problems if not p.startswith(_RECORD_PREFIXES)]
    if file_level:
        raise Refused("the file does not hold what it says it holds (cut off or corrupt?): "
                      + "; ".join(file_level[:3]), "problems")
    record_problems = len(parsed.problems)
    if record_problems and record_problems > len(entities):
        raise Refused(f"{record_problems:,} records could not be read against {len(entities):,} read "
                      f"(first: {parsed.problems[0]})", "problems")

    counts = list_counts(entities)
    warnings = [f"{record_problems:,} record(s) with problems (first: {parsed.problems[0]})"] if record_problems else []
    if previous_counts:
        old_total = sum(previous_counts.values())
        new_total = sum(counts.values())
        shrunk: list[str] = []
        if old_total and new_total < (1 - max_shrink) * old_total:
            shrunk.append(f"all lists {old_total:,} → {new_total:,} listings (−{_pct(old_total, new_total)})")
        for code, old in sorted(previous_counts.items()):
            new = counts.get(code, 0)
            if old >= MIN_LIST_FOR_SHRINK and new < (1 - max_shrink) * old:
                shrunk.append(f"{code} {old:,} → {new:,} (−{_pct(old, new)})")
        if shrunk:
            msg = (f"the list shrank by more than the {max_shrink:.0%} allowed since the live version: "
                   + "; ".join(shrunk))
            if not accept_shrink:
                raise Refused(msg + ". If the publisher really removed them, run again with --accept-shrink",
                              "shrink")
            warnings.append(msg + " (accepted: --accept-shrink)")
    return Validated(parsed=parsed, counts=counts, warnings=warnings)
