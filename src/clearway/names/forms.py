"""Every comparable form of a name, each labelled with the transformation that produced it.

A published name becomes one or more :class:`Form` objects: its Latin tokens as written; for a
Chinese name, its Chinese words (compared with Chinese) and its English reading (pinyin for
proper names, glossary translation for vocabulary); the parts of names that carry structure
(``X (ACRONYM)``, ``X. Affiliated Entity: Y``, ``Name, City, Province``). Queries and list names
go through the same function, so both sides of a comparison are always built alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from . import han
from .glossary import place_words
from .text import fold, has_han, script_of
from .tokens import latin_tokens, stem, union_readings

# Recent names' forms are remembered (a service and a batch see the same names again and again).
# The caches are bounded and emptied once the lists are indexed (see clear_name_caches): what
# a long-running process holds for queries stays within a few tens of megabytes, however many
# distinct names it sees.
QUERY_CACHE = 16384

LATIN = "latin"
HAN = "han"

# How a form was derived; shown in explanations.
AS_WRITTEN = "as written"
CHINESE = "Chinese characters (traditional folded to simplified)"
READING = "English reading of the Chinese (pinyin for names, glossary for words)"
PERSON_READING = "Chinese personal name in pinyin"
ACRONYM_PART = "acronym or short name in parentheses"
MAIN_PART = "name without parenthesised part"
AFFILIATE_PART = "affiliated entity named in the entry"
CUT_LOCATION = "name without trailing location"
ALIAS_PART = "one of several names in the entry"
_DERIVED = frozenset({ACRONYM_PART, MAIN_PART, AFFILIATE_PART, CUT_LOCATION, ALIAS_PART})


@dataclass(frozen=True, slots=True)
class Form:
    tokens: tuple[str, ...]
    soft: tuple[bool, ...]  # token came from a glossary translation
    numbers: frozenset[str]
    script: str  # LATIN or HAN
    how: str
    legal: bool = False
    # Words read from one source word or Chinese segment share a group: the glossary's
    # alternative readings (研究院 → academy | research institute). None: every word its own.
    groups: tuple[int, ...] | None = None
    alts: tuple[int, ...] | None = None  # per word: bit mask of the group's readings it belongs to

    @property
    def derived(self) -> bool:
        """A part of a name rather than the whole name (acronym, main part, affiliate...)."""
        return self.how in _DERIVED

    @property
    def text(self) -> str:
        return " ".join(self.tokens)

    @property
    def compact(self) -> str:
        return "".join(self.tokens)


_PAREN_RE = re.compile(r"\s*[\(（\[]([^()（）\[\]]{1,80})[\)）\]]\s*")
_AFFILIATE_RE = re.compile(r"\baffiliated entit(?:y|ies)\s*:\s*", re.I)
_AKA_RE = re.compile(r"\s*(?:\ba\.?k\.?a\.?,?|\bf\.?k\.?a\.?,?|\balso known as\b|\bformerly known as\b)\s*", re.I)
_LEGAL_TAIL_RE = re.compile(
    r"^(.*?\b(?:co\.?,?\s*ltd\.?|company limited|limited|corporation|inc\.?|llc|gmbh|co\.))\s*,\s*[^,]{2,40}(,\s*[^,]{2,40})?$",
    re.I,
)


def _latin_form(folded: str, how: str) -> Form | None:
    t = latin_tokens(folded)
    if not t.words:
        return None
    if not t.translated:
        return Form(t.words, t.soft, t.numbers, LATIN, how, t.legal)
    return Form(t.words, t.soft, t.numbers, LATIN, how, t.legal, t.groups, t.alts)


def _han_forms(folded: str, how_prefix: str = "") -> list[Form]:
    """Chinese words (for Chinese-to-Chinese) and the English reading (for Chinese-to-English)."""
    segs = han.segment(folded)
    zh_tokens: list[str] = []
    zh_soft: list[bool] = []
    en_tokens: list[str] = []
    en_soft: list[bool] = []
    en_groups: list[int] = []
    en_alts: list[int] = []
    numbers: set[str] = set()
    legal = False
    g = 0
    for seg in segs:
        if seg.kind == han.LEGAL:
            legal = True
            continue
        if seg.kind == han.NUMBER:
            numbers.add(seg.value)
            zh_tokens.append(seg.value)
            zh_soft.append(False)
            en_tokens.append(seg.value)
            en_soft.append(False)
            en_groups.append(g)
            en_alts.append(1)
            g += 1
            continue
        if seg.kind == han.LATIN:
            t = latin_tokens(seg.text)
            zh_tokens.extend(t.words)
            zh_soft.extend(t.soft)
            en_tokens.extend(t.words)
            en_soft.extend(t.soft)
            en_groups.extend(g + x for x in t.groups)
            en_alts.extend(t.alts)
            g += (max(t.groups) + 1) if t.groups else 0
            numbers.update(t.numbers)
            continue
        zh_tokens.append(seg.text)
        zh_soft.append(seg.kind == han.TERM)
        if seg.kind == han.NAME:
            en_tokens.append(han.pinyin(seg.text))
            en_soft.append(False)
            en_groups.append(g)
            en_alts.append(1)
        else:
            # Each alternative reading in English words; alternatives often fold to the same
            # word (tech/technology), so each word is kept once with the readings it serves.
            readings = [list(latin_tokens(alt).words) for alt in han.english_readings(seg)]
            words, masks = union_readings([r for r in readings if r])
            en_tokens.extend(words)
            # Place names read the same in both languages: a hard word, like a proper name.
            en_soft.extend([seg.kind == han.TERM] * len(words))
            en_groups.extend([g] * len(words))
            en_alts.extend(masks)
        g += 1
    forms: list[Form] = []
    if zh_tokens:
        forms.append(Form(tuple(zh_tokens), tuple(zh_soft), frozenset(numbers), HAN, how_prefix + CHINESE, legal))
    if en_tokens:
        forms.append(Form(tuple(en_tokens), tuple(en_soft), frozenset(numbers), LATIN, how_prefix + READING, legal,
                          tuple(en_groups), tuple(en_alts)))
    return forms


def _person_han_form(folded: str) -> Form | None:
    parts = han.person_pinyin(folded)
    if parts is None:
        return None
    return Form(parts, (False, False), frozenset(), LATIN, PERSON_READING)


def _forms_of_text(text: str, how: str, person: bool) -> list[Form]:
    folded = fold(text)
    if not folded:
        return []
    if has_han(folded) and script_of(folded) == "han":
        forms = _han_forms(folded)
        if person or "·" not in text and len(folded.replace(" ", "")) <= 3:
            p = _person_han_form(folded)
            if p is not None:
                forms.append(p)
        return forms
    f = _latin_form(folded, how)
    return [f] if f else []


@lru_cache(maxsize=QUERY_CACHE)
def name_forms(value: str, person: bool = False) -> tuple[Form, ...]:
    """All comparable forms of one name as published (or as typed in a query)."""
    out: list[Form] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()

    def add(text: str, how: str) -> None:
        for f in _forms_of_text(text, how, person):
            key = (f.script, tuple(sorted(f.tokens)))
            if key not in seen:
                seen.add(key)
                out.append(f)

    value = value.strip().rstrip("*").strip()
    add(value, AS_WRITTEN)
    # "X. Affiliated Entity: Y" (Entity List): the listed party is Y, a part of X.
    m = _AFFILIATE_RE.search(value)
    if m:
        # The heading before "Affiliated Entity:" names the parent, not this party: only the
        # affiliate's own name (and its parts) is derived. After the last marker: a (malformed)
        # name with several would otherwise recurse once per marker, past Python's limit.
        *_, m = _AFFILIATE_RE.finditer(value)
        affiliate = value[m.end():].strip()
        add(affiliate, AFFILIATE_PART)
        for f in name_forms(affiliate, person)[1:]:
            key = (f.script, tuple(sorted(f.tokens)))
            if key not in seen:
                seen.add(key)
                out.append(f)
        return tuple(out)
    # "a.k.a." written inside a name field.
    parts = [p for p in _AKA_RE.split(value) if p and p.strip(" ,;")]
    if len(parts) > 1:
        for p in parts:
            add(p.strip(" ,;"), ALIAS_PART)
    # Parenthesised acronyms and short names: "Aviation Industry Corporation of China (AVIC)".
    # Only a parenthesis that closes the name names the party itself; one in the middle
    # ("... Corporation (CASC) 1st Academy") names a parent, not this entry.
    main = strip_parentheses(value)
    if main != value:
        add(main, MAIN_PART)
    inner = _PAREN_RE.findall(value)
    if inner:
        last = inner[-1]
        if value.rstrip(" .,;").endswith((last + ")", last + "）", last + "]")) and len(last.split()) <= 6 \
                and not _only_place_and_legal(last):
            add(last, ACRONYM_PART)
    # "Name Co., Ltd., Xi'an, Shaanxi": the trailing location is not part of the name.
    m2 = _LEGAL_TAIL_RE.match(value)
    if m2 and _only_place_and_legal(value[m2.end(1):]):
        add(m2.group(1), CUT_LOCATION)
    return tuple(out)


def whole_name_forms(value: str, person: bool = False) -> tuple[Form, ...]:
    """The name as written and without its parentheses, never a part of it: the forms that say
    two records name the same party (used to group one party's records across lists)."""
    value = value.strip().rstrip("*").strip()
    out = list(_forms_of_text(value, AS_WRITTEN, person))
    main = strip_parentheses(value)
    if main != value:
        out.extend(_forms_of_text(main, MAIN_PART, person))
    return tuple(out)


def _only_place_and_legal(text: str) -> bool:
    """'(Beijing Co., Ltd.)' locates a party; it is not a short name of it."""
    t = latin_tokens(fold(text))
    return all(w in _PLACES or w in _LOCATION_WORDS for w in t.words) if t.words else True


_PLACES = place_words()
_LOCATION_WORDS = frozenset("province city district county prc china hong kong sar municipality".split())


def strip_parentheses(value: str) -> str:
    """The name without parenthesised parts that do not tell it apart from others.

    A closing parenthesis ("Huawei Technologies Co., Ltd. (Huawei)") and an acronym in the middle
    ("... Corporation (CASC) 1st Academy") repeat what the name says; a word in the middle
    ("Huawei Technologies (Yangon) Co., Ltd.") is a location that distinguishes the party, so it stays.
    """
    def repl(m: re.Match[str]) -> str:
        inner = m.group(1).strip()
        at_end = not value[m.end():].strip(" .,;*")
        acronym = " " not in inner and inner.upper() == inner and len(inner) <= 10
        return " " if at_end or acronym else m.group(0)

    return " ".join(_PAREN_RE.sub(repl, value).split()).strip(" .,;")


__all__ = ["Form", "name_forms", "stem", "LATIN", "HAN"]


def clear_name_caches() -> None:
    """Forget the remembered forms of names. Called once the lists are indexed: the index holds
    the list names' forms itself, and entries evicted later for queries' would free nothing
    while the queries' own kept adding to memory."""
    name_forms.cache_clear()
    latin_tokens.cache_clear()
    fold.cache_clear()
    han.segment.cache_clear()
