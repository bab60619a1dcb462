"""Persistence: API keys and the hash-chained audit trail, in SQLite or PostgreSQL.

One interface (:class:`~clearway.store.db.Store`) over SQLAlchemy Core; the schema is created and
upgraded by Alembic migrations shipped in ``migrations/``. Nothing here knows about screening.
"""

from .db import StoreError, open_store
from .store import Store

__all__ = ["Store", "StoreError", "open_store"]
