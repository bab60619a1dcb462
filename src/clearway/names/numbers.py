"""Numbers in names: Chinese numerals, ordinals and digits, read as one canonical digit string.

Numbers are discriminators: the 38th and 39th research institutes of a group are different
listed parties, so a query and a name that both carry numbers must carry the same ones.
"""

from __future__ import annotations

import re

from .glossary import ORDINAL_WORDS

_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
ZH_NUMERAL_CHARS = "".join(_ZH_DIGITS) + "".join(_ZH_UNITS)
ZH_NUMBER_RE = re.compile(f"第?[{ZH_NUMERAL_CHARS}]+|第?[0-9]+")

_ORDINAL_SUFFIX_RE = re.compile(r"^([0-9]+)(st|nd|rd|th|e|er|eme)?$")
# int() refuses digit strings longer than sys.get_int_max_str_digits(); a numeral that long is
# no number anyone writes, so it stays text rather than being converted.
_MAX_DIGITS = 100


def zh_to_int(text: str) -> int | None:
    """三十八 → 38, 十四 → 14, 五〇二 → 502, 一百零二 → 102; None when not a numeral."""
    text = text.lstrip("第")
    if not text:
        return None
    # isdecimal, not isdigit: superscripts and other digit-like signs (², ᧚) are not numerals int() reads.
    if text.isdecimal():
        return int(text) if len(text) <= _MAX_DIGITS else None
    if all(c in _ZH_DIGITS for c in text):  # digit-by-digit: 五〇二
        return int("".join(str(_ZH_DIGITS[c]) for c in text)) if len(text) <= _MAX_DIGITS else None
    total, current = 0, 0
    for ch in text:
        if ch in _ZH_DIGITS:
            current = _ZH_DIGITS[ch]
        elif ch in _ZH_UNITS:
            total += (current or 1) * _ZH_UNITS[ch]
            current = 0
        else:
            return None
    return total + current


def latin_number(token: str) -> str | None:
    """'38th' → '38', 'twelfth' → '12', '502' → '502'; None for other words."""
    if token in ORDINAL_WORDS:
        return ORDINAL_WORDS[token]
    m = _ORDINAL_SUFFIX_RE.match(token)
    if m:
        return m.group(1).lstrip("0") or "0"  # no int(): a long digit run would exceed its limit
    return None
