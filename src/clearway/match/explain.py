"""Explanations a reviewer can read: which name form matched which query form, how, and what
lowered the score — in English and in Chinese."""

from __future__ import annotations

from ..model import ACRONYM, FORMER, NATIVE, PRIMARY, WEAK
from ..names import forms as F
from .score import FormScore

_KIND_EN = {PRIMARY: "primary name", NATIVE: "name in original script", FORMER: "former name",
            WEAK: "weak alias", ACRONYM: "acronym"}
_KIND_ZH = {PRIMARY: "正式名称", NATIVE: "原文名称", FORMER: "曾用名", WEAK: "弱别名", ACRONYM: "缩写"}

_HOW_ZH = {
    F.AS_WRITTEN: "按原文",
    F.CHINESE: "中文字符（繁简统一）",
    F.READING: "中文译读（拼音与词表翻译）",
    F.PERSON_READING: "中文人名拼音",
    F.ACRONYM_PART: "括号内缩写或简称",
    F.MAIN_PART: "去除括号部分的名称",
    F.AFFILIATE_PART: "条目中列明的关联实体",
    F.CUT_LOCATION: "去除末尾地名的名称",
    F.ALIAS_PART: "条目中的另一名称",
}

_PENALTY_ZH = {
    "numbers differ": "编号不同",
    "only the listed name carries a number": "仅名单名称带编号",
    "only the query carries a number": "仅查询带编号",
    "country differs": "国家不一致",
    "the query is a": "主体类型不一致",
    "date of birth differs": "出生日期不一致",
    "matched a weak alias": "仅匹配弱别名",
    "a bare common Chinese name": "常见中文姓名，需出生日期等限定信息",
    "same sound, other characters": "同音不同字",
}


def _penalty_zh(reason: str) -> str:
    for k, v in _PENALTY_ZH.items():
        if reason.startswith(k):
            return v
    return reason


def explain(
    *,
    matched_name: str,
    name_kind: str,
    query_form: F.Form,
    name_form: F.Form,
    detail: FormScore,
    adjustments: list[str],
) -> tuple[str, str]:
    """(English, Chinese) one-paragraph explanations."""
    kind_en = _KIND_EN.get(name_kind, "alias")
    kind_zh = _KIND_ZH.get(name_kind, "别名")
    steps_en = []
    if query_form.how != F.AS_WRITTEN:
        steps_en.append(f"query: {query_form.how}")
    if name_form.how != F.AS_WRITTEN:
        steps_en.append(f"listed name: {name_form.how}")
    pairs = [p for p in detail.pairs]
    agreed = ", ".join(
        f"{p.query}={p.name}" if p.how == "exact" else f"{p.query}≈{p.name} ({p.how})" for p in pairs[:8]
    )
    en = f"Matched the {kind_en} \u201c{matched_name}\u201d"
    if steps_en:
        en += " (" + "; ".join(steps_en) + ")"
    if agreed:
        en += f"; words agreeing: {agreed}"
    if detail.unmatched_name:
        en += f"; listed words not in the query: {', '.join(detail.unmatched_name[:6])}"
    if detail.unmatched_query:
        en += f"; query words not in the listed name: {', '.join(detail.unmatched_query[:6])}"
    lowered = detail.penalties + adjustments
    if lowered:
        en += "; score lowered: " + "; ".join(lowered)
    en += "."

    zh = f"匹配{kind_zh}\u201c{matched_name}\u201d"
    how_zh = [f"查询：{_HOW_ZH.get(query_form.how, query_form.how)}"] if query_form.how != F.AS_WRITTEN else []
    if name_form.how != F.AS_WRITTEN:
        how_zh.append(f"名单名称：{_HOW_ZH.get(name_form.how, name_form.how)}")
    if how_zh:
        zh += "（" + "；".join(how_zh) + "）"
    if agreed:
        zh += f"；一致的词：{agreed}"
    if lowered:
        zh += "；降低分数：" + "；".join(_penalty_zh(r) for r in lowered)
    zh += "。"
    return en, zh
