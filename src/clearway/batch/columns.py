"""Which input columns hold the name, country, type, id and date of birth, and what their values mean.

Columns are given (``--name-col`` …) or guessed from the header, in English or Chinese: an exact
header name first (``name``, ``名称``, ``单位名称`` …), then a header containing one of the words
(``Supplier Name``, ``合作单位名称``). Values are read as the Screener expects them: country names
commonly written in full (China, 中国, Hong Kong …) become ISO codes, person/organisation types
written in Chinese (个人, 机构 …) become Person/Organization.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Columns the batch writes; an input that already has them (a re-screened output) has them replaced.
ADDED_PREFIX = "clearway_"

ROLES = ("name", "country", "schema", "id", "birth_date")

# Exact header names (compared lower-cased, with spaces, underscores, hyphens and dots removed),
# best first.
_EXACT: dict[str, tuple[str, ...]] = {
    "name": ("name", "fullname", "partyname", "entityname", "organizationname", "organisationname",
             "companyname", "institutionname", "suppliername", "vendorname", "partnername", "customername",
             "authorname", "personname", "party", "entity", "organization", "organisation", "company",
             "institution", "affiliation", "supplier", "vendor", "partner", "counterparty", "customer",
             "author", "person", "名称", "姓名", "名字", "单位名称", "机构名称", "公司名称", "企业名称",
             "单位", "机构", "公司", "企业", "供应商", "供应商名称", "合作方", "合作单位", "客户名称",
             "作者", "人员", "主体名称"),
    "country": ("country", "countrycode", "iso2", "countryiso", "countryiso2", "nation", "nationality",
                "国家", "地区", "国家地区", "国家/地区", "国别", "国家代码", "所在国家", "国籍"),
    "schema": ("schema", "type", "entitytype", "partytype", "kind", "category", "类型", "类别",
               "主体类型", "实体类型"),
    "id": ("id", "identifier", "ref", "reference", "refno", "no", "number", "recordid", "rowid",
           "编号", "序号", "代码", "标识", "记录编号"),
    "birth_date": ("birthdate", "dateofbirth", "dob", "born", "出生日期", "生日"),
}
# Words a header may contain (checked when no header matches exactly), best first.
_CONTAINS: dict[str, tuple[str, ...]] = {
    "name": ("name", "名称", "姓名", "单位", "机构", "公司", "企业"),
    "country": ("country", "国家", "地区", "国别"),
    "schema": ("type", "schema", "类型", "类别"),
    "id": ("编号", "序号"),
    "birth_date": ("birth", "出生"),
}
_STRIP_RE = re.compile(r"[\s_\-.]+")


class ColumnError(ValueError):
    """A column that was asked for is missing, or no name column can be found."""


def _norm(header: str) -> str:
    return _STRIP_RE.sub("", str(header)).lower()


@dataclass(frozen=True, slots=True)
class Mapping:
    """Input column index (in the header) of each role; None when the file has no such column."""

    columns: tuple[str, ...]
    name: int
    country: int | None = None
    schema: int | None = None
    id: int | None = None
    birth_date: int | None = None

    def describe(self) -> dict[str, str | None]:
        return {r: (None if (i := getattr(self, r)) is None else self.columns[i]) for r in ROLES}


def guess(columns: list[str], given: dict[str, str | None]) -> Mapping:
    """The mapping from explicit column names (``given[role]``; "" means "none") or the header."""
    cols = [str(c) if c is not None else "" for c in columns]
    usable = [i for i, c in enumerate(cols) if not c.startswith(ADDED_PREFIX)]
    found: dict[str, int | None] = {}
    taken: set[int] = set()
    for role in ROLES:
        want = given.get(role)
        if want is not None:
            if want == "":
                found[role] = None
                continue
            idx = _find_given(cols, want)
            if idx is None:
                raise ColumnError(f"no column {want!r} for {role.replace('_', ' ')} "
                                  f"(the columns are: {', '.join(cols) or 'none'})")
            found[role] = idx
            taken.add(idx)
    for role in ROLES:
        if role in found:
            continue
        idx = _guess_role(cols, usable, role, taken)
        found[role] = idx
        if idx is not None:
            taken.add(idx)
    if found["name"] is None:
        raise ColumnError("cannot tell which column holds the names; give --name-col "
                          f"(the columns are: {', '.join(cols) or 'none'})")
    return Mapping(tuple(cols), **found)  # type: ignore[arg-type]


def _find_given(cols: list[str], want: str) -> int | None:
    if want in cols:
        return cols.index(want)
    low = [c.strip().lower() for c in cols]
    if want.strip().lower() in low:
        return low.index(want.strip().lower())
    # A 1-based column number (isdecimal, not isdigit: "²" is a digit int() cannot read).
    if want.isdecimal() and len(want) < 10 and 1 <= int(want) <= len(cols):
        return int(want) - 1
    return None


def _guess_role(cols: list[str], usable: list[int], role: str, taken: set[int]) -> int | None:
    normed = {i: _norm(cols[i]) for i in usable if i not in taken}
    for cand in _EXACT[role]:
        key = _norm(cand)
        for i, n in normed.items():
            if n == key:
                return i
    for word in _CONTAINS[role]:
        for i, n in normed.items():
            if word in n:
                return i
    return None


# -- values ------------------------------------------------------------------------------------

_COUNTRY_NAMES = {
    "CN": ("china", "prc", "peoplesrepublicofchina", "mainlandchina", "chinamainland", "中国", "中国大陆",
           "中华人民共和国", "大陆"),
    "HK": ("hongkong", "hongkongsar", "hongkongchina", "chinahongkong", "香港", "中国香港"),
    "MO": ("macau", "macao", "macaosar", "澳门", "中国澳门"),
    "TW": ("taiwan", "台湾", "臺灣", "中国台湾"),
    "US": ("usa", "unitedstates", "unitedstatesofamerica", "america", "美国"),
}
_COUNTRY_BY_NAME = {name: code for code, names in _COUNTRY_NAMES.items() for name in names}

_SCHEMA_WORDS = {
    "Person": ("person", "individual", "people", "natural person", "个人", "人员", "自然人", "人"),
    "Organization": ("organization", "organisation", "company", "entity", "org", "institution",
                     "机构", "组织", "企业", "公司", "单位", "法人"),
}
_SCHEMA_BY_WORD = {w: s for s, words in _SCHEMA_WORDS.items() for w in words}


def country_value(value: str | None) -> str | None:
    """An ISO-2 code as given, or the code of a country name written in full; anything else is
    returned unchanged (the Screener then reports it as a bad country)."""
    if value is None:
        return None
    v = value.strip()
    if not v:
        return None
    return _COUNTRY_BY_NAME.get(_norm(v), v)


def schema_value(value: str | None) -> str | None:
    if value is None:
        return None
    v = value.strip()
    if not v:
        return None
    return _SCHEMA_BY_WORD.get(v.lower(), v)


def cell_text(value) -> str | None:
    """A cell (str, number, date, None) as text; whole floats lose their ``.0`` (ids typed as numbers)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
