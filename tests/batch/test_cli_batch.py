"""`clearway batch` end to end: progress to the end, Ctrl-C-like stop and --resume, the audit
record, and one-line errors."""

from __future__ import annotations

import hashlib
import json

from clearway.batch import BatchOptions, run_batch
from clearway.snapshot import DEFAULT_SNAPSHOT

from batch_support import write_csv


def _sha(p) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_cli_stop_resume_and_audit(tmp_path, run_cli, name_rows, batch_screener):
    rows = [[str(i), n, c, t] for i, (n, c, t) in enumerate(name_rows, 1)] + [["x", "", "", ""]]
    src = write_csv(tmp_path / "名单.csv", ["编号", "名称", "国家", "类型"], rows)
    out = tmp_path / "out.csv"
    db = f"sqlite:///{tmp_path / 'audit.db'}"
    env = {"CLEARWAY_HOME": str(tmp_path / "home"), "CLEARWAY_BATCH_STOP_AFTER": "2"}
    args = ["batch", src, "-o", out, "--workers", "1", "--chunk-rows", "60", "--db", db]
    rc, _o, err = run_cli(*args, env=env)
    assert rc == 130, err
    assert "--resume" in err and (tmp_path / "out.checkpoint.json").exists()
    env["CLEARWAY_BATCH_STOP_AFTER"] = "0"
    rc, _o, err = run_cli(*args, env=env)
    assert rc == 2 and "interrupted" in err and len(err.strip().splitlines()) == 1
    rc, stdout, err = run_cli(*args, "--resume", "--json", env=env)
    assert rc == 0, err
    summary = json.loads(stdout)
    assert summary["resumed"] and summary["counts"]["rows"] == len(rows) and summary["counts"]["rejected"] == 1
    # The same bytes as an uninterrupted run.
    ref = tmp_path / "ref.csv"
    run_batch(BatchOptions(input=src, output=ref, workers=1, snapshot=DEFAULT_SNAPSHOT))
    assert out.read_bytes() == ref.read_bytes()
    assert (tmp_path / "out.matches.jsonl").read_bytes() == (tmp_path / "ref.matches.jsonl").read_bytes()

    # One audit record for the whole batch, naming the files by hash.
    rc, stdout, err = run_cli("audit", "export", "--db", db, env=env)
    assert rc == 0, err
    recs = [json.loads(x) for x in stdout.splitlines() if x.strip()]
    batch = [r for r in recs if r["kind"] == "batch"]
    assert len(batch) == 1 and len(recs) == 1
    p = batch[0]["payload"]
    assert p["input"]["sha256"] == _sha(src) and p["input"]["format"] == "csv"
    assert p["counts"]["rows"] == len(rows) and p["counts"]["rejected"] == 1
    assert p["counts"]["screened"] == len(rows) - 1 and p["counts"]["matched"] == summary["counts"]["matched"]
    assert p["output"]["sha256"] == _sha(out)
    assert p["matches"]["sha256"] == _sha(tmp_path / "out.matches.jsonl")
    assert p["rejects"]["sha256"] == _sha(tmp_path / "out.rejects.csv")
    assert p["list_versions"] and p["algorithm"] and p["resumes"] == 1
    assert p["columns"]["name"] == "名称"
    rc, _o, err = run_cli("audit", "verify", "--db", db, env=env)
    assert rc == 0, err


def test_cli_errors_are_one_line(tmp_path, run_cli):
    src = write_csv(tmp_path / "in.csv", ["name"], [["Huawei"]])
    (tmp_path / "taken.csv").write_text("x\n")
    (tmp_path / "taken.doc").write_text("x")
    env = {"CLEARWAY_HOME": str(tmp_path / "home")}
    db = f"sqlite:///{tmp_path / 'a.db'}"
    runs = run_cli.batch({
        "missing": {"args": ["batch", tmp_path / "nope.csv", "-o", tmp_path / "o.csv", "--db", db], "env": env},
        "exists": {"args": ["batch", src, "-o", tmp_path / "taken.csv", "--db", db], "env": env},
        "column": {"args": ["batch", src, "-o", tmp_path / "o2.csv", "--name-col", "名称", "--db", db], "env": env},
        "format": {"args": ["batch", tmp_path / "taken.doc", "-o", tmp_path / "o3.csv", "--db", db], "env": env},
        "same": {"args": ["batch", src, "-o", src, "--db", db], "env": env},
    })
    for key, (rc, _out, err) in runs.items():
        assert rc == 2, (key, err)
        assert len(err.strip().splitlines()) == 1, (key, err)
        assert "Traceback" not in err
    assert "not found" in runs["missing"][2]
    assert "--overwrite" in runs["exists"][2]
    assert "名称" in runs["column"][2]
    assert "overwrite the input" in runs["same"][2]
    assert "--format" in runs["format"][2]


def test_help(run_cli):
    rc, out, _err = run_cli("batch", "--help")
    assert rc == 0
    for opt in ("--name-col", "--country-col", "--schema-col", "--id-col", "--workers", "--dask", "--resume",
                "--matches"):
        assert opt in out
