"""Every input format, read and written back with the screening columns: CSV, TSV, Excel, Parquet
and JSONL, with Chinese headers and names."""

from __future__ import annotations

import csv
import datetime as dt

import orjson
import pytest

from clearway.batch import BatchOptions, run_batch
from clearway.batch.writers import ADDED
from clearway.snapshot import DEFAULT_SNAPSHOT

from batch_support import KNOWN, write_csv

HEADER = ["编号", "单位名称", "国家", "类型"]


def _opts(tmp_path, src, out, **kw):
    return BatchOptions(input=src, output=out, workers=1, snapshot=DEFAULT_SNAPSHOT, **kw)


def _rows():
    return [[str(i), n, c, t] for i, (n, c, t) in enumerate(KNOWN, 1)]


def _check_known(records: list[dict]) -> None:
    """The KNOWN rows: Huawei (Chinese and English) and UESTC match, made-up names do not."""
    by_name = {r["单位名称"]: r for r in records}
    hw = by_name["华为技术有限公司"]
    assert hw["clearway_status"] == "match"
    assert "EL" in hw["clearway_lists"].split(",")
    assert float(hw["clearway_score"]) == 1.0
    assert by_name["Huawei Technologies Co., Ltd."]["clearway_entity_id"] == hw["clearway_entity_id"]
    assert "Electronic Science and Technology" in by_name["電子科技大學"]["clearway_best_match"]
    assert by_name["電子科技大學"]["clearway_explanation_zh"]
    assert by_name["哈尔滨工业大学"]["clearway_status"] == "match"
    for made_up in ("Zelquor Vantis Trading GmbH", "北京测试预热科技有限公司"):
        assert by_name[made_up]["clearway_status"] == "clear"
        assert by_name[made_up]["clearway_match_count"] in (0, "0")


def _matches(path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


@pytest.mark.parametrize("fmt,delim", [("csv", ","), ("tsv", "\t")])
def test_csv_and_tsv_with_chinese_headers(tmp_path, batch_screener, fmt, delim):
    src = write_csv(tmp_path / f"合作方.{fmt}", HEADER, _rows(), delimiter=delim, bom=True)
    out = tmp_path / f"out.{fmt}"
    s = run_batch(_opts(tmp_path, src, out))
    assert s.columns == {"name": "单位名称", "country": "国家", "schema": "类型", "id": "编号", "birth_date": None}
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # kept for Excel
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines(), delimiter=delim))
    assert list(rows[0]) == HEADER + list(ADDED)
    assert [r["编号"] for r in rows] == [str(i) for i in range(1, len(KNOWN) + 1)]
    _check_known(rows)
    assert s.counts["rows"] == len(KNOWN) and s.counts["rejected"] == 0
    m = _matches(tmp_path / "out.matches.jsonl")
    assert m[0]["line"] == 2 and m[0]["id"] == "1"
    assert m[0]["query"] == {"name": "华为技术有限公司", "country": "CN", "schema": "Organization"}
    assert m[0]["matches"][0]["lists"] and m[0]["matches"][0]["listings"]
    # Only rows with a match are in the matches file.
    assert len(m) == sum(r["clearway_status"] != "clear" for r in rows)


def test_xlsx_streamed_with_types_kept(tmp_path, batch_screener):
    import openpyxl

    src = tmp_path / "名单.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "合作单位"
    ws.append(["序号", "机构名称", "国家/地区", "登记日期"])
    for i, (n, c, _t) in enumerate(KNOWN, 1):
        ws.append([i, n, c or None, dt.datetime(2024, 5, i)])
    wb.save(src)
    out = tmp_path / "out.xlsx"
    s = run_batch(_opts(tmp_path, src, out))
    assert s.columns["name"] == "机构名称" and s.columns["id"] == "序号" and s.columns["country"] == "国家/地区"
    wb2 = openpyxl.load_workbook(out, read_only=True)
    ws2 = wb2.worksheets[0]
    assert ws2.title == "合作单位"
    rows = list(ws2.iter_rows(values_only=True))
    header, body = list(rows[0]), rows[1:]
    assert header == ["序号", "机构名称", "国家/地区", "登记日期", *ADDED]
    recs = [dict(zip(header, r)) for r in body]
    assert recs[0]["序号"] == 1 and recs[0]["登记日期"] == dt.datetime(2024, 5, 1)  # types kept
    _check_known([{**r, "单位名称": r["机构名称"]} for r in recs])
    # Lines are sheet rows: the first data row is row 2.
    assert _matches(tmp_path / "out.matches.jsonl")[0]["line"] == 2
    assert not (tmp_path / "out.partial").exists() and not (tmp_path / "out.checkpoint.json").exists()


def test_parquet_by_batches_with_schema_kept(tmp_path, batch_screener):
    import pyarrow as pa
    import pyarrow.parquet as pq

    src = tmp_path / "parties.parquet"
    t = pa.table({"id": pa.array(range(1, len(KNOWN) + 1), pa.int64()),
                  "名称": [n for n, _c, _t in KNOWN], "country": [c for _n, c, _t in KNOWN]})
    pq.write_table(t, src, row_group_size=3)  # several row groups
    out = tmp_path / "out.parquet"
    s = run_batch(_opts(tmp_path, src, out, chunk_rows=2))
    assert s.columns["name"] == "名称"
    t2 = pq.read_table(out)
    assert t2.schema.field("id").type == pa.int64()
    assert t2.schema.field("clearway_score").type == pa.float64()
    assert t2.column("id").to_pylist() == list(range(1, len(KNOWN) + 1))
    recs = [{**r, "单位名称": r["名称"]} for r in t2.to_pylist()]
    _check_known(recs)


def test_jsonl_objects_keep_their_keys(tmp_path, batch_screener):
    src = tmp_path / "in.jsonl"
    lines = [orjson.dumps({"ref": f"r{i}", "名称": n, "国家": c, "extra": {"k": i}}) for i, (n, c, _t) in enumerate(KNOWN, 1)]
    src.write_bytes(b"\n".join(lines) + b"\n")
    out = tmp_path / "out.jsonl"
    s = run_batch(_opts(tmp_path, src, out, columns={"id": "ref"}))
    assert s.columns["id"] == "ref" and s.columns["name"] == "名称" and s.columns["country"] == "国家"
    recs = [orjson.loads(x) for x in out.read_bytes().splitlines()]
    assert recs[0]["extra"] == {"k": 1} and list(recs[0])[:4] == ["ref", "名称", "国家", "extra"]
    _check_known([{**r, "单位名称": r["名称"]} for r in recs])
    assert _matches(tmp_path / "out.matches.jsonl")[0]["id"] == "r1"


def test_output_format_from_extension_and_rescreening(tmp_path, batch_screener):
    """CSV in, Parquet out; screening an output again replaces its clearway_* columns."""
    import pyarrow.parquet as pq

    src = write_csv(tmp_path / "in.csv", HEADER, _rows())
    first = tmp_path / "first.csv"
    run_batch(_opts(tmp_path, src, first))
    again = tmp_path / "again.parquet"
    run_batch(_opts(tmp_path, first, again))
    t = pq.read_table(again)
    assert t.schema.names == HEADER + list(ADDED)
    _check_known([{**r} for r in t.to_pylist()])
