"""Script-level text folding: width, case, traditional → simplified, punctuation, scripts.

Everything downstream compares the output of :func:`fold`; the same function runs on list
names at index time and on queries, so the two sides always agree.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_T2S = opencc.OpenCC("t2s")

# CJK Unified Ideographs, extension A and compatibility ideographs.
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA_RE = re.compile(r"[\u3040-\u30ff]")
_HANGUL_RE = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_LATIN_RE = re.compile(r"[a-zA-Z]")

# Apostrophes inside words vanish (Xi'an → xian, O'Brien → obrien); every other
# punctuation mark or symbol separates words. Chinese punctuation (、，。·（）《》) included.
_APOSTROPHES = "'’‘`´ʼ"
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")


def has_han(text: str) -> bool:
    return bool(_HAN_RE.search(text))


def is_han_char(ch: str) -> bool:
    return bool(_HAN_RE.match(ch))


def script_of(text: str) -> str:
    """The dominant script family of a name: 'han', 'kana', 'hangul', 'latin' or 'other'."""
    if _KANA_RE.search(text):
        return "kana"
    if _HANGUL_RE.search(text):
        return "hangul"
    if _HAN_RE.search(text):
        return "han"
    if _LATIN_RE.search(text):
        return "latin"
    return "other"


def strip_controls(text: str) -> str:
    return _CONTROL_RE.sub(" ", text)


def to_simplified(text: str) -> str:
    return _T2S.convert(text) if has_han(text) else text


def _strip_marks(text: str) -> str:
    # Drop combining accents (é → e, ü → u) but keep every base letter, Han included.
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# ASCII fast path: most list names are plain ASCII, and for them folding is only case and
# punctuation, which str.translate does in one pass.
_ASCII_PUNCT = {c: " " for c in range(128) if not chr(c).isalnum()}
for _a in "'`":
    _ASCII_PUNCT[ord(_a)] = None


@lru_cache(maxsize=32768)
def fold(text: str) -> str:
    """Fold a name for comparison.

    NFKC (full-width Ｈｕａｗｅｉ → Huawei, ① → 1), traditional → simplified Chinese, case
    folding, accents removed, apostrophes removed inside words, every other punctuation mark
    turned into a space, whitespace collapsed.
    """
    if text.isascii():
        return " ".join(text.translate(_ASCII_PUNCT).lower().split())
    text = unicodedata.normalize("NFKC", strip_controls(text))
    text = to_simplified(text)
    text = _strip_marks(text).casefold()
    out = []
    for ch in text:
        if ch in _APOSTROPHES:
            continue
        cat = unicodedata.category(ch)
        if cat[0] in "LN":
            out.append(ch)
        else:
            out.append(" ")
    return " ".join("".join(out).split())
