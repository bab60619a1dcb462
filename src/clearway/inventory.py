"""What is loaded: per list, how many entities, how many still listed, from which versions."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from .lists import LISTS
from .model import Entity, ListVersion


def list_inventory(entities: list[Entity], versions: list[ListVersion]) -> list[dict[str, Any]]:
    total: Counter[str] = Counter()
    current: Counter[str] = Counter()
    used: dict[str, set[str]] = defaultdict(set)
    for e in entities:
        seen = set()
        for lst in e.listings:
            if lst.list in seen:
                continue
            seen.add(lst.list)
            total[lst.list] += 1
            if any(x.list == lst.list and x.is_current() for x in e.listings):
                current[lst.list] += 1
            if lst.version:
                used[lst.list].add(lst.version)
    by_id = {v.id: v for v in versions}
    rows = []
    order = list(LISTS) + sorted(set(total) - LISTS.keys())
    for code in order:
        if code not in total:
            continue
        info = LISTS.get(code)
        vs = sorted(used[code])
        as_of = max((by_id[v].published for v in vs if v in by_id), default="")
        rows.append({
            "code": code,
            "name": info.name if info else code,
            "name_zh": info.name_zh if info else "",
            "authority": info.authority if info else "",
            "jurisdiction": info.jurisdiction if info else "",
            "entities": total[code],
            "current": current[code],
            "as_of": as_of,
            "versions": vs,
        })
    return rows
