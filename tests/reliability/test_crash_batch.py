"""kill -9 of `clearway batch --workers 2` (the command and its worker processes) at several
moments, each followed by `--resume`: every row comes out exactly once, the files are byte for
byte those of an uninterrupted run, and the batch's audit record is written once.

tests/batch/test_resume.py proves the resume logic with the in-process stop hook; here the stops
are real crashes of the whole process group, including one while the batch is writing its audit
record and one just after that record is committed (before the checkpoint is removed).
"""

from __future__ import annotations

import fcntl
import hashlib
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import orjson

from crash_support import batch_rows, exactly_once_problems, kill_group, spawn, wait_for, write_csv
from service_support import clean_env

ROWS = 3000
CHUNK = 100
HEADER = ["id", "name", "country", "type"]


def _checkpoint(path) -> dict:
    try:
        return orjson.loads(path.read_bytes())
    except (FileNotFoundError, orjson.JSONDecodeError):
        return {}


def _files(out):
    return [out, out.with_name(out.stem + ".matches.jsonl"), out.with_name(out.stem + ".rejects.csv")]


def _batch_records(db: str) -> list:
    from clearway.store import open_store

    st = open_store(db)
    try:
        assert st.verify().ok
        return [rec for rec in st.records() if rec.kind == "batch"]
    finally:
        st.close()


def test_kill_9_during_a_batch_resumes_every_row_once(tmp_path):
    t0 = time.monotonic()
    rows, bad = batch_rows(ROWS)
    src = write_csv(tmp_path / "in.csv", HEADER, rows)
    home = tmp_path / "home"
    env = clean_env(home)
    db_file = tmp_path / "batch.db"
    db = f"sqlite:///{db_file}"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "clearway", *map(str, args)], capture_output=True, text=True,
                              env=env, timeout=300, stdin=subprocess.DEVNULL)

    out = tmp_path / "out.csv"
    cp_path = tmp_path / "out.checkpoint.json"
    args = ["batch", src, "-o", out, "--chunk-rows", CHUNK, "--db", db]
    kills: list[dict] = []

    def killed_run(moment: str, ready, *extra: str) -> None:
        log = tmp_path / f"batch-{len(kills)}.log"
        proc = spawn([*args, *extra], env, log)
        try:
            wait_for(lambda: ready(_checkpoint(cp_path)), moment, proc=proc, log=log, interval=0.005)
        finally:
            processes = kill_group(proc)
        cp = _checkpoint(cp_path)
        kills.append({"moment": moment, "processes": processes, "rows_checkpointed": cp["records_done"],
                      "bytes_past_checkpoint": out.stat().st_size - cp["offsets"]["body"]})

    def all_rows_done(cp: dict) -> bool:
        if cp.get("records_done") != ROWS:
            return False
        time.sleep(0.5)  # on to the audit record, which waits for the lock
        return True

    # The reference: the same batch, never interrupted (its own directory and trail), in one
    # process (the output does not depend on the number of workers), beside the crashed runs.
    (tmp_path / "ref").mkdir()
    ref = tmp_path / "ref" / "out.csv"
    with ThreadPoolExecutor(max_workers=1) as pool:
        reference = pool.submit(run, "batch", src, "-o", ref, "--chunk-rows", CHUNK, "--workers", "1",
                                "--db", f"sqlite:///{tmp_path / 'ref.db'}")
        # 1. Chunks written past the checkpoint, not yet counted by it (the workers busy with more).
        killed_run("chunks written past the checkpoint",
                   lambda cp: bool(cp) and out.stat().st_size > cp["offsets"]["body"], "--workers", "2")
        # 2. Resumed, at the first checkpoint that counts more rows than the one it resumed from.
        before = kills[-1]["rows_checkpointed"]
        killed_run("a later checkpoint", lambda cp: cp.get("records_done", 0) > before, "--workers", "2", "--resume")
        # 3. Every row done, the audit record not yet committed: the test holds the trail's writer
        #    lock (the store's lock file), so the record cannot commit before the kill.
        with open(f"{db_file}.audit-lock", "a+b") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                killed_run("every row done, the audit record not committed", all_rows_done,
                           "--workers", "2", "--resume")
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
        r = reference.result()
    assert r.returncode == 0, r.stderr
    assert _batch_records(db) == []
    assert kills[0]["processes"] >= 3, kills  # the batch and both of its workers

    # 4. Resumed to the end; then the state of a crash just after the audit record's commit (the
    #    checkpoint not yet removed) is put back and resumed again: still one record.
    left_by_crash = cp_path.read_bytes()
    r = run(*args, "--resume")
    assert r.returncode == 0, r.stderr
    assert not cp_path.exists()
    cp_path.write_bytes(left_by_crash)
    r = run(*args, "--resume")
    assert r.returncode == 0, r.stderr
    assert not cp_path.exists()

    # Every input row exactly once; the same bytes as the uninterrupted run.
    input_ids = [row[0] for row in rows]
    assert exactly_once_problems(input_ids, bad, out, _files(out)[2]) == []
    for mine, theirs in zip(_files(out), _files(ref)):
        assert mine.read_bytes() == theirs.read_bytes(), mine.name
    # One audit record, naming the files as they are, with the reference run's counts.
    records = _batch_records(db)
    assert len(records) == 1, [r.seq for r in records]
    rec = records[0].payload
    assert rec["output"]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    ref_counts = _batch_records(f"sqlite:///{tmp_path / 'ref.db'}")[0].payload["counts"]
    assert {k: v for k, v in rec["counts"].items() if k != "unique_queries"} == \
        {k: v for k, v in ref_counts.items() if k != "unique_queries"}
    assert rec["counts"]["rows"] == ROWS and rec["counts"]["rejected"] == len(bad)

    # The row check can fail: a duplicated row and a lost row are both caught.
    lines = out.read_bytes().splitlines(keepends=True)
    tampered = tmp_path / "tampered.csv"
    tampered.write_bytes(b"".join(lines[:10] + lines[9:500] + lines[501:]))
    assert len(exactly_once_problems(input_ids, bad, tampered, _files(out)[2])) >= 2
    print(f"\nbatch crash: kills={kills}, seconds={time.monotonic() - t0:.1f}")
