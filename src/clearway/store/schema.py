"""Tables. Changing them means a new Alembic migration in ``migrations/versions``."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, Text

metadata = MetaData()

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),  # public key id, part of the key itself
    Column("name", String(200), nullable=False, default=""),
    Column("role", String(16), nullable=False),
    Column("salt", String(64), nullable=False),
    Column("hash", String(64), nullable=False),  # sha256(salt + secret); the secret is never stored
    Column("created_at", String(32), nullable=False),
    Column("revoked_at", String(32), nullable=True),
    Column("scope", String(64), nullable=True),  # "case:<id>" for a key that sees one case only
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),  # 1, 2, 3 … with no gaps
    Column("at", String(32), nullable=False),
    Column("actor", String(64), nullable=False),  # key id or "cli:<user>", never a secret
    Column("kind", String(32), nullable=False),  # screen, refusal, keys, …
    Column("payload", Text, nullable=False),  # canonical JSON
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
)

# One row (id = 1): the newest record. Writers lock it, so the chain stays one chain even with
# several server processes on one PostgreSQL database; verify compares it with the last record,
# so cutting records off the end is detected too.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)
