"""Tables of collaboration cases: the case, its history, reviewers' decisions, remembered
false positives. Created by migration 0002."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, Text

from .schema import metadata

cases = Table(
    "cases",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("title", String(500), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("status", String(16), nullable=False, default="open"),  # open | closed
    Column("spec", Text, nullable=False),  # the case file, as JSON
    Column("vetting", Text, nullable=False),  # the latest vetting, as JSON
    Column("assessment", String(32), nullable=False),
)

# Every change to a case, in order: created, vetted, decision, comment, shared, closed.
case_events = Table(
    "case_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(32), nullable=False, index=True),
    Column("at", String(32), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("payload", Text, nullable=False),
)

# A reviewer's false-positive decision on (party, list entry): not raised again until the entry changes.
cleared_hits = Table(
    "cleared_hits",
    metadata,
    Column("party_key", String(1100), primary_key=True),
    Column("entity_id", String(100), primary_key=True),
    Column("fingerprint", String(32), primary_key=True),
    Column("case_id", String(32), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("at", String(32), nullable=False),
    Column("reason", Text, nullable=False),
)
