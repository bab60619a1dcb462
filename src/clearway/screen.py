"""The Screener: a query → ranked, explained matches against every loaded list.

The one entry point for every consumer (CLI, API, batch, cases). Load once, screen many::

    screener = Screener.load()                 # the bundled snapshot
    result = screener.screen("华为技术有限公司")
    for m in result.matches:
        print(m.name, m.lists, m.score, m.explanation)
"""

from __future__ import annotations

import gc
import time
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

from .index import NameIndex
from .lists import LISTS
from .match import qualifiers as Q
from .match.explain import explain
from .match.score import FormScore, compare_forms, hopeless, join_masks
from .model import PERSON, PRIMARY, WEAK, Entity, ListVersion
from .names.forms import HAN, READING, Form, clear_name_caches, name_forms, whole_name_forms
from .names.han import pinyin
from .names.text import has_han
from .query import ALGORITHM_VERSION, DEFAULT_LIMIT, DEFAULT_THRESHOLD, MAX_NAME_LENGTH, Query, QueryError

__all__ = ["ALGORITHM_VERSION", "DEFAULT_LIMIT", "DEFAULT_THRESHOLD", "MAX_NAME_LENGTH", "Match", "Query",
           "QueryError", "ScreenResult", "Screener", "compare", "freeze_loaded"]

# Words that make a name an organisation's (in the comparison vocabulary: stemmed, folded).
ORG_WORDS = frozenset(
    "university college institute academy school laboratory center group company industry technology "
    "science research bank trading trade electronic system equipment manufacturing engineering "
    "development international holding factory bureau ministry department office association "
    "foundation hospital army navy force police corps logistic shipping network software "
    "information communication media security service".split()
)
@dataclass(slots=True)
class ListingView:
    list: str
    list_name: str
    entity_id: str
    current: bool
    programme: str
    license_requirement: str
    license_policy: str
    federal_register: str
    start_date: str
    end_date: str
    effect: str
    citation: str
    source_url: str
    version: str


@dataclass(slots=True)
class Match:
    id: str  # the best-matching entity
    name: str  # its primary name
    schema: str
    score: float
    lists: list[str]  # current listings of every entity in the group
    former_lists: list[str]  # listings that have ended (history)
    matched_name: str
    matched_name_kind: str
    transformation: str
    explanation: str
    explanation_zh: str
    countries: list[str]
    entity_ids: list[str]  # every entity of the same party (one per list record)
    names: list[str]  # every primary name of those entities (some publishers give several)
    listings: list[ListingView]

    @property
    def formerly_listed(self) -> bool:
        return not self.lists and bool(self.former_lists)

    def to_dict(self) -> dict[str, Any]:
        # As dataclasses.asdict would give (same keys, same order, lists copied), written out:
        # asdict's generic recursion was a tenth of a screening request's time.
        d: dict[str, Any] = {}
        for name in _MATCH_FIELDS:
            v = getattr(self, name)
            d[name] = list(v) if isinstance(v, list) else v
        d["listings"] = [{name: getattr(lv, name) for name in _LISTING_FIELDS} for lv in self.listings]
        d["formerly_listed"] = self.formerly_listed
        d["score"] = round(self.score, 4)
        return d


_MATCH_FIELDS = tuple(f.name for f in fields(Match))
_LISTING_FIELDS = tuple(f.name for f in fields(ListingView))


@dataclass(slots=True)
class ScreenResult:
    query: Query
    matches: list[Match]
    threshold: float
    algorithm: str = ALGORITHM_VERSION
    elapsed_ms: float = 0.0

    def query_dict(self) -> dict[str, Any]:
        """The query as screened (validated), without its id."""
        return {k: v for k, v in asdict(self.query).items() if v is not None and k != "id"}

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query_dict(),
            "threshold": self.threshold,
            "algorithm": self.algorithm,
            "matches": [m.to_dict() for m in self.matches],
        }


@dataclass(slots=True)
class _Scored:
    entity: int
    score: float
    form_id: int
    qform: Form
    detail: FormScore
    adjustments: list[str] = field(default_factory=list)


class Screener:
    """Screens names against a fixed set of entities. Thread-safe for reads."""

    _MAX_SHARED = 8

    def __init__(self, entities: list[Entity], versions: list[ListVersion] | None = None,
                 *, today: date | None = None):
        self.entities = entities
        self.versions = versions or []
        self.today = today
        # Building the index allocates a few hundred thousand small objects and no cycles;
        # the cyclic garbage collector would only rescan them again and again.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            self.index = NameIndex(entities)
            self._group_of, self._groups = self._party_groups()
            self._group_countries = {
                g: sorted({c for i in members for c in self.entities[i].countries})
                for g, members in self._groups.items()
            }
        finally:
            if gc_was_enabled:
                gc.enable()
        self._by_id = {e.id: i for i, e in enumerate(entities)}
        # Length masks of every list form, for the cheap bound that lets most candidates go
        # (identical masks share one object: a few distinct values among 65,000 forms).
        shared: dict[tuple[int, int, int], tuple[int, int, int]] = {}
        self._join_masks = [shared.setdefault(m, m) for m in (join_masks(f.tokens) for f in self.index.forms)]
        clear_name_caches()

    @classmethod
    def load(cls, snapshot: str | Path | None = None) -> "Screener":
        from .snapshot import DEFAULT_SNAPSHOT, load_snapshot

        versions, entities = load_snapshot(snapshot or DEFAULT_SNAPSHOT)
        return cls(entities, versions)

    def entity(self, entity_id: str) -> Entity | None:
        i = self._by_id.get(entity_id)
        return None if i is None else self.entities[i]

    def _party_groups(self) -> tuple[list[int], dict[int, list[int]]]:
        """Entities that are the same real party on different lists, found by shared names.

        Two organisation records are one party when they share a whole name (a primary name or
        a published alias of two words or more, compared as folded words) that at most
        ``_MAX_SHARED`` records carry; people are grouped only by identical primary names and
        dates of birth, since distinct people share names.
        """
        parent = list(range(len(self.entities)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        by_key: dict[tuple, list[int]] = {}
        for i, e in enumerate(self.entities):
            person = e.schema == PERSON
            for n in e.names:
                if n.kind == WEAK or (person and n.kind != PRIMARY):
                    continue
                for f in whole_name_forms(n.value, person):
                    if len(f.tokens) < 2:
                        continue
                    key = (person, f.script, frozenset(f.tokens), tuple(e.birth_dates) if person else ())
                    by_key.setdefault(key, []).append(i)
        for members in by_key.values():
            uniq = sorted(set(members))
            if 1 < len(uniq) <= self._MAX_SHARED:
                root = find(uniq[0])
                for m in uniq[1:]:
                    parent[find(m)] = root
        group_of = [find(i) for i in range(len(self.entities))]
        groups: dict[int, list[int]] = {}
        for i, g in enumerate(group_of):
            groups.setdefault(g, []).append(i)
        return group_of, groups

    # -- screening ---------------------------------------------------------------------------

    def screen(self, query: Query | str, *, country: str | None = None, schema: str | None = None,
               birth_date: str | None = None, lists: set[str] | None = None,
               threshold: float | None = None, limit: int = DEFAULT_LIMIT) -> ScreenResult:
        t0 = time.perf_counter()
        if isinstance(query, str):
            query = Query(query, country=country, schema=schema, birth_date=birth_date)
        query = query.validate()
        threshold = DEFAULT_THRESHOLD if threshold is None else threshold
        scored = self._score(query, lists, threshold)
        matches = self._group(scored, threshold, limit, lists)
        return ScreenResult(query, matches, threshold, elapsed_ms=(time.perf_counter() - t0) * 1000)

    def _score(self, query: Query, lists: set[str] | None, threshold: float = 0.0) -> list[_Scored]:
        """Every party that may reach ``threshold``, best first, with its adjusted score.

        Adjustments only lower a score, but for a date of birth that agrees: pairs of names
        that cannot reach the threshold less that bonus are neither scored in full nor adjusted.
        """
        person = query.schema == PERSON
        floor = threshold - (Q.DOB_AGREES if query.birth_date else 0.0)
        qforms = list(name_forms(query.name, person or query.schema is None))
        if not qforms:
            return []
        idx = self.index
        best: dict[int, _Scored] = {}
        allowed = None
        if lists is not None:
            def allowed(ei: int) -> bool:
                return any(lst.list in lists for lst in self.entities[ei].listings)
        memos: list[dict] = [{} for _ in qforms]
        q_masks = [join_masks(qf.tokens) for qf in qforms]
        for fid in idx.candidates(qforms, allowed=allowed):
            ei = idx.form_entity[fid]
            cform = idx.forms[fid]
            for qf, memo, qm in zip(qforms, memos, q_masks):
                if qf.script != cform.script:
                    continue
                # Two Chinese names meet in characters; their pinyin readings would also
                # equate homophones (华为 / 华威).
                if qf.how == READING and cform.how == READING:
                    continue
                if floor > 0.0 and hopeless(qf, cform, qm, self._join_masks[fid], memo, floor):
                    continue
                detail = compare_forms(qf, cform, idx.weight, idx.miss_weight, floor=floor, memo=memo)
                if detail.score <= 0:
                    continue
                prev = best.get(ei)
                # On a tie, a Chinese-to-Chinese match is the clearer explanation.
                if prev is None or detail.score > prev.score or (
                        detail.score == prev.score and qf.script == HAN and prev.qform.script != HAN):
                    best[ei] = _Scored(ei, detail.score, fid, qf, detail)
        common = Q.is_bare_common_chinese_name(query.name)
        q_han = next((f for f in qforms if f.script == HAN), None)
        out = []
        for s in best.values():
            if s.score < floor:
                continue
            ent = self.entities[s.entity]
            name = ent.names[idx.form_name[s.form_id]]
            score = s.score
            if q_han is not None and s.qform.script != HAN:
                conflict = self._homophone_conflict(q_han, s.entity)
                if conflict:
                    score *= Q.HOMOPHONE
                    s.adjustments.append(conflict)
            # The party's countries are those of all its records: one record without an
            # address does not make the country unknown.
            countries = self._group_countries[self._group_of[s.entity]]
            for factor, reason in (Q.country_factor(query.country, countries), Q.schema_factor(query.schema, ent),
                                   Q.weak_factor(name.kind)):
                if reason:
                    score *= factor
                    s.adjustments.append(reason)
            dfac, dreason, corroborated = Q.dob_factor(query.birth_date, ent)
            if dreason:
                if corroborated:
                    score = min(1.0, score + Q.DOB_AGREES)
                else:
                    score *= dfac
                s.adjustments.append(dreason)
            # Only a person can be "just a common name"; organisations with two-character names
            # (商汤, 大疆) are not people, and a record of unknown type is an organisation when
            # any of its names reads like one.
            if common and not corroborated and (
                    ent.schema == PERSON or query.schema == PERSON
                    or (ent.schema == "Unknown" and not self._reads_as_organisation(s.entity))):
                cap = DEFAULT_THRESHOLD - 0.05
                if score > cap:
                    score = cap
                    s.adjustments.append("a bare common Chinese name: needs a date of birth or other qualifier")
            s.score = score
            out.append(s)
        # Best first; on ties prefer the primary name and parties that are still listed.
        out.sort(key=lambda s: (-round(s.score, 6),
                                self.entities[s.entity].names[idx.form_name[s.form_id]].kind != PRIMARY,
                                not self.entities[s.entity].is_current(self.today),
                                self.entities[s.entity].id))
        return out

    def _reads_as_organisation(self, entity: int) -> bool:
        idx = self.index
        return any(idx.forms[f].legal or ORG_WORDS.intersection(idx.forms[f].tokens) for f in idx.entity_forms[entity])

    def _homophone_conflict(self, q_han: Form, entity: int) -> str | None:
        """A Chinese query read in pinyin matched, but the party's own Chinese name writes that
        reading with other characters (华威 vs 华为): a different firm that sounds the same."""
        # The party's own Chinese names, from any of its records.
        listed: dict[str, set[str]] = {}
        for member in self._groups[self._group_of[entity]]:
            for sound, chars in self.index.han_proper_names(member).items():
                listed.setdefault(sound, set()).update(chars)
        if not listed:
            return None
        for tok, soft in zip(q_han.tokens, q_han.soft):
            if soft or not has_han(tok):
                continue
            same_sound = listed.get(pinyin(tok))
            if same_sound and tok not in same_sound:
                return f"same sound, other characters: {tok} vs {'/'.join(sorted(same_sound))}"
        return None

    def _group(self, scored: list[_Scored], threshold: float, limit: int,
               lists: set[str] | None) -> list[Match]:
        matches: list[Match] = []
        used: set[int] = set()
        for s in scored:
            if s.score < threshold:
                break
            if s.entity in used:
                continue
            members = self._groups[self._group_of[s.entity]]
            used.update(members)
            matches.append(self._match(s, members, lists))
            if len(matches) >= limit:
                break
        return matches

    def _match(self, s: _Scored, members: list[int], lists: set[str] | None) -> Match:
        idx = self.index
        ent = self.entities[s.entity]
        name = ent.names[idx.form_name[s.form_id]]
        cform = idx.forms[s.form_id]
        en, zh = explain(matched_name=name.value, name_kind=name.kind, query_form=s.qform,
                         name_form=cform, detail=s.detail, adjustments=s.adjustments)
        group = [s.entity] + [m for m in members if m != s.entity]
        views: list[ListingView] = []
        current: list[str] = []
        former: list[str] = []
        for gi in group:
            g = self.entities[gi]
            for lst in g.listings:
                if lists is not None and lst.list not in lists:
                    continue
                info = LISTS.get(lst.list)
                is_cur = lst.is_current(self.today)
                views.append(ListingView(
                    list=lst.list, list_name=info.name if info else lst.list, entity_id=g.id,
                    current=is_cur, programme=lst.programme,
                    license_requirement=lst.license_requirement, license_policy=lst.license_policy,
                    federal_register=lst.federal_register, start_date=lst.start_date,
                    end_date=lst.end_date, effect=info.effect if info else "",
                    citation=info.citation if info else "", source_url=lst.source_url or (info.url if info else ""),
                    version=lst.version,
                ))
                (current if is_cur else former).append(lst.list)
        cur = list(dict.fromkeys(current))
        return Match(
            id=ent.id, name=ent.caption, schema=ent.schema, score=s.score,
            lists=cur, former_lists=[c for c in dict.fromkeys(former) if c not in cur],
            matched_name=name.value, matched_name_kind=name.kind, transformation=s.qform.how
            if s.qform.how != "as written" else cform.how,
            explanation=en, explanation_zh=zh, countries=list(ent.countries),
            entity_ids=[self.entities[g].id for g in group],
            names=list(dict.fromkeys(n.value for g in group for n in self.entities[g].names if n.kind == PRIMARY)),
            listings=views,
        )


def freeze_loaded() -> None:
    """Move what the process has loaded (the lists, the index) out of the cyclic garbage
    collector's sight. They live as long as the process, or until the next list version, and
    hold no cycles to collect, yet every full collection would walk their hundreds of thousands
    of objects: a pause of a tenth of a second in some request, or in some batch chunk. Call it
    in a long-lived process once a Screener is loaded."""
    gc.collect()
    gc.freeze()


def compare(a: str, b: str, *, schema: str | None = None) -> dict[str, Any]:
    """Score and explain two names against each other, as a reviewer adjudicating a hit asks.

    ``b`` plays the listed name. Word weights are neutral (every word counts the same), since two
    free names carry no list statistics.
    """
    qa = Query(a, schema=schema).validate()
    qb = Query(b, schema=schema).validate()
    person = schema == PERSON
    fa = name_forms(qa.name, person or schema is None)
    fb = name_forms(qb.name, person or schema is None)
    # Two Chinese names are compared in characters: their pinyin readings cannot tell
    # homophones apart (华为 / 华威).
    both_han = any(f.script == HAN for f in fa) and any(f.script == HAN for f in fb)
    best: tuple[float, Form, Form, FormScore] | None = None
    for x in fa:
        for y in fb:
            if x.script != y.script or (both_han and x.script != HAN):
                continue
            d = compare_forms(x, y, lambda _t: 1.0)
            if best is None or d.score > best[0]:
                best = (d.score, x, y, d)
    if best is None:
        return {"a": a, "b": b, "score": 0.0, "explanation": "No comparable forms (different scripts and no reading).",
                "explanation_zh": "无可比较的名称形式。"}
    score, x, y, d = best
    adjustments: list[str] = []
    if Q.is_bare_common_chinese_name(a) and score > DEFAULT_THRESHOLD - 0.05:
        adjustments.append("a bare common Chinese name: needs a date of birth or other qualifier")
    en, zh = explain(matched_name=b, name_kind=PRIMARY, query_form=x, name_form=y, detail=d, adjustments=adjustments)
    return {"a": a, "b": b, "score": round(score, 4), "match": score >= DEFAULT_THRESHOLD,
            "form_a": x.text, "form_b": y.text, "transformation_a": x.how, "transformation_b": y.how,
            "explanation": en, "explanation_zh": zh}
