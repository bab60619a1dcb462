"""Name normalisation: folding, Latin tokens, Chinese segmentation, numerals, pinyin, name forms."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearway.names import han
from clearway.names.forms import HAN, LATIN, name_forms
from clearway.names.numbers import latin_number, zh_to_int
from clearway.names.text import fold
from clearway.names.tokens import latin_tokens


def toks(name: str) -> tuple[str, ...]:
    return latin_tokens(fold(name)).words


# -- fold ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("廣州", "广州"),  # traditional → simplified
        ("哈爾濱工業大學", "哈尔滨工业大学"),
        ("華為技術有限公司", "华为技术有限公司"),
        ("ＨＵＡＷＥＩ", "huawei"),  # full-width → ASCII, case folded
        ("Ｈｕａｗｅｉ　Ｔｅｃｈ", "huawei tech"),  # full-width letters and ideographic space
        ("HUAWEI Technologies", "huawei technologies"),
        ("Huawei-Tech., (Shenzhen)!", "huawei tech shenzhen"),  # punctuation separates words
        ("  Huawei   Tech  ", "huawei tech"),  # whitespace collapsed
        ("Xi'an", "xian"),  # apostrophes inside words vanish
        ("Xi’an Jiaotong", "xian jiaotong"),
        ("Bütikofer", "butikofer"),  # accents removed
        ("北京·理工（大学）", "北京 理工 大学"),  # Chinese punctuation separates too
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_fold_traditional_and_simplified_meet() -> None:
    assert fold("廣州") == fold("广州")
    assert fold("華為") == fold("华为")


def test_fold_drops_control_characters() -> None:
    assert fold("Hua\x00wei\u200b Tech\x1f") == fold("Hua wei Tech")
    assert fold("\x01\x02\x03") == ""


# -- Latin tokens ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("short", "long"),
    [
        ("Tsinghua Univ.", "Tsinghua University"),
        ("Shanghai Inst. of Optics", "Shanghai Institute of Optics"),
        ("Harbin Inst. of Tech.", "Harbin Institute of Technology"),
        ("Huawei Intl.", "Huawei International"),
        ("Sugon Corp.", "Sugon Corporation"),
    ],
)
def test_abbreviations_expand(short: str, long: str) -> None:
    assert toks(short) == toks(long)


def test_abbreviation_tokens() -> None:
    assert toks("Univ. Inst. Tech. Intl.") == ("university", "institute", "technology", "international")


@pytest.mark.parametrize(
    "variant",
    [
        "Huawei Technologies Co., Ltd.",
        "Huawei Technologies Company Limited",
        "Huawei Technologies LLC",
        "Huawei Technologies Youxian Gongsi",
        "Huawei Technologies Corp.",
        "HUAWEI TECHNOLOGIES CO LTD",
    ],
)
def test_legal_forms_dropped(variant: str) -> None:
    t = latin_tokens(fold(variant))
    assert t.words == toks("Huawei Technologies")
    assert t.legal  # the legal form was seen, and only flagged
    assert not latin_tokens(fold("Huawei Technologies")).legal


def test_stopwords_and_plurals() -> None:
    assert toks("The University of Electronic Science and Technology of China") == toks(
        "University Electronic Science Technology China"
    )
    assert toks("Huawei Technologies") == toks("Huawei Technology")


@pytest.mark.parametrize(
    ("word", "number"),
    [("38th", "38"), ("1st", "1"), ("702nd", "702"), ("23rd", "23"), ("twelfth", "12"), ("first", "1"),
     ("502", "502"), ("007", "7")],
)
def test_latin_ordinals(word: str, number: str) -> None:
    assert latin_number(word) == number
    t = latin_tokens(fold(f"CETC {word} Research Institute"))
    assert t.numbers == frozenset({number})
    assert number in t.words


def test_ordinal_forms_agree() -> None:
    assert set(toks("The 38th Research Institute")) == set(toks("Research Institute 38"))
    assert latin_tokens(fold("Twelfth Academy")).numbers == latin_tokens(fold("12th Academy")).numbers == {"12"}
    # digits glued to letters are split: "CETC38" carries the number 38
    assert latin_tokens(fold("CETC38")).numbers == {"38"}
    assert latin_number("research") is None


@pytest.mark.parametrize(
    ("old", "pinyin_form"),
    [
        ("Tsinghua University", "qinghua university"),
        ("Peking University", "beijing university"),
        ("Amoy University", "xiamen university"),
        ("Nanking University", "nanjing university"),
    ],
)
def test_old_romanisations_fold_to_pinyin(old: str, pinyin_form: str) -> None:
    assert " ".join(toks(old)) == pinyin_form


def test_pinyin_vocabulary_read_as_english() -> None:
    # "Keji" is the pinyin of 科技; "Youxian Gongsi" a legal form.
    t = latin_tokens(fold("Beijing Nuodian Keji Youxian Gongsi"))
    assert t.translated and t.legal
    assert {"beijing", "nuodian", "technology"} <= set(t.words)


# -- Chinese segmentation, numerals and pinyin ---------------------------------------------------


def test_segment_cetc_38() -> None:
    segs = han.segment(fold("中国电子科技集团公司第三十八研究所"))
    assert "".join(s.text for s in segs) == "中国电子科技集团公司第三十八研究所"
    kinds = [s.kind for s in segs]
    numbers = [s for s in segs if s.kind == han.NUMBER]
    assert len(numbers) == 1
    assert numbers[0].value == "38"
    assert numbers[0].text in ("第三十八", "三十八")
    # Everything else is vocabulary (terms and places), no unknown proper name.
    assert han.NAME not in kinds
    assert {s.text for s in segs if s.kind in (han.TERM, han.PLACE)} >= {"中国", "研究所"}
    assert segs[-1].text == "研究所" and segs[-1].kind == han.TERM


def test_segment_legal_form_and_proper_name() -> None:
    segs = han.segment(fold("华为技术有限公司"))
    by_kind = {s.kind: s.text for s in segs}
    assert by_kind.get(han.NAME) == "华为"
    assert by_kind.get(han.TERM) == "技术"
    assert by_kind.get(han.LEGAL) == "有限公司"


def test_segment_traditional_after_fold() -> None:
    assert han.segment(fold("華為技術有限公司")) == han.segment(fold("华为技术有限公司"))


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("三十八", 38), ("第三十八", 38), ("十四", 14), ("十", 10), ("二十", 20), ("五〇二", 502),
     ("七〇一", 701), ("一百零二", 102), ("两百", 200), ("38", 38), ("第38", 38)],
)
def test_zh_to_int(numeral: str, value: int) -> None:
    assert zh_to_int(numeral) == value


@pytest.mark.parametrize("not_numeral", ["", "第", "研究所", "三a"])
def test_zh_to_int_rejects(not_numeral: str) -> None:
    assert zh_to_int(not_numeral) is None


def test_lone_numeral_inside_word_is_not_a_number() -> None:
    # 一汽 (FAW) is a name, not "1 汽"; 第一研究所 is the 1st institute.
    assert not [s for s in han.segment("一汽集团") if s.kind == han.NUMBER]
    assert [s.value for s in han.segment("第一研究所") if s.kind == han.NUMBER] == ["1"]


@pytest.mark.parametrize(
    ("zh", "py"),
    [("重庆", "chongqing"), ("长江", "changjiang"), ("北京", "beijing"), ("华为", "huawei"), ("银行", "yinhang")],
)
def test_pinyin_uses_phrases(zh: str, py: str) -> None:
    assert han.pinyin(zh) == py


def test_pinyin_spaced() -> None:
    assert han.pinyin("重庆", joined=False) == "chong qing"


def test_person_pinyin() -> None:
    assert han.person_pinyin("李娜") == ("li", "na")
    assert han.person_pinyin("欧阳修") == ("ouyang", "xiu")  # compound surname
    assert han.person_pinyin("中国电子科技集团") is None


# -- name forms ----------------------------------------------------------------------------------


def test_chinese_name_gives_chinese_form_and_english_reading() -> None:
    forms = name_forms("北京诺电科技有限公司")
    scripts = [f.script for f in forms]
    assert HAN in scripts and LATIN in scripts
    zh = next(f for f in forms if f.script == HAN)
    en = next(f for f in forms if f.script == LATIN)
    assert "诺电" in zh.tokens
    assert zh.legal and en.legal
    assert {"beijing", "nuodian", "technology"} <= set(en.tokens)
    assert "Chinese" in zh.how and "Chinese" in en.how


def test_traditional_name_forms_equal_simplified() -> None:
    trad = [(f.script, f.tokens) for f in name_forms("哈爾濱工業大學")]
    simp = [(f.script, f.tokens) for f in name_forms("哈尔滨工业大学")]
    assert trad == simp
    # The English reading of 哈尔滨 meets the English spelling "Harbin" (both sides fold alike).
    reading = next(f for f in name_forms("哈尔滨工业大学") if f.script == LATIN)
    assert toks("Harbin")[0] in reading.tokens
    assert {"university", "technology"} <= set(reading.tokens)


def test_chinese_numbered_institute_form_carries_the_number() -> None:
    for f in name_forms("中国电子科技集团公司第三十八研究所"):
        assert f.numbers == frozenset({"38"})


def test_latin_name_forms_parts() -> None:
    forms = name_forms("Aviation Industry Corporation of China (AVIC)")
    texts = {f.text for f in forms}
    assert "avic" in texts  # the acronym in parentheses
    assert any("aviation" in t and "avic" not in t for t in texts)  # the name without it
    assert all(f.script == LATIN for f in forms)


def test_chinese_personal_name_reading() -> None:
    forms = name_forms("李娜", True)
    assert any(f.script == LATIN and f.tokens == ("li", "na") for f in forms)


def test_empty_and_punctuation_only_names_have_no_forms() -> None:
    assert name_forms("") == ()
    assert name_forms("  ,.;  ") == ()
    assert name_forms("***") == ()


# -- properties -----------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fold_never_raises_and_is_idempotent(text: str) -> None:
    once = fold(text)
    assert isinstance(once, str)
    assert fold(once) == once
    assert once == once.strip()
    assert "  " not in once


_name_chars = st.sampled_from(list("华为技术有限公司第三十八研究所北京理工大學廣州ＨＵＡ abcXYZ0123.,()-'·（）"))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(_name_chars, max_size=40)), st.booleans())
def test_name_forms_never_raise(text: str, person: bool) -> None:
    forms = name_forms(text, person)
    for f in forms:
        assert f.script in (HAN, LATIN)
        assert f.tokens
        assert len(f.tokens) == len(f.soft)
        assert all(" " not in t for t in f.tokens)
        # (empty words: see test_unreadable_han_character_gives_no_empty_word)


def test_unreadable_han_character_gives_no_empty_word() -> None:
    for f in name_forms("北京䠖科技有限公司"):
        assert all(t for t in f.tokens), f
