"""Latin-script words of a folded name → comparison tokens.

Abbreviations expanded (Univ. → university), older romanisations folded to pinyin (Tsinghua →
qinghua), plurals stemmed, ordinals read as numbers, legal forms and stopwords dropped (a legal
form neither creates nor blocks a match), and pinyin organisation vocabulary read as English
(keji → science technology, youxian gongsi → a legal form) so that "Beijing Nuodian Keji Youxian
Gongsi" and "Beijing Nuodian Technology Co., Ltd." meet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from rapidfuzz.distance import OSA

from .glossary import (
    ABBREVIATIONS,
    LEGAL_FORMS,
    LEGAL_FORMS_FINAL,
    ROMANISATIONS,
    STOPWORDS,
    ZH_TERMS,
)
from .numbers import latin_number

_SPLIT_DIGITS_RE = re.compile(r"[0-9]+(?:st|nd|rd|th)?|[^0-9]+")
_HAS_DIGIT_RE = re.compile(r"[0-9]")


@dataclass(frozen=True, slots=True)
class Tokens:
    words: tuple[str, ...]
    soft: tuple[bool, ...]  # True: the word came from a glossary translation, not the name itself
    numbers: frozenset[str]
    legal: bool  # a legal form was present
    translated: bool  # some word came through the pinyin glossary
    groups: tuple[int, ...]  # words read from the same source word share a group
    alts: tuple[int, ...]  # bit k set: the word belongs to reading k of its group


def stem(word: str) -> str:
    """A light English plural stemmer; both sides of every comparison go through it."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "os")):
        return word[:-1]
    return word


def _canon(word: str) -> str:
    word = ABBREVIATIONS.get(word, word)
    word = ROMANISATIONS.get(word, word)
    s = stem(word)
    return ABBREVIATIONS.get(s, s)


def union_readings(readings: list[list[str]]) -> tuple[list[str], list[int]]:
    """Words of several alternative readings, each once, with a bit mask of the readings it is in."""
    words: list[str] = []
    masks: list[int] = []
    for k, reading in enumerate(readings):
        for w in reading:
            if w in words:
                masks[words.index(w)] |= 1 << k
            else:
                words.append(w)
                masks.append(1 << k)
    return words, masks


def _pinyin_glossary() -> tuple[dict[str, tuple[tuple[str, ...], tuple[int, ...]]], int]:
    """Pinyin spellings of multi-character organisation words → their English readings."""
    table: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {}
    for zh, english in ZH_TERMS.items():
        if len(zh) < 2 or not english:
            continue
        key = "".join(lazy_pinyin(zh, style=Style.NORMAL))
        if len(key) < 4:
            continue
        readings = []
        for alt in english.split("|"):
            words = [c for c in (_canon(w) for w in alt.split()) if c not in STOPWORDS and c not in LEGAL_FORMS]
            for c in list(words):
                if " " in c:
                    words.remove(c)
                    words.extend(c.split())
            if words:
                readings.append(words)
        words, masks = union_readings(readings)
        table[key] = (tuple(words), tuple(masks))
    return table, 4


PINYIN_TERMS, _MAX_JOIN = _pinyin_glossary()
# Words that can start a pinyin vocabulary term, written joined or spaced: a cheap gate before
# trying joins of the following words.
_PINYIN_STARTS = frozenset(
    [k for k in PINYIN_TERMS]
    + ["".join(lazy_pinyin(zh, style=Style.NORMAL)[:1]) for zh in ZH_TERMS if len(zh) >= 2]
)
_MULTIWORD_ROMANISATIONS = {k: v for k, v in ROMANISATIONS.items() if " " in k}


_LEGAL_LONG = tuple(f for f in LEGAL_FORMS if len(f) >= 3)


@lru_cache(maxsize=8192)
def _legal_typo(word: str) -> bool:
    """A slip in a legal form at the end of a name ("Co., tLd.", "Limted"): one edit (a swap
    counts as one) from a legal form of three letters or more."""
    if len(word) < 3 or not word.isalpha():
        return False
    return any(abs(len(word) - len(f)) <= 1 and OSA.distance(word, f, score_cutoff=1) <= 1
               and (len(f) > 3 or sorted(word) == sorted(f)) for f in _LEGAL_LONG)


@lru_cache(maxsize=32768)
def latin_tokens(folded: str) -> Tokens:
    """Tokens of a folded Latin-script name (see :func:`clearway.names.text.fold`)."""
    raw: list[str] = []
    if _HAS_DIGIT_RE.search(folded):
        for part in folded.split():
            # "cetc38" → "cetc", "38"; "38th" stays whole so the ordinal is read.
            raw.extend(p for p in _SPLIT_DIGITS_RE.findall(part) if p)
    else:
        raw = folded.split()
    text = " ".join(raw)
    if any(k in text for k in _MULTIWORD_ROMANISATIONS):
        for k, v in _MULTIWORD_ROMANISATIONS.items():
            text = re.sub(rf"\b{k}\b", v, text)
        raw = text.split()

    words: list[str] = []
    soft: list[bool] = []
    groups: list[int] = []
    alts: list[int] = []
    g = 0
    numbers: set[str] = set()
    legal = False
    translated = False
    i = 0
    n = len(raw)
    while i < n:
        # Pinyin organisation vocabulary, written joined ("keji") or spaced ("ke ji").
        hit = None
        for j in (range(min(n, i + _MAX_JOIN), i, -1) if raw[i] in _PINYIN_STARTS else ()):
            key = "".join(raw[i:j])
            if key in PINYIN_TERMS and (j - i > 1 or key not in ABBREVIATIONS):
                hit = (j, PINYIN_TERMS[key])
                break
        if hit is not None and not (hit[0] - i == 1 and raw[i] in LEGAL_FORMS):
            j, (english, masks) = hit
            translated = True
            for w, mask in zip(english, masks):
                words.append(w)
                soft.append(True)
                groups.append(g)
                alts.append(mask)
            g += 1
            i = j
            continue
        w = raw[i]
        i += 1
        num = latin_number(w)
        if num is not None:
            numbers.add(num)
            words.append(num)
            soft.append(False)
            groups.append(g)
            alts.append(1)
            g += 1
            continue
        if w in LEGAL_FORMS or (i == n and w in LEGAL_FORMS_FINAL and len(words) > 0) or (
                i >= n - 1 and len(words) > 0 and _legal_typo(w)):
            legal = True
            continue
        if w in STOPWORDS:
            continue
        c = _canon(w)
        for piece in c.split():
            if piece in STOPWORDS:
                continue
            words.append(piece)
            soft.append(False)
            groups.append(g)
            alts.append(1)
            g += 1
    return Tokens(tuple(words), tuple(soft), frozenset(numbers), legal, translated, tuple(groups), tuple(alts))
