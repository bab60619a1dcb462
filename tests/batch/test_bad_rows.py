"""Bad rows go to the rejects file with their line numbers and reasons; the run goes on."""

from __future__ import annotations

import csv

import orjson

from clearway.batch import BatchOptions, run_batch
from clearway.snapshot import DEFAULT_SNAPSHOT


def _rejects(path) -> list[dict]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


def test_csv_bad_rows_reported_by_line(tmp_path, batch_screener):
    src = tmp_path / "in.csv"
    src.write_bytes(
        "id,name,country\n"                       # line 1
        "a,华为技术有限公司,CN\n"                  # 2 good
        "b,,CN\n"                                  # 3 empty name
        "c,\"Multi\nLine Trading Co\",US\n".encode()  # 4–5 good (a quoted newline)
        + b"d,Bad \xff\xfe Bytes Ltd,CN\n"       # 6 undecodable
        + f"e,{'x' * 1500},CN\n".encode()         # 7 too long
        + "f,Sichuan University,China\n".encode()  # 8 good (country written out)
        + "g,Tsinghua Unigroup,Germany\n".encode()  # 9 not an ISO code
        + "h,One,Two,Three,Four\n".encode()       # 10 too many fields
        + "\n".encode()                           # 11 blank: skipped
        + "i,\u0000\u0001,CN\n".encode()          # 12 only control characters
        + "j,Harbin Institute of Technology,CN\n".encode()  # 13 good
    )
    out = tmp_path / "out.csv"
    s = run_batch(BatchOptions(input=src, output=out, workers=1, snapshot=DEFAULT_SNAPSHOT, chunk_rows=3))
    rej = _rejects(tmp_path / "out.rejects.csv")
    got = {int(r["line"]): (r["id"], r["reason"]) for r in rej}
    assert sorted(got) == [3, 6, 7, 9, 10, 12]
    assert got[3] == ("b", "name is empty")
    assert "undecodable" in got[6][1]
    assert "too long" in got[7][1]
    assert "country" in got[9][1]
    assert "fields" in got[10][1]
    assert got[12][1] == "name is empty"
    assert s.counts == {"rows": 10, "screened": 4, "matched": s.counts["matched"], "rejected": 6,
                        "unique": 4}
    # Every record is in the output, rejected rows with their reason; undecodable bytes survive.
    raw = out.read_bytes()
    assert b"Bad \xff\xfe Bytes Ltd" in raw
    rows = list(csv.DictReader(raw.decode("utf-8", "surrogateescape").splitlines(keepends=True)))
    assert [r["id"] for r in rows] == list("abcdefghij")
    assert rows[1]["clearway_status"] == "rejected" and rows[1]["clearway_explanation"] == "name is empty"
    assert rows[2]["name"] == "Multi\nLine Trading Co"
    assert rows[5]["clearway_status"] != "rejected"  # "China" read as CN
    assert rows[9]["clearway_status"] == "match"


def test_jsonl_bad_lines(tmp_path, batch_screener):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"id": 1, "name": "Harbin Institute of Technology"}\n'
                    b'not json\n'
                    b'[1, 2]\n'
                    b'{"id": 4, "name": "Bad \xff Bytes"}\n'
                    b'{"id": 5, "name": "   "}\n'
                    b'{"id": 6, "query": {"name": "x"}}\n'
                    b'{"id": 7, "name": "Sichuan University", "country": "CN"}\n')
    out = tmp_path / "out.jsonl"
    s = run_batch(BatchOptions(input=src, output=out, workers=1, snapshot=DEFAULT_SNAPSHOT))
    got = {int(r["line"]): r["reason"] for r in _rejects(tmp_path / "out.rejects.csv")}
    assert got == {2: "not valid JSON", 3: "not a JSON object", 4: "undecodable bytes (not valid UTF-8)",
                   5: "name is empty", 6: "name is empty"}
    assert s.counts["screened"] == 2 and s.counts["rejected"] == 5
    # Lines that are not JSON objects cannot be written back; the others are, with their status.
    recs = [orjson.loads(x) for x in out.read_bytes().splitlines()]
    assert [r["id"] for r in recs] == [1, 5, 6, 7]
    assert [r["clearway_status"] for r in recs] == ["match", "rejected", "rejected", recs[3]["clearway_status"]]


def test_missing_name_column_is_an_error(tmp_path, batch_screener):
    import pytest

    from clearway.batch.columns import ColumnError

    src = tmp_path / "in.csv"
    src.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(ColumnError, match="--name-col"):
        run_batch(BatchOptions(input=src, output=tmp_path / "o.csv", workers=1, snapshot=DEFAULT_SNAPSHOT))
    with pytest.raises(ColumnError, match="no column 'nom'"):
        run_batch(BatchOptions(input=src, output=tmp_path / "o.csv", workers=1, snapshot=DEFAULT_SNAPSHOT,
                               columns={"name": "nom"}))
