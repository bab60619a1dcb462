"""The store: API keys (salted hashes only) and the append-only, hash-chained audit trail."""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import secrets
import threading
from contextlib import contextmanager
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import orjson
from sqlalchemy import Engine, insert, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from .schema import api_keys, audit_head, audit_log

ROLES = ("viewer", "analyst", "reviewer", "admin")
# Each role may do what the roles before it may do.
ROLE_RANK = {r: i for i, r in enumerate(ROLES)}
GENESIS = "0" * 64
KEY_PREFIX = "cw"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def canonical(obj: Any) -> str:
    """Canonical JSON: sorted keys, no whitespace; what the chain hashes."""
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS).decode()


def record_hash(seq: int, at: str, actor: str, kind: str, prev_hash: str, payload: str) -> str:
    h = hashlib.sha256()
    for part in (str(seq), at, actor, kind, prev_hash, payload):
        h.update(part.encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    name: str
    role: str
    created_at: str
    revoked_at: str | None
    scope: str | None = None  # "case:<id>": this key sees that case only

    def allows(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    at: str
    actor: str
    kind: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "at": self.at, "actor": self.actor, "kind": self.kind,
                "payload": self.payload, "prev_hash": self.prev_hash, "hash": self.hash}


@dataclass
class _Pending:
    """A record waiting for the next group commit."""

    kind: str
    actor: str
    payload: dict[str, Any]
    body: str
    record: AuditRecord | None = None
    error: BaseException | None = None
    done: bool = False


@dataclass
class VerifyReport:
    records: int
    ok: bool
    problems: list[str]


class UnknownKeyError(ValueError):
    """An unknown role or key id."""


class Store:
    """SQLite or PostgreSQL behind one interface. Safe to share across threads."""

    def __init__(self, engine: Engine, url: str):
        self.engine = engine
        self.url = url
        self.backend = engine.dialect.name  # "sqlite" or "postgresql"
        # SQLite lets one writer in at a time and makes the others poll with growing sleeps, which
        # under load turns into long waits. Appends therefore queue on a lock first: a thread lock
        # within the process and an OS file lock across processes (both wake the next writer as
        # soon as the lock is free).
        self._append_lock = threading.Lock()
        self._queue_lock = threading.Lock()
        self._queue: list[_Pending] = []
        self._lock_file = None
        database = engine.url.database if self.backend == "sqlite" else None
        if database and database != ":memory:":
            self._lock_file = open(f"{database}.audit-lock", "a+b")  # noqa: SIM115 - held for the store's life

    def close(self) -> None:
        self.engine.dispose()
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    @contextmanager
    def _file_lock(self):
        if self._lock_file is None:
            yield
            return
        fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    # -- API keys ----------------------------------------------------------------------------

    def create_key(self, role: str, name: str = "", scope: str | None = None) -> tuple[ApiKey, str]:
        """A new key: (its record, the secret key string — shown once, never stored)."""
        if role not in ROLE_RANK:
            raise UnknownKeyError(f"unknown role {role!r} (use one of: {', '.join(ROLES)})")
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_hex(16)
        created = now()
        with self.engine.begin() as conn:
            conn.execute(insert(api_keys).values(
                id=key_id, name=name, role=role, salt=salt,
                hash=hashlib.sha256((salt + secret).encode()).hexdigest(), created_at=created, scope=scope))
        return ApiKey(key_id, name, role, created, None, scope), f"{KEY_PREFIX}_{key_id}_{secret}"

    def check_key(self, presented: str) -> ApiKey | None:
        """The live key a presented key string belongs to, or None (unknown, wrong or revoked)."""
        parts = presented.strip().split("_", 2)
        if len(parts) != 3 or parts[0] != KEY_PREFIX:
            return None
        _, key_id, secret = parts
        with self.engine.connect() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
        if row is None or row.revoked_at:
            return None
        # Keys are 256-bit random strings, so a salted SHA-256 cannot be brute-forced; a slow
        # password hash would only slow every request down.
        digest = hashlib.sha256((row.salt + secret).encode()).hexdigest()
        if not hmac.compare_digest(digest, row.hash):
            return None
        return ApiKey(row.id, row.name, row.role, row.created_at, row.revoked_at, row.scope)

    def list_keys(self) -> list[ApiKey]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(api_keys).order_by(api_keys.c.created_at)).all()
        return [ApiKey(r.id, r.name, r.role, r.created_at, r.revoked_at, r.scope) for r in rows]

    def revoke_key(self, key_id: str) -> ApiKey:
        with self.engine.begin() as conn:
            res = conn.execute(update(api_keys).where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                               .values(revoked_at=now()))
            row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
        if row is None:
            raise UnknownKeyError(f"no key with id {key_id!r}")
        if res.rowcount == 0 and row.revoked_at is None:  # pragma: no cover - defensive
            raise UnknownKeyError(f"key {key_id!r} could not be revoked")
        return ApiKey(row.id, row.name, row.role, row.created_at, row.revoked_at, row.scope)

    # -- audit trail -------------------------------------------------------------------------

    def append(self, kind: str, actor: str, payload: dict[str, Any]) -> AuditRecord:
        """Append one record to the chain; committed (durable) when this returns.

        Group commit: a caller that finds the writer busy leaves its record in a queue; whoever
        holds the writer next commits every queued record in one transaction (one disk flush
        for many screenings), and each caller returns once its own record is committed.
        """
        item = _Pending(kind, actor, payload, canonical(payload))
        with self._queue_lock:
            self._queue.append(item)
        with self._append_lock:
            if not item.done:
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                try:
                    self._commit(batch)
                except BaseException as exc:
                    for p in batch:
                        p.error, p.done = exc, True
                    raise
        if item.error is not None:
            raise item.error
        assert item.record is not None
        return item.record

    def _commit(self, batch: list["_Pending"]) -> None:
        with self._file_lock(), self.engine.begin() as conn:
            # The head row is the chain's lock: SQLite serialises writers with BEGIN IMMEDIATE
            # (and the file lock), PostgreSQL with the row lock, so all writers extend one chain.
            q = select(audit_head).where(audit_head.c.id == 1)
            if self.backend == "postgresql":
                q = q.with_for_update()
            head = conn.execute(q).first()
            if head is None:  # pragma: no cover - the migration creates the head row
                raise RuntimeError("the audit head row is missing; run the migrations")
            seq, prev = head.seq, head.hash
            rows = []
            for p in batch:
                seq += 1
                at = now()
                digest = record_hash(seq, at, p.actor, p.kind, prev, p.body)
                rows.append(dict(seq=seq, at=at, actor=p.actor, kind=p.kind, payload=p.body, prev_hash=prev, hash=digest))
                p.record = AuditRecord(seq, at, p.actor, p.kind, p.payload, prev, digest)
                prev = digest
            conn.execute(insert(audit_log), rows)
            conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=seq, hash=prev))
        for p in batch:
            p.done = True

    def records(self, since: str | None = None, batch: int = 1000, kind: str | None = None) -> Iterator[AuditRecord]:
        """Every record in chain order (from ``since``, an ISO time, when given; only ``kind``'s
        records when given)."""
        last = 0
        while True:
            q = select(audit_log).where(audit_log.c.seq > last).order_by(audit_log.c.seq).limit(batch)
            if since:
                q = q.where(audit_log.c.at >= since)
            if kind:
                q = q.where(audit_log.c.kind == kind)
            with self.engine.connect() as conn:
                rows = conn.execute(q).all()
            if not rows:
                return
            for r in rows:
                yield AuditRecord(r.seq, r.at, r.actor, r.kind, orjson.loads(r.payload), r.prev_hash, r.hash)
            last = rows[-1].seq

    def verify(self) -> VerifyReport:
        """Recompute the chain: any edited, inserted, deleted or truncated record is reported."""
        problems: list[str] = []
        prev_hash = GENESIS
        expected = 1
        count = 0
        last_seq, last_hash = 0, GENESIS
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True).execute(select(audit_log).order_by(audit_log.c.seq))
            for r in result:
                count += 1
                if r.seq != expected:
                    problems.append(f"records {expected}–{r.seq - 1} are missing (deleted)")
                if r.prev_hash != prev_hash:
                    problems.append(f"record {r.seq}: does not follow the record before it")
                if record_hash(r.seq, r.at, r.actor, r.kind, r.prev_hash, r.payload) != r.hash:
                    problems.append(f"record {r.seq}: content does not match its hash (edited)")
                prev_hash = r.hash
                expected = r.seq + 1
                last_seq, last_hash = r.seq, r.hash
            head = conn.execute(select(audit_head).where(audit_head.c.id == 1)).first()
        if head is None:
            problems.append("the chain head is missing")
        elif head is not None and (head.seq, head.hash) != (last_seq, last_hash):
            problems.append(f"the chain ends at record {last_seq} but its head says {head.seq} (records cut off or head edited)")
        return VerifyReport(count, not problems, problems)
