"""The typo lookup gives exactly what a scan of every word of similar length gives."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from clearway.spelling import SpellingIndex


def scan(index: SpellingIndex, word: str, limit: int = 3) -> list[tuple[str, float]]:
    """The definition: rapidfuzz over every word within one letter of the length, in vocabulary order."""
    if len(word) < 4 or not word.isascii():
        return []
    pool = [w for size in range(len(word) - 1, len(word) + 2) for w in index.by_len.get(size, ())]
    return [(w, s / 100.0) for w, s, _ in process.extract(word, pool, scorer=fuzz.ratio, limit=limit,
                                                          score_cutoff=index.cutoff)]


@pytest.fixture(scope="module")
def vocabulary(screener) -> list[str]:
    return list(screener.index.postings)


@pytest.fixture(scope="module")
def spelling(screener) -> SpellingIndex:
    return screener.index.spelling


def typo(rng: random.Random, word: str) -> str:
    letters = list(word)
    k = rng.randrange(len(letters))
    op = rng.randrange(5)
    if op == 0:
        letters[k] = rng.choice("abcdefghijklmnopqrstuvwxyz")
    elif op == 1:
        del letters[k]
    elif op == 2:
        letters.insert(k, rng.choice("aeiouy"))
    elif op == 3 and k + 1 < len(letters):
        letters[k], letters[k + 1] = letters[k + 1], letters[k]
    else:  # two edits: long words still find their partner
        letters[k] = rng.choice("aeiou")
        del letters[rng.randrange(len(letters))]
    return "".join(letters)


def test_typos_of_listed_words_match_the_scan(vocabulary, spelling):
    rng = random.Random(7)
    words = [w for w in vocabulary if w.isascii() and w.isalpha() and len(w) >= 4]
    found_other = 0
    for _ in range(1500):
        w = typo(rng, rng.choice(words))
        got = spelling.similar(w)
        assert got == scan(spelling, w), w
        found_other += bool(got)
    assert found_other > 1000  # the typos do find listed words: the comparison is not vacuous


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=16))
def test_any_word_matches_the_scan(spelling, word):
    assert spelling.similar(word) == scan(spelling, word)


def test_small_vocabulary_edge_cases():
    idx = SpellingIndex(["trust", "trusts", "tryst", "abcd", "北京", "x1yz", "longwordhere"])
    assert idx.similar("turst") == scan(idx, "turst")
    assert idx.similar("turst")[0][0] == "trust"  # a transposition: similarity exactly at the cutoff
    assert idx.similar("abc") == []  # too short to be a typo
    assert idx.similar("北京大学") == []
    assert len(idx) == 5  # the Chinese word and the word with a digit are not in the vocabulary
