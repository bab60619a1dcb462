"""Tables of list monitoring: the watchlist, the last screening of every re-screened target, and
the alerts raised when a list update changes a result. Created by migration 0003."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text

from .schema import metadata

# The partners an organisation works with, re-screened after every list update.
watchlist = Table(
    "watchlist",
    metadata,
    Column("id", String(32), primary_key=True),  # "w_<hex>"
    Column("name", String(1000), nullable=False),
    Column("country", String(2), nullable=True),
    Column("schema", String(16), nullable=True),
    Column("birth_date", String(10), nullable=True),
    Column("note", Text, nullable=False, default=""),
    Column("added_at", String(32), nullable=False),
    Column("added_by", String(64), nullable=False),
)

# The newest screening of each re-screened target (a watchlist entry, an open case's party…):
# what the next update's screening is compared with.
rescreen_baselines = Table(
    "rescreen_baselines",
    metadata,
    Column("target_kind", String(32), primary_key=True),  # "watch", "case", …
    Column("target_id", String(100), primary_key=True),
    Column("result", Text, nullable=False),  # JSON: the hits, each with its lists and listing fingerprint
    Column("list_versions", Text, nullable=False),  # JSON: the version ids screened against
    Column("screened_at", String(32), nullable=False),
)

# A change in a target's result after a list update: a new hit, a hit gone, a listing changed.
alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("kind", String(16), nullable=False),  # new_hit | hit_gone | listing_changed
    Column("target_kind", String(32), nullable=False),
    Column("target_id", String(100), nullable=False),
    Column("target_name", String(1000), nullable=False),
    Column("entity_id", String(100), nullable=False),
    Column("party", String(1000), nullable=False),  # the listed party's name
    Column("detail", Text, nullable=False),  # JSON: lists before/after, score, what changed
    Column("list_versions", Text, nullable=False),  # JSON: the version ids of the update
    Column("audit_seq", Integer, nullable=True),  # the audit record of this alert
    Column("delivery", String(16), nullable=False, default=""),  # "", "sent", "failed"
    Index("ix_alerts_at", "at"),
)
