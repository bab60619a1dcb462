"""The ``keys``, ``audit``, ``screen --db`` and ``serve`` commands, run in real subprocesses.

Every run has CLEARWAY_HOME in the test's tmp_path, so nothing touches the user's home. ``audit
verify`` runs on SQLite and on PostgreSQL (a fresh schema); the store itself is tested on both in
test_store.py.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from clearway.store import open_store
from service_support import KEY_PATTERN, free_port, key_id, key_secret

HUAWEI = "Huawei Technologies Co., Ltd."
BAD_PG = "postgresql+psycopg://clearway:hunter2@127.0.0.1:1/nothing?connect_timeout=2"


def one_line_error(run, *needles: str) -> None:
    """Exit code 2 and one line on stderr naming the problem; no traceback."""
    assert run.returncode == 2, (run.returncode, run.stdout, run.stderr)
    lines = [ln for ln in run.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    for n in needles:
        assert n in lines[0], (n, lines[0])


def tamper(url: str, statement: str, **params) -> None:
    """Raw SQL behind the store's back: sqlite3 for SQLite files, SQLAlchemy for PostgreSQL."""
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url[len("sqlite:///"):])
        try:
            conn.execute(statement, params)
            conn.commit()
        finally:
            conn.close()
        return
    st = open_store(url)
    try:
        with st.engine.begin() as conn:
            conn.execute(text(statement), params)
    finally:
        st.close()


def test_keys_create_list_revoke(cw, tmp_path):
    # SQLite only: the keys commands on PostgreSQL run when the PostgreSQL server fixture starts.
    db = f"sqlite:///{tmp_path / 'keys.db'}"
    first = cw("keys", "create", "--role", "analyst", "--db", db)  # creates the database
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip().splitlines()[-1]
    assert re.fullmatch(KEY_PATTERN, key) and first.stdout.strip() == key  # the key, alone
    assert f"Created analyst key {key_id(key)}" in first.stderr and "cannot be shown again" in first.stderr
    assert key_secret(key) not in first.stderr

    viewer, admin, bad_role, bad_case = cw.many(
        ["keys", "create", "--role", "viewer", "--name", "CI bot 机器人", "--db", db],
        ["keys", "create", "-r", "admin", "-n", "ops", "--db", db],
        ["keys", "create", "--role", "god", "--db", db],
        ["keys", "create", "--role", "Admin", "--db", db],
    )
    assert viewer.returncode == 0 and admin.returncode == 0, viewer.stderr + admin.stderr
    keys = {"analyst": key, "viewer": viewer.stdout.strip().splitlines()[-1], "admin": admin.stdout.strip().splitlines()[-1]}
    assert all(re.fullmatch(KEY_PATTERN, k) for k in keys.values())
    one_line_error(bad_role, "unknown role 'god'", "viewer, analyst, reviewer, admin")
    one_line_error(bad_case, "unknown role 'Admin'")
    assert bad_role.stdout == "" and bad_case.stdout == ""

    listed, table = cw.many(["keys", "list", "--json", "--db", db], ["keys", "list", "--db", db])
    assert listed.returncode == 0 and table.returncode == 0, listed.stderr + table.stderr
    rows = {r["id"]: r for r in json.loads(listed.stdout)}
    assert set(rows) == {key_id(k) for k in keys.values()}
    assert rows[key_id(keys["viewer"])]["name"] == "CI bot 机器人" and rows[key_id(keys["admin"])]["role"] == "admin"
    assert all(r["revoked_at"] is None and r["created_at"] for r in rows.values())
    assert all(set(r) == {"id", "role", "name", "created_at", "revoked_at"} for r in rows.values())
    assert all(key_id(k) in table.stdout for k in keys.values())
    for k in keys.values():
        assert key_secret(k) not in listed.stdout + table.stdout

    revoke, unknown = cw.many(["keys", "revoke", key_id(keys["analyst"]), "--db", db],
                              ["keys", "revoke", "000000000000", "--db", db])
    assert revoke.returncode == 0 and f"revoked {key_id(keys['analyst'])} at " in revoke.stdout, revoke.stderr
    one_line_error(unknown, "no key with id '000000000000'")
    after = {r["id"]: r for r in json.loads(cw("keys", "list", "--json", "--db", db).stdout)}
    assert after[key_id(keys["analyst"])]["revoked_at"] and after[key_id(keys["viewer"])]["revoked_at"] is None

    st = open_store(db)
    try:
        assert st.check_key(keys["analyst"]) is None
        assert st.check_key(keys["viewer"]).role == "viewer" and st.check_key(keys["admin"]).role == "admin"
        # Each create and the revocation are in the trail, by the command-line user; no secrets.
        recs = list(st.records())
        assert [(r.kind, r.payload["action"]) for r in recs] == [("keys", "create")] * 3 + [("keys", "revoke")]
        assert all(r.actor.startswith("cli") for r in recs)
        dump = json.dumps([r.to_dict() for r in recs], ensure_ascii=False)
        assert not any(key_secret(k) in dump for k in keys.values())
        assert st.verify().ok
    finally:
        st.close()


def test_keys_list_json_with_a_long_name(cw, tmp_path):
    """JSON output is never wrapped at the console width (80 columns when not a terminal)."""
    db = f"sqlite:///{tmp_path / 'k.db'}"
    name = "research collaboration with a long descriptive name " * 3
    assert cw("keys", "create", "--role", "viewer", "--name", name, "--db", db).returncode == 0
    run = cw("keys", "list", "--json", "--db", db)
    assert run.returncode == 0
    assert json.loads(run.stdout)[0]["name"] == name


def _seed_trail(db: str, n: int = 4) -> list:
    st = open_store(db)
    try:
        return [st.append("screen" if i % 2 else "refusal", f"actor{i}", {"i": i, "note": "研究"}) for i in range(1, n + 1)]
    finally:
        st.close()


def test_audit_verify_intact_then_tampered(cw, store_url):
    db = store_url.url
    _seed_trail(db, 4)
    ok, ok_json = cw.many(["audit", "verify", "--db", db], ["audit", "verify", "--json", "--db", db])
    assert ok.returncode == 0 and "audit trail intact: 4 records" in ok.stdout, ok.stdout + ok.stderr
    assert ok_json.returncode == 0 and json.loads(ok_json.stdout) == {"records": 4, "ok": True, "problems": []}

    tamper(db, "UPDATE audit_log SET payload = :p WHERE seq = 2", p='{"i":2,"note":"nothing to see"}')
    bad, bad_json = cw.many(["audit", "verify", "--db", db], ["audit", "verify", "--json", "--db", db])
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "audit trail broken" in bad.stdout and "record 2" in bad.stdout and "edited" in bad.stdout
    rep = json.loads(bad_json.stdout)
    assert bad_json.returncode == 1 and rep["ok"] is False and rep["records"] == 4
    assert any("record 2" in p for p in rep["problems"])


def test_audit_verify_detects_deleted_records(cw, tmp_path):
    db = f"sqlite:///{tmp_path / 'a.db'}"
    _seed_trail(db, 5)
    tamper(db, "DELETE FROM audit_log WHERE seq = 3")
    run = cw("audit", "verify", "--db", db)
    assert run.returncode == 1 and "missing" in run.stdout, run.stdout
    tamper(db, "DELETE FROM audit_log WHERE seq = 5")
    run = cw("audit", "verify", "--db", db)
    assert run.returncode == 1 and "cut off" in " ".join(run.stdout.split()), run.stdout


def test_audit_verify_json_after_records_are_cut_off(cw, tmp_path):
    """The problem line is over 80 columns: the JSON must not be wrapped."""
    db = f"sqlite:///{tmp_path / 'a.db'}"
    _seed_trail(db, 3)
    tamper(db, "DELETE FROM audit_log WHERE seq = 3")
    run = cw("audit", "verify", "--json", "--db", db)
    assert run.returncode == 1
    rep = json.loads(run.stdout)
    assert rep["ok"] is False and any("cut off" in p for p in rep["problems"])


def test_audit_export_jsonl_csv_and_since(cw, tmp_path):
    db = f"sqlite:///{tmp_path / 'export.db'}"
    recs = _seed_trail(db, 5)
    since = recs[3].at  # the 4th record's time
    out_file = tmp_path / "trail.csv"
    runs = cw.many(
        ["audit", "export", "--db", db],
        ["audit", "export", "--format", "csv", "--db", db],
        ["audit", "export", "--since", since, "--db", db],
        ["audit", "export", "-f", "csv", "--since", since, "-o", str(out_file), "--db", db],
        ["audit", "export", "--since", (datetime.now(timezone.utc) + timedelta(days=2)).date().isoformat(), "--db", db],
        ["audit", "export", "--since", "last tuesday", "--db", db],
        ["audit", "export", "--format", "xml", "--db", db],
    )
    jsonl, csv_all, jsonl_since, csv_since, future, bad_since, bad_format = runs
    for r in runs[:5]:
        assert r.returncode == 0, r.stderr
    exported = [json.loads(ln) for ln in jsonl.stdout.splitlines()]
    assert exported == [r.to_dict() for r in recs]

    rows = list(csv.reader(io.StringIO(csv_all.stdout)))
    assert rows[0] == ["seq", "at", "actor", "kind", "payload", "prev_hash", "hash"]
    assert [int(r[0]) for r in rows[1:]] == [1, 2, 3, 4, 5]
    for row, rec in zip(rows[1:], recs):
        assert row[1:4] == [rec.at, rec.actor, rec.kind] and row[5:] == [rec.prev_hash, rec.hash]
        assert json.loads(row[4]) == rec.payload

    assert [json.loads(ln)["seq"] for ln in jsonl_since.stdout.splitlines()] == [4, 5]
    assert csv_since.stdout == ""
    file_rows = list(csv.reader(io.StringIO(out_file.read_text("utf-8"))))
    assert [r[0] for r in file_rows] == ["seq", "4", "5"]
    assert future.stdout == ""
    one_line_error(bad_since, "--since", "last tuesday")
    one_line_error(bad_format, "xml")


def test_screen_with_db_appends_a_screen_record(cw, tmp_path):
    db = f"sqlite:///{tmp_path / 'screen.db'}"
    ok, empty = cw.many(["screen", HUAWEI, "--json", "--lists", "EL,CMIC", "--db", db],
                        ["screen", "   ", "--db", f"sqlite:///{tmp_path / 'never.db'}"])
    assert ok.returncode == 0, ok.stderr
    result = json.loads(ok.stdout)
    assert result["matches"][0]["id"] == "csl:30947"
    one_line_error(empty, "name is empty")
    st = open_store(db)
    try:
        recs = list(st.records())
        assert len(recs) == 1
        rec = recs[0]
        assert rec.kind == "screen" and rec.actor.startswith("cli")
        p = rec.payload
        assert p["channel"] == "cli" and p["algorithm"] == result["algorithm"] and p["lists"] == ["CMIC", "EL"]
        assert p["list_versions"] and p["threshold"] == result["threshold"]
        assert p["results"][0]["query"] == {"name": HUAWEI}
        assert [(m["id"], m["score"]) for m in p["results"][0]["matches"]] == \
            [(m["id"], m["score"]) for m in result["matches"]]
        assert st.verify().ok
    finally:
        st.close()
    # A refused name leaves no trail (and no database) behind.
    assert not (tmp_path / "never.db").exists()


def test_unreachable_database_is_one_line_without_the_password(cw):
    port = str(free_port())
    runs = cw.many(["keys", "list", "--db", BAD_PG], ["audit", "verify", "--db", BAD_PG],
                   ["serve", "--port", port, "--db", BAD_PG])
    for run in runs:
        one_line_error(run, "cannot open the database", "clearway:***@127.0.0.1:1/nothing")
        assert "hunter2" not in run.stdout + run.stderr
