"""Reading Chinese names: segmentation into vocabulary, numbers and proper names; pinyin; English.

A Chinese organisation name is a proper name (华为, 诺电, 北京) wrapped in general vocabulary
(科技, 研究所, 有限公司). Segmenting by longest match against the glossary separates the two:
vocabulary is translated through the glossary, proper names are read in pinyin (with pypinyin's
phrase dictionary, so 重庆 is chongqing), numbers become digits, legal forms become a flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from .glossary import LEGAL_FORMS_ZH, ZH_PLACE_NAMES, ZH_PLACES, ZH_TERMS
from .numbers import ZH_NUMERAL_CHARS, zh_to_int
from .text import is_han_char

TERM = "term"
PLACE = "place"
LEGAL = "legal"
NUMBER = "number"
NAME = "name"
LATIN = "latin"

_PLACES: dict[str, str] = {**{p: "" for p in ZH_PLACE_NAMES}, **ZH_PLACES}
_VOCAB: dict[str, str] = {**ZH_TERMS, **_PLACES}
_MAX_TERM = max(len(k) for k in list(_VOCAB) + list(LEGAL_FORMS_ZH))
_LEGAL = set(LEGAL_FORMS_ZH)

# Two-character family names; a name starting with one is read surname-first as two words.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 司徒 东方 皇甫 夏侯 慕容 令狐 尉迟 长孙 宇文 公孙 端木 轩辕 西门 南宫 独孤 万俟".split()
)


# The most common Chinese family names (about 85% of the population). A name made of one of
# these and a one-character given name is shared by very many people.
COMMON_SURNAMES = frozenset(
    "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 彭 曾 肖 田 董 袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 陆 汪 范 金 石 廖 贾 夏 韦 付 方 白 邹 孟 熊 秦 邱 江 尹 薛 闫 段 雷 侯 龙 史 陶 黎 贺 顾 毛 郝 龚 邵 万 钱 严 覃 武 戴 莫 孔 向 汤 常 温 康 施 文 牛 樊 葛 邢 安 齐 易 乔 伍 庞 颜 倪 庄 聂 章 鲁 岳 翟 殷 詹 申 欧 耿 关 兰 焦 俞 左 柳 甘 祝 包 宁 尚 符 舒 阮 柯 纪 梅 童 凌 毕 单 季 裴 霍 涂 成 苗 谷 盛 曲 翁 冉 骆 蓝 路 游 辛 靳 管 柴 蒙 鲍 华 喻 祁 蒲 房 滕 屈 饶 解 牟 艾 尤 阳 时 穆 农 司 卓 古 吉 缪 简 车 项 连 芦 麦 褚 娄 窦 戚 岑 景 党 宫 费 卜 冷 晏 席 卫 米 柏 宗 瞿 桂 全 佟 应 臧 闵 苟 邬 边 卞 姬 师 和 仇 栾 隋 商 刁 沙 荣 巫 寇 桑 郎 甄 丛 仲 虞 敖 巩 明 佘 池 查 麻 苑 迟 邝".split()
)


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    kind: str  # TERM, PLACE, LEGAL, NUMBER, NAME or LATIN

    @property
    def value(self) -> str:
        """The number a NUMBER segment stands for, as digits."""
        if self.kind == NUMBER:
            n = zh_to_int(self.text)
            return str(n) if n is not None else self.text
        return self.text


def _number_at(text: str, i: int) -> int:
    """Length of a numeral (Chinese or Arabic, with an optional 第) starting at i, else 0."""
    j = i
    if j < len(text) and text[j] == "第":
        j += 1
    k = j
    while k < len(text) and (text[k] in ZH_NUMERAL_CHARS or text[k].isdecimal()):
        k += 1
    if k == j:
        return 0
    # A lone 一/二 inside a word is usually not a number (一汽, 二机部): require 第, a
    # following unit word, or more than one numeral character.
    if j == i and k - j == 1 and not text[j].isdecimal():
        nxt = text[k : k + 1]
        if nxt not in {"所", "院", "厂", "部", "局", "处", "室", "研", "分", "中", "号"}:
            return 0
    return k - i


@lru_cache(maxsize=32768)
def segment(folded: str) -> tuple[Segment, ...]:
    """Split a folded, simplified name into segments by longest vocabulary match."""
    out: list[Segment] = []
    name_buf: list[str] = []

    def flush() -> None:
        if name_buf:
            out.append(Segment("".join(name_buf), NAME))
            name_buf.clear()

    i = 0
    n = len(folded)
    while i < n:
        ch = folded[i]
        if ch == " ":
            flush()
            i += 1
            continue
        if not is_han_char(ch):
            flush()
            j = i
            while j < n and folded[j] != " " and not is_han_char(folded[j]):
                j += 1
            out.append(Segment(folded[i:j], LATIN if not folded[i:j].isdecimal() else NUMBER))
            i = j
            continue
        k = _number_at(folded, i)
        if k:
            flush()
            out.append(Segment(folded[i : i + k], NUMBER))
            i += k
            continue
        matched = 0
        for size in range(min(_MAX_TERM, n - i), 0, -1):
            piece = folded[i : i + size]
            # A single vocabulary character (省, 厂, 所) right after a one-character run
            # is more likely the end of a proper name than a word of its own.
            if size == 1 and len(name_buf) == 1:
                break
            if piece in _LEGAL or piece in _VOCAB:
                matched = size
                break
        if matched:
            flush()
            piece = folded[i : i + matched]
            kind = LEGAL if piece in _LEGAL else PLACE if piece in _PLACES else TERM
            out.append(Segment(piece, kind))
            i += matched
        else:
            name_buf.append(ch)
            i += 1
    flush()
    return tuple(out)


def pinyin(text: str, joined: bool = True) -> str:
    """Toneless pinyin; pypinyin's phrase dictionary resolves polyphones (重庆 → chongqing)."""
    # Characters pypinyin cannot read are kept as they are rather than dropped, so a reading
    # is never empty.
    syllables = [s for s in lazy_pinyin(text, style=Style.NORMAL, errors="default") if s.strip()]
    return "".join(syllables) if joined else " ".join(syllables)


def english_readings(segment: Segment) -> list[str]:
    """The glossary's alternative English readings of a vocabulary segment (pinyin for places)."""
    english = _VOCAB.get(segment.text, "") or pinyin(segment.text)
    return [alt for alt in english.split("|") if alt.strip()]


def person_pinyin(folded: str) -> tuple[str, str] | None:
    """(family, given) in pinyin for a 2–4 character Chinese personal name, else None."""
    text = folded.replace(" ", "")
    if not 2 <= len(text) <= 4 or not all(is_han_char(c) for c in text):
        return None
    cut = 2 if text[:2] in COMPOUND_SURNAMES and len(text) > 2 else 1
    family, given = text[:cut], text[cut:]
    return pinyin(family), pinyin(given)
