"""The ``clearway`` command line, run in real subprocesses.

Every run that screens loads the list snapshot (~2.5 s), so all the runs of this module are
started once, side by side, by the module-scoped ``runs`` fixture; each test then checks the
results of the runs it is about.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import clearway

DEV_EVAL = Path(__file__).resolve().parents[3] / "shared" / "eval" / "dev.jsonl"
HUAWEI = "Huawei Technologies Co., Ltd."

BAD_QUERIES = {
    "empty": (["screen", ""], "name is empty"),
    "blank": (["screen", "   "], "name is empty"),
    "huge": (["screen", "x" * 100_000], "too long"),
    "controls": (["screen", "\x01\x02\x03\x7f"], "name is empty"),
    "schema": (["screen", "Huawei", "--schema", "Robot"], "Robot"),
    "country": (["screen", "Huawei", "--country", "USA"], "USA"),
}


def _jsonl_input(path: Path) -> Path:
    lines = [
        b'{"id": "a", "query": {"name": "Huawei Technologies Co., Ltd."}}',  # 1 good
        b'{not json',  # 2 invalid JSON
        b'{"id": "b", "query": {"name": ""}}',  # 3 empty name
        b'{"id": "c", "query": {"name": "bad \xff\xfe bytes"}}',  # 4 invalid UTF-8
        b'[1, 2, 3]',  # 5 not an object
        '{"id": "d", "name": "北京理工大学", "country": "CN"}'.encode(),  # 6 good (flat row)
        b'',  # 7 blank: ignored
        b'{"id": "e", "query": {"name": "Wuhan University", "country": "CN"}}',  # 8 good, no match
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _csv_input(path: Path) -> Path:
    rows = [
        b"id,name,country,schema",  # 1 header
        b'1,"Huawei Technologies Co., Ltd.",CN,Organization',  # 2 good
        b"2,,CN,",  # 3 empty name
        b"3,Eric Chen,,Person",  # 4 good
        b'4,"bad \xff name",CN,',  # 5 invalid UTF-8
        b"5,Huawei,USA,",  # 6 bad country
        b"6,Intel Corporation,US,Organization",  # 7 good, no match
    ]
    path.write_bytes(b"\n".join(rows) + b"\n")
    return path


@pytest.fixture(scope="module")
def runs(run_cli, tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    _jsonl_input(d / "queries.jsonl")
    _csv_input(d / "queries.csv")
    (d / "two.jsonl").write_text('{"id": "x", "query": {"name": "Eric Chen", "schema": "Person"}}\n'
                                 '{"id": "y", "query": {"name": "Cornell University"}}\n', "utf-8")
    (d / "allbad.jsonl").write_text('{"query": {"name": ""}}\nnot json\n', "utf-8")
    (d / "noname.csv").write_text("id,title\n1,Huawei\n", "utf-8")
    (d / "bad.jsonl").write_text('{"query": {"name": "Huawei"}, "expect": ["huawei"]}\n{"query":\n', "utf-8")
    (d / "noquery.jsonl").write_text(
        '{"query": {"name": "Huawei"}, "expect": ["huawei"]}\n\n{"expect": ["x"]}\n', "utf-8")
    (d / "empty.jsonl").write_text("\n", "utf-8")

    todo: dict[str, dict] = {
        # screen
        "json": {"args": ["screen", HUAWEI, "--json"]},
        "json_el": {"args": ["screen", HUAWEI, "--json", "--lists", "EL"]},
        "table": {"args": ["screen", "哈爾濱工業大學"]},
        "table_none": {"args": ["screen", "Cornell University"]},
        "controls_and_text": {"args": ["screen", "Huawei\x01 Technologies\x07 Co., Ltd.", "--json"]},
        "lists_xx": {"args": ["screen", HUAWEI, "--lists", "XX"]},
        "no_name": {"args": ["screen"]},
        **{f"bad_{k}": {"args": a} for k, (a, _) in BAD_QUERIES.items()},
        # batch input
        "in_jsonl": {"args": ["screen", "--input", "queries.jsonl", "-o", "out.jsonl"], "cwd": d},
        "in_csv": {"args": ["screen", "--input", "queries.csv", "-o", "out-csv.jsonl"], "cwd": d},
        "in_stdout": {"args": ["screen", "-i", "two.jsonl", "--json"], "cwd": d},
        "in_allbad": {"args": ["screen", "--input", "allbad.jsonl"], "cwd": d},
        "in_missing": {"args": ["screen", "--input", "missing.jsonl"], "cwd": d},
        "in_noname": {"args": ["screen", "--input", "noname.csv"], "cwd": d},
        "in_both": {"args": ["screen", "Huawei", "--input", "noname.csv"], "cwd": d},
        # lists: as run (the default 80-column width when not a terminal), and wide
        "lists": {"args": ["lists", "--json"]},
        "lists_wide": {"args": ["lists", "--json"], "env": {"COLUMNS": "100000"}},
        # compare
        "compare_json": {"args": ["compare", "Beijing Nuodian Keji Youxian Gongsi", "北京诺电科技有限公司", "--json"]},
        "compare_text": {"args": ["compare", "Beijing Nuodian Keji Youxian Gongsi", "北京诺电科技有限公司"]},
        "compare_empty": {"args": ["compare", "", "Huawei"]},
        "compare_schema": {"args": ["compare", "a", "b", "--schema", "Robot"]},
        # eval
        "eval_missing": {"args": ["eval", "missing.jsonl"], "cwd": d},
        "eval_bad": {"args": ["eval", "bad.jsonl"], "cwd": d},
        "eval_noquery": {"args": ["eval", "noquery.jsonl"], "cwd": d},
        "eval_empty": {"args": ["eval", "empty.jsonl"], "cwd": d},
        # help
        "help": {"args": ["--help"]},
        "screen_help": {"args": ["screen", "--help"]},
        "version": {"args": ["version"]},
        "bare": {"args": []},
    }
    if DEV_EVAL.exists():
        todo["eval_dev"] = {"args": ["eval", DEV_EVAL, "--json"]}
    results = run_cli.batch(todo)
    results["dir"] = d
    return results


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def assert_user_error(result, *needles: str) -> None:
    """Exit code 2, an "error:" message naming the problem, no traceback."""
    rc, out, err = result
    assert rc == 2, (rc, out, err)
    assert "Traceback" not in err and "Traceback" not in out
    lines = error_lines(err)
    assert lines and lines[0].startswith("error:"), err
    flat = err.replace("\n", "")  # the message may be wrapped (see test_long_error_message_is_one_line)
    for n in needles:
        assert n in flat, (n, err)


def assert_one_line(result) -> None:
    assert len(error_lines(result[2])) == 1, result[2]


# -- screen -----------------------------------------------------------------------------------------


def test_screen_json(runs) -> None:
    rc, out, err = runs["json"]
    assert rc == 0, err
    assert "Traceback" not in err
    data = json.loads(out)
    assert data["query"]["name"] == HUAWEI
    assert 0.0 <= data["threshold"] <= 1.0
    assert data["matches"], data
    m = data["matches"][0]
    for key in ("id", "lists", "name", "matched_name", "score", "explanation", "explanation_zh", "listings",
                "entity_ids"):
        assert key in m, key
    assert 0.0 <= m["score"] <= 1.0
    assert "huawei" in m["name"].lower()
    assert {"EL", "CMIC", "1260H"} <= set(m["lists"])
    assert m["explanation"] and m["matched_name"] in m["explanation"]
    assert m["listings"]
    for lv in m["listings"]:
        assert lv["effect"] and lv["citation"], lv
    scores = [x["score"] for x in data["matches"]]
    assert all(0.0 <= s <= 1.0 for s in scores) and scores == sorted(scores, reverse=True)


def test_screen_lists_filter(runs) -> None:
    rc, out, err = runs["json_el"]
    assert rc == 0, err
    data = json.loads(out)
    assert data["matches"] and "huawei" in data["matches"][0]["name"].lower()
    for m in data["matches"]:
        assert m["lists"] and set(m["lists"]) <= {"EL"}
        assert {lv["list"] for lv in m["listings"]} == {"EL"}


def test_screen_table_output(runs) -> None:
    rc, out, err = runs["table"]
    assert rc == 0, err
    assert "Harbin" in out and "EL" in out
    rc, out, err = runs["table_none"]
    assert rc == 0, err
    assert "No match" in out


def test_unknown_list_code(runs) -> None:
    result = runs["lists_xx"]
    assert_user_error(result, "XX", "unknown list code")


def test_long_error_message_is_one_line(runs) -> None:
    assert runs["lists_xx"][0] == 2
    assert_one_line(runs["lists_xx"])


@pytest.mark.parametrize("case", list(BAD_QUERIES))
def test_bad_queries(runs, case) -> None:
    result = runs[f"bad_{case}"]
    assert_user_error(result, BAD_QUERIES[case][1])
    assert_one_line(result)


def test_control_characters_with_text_screen_fine(runs) -> None:
    rc, out, err = runs["controls_and_text"]
    assert rc == 0, err
    data = json.loads(out)
    assert data["matches"] and "huawei" in data["matches"][0]["name"].lower()


def test_screen_needs_a_name(runs) -> None:
    assert_user_error(runs["no_name"], "NAME")
    assert_one_line(runs["no_name"])


# -- batch input ---------------------------------------------------------------------------------------


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def test_screen_input_jsonl(runs) -> None:
    rc, out, err = runs["in_jsonl"]
    assert rc == 0, err
    assert "Traceback" not in err
    rows = _rows(runs["dir"] / "out.jsonl")
    assert [r["id"] for r in rows] == ["a", "d", "e"]
    for r in rows:
        assert set(r) >= {"id", "query", "matches"}
        assert all(0.0 <= m["score"] <= 1.0 for m in r["matches"])
    by_id = {r["id"]: r for r in rows}
    assert "huawei" in by_id["a"]["matches"][0]["name"].lower()
    assert by_id["d"]["query"] == {"name": "北京理工大学", "country": "CN"}
    assert by_id["d"]["matches"][0]["name"] == "Beijing Institute of Technology"
    assert by_id["e"]["matches"] == []
    for lineno, why in ((2, "not valid JSON"), (3, "empty"), (4, "UTF-8"), (5, "not a JSON object")):
        line = next((x for x in err.splitlines() if x.startswith(f"line {lineno}:")), None)
        assert line is not None and why in line, err
    for lineno in (1, 6, 7, 8):
        assert f"line {lineno}:" not in err, err


def test_screen_input_csv(runs) -> None:
    rc, out, err = runs["in_csv"]
    assert rc == 0, err
    assert "Traceback" not in err
    rows = _rows(runs["dir"] / "out-csv.jsonl")
    assert [r["id"] for r in rows] == ["1", "3", "6"]
    by_id = {r["id"]: r for r in rows}
    assert "huawei" in by_id["1"]["matches"][0]["name"].lower()
    assert by_id["1"]["query"]["schema"] == "Organization"
    assert by_id["3"]["matches"][0]["name"] == "CHEN, Eric"
    assert by_id["6"]["matches"] == []
    # the header is line 1: the empty name is line 3, the bad bytes line 5, the bad country line 6
    for lineno, why in ((3, "empty"), (5, "UTF-8"), (6, "country")):
        line = next((x for x in err.splitlines() if x.startswith(f"line {lineno}:")), None)
        assert line is not None and why in line, err
    for lineno in (2, 4, 7):
        assert f"line {lineno}:" not in err, err


def test_screen_input_to_stdout(runs) -> None:
    rc, out, err = runs["in_stdout"]
    assert rc == 0, err
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert [r["id"] for r in rows] == ["x", "y"]
    assert rows[0]["matches"][0]["name"] == "CHEN, Eric"
    assert rows[1]["matches"] == []


def test_screen_input_all_rows_bad(runs) -> None:
    rc, out, err = runs["in_allbad"]
    assert rc == 2
    assert "line 1:" in err and "line 2:" in err
    assert "Traceback" not in err


def test_screen_input_errors(runs) -> None:
    assert_user_error(runs["in_missing"], "missing.jsonl", "not found")
    assert_one_line(runs["in_missing"])
    assert_user_error(runs["in_noname"], "noname.csv", "'name' column")
    assert_user_error(runs["in_both"], "either")


# -- lists ------------------------------------------------------------------------------------------------


def test_lists_json(runs, screener) -> None:
    rc, out, err = runs["lists_wide"]
    assert rc == 0, err
    rows = json.loads(out)
    by_code = {r["code"]: r for r in rows}
    in_snapshot = {lst.list for e in screener.entities for lst in e.listings}
    assert set(by_code) == in_snapshot
    for r in rows:
        assert isinstance(r["entities"], int) and r["entities"] > 0
        assert 0 <= r["current"] <= r["entities"]
        assert r["name"]
    assert by_code["EL"]["entities"] == 3420
    assert by_code["SDN"]["entities"] == 19181
    for code in ("UFLPA", "1260H", "1286", "CN-UEL", "METI-EUL", "CA-NRO"):
        assert code in by_code, code


def test_lists_json_is_valid_json_at_default_width(runs) -> None:
    rc, out, err = runs["lists"]
    assert rc == 0, err
    json.loads(out)


# -- compare, eval, help ---------------------------------------------------------------------------------


def test_compare(runs) -> None:
    rc, out, err = runs["compare_json"]
    assert rc == 0, err
    r = json.loads(out)
    assert 0.7 <= r["score"] <= 1.0 and r["match"] is True
    assert r["explanation"] and r["explanation_zh"]
    rc, out, err = runs["compare_text"]
    assert rc == 0, err
    assert "match" in out


def test_compare_errors(runs) -> None:
    assert_user_error(runs["compare_empty"], "empty")
    assert_user_error(runs["compare_schema"], "Robot")


def test_eval_dev(runs) -> None:
    if "eval_dev" not in runs:
        pytest.skip(f"evaluation set not found: {DEV_EVAL}")
    rc, out, err = runs["eval_dev"]
    assert rc == 0, err
    data = json.loads(out)
    o = data["overall"]
    assert o["queries"] > 0 and o["positives"] + o["negatives"] == o["queries"]
    assert o["recall"] >= 0.92
    assert o["hit_at_1"] >= 0.88
    assert o["false_alert_rate"] <= 0.05
    assert data["by_tag"]
    for fig in data["by_tag"].values():
        assert set(fig) >= {"queries", "recall", "hit_at_1", "false_alert_rate"}


def test_eval_errors(runs) -> None:
    assert_user_error(runs["eval_missing"], "missing.jsonl", "not found")
    assert_one_line(runs["eval_missing"])
    assert_user_error(runs["eval_bad"], "bad.jsonl", "line 2")
    assert_user_error(runs["eval_noquery"], "noquery.jsonl", "line 3")
    assert_user_error(runs["eval_empty"], "no evaluation cases")


def test_help_and_version(runs) -> None:
    rc, out, err = runs["help"]
    assert rc == 0, err
    assert "Examples" in out
    for cmd in ("screen", "lists", "compare", "eval", "version"):
        assert cmd in out
    rc, out, err = runs["screen_help"]
    assert rc == 0, err
    for opt in ("--json", "--lists", "--input", "--country", "--schema", "--threshold", "--output"):
        assert opt in out, opt
    rc, out, err = runs["version"]
    assert rc == 0 and clearway.__version__ in out
    rc, out, err = runs["bare"]  # no arguments: the help, not a traceback
    assert "Usage" in out + err and "Traceback" not in err
