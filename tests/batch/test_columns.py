"""Column guessing from English and Chinese headers; country and type values."""

from __future__ import annotations

import pytest

from clearway.batch.columns import ColumnError, country_value, guess, schema_value


@pytest.mark.parametrize("header,expected", [
    (["id", "name", "country", "schema"], {"name": "name", "country": "country", "schema": "schema", "id": "id"}),
    (["序号", "姓名", "国籍", "出生日期"], {"name": "姓名", "country": "国籍", "id": "序号", "birth_date": "出生日期"}),
    (["编号", "合作单位名称", "所在国家", "类型"], {"name": "合作单位名称", "country": "所在国家", "schema": "类型", "id": "编号"}),
    (["Supplier Name", "Country Code", "Entity Type", "Ref"], {"name": "Supplier Name", "country": "Country Code",
                                                              "schema": "Entity Type", "id": "Ref"}),
    (["机构", "地区"], {"name": "机构", "country": "地区"}),
    # Screening columns of an earlier run are never taken for input.
    (["clearway_best_match", "名称"], {"name": "名称"}),
])
def test_guess(header, expected):
    m = guess(header, {})
    got = {k: v for k, v in m.describe().items() if v is not None}
    assert got == expected


def test_given_columns_win_and_empty_means_none():
    m = guess(["name", "org", "country"], {"name": "org", "country": ""})
    assert m.describe()["name"] == "org" and m.describe()["country"] is None
    assert guess(["a", "b"], {"name": "2"}).describe()["name"] == "b"  # a 1-based column number
    with pytest.raises(ColumnError):
        guess(["a", "b"], {})


def test_values():
    assert country_value("中国") == "CN" and country_value("Hong Kong") == "HK" and country_value(" us ") == "us"
    assert country_value("") is None and country_value("Germany") == "Germany"
    assert schema_value("个人") == "Person" and schema_value("机构") == "Organization" and schema_value("") is None
