"""One snapshot from one version of every source: which entities each source contributes.

Every source contributes all its entities, except ``multi`` (the aggregated restricted-parties
file): it contributes only the lists no other source covers (UFLPA, Japan's End User List,
Canada's Named Research Organizations). Its records of lists another source covers (Entity
List, CMIC, MEU -> ``csl``; 1260H -> ``dod_1260h``; 1286 -> ``ndaa_1286``) lend their native
names, as WEAK names, to the matching entity of that source (:func:`attach_multi_natives`).

Used by ``scripts/build_snapshot.py`` for the bundled snapshot and by ``clearway update`` each
time a new list version is swapped in, so both assemble the same way.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from .model import ALIAS, PRIMARY, WEAK, Entity, ListVersion, add_name
from .sources.dod_1260h import group_key, norm_key

MULTI = "multi"
MULTI_ONLY = frozenset({"UFLPA", "METI-EUL", "CA-NRO"})  # lists only multi carries: kept as entities
MULTI_TARGET = {"EL": "csl", "CMIC": "csl", "MEU": "csl", "1260H": "dod_1260h", "1286": "ndaa_1286"}
# The order sources are written in (the bundled snapshot's); sources not named here follow.
SOURCE_ORDER = ("csl", "dod_1260h", "ndaa_1286", "fcc", "bis_mieu", "cn_sanctions", "cn_mofcom", MULTI)


def _variants(english: str) -> list[str]:
    """Extra match keys for multi's joined names ("A and affiliates - B - C", "X (a.k.a. Y)")."""
    out = []
    for part in re.split(r"\s+-\s+", english):
        part = re.sub(r"\s+and (its )?affiliates\b", "", part, flags=re.IGNORECASE).strip()
        if part:
            out.append(part)
    return out


def loose_key(name: str) -> str:
    """Key ignoring a trailing parenthesis ("(CASIC)", "(formerly ZEMIC)") and legal forms."""
    return group_key(re.sub(r"\s*\([^()]*\)\s*$", "", name)) or norm_key(name)


def _lookup(index: dict, code: str, keys: Iterable[str]) -> list[Entity]:
    out: list[Entity] = []
    for k in keys:
        for ent in index.get((code, k), ()):
            if ent not in out:
                out.append(ent)
    return out


def attach_multi_natives(multi_entities: list[Entity], by_source: Mapping[str, list[Entity]]) -> dict[str, Counter]:
    """Attach multi's native names (WEAK) to the matching entity of the same list elsewhere.

    Match tiers, each tried only when the one before found nothing: (1) the record's English
    name or an alias equals a primary/alias name of the target (case, punctuation, whitespace
    ignored); (2) one of the parts of a joined English name ("A and affiliates - B - C") does;
    (3) the same ignoring a trailing parenthesis and legal forms ("China Electronics Technology
    Group (CETC)" ~ "China Electronics Technology Group Corporation (CETC)") — accepted only when
    it points at exactly one entity. Returns counts per list code.
    """
    index: dict[tuple[str, str], list[Entity]] = defaultdict(list)  # (list code, name key) -> entities
    loose: dict[tuple[str, str], list[Entity]] = defaultdict(list)
    for code, source in MULTI_TARGET.items():
        for ent in by_source.get(source, ()):
            if not any(lst.list == code for lst in ent.listings):
                continue
            for n in ent.names:
                if n.kind in (PRIMARY, ALIAS):
                    for idx, k in ((index, norm_key(n.value)), (loose, loose_key(n.value))):
                        if k and ent not in idx[(code, k)]:
                            idx[(code, k)].append(ent)

    stats: dict[str, Counter] = defaultdict(Counter)
    for rec in multi_entities:
        if not rec.listings:
            continue
        code = rec.listings[0].list
        if code not in MULTI_TARGET:
            continue
        weak = [n for n in rec.names if n.kind == WEAK]
        st = stats[code]
        st["records"] += 1
        if weak:
            st["with native"] += 1
        own = [n.value for n in rec.names if n.kind in (PRIMARY, ALIAS)]
        primary = next((n.value for n in rec.names if n.kind == PRIMARY), "")
        how = "matched"
        targets = _lookup(index, code, (norm_key(v) for v in own))
        if not targets:
            how = "matched (name split)"
            targets = _lookup(index, code, (norm_key(v) for v in _variants(primary)))
        if not targets:
            how = "matched (loose)"
            targets = _lookup(loose, code, (loose_key(v) for v in own + _variants(primary)))
            if len(targets) > 1:
                st["ambiguous"] += 1
                targets = []
        if not targets:
            st["unmatched"] += 1
            if weak:
                st["unmatched with native"] += 1
            continue
        st[how] += 1
        for ent in targets:
            before = len(ent.names)
            for n in weak:
                add_name(ent.names, n.value, WEAK, n.lang)
            st["weak names added"] += len(ent.names) - before
            if len(ent.names) > before:
                st["entities enriched"] += 1
    return stats


def source_order(sources: Iterable[str]) -> list[str]:
    """``sources`` in snapshot order: the bundled snapshot's order, then the others by name."""
    names = set(sources)
    return [s for s in SOURCE_ORDER if s in names] + sorted(names - set(SOURCE_ORDER))


def assemble(parts: Mapping[str, tuple[ListVersion, list[Entity]]]
             ) -> tuple[list[ListVersion], list[Entity], dict[str, Counter]]:
    """(versions, entities, multi attachment counts) of a snapshot made of ``parts``.

    ``parts`` maps a source to the version used and its entities as parsed; multi's entities of
    lists another source covers are consumed here (their native names are attached) and are not
    in the result. The target entities are changed in place.
    """
    versions: list[ListVersion] = []
    by_source: dict[str, list[Entity]] = {}
    for source in source_order(parts):
        version, entities = parts[source]
        versions.append(version)
        by_source[source] = entities
    stats: dict[str, Counter] = {}
    if MULTI in by_source:
        multi_all = by_source[MULTI]
        by_source[MULTI] = [e for e in multi_all if e.listings and e.listings[0].list in MULTI_ONLY]
        stats = attach_multi_natives(multi_all, by_source)
    entities = [e for source in by_source.values() for e in source]
    return versions, entities, stats
