"""Table of people who sign in to the web pages with a username and password. Created by migration 0005."""

from __future__ import annotations

from sqlalchemy import Column, String, Table

from .schema import metadata

users = Table(
    "users",
    metadata,
    Column("id", String(32), primary_key=True),  # "u_<hex>"
    Column("username", String(100), nullable=False, unique=True),  # folded to lower case
    Column("role", String(16), nullable=False),  # viewer | analyst | reviewer | admin
    # "scrypt$<n>$<r>$<p>$<salt hex>$<hash hex>": the KDF and its parameters travel with the hash,
    # so they can be raised later without invalidating older passwords.
    Column("password", String(300), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("disabled_at", String(32), nullable=True),
)
