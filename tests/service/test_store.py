"""The store on SQLite and PostgreSQL: API keys and the hash-chained audit trail."""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from clearway.store import StoreError, open_store
from clearway.store.db import redact
from clearway.store.store import GENESIS, ROLES, UnknownKeyError

from service_support import KEY_PATTERN, pg_tables, pg_unavailable


def _sql(store, statement: str, **params) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(statement), params)


def _rows(store, statement: str, **params) -> list:
    with store.engine.connect() as conn:
        return conn.execute(text(statement), params).all()


# -- where the tables live -------------------------------------------------------------------

def test_store_opens_migrated_and_in_its_own_schema(store):
    assert store.backend == store.handle.backend
    assert store.ping()
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from clearway.store.db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert _rows(store, "SELECT version_num FROM alembic_version") == [(head,)]
    if store.backend == "postgresql":
        # The search_path option puts Alembic's table and ours in the test's schema, not public.
        assert {"alembic_version", "api_keys", "audit_log", "audit_head"} <= pg_tables(store.handle.schema)
        assert not {"alembic_version", "api_keys", "audit_log", "audit_head"} & pg_tables("public")
    # Opening again (a second server starting) is a no-op migration.
    again = open_store(store.handle.url)
    try:
        assert again.verify().ok
    finally:
        again.close()


# -- API keys --------------------------------------------------------------------------------

def test_keys_create_check_list_revoke(store):
    import re

    created = {}
    for role in ROLES:
        rec, secret = store.create_key(role, f"for {role}")
        assert re.fullmatch(KEY_PATTERN, secret), secret
        assert rec.role == role and rec.name == f"for {role}" and rec.revoked_at is None
        assert secret.split("_", 2)[1] == rec.id
        created[role] = (rec, secret)

    # The right key string finds its key, with the role.
    for role, (rec, secret) in created.items():
        found = store.check_key(secret)
        assert found is not None and found.id == rec.id and found.role == role
        assert store.check_key(f"  {secret}\n") is not None  # surrounding blanks are ignored

    # Role ranks: each role may do what the roles before it may.
    admin = store.check_key(created["admin"][1])
    viewer = store.check_key(created["viewer"][1])
    assert all(admin.allows(r) for r in ROLES)
    assert viewer.allows("viewer") and not viewer.allows("analyst")
    assert store.check_key(created["analyst"][1]).allows("analyst")
    assert not store.check_key(created["reviewer"][1]).allows("admin")

    rec, secret = created["analyst"]
    wrong_secret = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    for bad in (
        wrong_secret,                                # right id, wrong secret
        f"cw_{rec.id}_",                             # empty secret
        f"cw_{rec.id}",                              # no secret at all
        f"xx_{rec.id}_{secret.split('_', 2)[2]}",    # wrong prefix
        f"cw_000000000000_{secret.split('_', 2)[2]}",  # unknown id, right secret
        "", "garbage", "Bearer " + secret, "cw__", "_".join(["cw"] * 5),
    ):
        assert store.check_key(bad) is None, bad

    listed = store.list_keys()
    assert [k.id for k in listed] == [created[r][0].id for r in ROLES]  # in creation order
    assert all(k.revoked_at is None for k in listed)

    revoked = store.revoke_key(rec.id)
    assert revoked.id == rec.id and revoked.revoked_at
    assert store.check_key(secret) is None
    assert {k.id: k.revoked_at for k in store.list_keys()}[rec.id] == revoked.revoked_at
    # Revoking again keeps the first revocation time; the other keys still work.
    assert store.revoke_key(rec.id).revoked_at == revoked.revoked_at
    assert store.check_key(created["viewer"][1]) is not None

    with pytest.raises(UnknownKeyError):
        store.revoke_key("000000000000")
    with pytest.raises(UnknownKeyError, match="unknown role"):
        store.create_key("superuser")
    with pytest.raises(UnknownKeyError):
        store.create_key("Admin")  # roles are exact
    assert len(store.list_keys()) == len(ROLES)


def test_only_a_salted_hash_of_the_key_is_stored(store):
    a, key_a = store.create_key("analyst", "a")
    b, key_b = store.create_key("analyst", "b")
    rows = {r.id: r for r in _rows(store, "SELECT * FROM api_keys")}
    for rec, key in ((a, key_a), (b, key_b)):
        secret = key.split("_", 2)[2]
        row = rows[rec.id]
        dump = " ".join(str(v) for v in row)
        assert secret not in dump and key not in dump
        assert len(row.salt) == 32 and len(row.hash) == 64
        assert row.hash == hashlib.sha256((row.salt + secret).encode()).hexdigest()
        assert row.hash != hashlib.sha256(secret.encode()).hexdigest()  # salted
    assert rows[a.id].salt != rows[b.id].salt
    # Nor anywhere else in the database.
    for table in ("audit_log", "audit_head"):
        for row in _rows(store, f"SELECT * FROM {table}"):
            assert key_a.split("_", 2)[2] not in " ".join(map(str, row))


# -- the audit trail -------------------------------------------------------------------------

def _fill(store, n: int = 5):
    return [store.append("screen" if i % 2 else "refusal", f"actor{i}", {"i": i, "name": f"名字 {i}"})
            for i in range(1, n + 1)]


def test_append_and_records_form_a_verified_chain(store):
    assert store.verify().ok and store.verify().records == 0
    assert list(store.records()) == []
    appended = _fill(store, 5)
    assert [r.seq for r in appended] == [1, 2, 3, 4, 5]
    assert appended[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(appended, appended[1:]))

    got = list(store.records())
    assert [r.to_dict() for r in got] == [r.to_dict() for r in appended]
    assert got[2].payload == {"i": 3, "name": "名字 3"} and got[2].actor == "actor3" and got[2].kind == "screen"
    # Small batches page through the whole trail.
    assert [r.seq for r in store.records(batch=2)] == [1, 2, 3, 4, 5]

    rep = store.verify()
    assert rep.ok and rep.records == 5 and rep.problems == []
    head = _rows(store, "SELECT seq, hash FROM audit_head")
    assert [tuple(h) for h in head] == [(5, appended[-1].hash)]


def test_records_since_filters_by_time(store):
    first = _fill(store, 3)
    cut = first[-1].at
    later = [store.append("screen", "late", {"n": n}) for n in range(2)]
    assert [r.seq for r in store.records(since=cut)] == [3, 4, 5]
    assert [r.seq for r in store.records(since=later[0].at)] == [4, 5]
    future = (datetime.now(timezone.utc) + timedelta(days=1)).date().isoformat()
    assert list(store.records(since=future)) == []
    past = (datetime.now(timezone.utc) - timedelta(days=1)).date().isoformat()
    assert len(list(store.records(since=past))) == 5
    assert [r.seq for r in store.records(since=later[0].at, batch=1)] == [4, 5]


def test_verify_detects_an_edited_payload(store):
    _fill(store, 5)
    _sql(store, "UPDATE audit_log SET payload = :p WHERE seq = 3", p='{"i":3,"name":"someone else"}')
    rep = store.verify()
    assert not rep.ok and rep.records == 5
    assert any("record 3" in p and "edited" in p for p in rep.problems), rep.problems
    # records() still reads it (export shows what is there); only verify judges it.
    assert [r.payload for r in store.records() if r.seq == 3] == [{"i": 3, "name": "someone else"}]


def test_verify_detects_an_edited_actor_or_time(store):
    _fill(store, 3)
    _sql(store, "UPDATE audit_log SET actor = 'cli:nobody' WHERE seq = 2")
    rep = store.verify()
    assert not rep.ok and any("record 2" in p for p in rep.problems), rep.problems


def test_verify_detects_a_deleted_middle_record(store):
    _fill(store, 5)
    _sql(store, "DELETE FROM audit_log WHERE seq = 3")
    rep = store.verify()
    assert not rep.ok and rep.records == 4
    assert any("missing" in p and "3" in p for p in rep.problems), rep.problems


def test_verify_detects_records_cut_off_the_end(store):
    _fill(store, 5)
    _sql(store, "DELETE FROM audit_log WHERE seq = 5")  # audit_head still says 5
    rep = store.verify()
    assert not rep.ok and rep.records == 4
    assert any("cut off" in p for p in rep.problems), rep.problems
    # Cutting the head row too: an empty head with records is reported as well.
    _sql(store, "DELETE FROM audit_head")
    rep = store.verify()
    assert not rep.ok and any("head" in p for p in rep.problems), rep.problems


def test_verify_detects_a_rewritten_tail(store):
    """Re-hashing an edited record without the records after it still breaks the chain."""
    from clearway.store.store import record_hash

    recs = _fill(store, 4)
    r = recs[1]
    payload = '{"i":2,"name":"forged"}'
    forged = record_hash(r.seq, r.at, r.actor, r.kind, r.prev_hash, payload)
    _sql(store, "UPDATE audit_log SET payload = :p, hash = :h WHERE seq = 2", p=payload, h=forged)
    rep = store.verify()
    assert not rep.ok and any("record 3" in p and "follow" in p for p in rep.problems), rep.problems


def _hammer(store, threads: int = 8, each: int = 25) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def work(t: int) -> None:
        start.wait()
        for i in range(each):
            try:
                store.append("screen", f"thread-{t}", {"t": t, "i": i})
            except BaseException as exc:  # noqa: BLE001 - collected and asserted on
                errors.append(exc)

    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join(timeout=120)
    return errors


def test_concurrent_appends_make_one_gap_free_chain(store):
    # One record first: the chain's head row exists, as on any database a server has used.
    # (Concurrent appends to an *empty* trail are the next test.)
    store.append("keys", "setup", {"action": "create"})
    errors = _hammer(store, 8, 25)
    assert errors == []
    recs = list(store.records())
    assert [r.seq for r in recs] == list(range(1, 8 * 25 + 2))
    assert all(b.prev_hash == a.hash for a, b in zip(recs, recs[1:]))
    by_thread = {}
    for r in recs[1:]:
        by_thread.setdefault(r.actor, []).append(r.payload["i"])
    assert sorted(by_thread) == [f"thread-{t}" for t in range(8)]
    assert all(v == list(range(25)) for v in by_thread.values())  # each thread's records in its order
    rep = store.verify()
    assert rep.ok and rep.records == 201, rep.problems


def test_concurrent_first_appends_to_an_empty_trail(store, monkeypatch, request):
    """Two writers appending at once to a trail without records yet (a fresh database that
    several servers share) must both succeed.

    The race is made deterministic: each append pauses after reading the chain head, until the
    other has read it too (or 1.5 s have passed, when the store serialises writers properly).
    """
    import clearway.store.store as store_module

    real_now = store_module.now
    meet = threading.Barrier(2)

    def slow_now():
        try:
            meet.wait(timeout=1.5)
        except threading.BrokenBarrierError:
            pass
        return real_now()

    monkeypatch.setattr(store_module, "now", slow_now)
    errors: list[BaseException] = []

    def one(i: int) -> None:
        try:
            store.append("screen", f"server-{i}", {"i": i})
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    pool = [threading.Thread(target=one, args=(i,)) for i in range(2)]
    for th in pool:
        th.start()
    for th in pool:
        th.join(timeout=60)
    monkeypatch.setattr(store_module, "now", real_now)
    assert errors == [], [f"{e.__class__.__name__}: {str(e).splitlines()[0]}" for e in errors]
    rep = store.verify()
    assert rep.ok and rep.records == 2


# -- opening stores, and passwords -----------------------------------------------------------

def test_redact_hides_passwords():
    assert redact("postgresql+psycopg://alice:s3cr3t@db.example:5432/clearway") == \
        "postgresql+psycopg://alice:***@db.example:5432/clearway"
    assert redact("postgresql://alice:p@ss:w0rd@db/x") == "postgresql://alice:***@db/x"
    assert redact("postgresql+psycopg://alice@db/x") == "postgresql+psycopg://alice@db/x"
    assert redact("sqlite:////tmp/clearway.db") == "sqlite:////tmp/clearway.db"
    url = "postgresql+psycopg://u:hunter2@127.0.0.1:5432/test?options=-csearch_path%3Dcw_x"
    assert "hunter2" not in redact(url) and "127.0.0.1:5432/test" in redact(url)


def test_open_store_failure_names_the_database_without_its_password(tmp_path):
    # Nothing listens on port 1: the error is a StoreError with the URL redacted.
    with pytest.raises(StoreError) as info:
        open_store("postgresql+psycopg://clearway:hunter2@127.0.0.1:1/nothing?connect_timeout=2")
    msg = str(info.value)
    assert "hunter2" not in msg and "clearway:***@127.0.0.1:1/nothing" in msg
    with pytest.raises(StoreError):
        open_store("nosuchdialect://x/y")
    # A directory where the SQLite file should be is an error too, not a traceback elsewhere.
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(StoreError):
        open_store(f"sqlite:///{tmp_path / 'dir.db'}")


def test_sqlite_store_creates_missing_directories(tmp_path):
    st = open_store(f"sqlite:///{tmp_path / 'a' / 'b' / 'c.db'}")
    try:
        st.append("screen", "x", {})
        assert st.verify().ok and (tmp_path / "a" / "b" / "c.db").exists()
    finally:
        st.close()


def test_postgresql_reachability_is_reported():
    # Documents why the postgresql params ran or were skipped.
    reason = pg_unavailable()
    if reason:
        pytest.skip(reason)
