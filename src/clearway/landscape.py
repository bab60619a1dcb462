"""Figures that make the lists legible: entries by country, by year, China-related entries per
list and over time, sectors, and what the last update added.

An **entry** is one listed record on one list (an entity on two lists is two entries), counted
over current listings only, as ``clearway lists`` counts them. **China-related** means a country
of the record is CN, HK or MO. The **year** of an entry is the year of its listing's start date
where the publisher gives one, else the year of its earliest Federal Register citation: the FR
publishes one volume a year, volume 1 in 1936, so volume *v* is year *v* + 1935 ("90 FR 14046" is
2025). **Sectors** come from general words in any of the record's names, English or Chinese
(university/大学, institute/研究所, semiconductor/芯片 …); a record may fall in several.

Nothing here screens or reads files: :func:`landscape` takes the entities a Screener holds and
:func:`additions` takes a :class:`~clearway.monitor.diff.Diff`-shaped object.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from .lists import LISTS
from .model import Entity
from .names.text import to_simplified

CHINA = frozenset({"CN", "HK", "MO"})
EL_CHINA = frozenset({"CN", "HK"})  # the usual reading of "Chinese entities on the Entity List"
FR_YEAR_OFFSET = 1935  # Federal Register volume v was published in year v + 1935
_FR_RE = re.compile(r"\b(\d{1,3})\s*FR\s*\d+", re.IGNORECASE)

# Sector → (English pattern over folded names, Chinese pattern over simplified names).
SECTORS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "university": (re.compile(r"\buniversit|\bcollege\b|\bpolytechnic"),
                   re.compile(r"大学|(?<![科研])学院")),
    "research": (re.compile(r"\binstitute\b|\bacademy\b|\blaborator|\bresearch (?:center|centre|institute)"),
                 re.compile(r"研究所|研究院|科学院|实验室|研究中心")),
    "chips": (re.compile(r"semiconductor|microelectronic|integrated circuit|\bchips?\b|\bwafer|\bfoundry|\blithograph"),
              re.compile(r"半导体|集成电路|微电子|芯片|芯|晶圆|光刻")),
    "ai": (re.compile(r"artificial intelligence|\bintelligent\b|\bmachine learning|\bdeep learning"),
           re.compile(r"人工智能|智能")),
    # Surveillance and public security: cameras, video, recognition, and the police bureaus that run them.
    "surveillance": (re.compile(r"surveillance|\bvideo|\bcameras?\b|\bfacial\b|face recognition|biometric|"
                                r"(?<!di)(?<!tele)(?<!pro)(?<!super)vision\b|\bmonitoring\b|public security"),
                     re.compile(r"安防|监控|视频|视讯|视觉|人脸|图像识别|公安")),
    "supercomputing": (re.compile(r"supercomput|high[- ]performance computing|\bhpc\b|computing (?:center|centre)"),
                       re.compile(r"超算|超级计算|计算中心")),
}


def fr_year(citation: str) -> int | None:
    """The year of the earliest Federal Register volume cited ("85 FR 51603; 87 FR 6026" → 2020)."""
    vols = [int(v) for v in _FR_RE.findall(citation or "")]
    vols = [v for v in vols if 1 <= v <= 200]
    return min(vols) + FR_YEAR_OFFSET if vols else None


def listing_year(start_date: str, citation: str) -> int | None:
    if start_date[:4].isdigit():
        return int(start_date[:4])
    return fr_year(citation)


def sectors_of(entity: Entity) -> list[str]:
    latin = " ".join(n.value for n in entity.names).casefold()
    han = to_simplified(latin)
    return [s for s, (en, zh) in SECTORS.items() if en.search(latin) or zh.search(han)]


def _entries(entities: Iterable[Entity], today: date | None) -> Iterable[tuple[Entity, str, int | None]]:
    """(entity, list code, year) for each current listing of each entity, one per list."""
    for e in entities:
        seen: set[str] = set()
        for lst in e.listings:
            if lst.list in seen or not lst.is_current(today):
                continue
            seen.add(lst.list)
            years = [listing_year(x.start_date, x.federal_register) for x in e.listings
                     if x.list == lst.list and x.is_current(today)]
            known = [y for y in years if y]
            yield e, lst.list, min(known) if known else None


def _ordered_codes(codes: Iterable[str]) -> list[str]:
    present = set(codes)
    return [c for c in LISTS if c in present] + sorted(present - LISTS.keys())


def landscape(entities: list[Entity], *, today: date | None = None) -> dict[str, Any]:
    """Every figure of the landscape page, as plain data (codes, counts; no display text)."""
    total: Counter[str] = Counter()
    china: Counter[str] = Counter()
    by_country: dict[str, Counter[str]] = defaultdict(Counter)  # list → country → entries
    by_year: dict[str, Counter[int]] = defaultdict(Counter)  # list → year → entries
    china_by_year: dict[str, Counter[int]] = defaultdict(Counter)
    undated: Counter[str] = Counter()
    sectors: dict[str, Counter[str]] = defaultdict(Counter)  # sector → list → China-related entries
    sectors_all: Counter[str] = Counter()
    el_china = 0
    sector_cache: dict[int, list[str]] = {}
    for e, code, year in _entries(entities, today):
        countries = set(e.countries)
        is_china = bool(countries & CHINA)
        total[code] += 1
        for c in countries or {"??"}:
            by_country[code][c] += 1
        if year:
            by_year[code][year] += 1
        else:
            undated[code] += 1
        if code == "EL" and countries & EL_CHINA:
            el_china += 1
        if is_china:
            china[code] += 1
            if year:
                china_by_year[code][year] += 1
            found = sector_cache.get(id(e))
            if found is None:
                found = sector_cache[id(e)] = sectors_of(e)
            for s in found:
                sectors[s][code] += 1
                sectors_all[s] += 1
    codes = _ordered_codes(total)
    all_countries: Counter[str] = Counter()
    for c in by_country.values():
        all_countries.update(c)
    years = sorted({y for c in by_year.values() for y in c})
    return {
        "lists": [{"code": c, "entries": total[c], "china": china[c], "undated": undated[c]} for c in codes],
        "el_china": el_china,
        "el_total": total.get("EL", 0),
        "china_total": sum(china.values()),
        "entries_total": sum(total.values()),
        "countries": {"all": dict(all_countries.most_common()),
                      **{c: dict(by_country[c].most_common()) for c in codes}},
        "years": years,
        "by_year": {c: {str(y): n for y, n in sorted(by_year[c].items())} for c in codes if by_year[c]},
        "china_by_year": {c: {str(y): n for y, n in sorted(china_by_year[c].items())} for c in codes if china_by_year[c]},
        "sectors": {s: dict(sectors[s]) for s in SECTORS},
        "sectors_total": {s: sectors_all[s] for s in SECTORS},
    }


def additions(diff: Any) -> dict[str, Any]:
    """What one list update added, per list code, with the China-related part (from a Diff)."""
    added: Counter[str] = Counter()
    china: Counter[str] = Counter()
    for x in diff.added:
        added[x.code] += 1
        if set(x.entity.countries) & CHINA:
            china[x.code] += 1
    removed = Counter(x.code for x in diff.removed)
    codes = _ordered_codes(set(added) | set(removed))
    return {
        "source": diff.source,
        "old": diff.old_version.id, "new": diff.new_version.id,
        "old_published": diff.old_version.published, "new_published": diff.new_version.published,
        "by_list": [{"code": c, "added": added[c], "china": china[c], "removed": removed[c]} for c in codes],
        "added": sum(added.values()), "china": sum(china.values()), "removed": sum(removed.values()),
    }
