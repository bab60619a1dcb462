"""Words of a vocabulary spelled like a given word: the typo lookup behind candidate retrieval.

The answer is defined by a plain scan — every vocabulary word whose length is within one of the
query's and whose rapidfuzz ``fuzz.ratio`` with it reaches the cutoff, best first, ties in
vocabulary order — but a scan compares the word with some 18,000 others (about 2 ms). A name
the lists do not contain brings such unseen words in every query, so this scan was a fifth of
all screening time.

Instead, a necessary condition prunes the scan: two words this similar share most of their
letter pairs (bigrams). ``fuzz.ratio`` is ``1 - d / (la + lb)`` with ``d`` the insertions plus
deletions turning one word into the other. Of the query's bigrams, each letter deleted from the
query breaks at most two and each letter inserted at most one, so a word within the cutoff
shares at least ``|bigrams(q)| - (2·dq + dw)`` of them. An inverted index from bigrams to words
counts, for every word of a length, how many of the query's bigrams it holds (numpy sums the
postings); only the words holding enough are scored. The result is exactly the scan's.
"""

from __future__ import annotations

from collections import defaultdict
from operator import itemgetter

import numpy as np
from rapidfuzz import fuzz, process

MIN_LEN = 4  # shorter words are too short for a typo to be told from another word


def _bigrams(word: str) -> set[str]:
    return {word[i : i + 2] for i in range(len(word) - 1)}


class SpellingIndex:
    """The ASCII alphabetic words (``MIN_LEN`` letters or more) of a vocabulary, by bigram."""

    def __init__(self, words, cutoff: float = 80.0):
        self.cutoff = cutoff
        by_len: dict[int, list[str]] = defaultdict(list)
        for w in words:
            if len(w) >= MIN_LEN and w.isascii() and w.isalpha():
                by_len[len(w)].append(w)
        self.by_len = dict(by_len)
        # length → bigram → positions (in by_len[length]) of the words holding it.
        self.postings: dict[int, dict[str, np.ndarray]] = {}
        for size, group in self.by_len.items():
            post: dict[str, list[int]] = defaultdict(list)
            for pos, w in enumerate(group):
                for bg in _bigrams(w):
                    post[bg].append(pos)
            self.postings[size] = {bg: np.array(p, dtype=np.int32) for bg, p in post.items()}

    def __len__(self) -> int:
        return sum(len(g) for g in self.by_len.values())

    def similar(self, word: str, limit: int = 3) -> list[tuple[str, float]]:
        """Up to ``limit`` (word, similarity in [0, 1]) best first; ``word`` itself when present."""
        if len(word) < MIN_LEN or not word.isascii():
            return []
        n = len(word)
        q_bigrams = _bigrams(word)
        found: list[tuple[float, int, int, str]] = []  # (-score, length order, position, word)
        for order, size in enumerate(range(n - 1, n + 2)):
            group = self.by_len.get(size)
            if not group:
                continue
            # The most edits the cutoff allows between words of these lengths, split into the
            # letters only the query has (dq) and those only the other word has (dw).
            d_max = int((100.0 - self.cutoff) / 100.0 * (n + size) + 1e-9)
            splits = [(dq, d - dq) for d in range(d_max + 1) for dq in range(d + 1) if 2 * dq - d == n - size]
            if not splits:
                continue  # the lengths alone differ by more than the cutoff allows
            slack = max(2 * dq + dw for dq, dw in splits)  # the query bigrams such edits can break
            need = len(q_bigrams) - slack  # bigrams of the query a similar word must share
            if need <= 0:
                choices = group  # too short a word for the bigrams to tell: scan them all
                positions = None
            else:
                post = self.postings[size]
                held = [p for bg in q_bigrams if (p := post.get(bg)) is not None]
                if len(held) < need:
                    continue
                # How many of the query's bigrams each word of this length holds.
                shared = np.bincount(np.concatenate(held), minlength=len(group))
                positions = np.flatnonzero(shared >= need).tolist()
                if not positions:
                    continue
                choices = [group[positions[0]]] if len(positions) == 1 else itemgetter(*positions)(group)
            for w, score, i in process.extract(word, choices, scorer=fuzz.ratio, limit=limit,
                                               score_cutoff=self.cutoff):
                found.append((-score, order, i if positions is None else positions[i], w))
        found.sort()
        return [(w, -neg / 100.0) for neg, _o, _p, w in found[:limit]]
