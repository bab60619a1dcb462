"""The shortcuts of screening give exactly what the plain computation gives.

Three shortcuts make a name the lists do not contain cheap to screen: retrieval sums postings in
numpy, a pair of names that cannot reach the threshold stops after its word pairs, and a query
form pairs each list word once. Each is checked here against the plain computation it replaces.
"""

from __future__ import annotations

import random
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearway.index import HEAD_FACTOR, MAX_RETRIEVAL_DF
from clearway.match.score import _may_join, _word_pairs, compare_forms, hopeless, join_masks
from clearway.model import WEAK
from clearway.names.forms import AS_WRITTEN, LATIN, Form, name_forms
from clearway.screen import Query

FLOORS = (0.3, 0.5, 0.65, 0.7, 0.9)


def perturbed_queries(screener, n: int, seed: int) -> list[str]:
    """Listed names changed the ways queries differ from them, and names the lists lack."""
    rng = random.Random(seed)
    names = [nm.value for e in screener.entities for nm in e.names if 4 <= len(nm.value) <= 80]
    syllables = "zhang wei li ming hua xin tong da guo long feng kai tech sino micro data soft".split()
    out = []
    for _ in range(n):
        v = rng.choice(names)
        words = v.split()
        op = rng.randrange(7)
        if op == 0 and len(words) > 1:  # a word dropped
            del words[rng.randrange(len(words))]
        elif op == 1 and len(words) > 1:  # two words written together
            k = rng.randrange(len(words) - 1)
            words[k : k + 2] = [words[k] + words[k + 1]]
        elif op == 2:  # a word split in two
            k = rng.randrange(len(words))
            w = words[k]
            if len(w) > 3:
                cut = rng.randrange(1, len(w) - 1)
                words[k : k + 1] = [w[:cut], w[cut:]]
        elif op == 3:  # a typo
            k = rng.randrange(len(words))
            w = list(words[k])
            if len(w) > 1:
                i = rng.randrange(len(w) - 1)
                w[i], w[i + 1] = w[i + 1], w[i]
            words[k] = "".join(w)
        elif op == 4:  # a made-up name sharing one listed word
            words = [rng.choice(words), *rng.sample(syllables, 2)]
        elif op == 5:  # a made-up name
            words = ["".join(rng.sample(syllables, 2)).title(), rng.choice(["Co", "Ltd", "Group", "Institute"])]
        out.append(" ".join(words))
    return out


def reference_candidates(index, query_forms, limit=40, allowed=None) -> list[int]:
    """Retrieval as a plain loop over the postings: the definition the numpy sums must equal."""
    acc: dict[int, float] = defaultdict(float)
    raw: dict[int, float] = defaultdict(float)
    for qf in query_forms:
        toks = dict.fromkeys(qf.tokens)
        norm = sum(index.weight(t) for t in toks) or 1.0
        for tok in toks:
            post = index.postings.get(tok)
            wt = index.weight(tok)
            w = wt / norm
            if post is None:
                if qf.script != LATIN:
                    continue
                for other, sim in index.similar_words(tok):
                    p2 = index.postings[other]
                    if len(p2) <= MAX_RETRIEVAL_DF:
                        for fid in p2.tolist():
                            acc[fid] += w * sim
                            raw[fid] += index.weight(other) * sim
                continue
            if len(post) > MAX_RETRIEVAL_DF:
                continue
            for fid in post.tolist():
                acc[fid] += w
                raw[fid] += wt
    if not acc:
        for qf in query_forms:
            for tok in dict.fromkeys(qf.tokens):
                post = index.postings.get(tok)
                for fid in ([] if post is None else post[: MAX_RETRIEVAL_DF * 4].tolist()):
                    acc[fid] += index.weight(tok)
                    raw[fid] += index.weight(tok)
    if allowed is not None:
        acc = {f: v for f, v in acc.items() if allowed(index.form_entity[f])}
    ranked = sorted(((v * (0.5 + 0.5 * min(raw[f] / index.form_weight[f], 1.0)), f) for f, v in acc.items()),
                    key=lambda x: x[0], reverse=True)  # stable: ties keep retrieval order
    out, per_entity, per_name = [], defaultdict(int), defaultdict(int)
    for _, fid in ranked:
        ei = index.form_entity[fid]
        if per_entity[ei] >= 3:
            continue
        if index.entities[ei].names[index.form_name[fid]].kind == WEAK:
            toks = index.forms[fid].tokens
            if per_name[toks] >= 4:
                continue
            per_name[toks] += 1
        per_entity[ei] += 1
        out.append(fid)
        if len(out) >= limit:
            break
    return out


@pytest.fixture(scope="module")
def queries(screener) -> list[str]:
    chinese = [nm.value for e in screener.entities[:4000:7] for nm in e.names
               if any("\u4e00" <= ch <= "\u9fff" for ch in nm.value)][:80]
    return perturbed_queries(screener, 500, seed=11) + chinese + ["China", "Technology Co Ltd", "北京", "ab"]


def test_retrieval_equals_the_plain_loop(screener, queries):
    index = screener.index
    fcc = {i for i, e in enumerate(screener.entities) if any(lst.list == "FCC" for lst in e.listings)}
    assert fcc, "the bundled lists carry FCC entries"
    many = 0
    for q in queries:
        forms = list(name_forms(q, True))
        got = index.candidates(forms)
        assert got == reference_candidates(index, forms), q
        many += len(got) >= 20
        assert index.candidates(forms, allowed=fcc.__contains__) == \
            reference_candidates(index, forms, allowed=fcc.__contains__), q
    # Most queries gather more than the ranked head: the head-then-all path is exercised.
    assert many > len(queries) // 2
    assert HEAD_FACTOR >= 1


def _same(a, b) -> bool:
    return (a.score, a.pairs, a.unmatched_query, a.unmatched_name, a.penalties) == \
        (b.score, b.pairs, b.unmatched_query, b.unmatched_name, b.penalties)


def test_a_pair_is_cut_short_only_when_it_cannot_reach_the_floor(screener, queries):
    index = screener.index
    cut = total = 0
    for q in queries:
        qforms = list(name_forms(q, True))
        memos = {floor: [{} for _ in qforms] for floor in FLOORS}
        for fid in index.candidates(qforms):
            c = index.forms[fid]
            for k, qf in enumerate(qforms):
                if qf.script != c.script:
                    continue
                full = compare_forms(qf, c, index.weight, index.miss_weight)
                for floor in FLOORS:
                    fast = compare_forms(qf, c, index.weight, index.miss_weight, floor=floor,
                                         memo=memos[floor][k])
                    total += 1
                    if _same(fast, full):
                        continue
                    # Cut short: allowed only below the floor, and then it says 0.
                    assert full.score < floor and fast.score == 0.0, (q, c.text, floor, full.score)
                    cut += 1
    # The shortcut does its work: most pairs of a query and its candidates stop early.
    assert cut > total // 2


def test_screening_at_a_threshold_equals_filtering_the_full_scores(screener, queries):
    for q in queries[:300]:
        for query in (Query(q), Query(q, schema="Person", birth_date="1970", country="CN")):
            v = query.validate()
            everything = screener._score(v, None)  # no floor: every pair scored in full
            for threshold in (0.5, 0.7):
                expected = [m.to_dict() for m in screener._group(everything, threshold, 10, None)]
                got = [m.to_dict() for m in screener.screen(query, threshold=threshold).matches]
                assert got == expected, (q, threshold)


# Words over a small alphabet meet each other often: equal words, near spellings, words that are
# two others written together, and names written together with a slip.
_word = st.text(alphabet="abcn", min_size=1, max_size=7)


def _form(tokens: tuple[str, ...]) -> Form:
    numbers = frozenset(t for t in tokens if t.isdigit())
    return Form(tokens, (False,) * len(tokens), numbers, LATIN, AS_WRITTEN)


@settings(max_examples=1500, deadline=None)
@given(q=st.lists(_word, min_size=1, max_size=5), c=st.lists(_word, min_size=1, max_size=5),
       floor=st.floats(0.05, 0.99))
def test_the_bound_holds_for_any_words(q, c, floor):
    qf, cf = _form(tuple(q)), _form(tuple(c))

    def weight(t: str) -> float:
        # Weights far apart: a side can be almost covered by one heavy word, where the bound
        # is tightest.
        return {"a": 0.001, "b": 1.0, "c": 20.0, "n": 0.3}[t[0]]

    def miss(t: str) -> float:
        return weight(t) * (2.0 if t.startswith("n") else 1.0)

    memo: dict = {}
    assert sorted(_word_pairs(qf.tokens, cf.tokens, LATIN, memo)) == sorted(_word_pairs(qf.tokens, cf.tokens, LATIN))
    full = compare_forms(qf, cf, weight, miss)
    fast = compare_forms(qf, cf, weight, miss, floor=floor, memo=memo)
    if not _same(fast, full):
        assert full.score < floor and fast.score == 0.0
    if hopeless(qf, cf, join_masks(qf.tokens), join_masks(cf.tokens), memo, floor):
        assert full.score < floor


def test_very_long_words_written_together_are_still_found():
    # Joined lengths beyond the precomputed table take the direct test.
    long_a, long_b = "x" * 65, "y" * 65
    query = _form((long_a + long_b,))
    listed = _form((long_a, long_b, "zzzzzz"))
    full = compare_forms(query, listed, lambda _t: 1.0)
    assert [p.how for p in full.pairs] == ["joined"] and full.score > 0.6
    assert _same(compare_forms(query, listed, lambda _t: 1.0, floor=0.6, memo={}), full)
    assert _may_join(query.tokens, listed.tokens, 0b1, 0b111)
    assert not _may_join(query.tokens, listed.tokens, 0b1, 0b101)  # the second word is paired
    assert not _may_join(query.tokens, (long_a, "y" * 80), 0b1, 0b11)
