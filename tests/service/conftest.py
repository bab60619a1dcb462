"""Fixtures for the HTTP service and the store: real databases, real server processes.

* ``store``: a fresh :class:`clearway.store.Store`, once on SQLite (a file in ``tmp_path``) and
  once on PostgreSQL (a fresh ``cw_<hex>`` schema in the ``test`` database, dropped afterwards).
  The PostgreSQL params are skipped, with the reason, when no server answers.
* ``server``: one ``clearway serve`` subprocess for the whole session, on a SQLite database in a
  temp dir, with an API key per role created beforehand by ``clearway keys create``.
* ``limited_server``: a second, short-lived server with ``CLEARWAY_RATE_LIMIT=5`` (429 tests).
* ``pg_server``: a server on PostgreSQL (its own schema), to show the service runs there.
* ``cw``: runs ``clearway ...`` in a subprocess with ``CLEARWAY_HOME`` in a temp dir.

The helpers behind them are in ``service_support.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from service_support import (  # noqa: E402
    ROLES,
    Cli,
    Server,
    StoreHandle,
    launch_server,
    pg_schema,
)


@pytest.fixture
def cw(tmp_path) -> Cli:
    """``clearway ...`` in a subprocess, with CLEARWAY_HOME in this test's tmp_path."""
    return Cli(tmp_path / "home")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> Iterator[StoreHandle]:
    """A database URL for a fresh store on each backend."""
    if request.param == "sqlite":
        yield StoreHandle("sqlite", f"sqlite:///{tmp_path / 'store.db'}")
        return
    with pg_schema() as (schema, url):
        yield StoreHandle("postgresql", url, schema)


@pytest.fixture
def store(store_url):
    """A freshly migrated store on SQLite and on PostgreSQL (``store.handle`` tells which)."""
    from clearway.store import open_store

    st = open_store(store_url.url)
    st.handle = store_url  # type: ignore[attr-defined]
    try:
        yield st
    finally:
        st.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[Server]:
    """The session's server: SQLite in a temp dir, a key per role, a very high rate limit."""
    home = tmp_path_factory.mktemp("server")
    srv = launch_server("main", f"sqlite:///{home / 'service.db'}", home, ROLES, CLEARWAY_RATE_LIMIT="100000")
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="session")
def server_store(server):
    """The session server's store, opened in the test process to read its audit trail."""
    st = server.open_store()
    try:
        yield st
    finally:
        st.close()


@pytest.fixture(scope="session")
def http(server) -> Iterator[httpx.Client]:
    """An HTTP client on the session server (no key: tests send the headers they mean)."""
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory) -> Iterator[Server]:
    """A separate server allowing 5 requests a minute per key."""
    home = tmp_path_factory.mktemp("limited")
    srv = launch_server("limited", f"sqlite:///{home / 'limited.db'}", home, ("viewer",), CLEARWAY_RATE_LIMIT="5")
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def pg_server(tmp_path_factory) -> Iterator[Server]:
    """A server on PostgreSQL, in a schema of its own (dropped afterwards)."""
    with pg_schema() as (schema, url):
        home = tmp_path_factory.mktemp("pgserver")
        srv = launch_server("postgresql", url, home, ("analyst",), CLEARWAY_RATE_LIMIT="100000")
        srv.schema = schema
        try:
            yield srv
        finally:
            srv.stop()
