"""Candidate retrieval over every name form of every listed entity.

An inverted index from comparison tokens to the forms that contain them, with inverse document
frequencies as word weights. Retrieval sums the weights of shared words and keeps the best few
forms per query; words so common that they tell nothing apart on their own (``china``,
``technology``) are left to scoring rather than retrieval. A query word the index has never seen
is looked up by spelling (:mod:`clearway.spelling`), so typos still retrieve.

Words are visited in the order a name writes them (``dict.fromkeys``, never ``set``), so sums of
weights and the order of tied candidates do not depend on Python's per-process string hashing:
every process — a server worker, a batch worker, a Dask worker — gives the same answer.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from itertools import islice

import numpy as np

from .model import WEAK, Entity
from .names.forms import HAN, LATIN, Form, name_forms
from .names.glossary import place_words
from .names.han import pinyin
from .names.text import has_han
from .spelling import SpellingIndex

MAX_RETRIEVAL_DF = 4000  # words in more forms than this do not retrieve on their own
PLACE_WEIGHT = 2.0  # a place word missing from one name (Xi'an, Harbin) costs double
HEAD_FACTOR = 4  # candidates looked at before the caps per entity and per name (× the limit)
SIMILAR_CACHE = 20_000  # words whose spelling neighbours are remembered


class NameIndex:
    """All name forms of a set of entities, with postings and word weights."""

    def __init__(self, entities: list[Entity]):
        self.entities = entities
        self.forms: list[Form] = []
        self.form_entity: list[int] = []
        self.form_name: list[int] = []
        self.entity_forms: list[list[int]] = [[] for _ in entities]
        self.form_weak: list[bool] = []  # the form is of a weak alias (see _diverse)
        postings: dict[str, list[int]] = defaultdict(list)
        for ei, ent in enumerate(entities):
            person = ent.schema == "Person"
            for ni, name in enumerate(ent.names):
                for form in name_forms(name.value, person):
                    fid = len(self.forms)
                    self.forms.append(form)
                    self.form_entity.append(ei)
                    self.form_name.append(ni)
                    self.form_weak.append(name.kind == WEAK)
                    self.entity_forms[ei].append(fid)
                    for tok in dict.fromkeys(form.tokens):
                        postings[tok].append(fid)
        # Postings as int32 views into one array: retrieval sums them in numpy.
        flat = np.fromiter((fid for p in postings.values() for fid in p), dtype=np.int32,
                           count=sum(len(p) for p in postings.values()))
        self.postings: dict[str, np.ndarray] = {}
        pos = 0
        for tok, p in postings.items():
            self.postings[tok] = flat[pos : pos + len(p)]
            pos += len(p)
        del postings
        n = max(1, len(self.forms))
        self._n = n
        self.places = place_words()
        self.idf: dict[str, float] = {t: math.log(1.0 + n / len(p)) for t, p in self.postings.items()}
        self.form_weight: list[float] = [sum(self.idf[t] for t in dict.fromkeys(f.tokens)) or 1.0 for f in self.forms]
        self._form_weight = np.array(self.form_weight, dtype=np.float64)
        self._unseen_idf = math.log(1.0 + n)
        self.spelling = SpellingIndex(self.postings)
        # similar_words answers by word: a pure function of the word and the (fixed) vocabulary,
        # and still a costly step for names the lists do not contain. Files of names repeat
        # such words; bounded, the older half dropped when full.
        self._similar: dict[tuple[str, int], list[tuple[str, float]]] = {}

    def han_proper_names(self, entity: int) -> dict[str, set[str]]:
        """Pinyin → the Chinese proper-name words with that reading, in the entity's Chinese names."""
        out: dict[str, set[str]] = {}
        for fid in self.entity_forms[entity]:
            f = self.forms[fid]
            if f.script != HAN:
                continue
            for tok, soft in zip(f.tokens, f.soft):
                if not soft and has_han(tok):
                    out.setdefault(pinyin(tok), set()).add(tok)
        return out

    def weight(self, token: str) -> float:
        return self.idf.get(token, self._unseen_idf)

    def miss_weight(self, token: str) -> float:
        """What a word costs when the other name lacks it: a place word (Xi'an, Harbin) costs
        double, since it tells otherwise alike names apart; shared, it counts as any word."""
        w = self.idf.get(token, self._unseen_idf)
        return w * PLACE_WEIGHT if token in self.places else w

    def similar_words(self, token: str, limit: int = 3) -> list[tuple[str, float]]:
        """Index words spelled like an unseen query word (typos, transpositions)."""
        key = (token, limit)
        found = self._similar.get(key)
        if found is None:
            if len(self._similar) >= SIMILAR_CACHE:
                # Full: the older half goes (insertion order), the words of recent names stay.
                for old in list(islice(self._similar, SIMILAR_CACHE // 2)):
                    del self._similar[old]
            found = self._similar[key] = self.spelling.similar(token, limit)
        return list(found)

    def candidates(self, query_forms: list[Form], limit: int = 40,
                   allowed: Callable[[int], bool] | None = None) -> list[int]:
        """Form ids most likely to match, best first (at most ``limit``).

        ``allowed`` (entity index → bool) restricts retrieval, so a filter such as "only the FCC
        list" is applied before the best candidates are chosen, not after.
        """
        # Each retrieving word contributes a run of postings with two weights: its share of its
        # query form's weight (``acc``) and its own weight (``raw``). The runs are summed per form
        # in numpy, in the order a name writes its words — the same additions, in the same order,
        # as a loop over the postings, so the same floats — at a tenth of the loop's cost.
        runs: list[np.ndarray] = []
        acc_w: list[float] = []
        raw_w: list[float] = []
        for qf in query_forms:
            # Each query form adds at most 1 (the share of its weight a name covers), so a long
            # English reading cannot crowd out an exact match on the Chinese characters.
            toks = dict.fromkeys(qf.tokens)
            norm = sum(self.weight(t) for t in toks) or 1.0
            for tok in toks:
                post = self.postings.get(tok)
                wt = self.weight(tok)
                w = wt / norm
                if post is None:
                    if qf.script != LATIN:
                        continue
                    for other, sim in self.similar_words(tok):
                        p2 = self.postings[other]
                        if len(p2) <= MAX_RETRIEVAL_DF:
                            runs.append(p2)
                            acc_w.append(w * sim)
                            raw_w.append(self.weight(other) * sim)
                    continue
                if len(post) > MAX_RETRIEVAL_DF:
                    continue
                runs.append(post)
                acc_w.append(w)
                raw_w.append(wt)
        if not runs:
            # Only very common words: fall back to them, so "China Telecom" style names still retrieve.
            for qf in query_forms:
                for tok in dict.fromkeys(qf.tokens):
                    post = self.postings.get(tok)
                    if post is not None:
                        runs.append(post[: MAX_RETRIEVAL_DF * 4])
                        acc_w.append(self.weight(tok))
                        raw_w.append(self.weight(tok))
        if not runs:
            return []
        lengths = [len(r) for r in runs]
        ids = np.concatenate(runs) if len(runs) > 1 else runs[0]
        # Forms in retrieval order of first appearance break ties (as insertion into a dict did).
        fids, first, where = np.unique(ids, return_index=True, return_inverse=True)
        acc = np.bincount(where, weights=np.repeat(acc_w, lengths), minlength=len(fids))
        raw = np.bincount(where, weights=np.repeat(raw_w, lengths), minlength=len(fids))
        if allowed is not None:
            fe = self.form_entity
            keep = np.fromiter((allowed(fe[f]) for f in fids.tolist()), dtype=bool, count=len(fids))
            fids, first, acc, raw = fids[keep], first[keep], acc[keep], raw[keep]
            if not len(fids):
                return []
        # Rank by the share of the query a name covers, then by the share of the name the query
        # covers: among names sharing the query's one word, the name that is just that word wins.
        rank = acc * (0.5 + 0.5 * np.minimum(raw / self._form_weight[fids], 1.0))
        order = np.lexsort((first, -rank))
        # Keep the best form of each entity so one entity's many aliases do not crowd others out.
        # Likewise, one weak name shared by many entities (a parent group's Chinese name attached
        # to each of its institutes) is kept a few times only. Most queries gather hundreds of
        # forms and keep 40: the head of the ranking usually suffices.
        head = limit * HEAD_FACTOR
        ranked = fids[order]
        out = self._diverse(ranked[:head].tolist(), limit)
        if len(out) < limit and len(ranked) > head:
            out = self._diverse(ranked.tolist(), limit)
        return out

    def _diverse(self, ranked: list[int], limit: int) -> list[int]:
        out: list[int] = []
        seen_entities: dict[int, int] = {}
        seen_names: dict[tuple[str, ...], int] = {}
        form_entity, form_weak = self.form_entity, self.form_weak
        for fid in ranked:
            ei = form_entity[fid]
            k = seen_entities.get(ei, 0)
            if k >= 3:
                continue
            if form_weak[fid]:
                toks = self.forms[fid].tokens
                j = seen_names.get(toks, 0)
                if j >= 4:
                    continue
                seen_names[toks] = j + 1
            seen_entities[ei] = k + 1
            out.append(fid)
            if len(out) >= limit:
                break
        return out
