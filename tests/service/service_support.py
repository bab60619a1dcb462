"""Helpers for the service tests: the command line, PostgreSQL schemas, server processes.

The PostgreSQL server is taken from ``CLEARWAY_TEST_PG`` (a libpq URL), by default
``postgresql://postgres@127.0.0.1:5432/test`` (trust auth; CI starts one).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
import pytest

PG_DSN = os.environ.get("CLEARWAY_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
ROLES = ("viewer", "analyst", "reviewer", "admin")
READY_TIMEOUT = 60.0
CLI_TIMEOUT = 120.0
KEY_PATTERN = r"cw_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}"


# -- environment and the command line --------------------------------------------------------

def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The caller's environment without any CLEARWAY_* setting, with CLEARWAY_HOME in ``home``
    and a fixed, colourless, non-terminal console."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLEARWAY_")}
    for k in ("COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        env.pop(k, None)
    env.update(NO_COLOR="1", PYTHONIOENCODING="utf-8", CLEARWAY_HOME=str(home))
    env.update(extra)
    return env


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


class Cli:
    """``clearway ...`` in a subprocess (``python -m clearway``), never touching the user's home."""

    def __init__(self, home: Path) -> None:
        self.home = home
        home.mkdir(parents=True, exist_ok=True)

    def __call__(self, *args: str, env: dict[str, str] | None = None, timeout: float = CLI_TIMEOUT) -> Run:
        proc = subprocess.run([sys.executable, "-m", "clearway", *map(str, args)], capture_output=True,
                              env={**clean_env(self.home), **(env or {})}, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        return Run(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))

    def many(self, *arg_lists: list[str]) -> list[Run]:
        """Several independent runs side by side, results in order."""
        with ThreadPoolExecutor(max_workers=max(2, len(arg_lists))) as pool:
            return list(pool.map(lambda a: self(*a), arg_lists))

    def create_key(self, role: str, db: str, name: str = "") -> str:
        run = self("keys", "create", "--role", role, "--name", name or f"test-{role}", "--db", db)
        assert run.returncode == 0, run.stderr
        return run.stdout.strip().splitlines()[-1]


def key_id(key: str) -> str:
    """The public id inside a key string ``cw_<id>_<secret>``."""
    return key.split("_", 2)[1]


def key_secret(key: str) -> str:
    return key.split("_", 2)[2]


# -- PostgreSQL ------------------------------------------------------------------------------

_pg_state: dict[str, str | None] = {}


def pg_unavailable() -> str | None:
    """None when the PostgreSQL test server answers, else why not (checked once)."""
    if "reason" not in _pg_state:
        try:
            import psycopg

            with psycopg.connect(PG_DSN, connect_timeout=3) as conn:
                conn.execute("SELECT 1")
            _pg_state["reason"] = None
        except Exception as exc:  # noqa: BLE001 - any failure means "skip"
            _pg_state["reason"] = (f"PostgreSQL is not reachable at {PG_DSN} "
                                   f"({exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''})")
    return _pg_state["reason"]


def require_pg() -> None:
    reason = pg_unavailable()
    if reason:
        pytest.skip(reason)


def pg_store_url(schema: str) -> str:
    """A SQLAlchemy URL for the test database whose connections use ``schema`` first."""
    parts = urlsplit(PG_DSN)
    option = quote(f"-csearch_path={schema}", safe="")
    query = f"{parts.query}&options={option}" if parts.query else f"options={option}"
    return urlunsplit(("postgresql+psycopg", parts.netloc, parts.path, query, ""))


@contextmanager
def pg_schema() -> Iterator[tuple[str, str]]:
    """A fresh schema ``cw_<hex>`` in the test database: yields (schema, store URL); dropped after."""
    import psycopg
    from psycopg import sql

    require_pg()
    name = "cw_" + secrets.token_hex(6)
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    try:
        yield name, pg_store_url(name)
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


def pg_tables(schema: str) -> set[str]:
    import psycopg

    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        rows = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                            (schema,)).fetchall()
    return {r[0] for r in rows}


# -- stores ----------------------------------------------------------------------------------

@dataclass
class StoreHandle:
    backend: str
    url: str
    schema: str | None = None


# -- servers ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running ``clearway serve`` subprocess."""

    name: str
    db_url: str
    home: Path
    env: dict[str, str]
    keys: dict[str, str] = field(default_factory=dict)  # role -> key string
    schema: str | None = None  # the PostgreSQL schema, for a server on PostgreSQL
    port: int = 0
    proc: subprocess.Popen | None = None
    log_path: Path | None = None
    # Every key string handed out during the session, to check none leaks into logs or the trail.
    secrets_seen: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def key_id(self, role: str) -> str:
        return key_id(self.keys[role])

    def headers(self, role: str, style: str = "bearer") -> dict[str, str]:
        if style == "bearer":
            return {"Authorization": f"Bearer {self.keys[role]}"}
        return {"X-API-Key": self.keys[role]}

    def start(self) -> None:
        self.port = free_port()
        self.log_path = self.home / f"{self.name}-{self.port}.stderr.log"
        log = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "clearway", "serve", "--port", str(self.port), "--db", self.db_url],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=self.env)
        finally:
            log.close()

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"server {self.name} exited with {self.proc.returncode}:\n{self.log_text()[-3000:]}")
            try:
                r = httpx.get(f"{self.base_url}/readyz", timeout=2)
                if r.status_code == 200:
                    return
                last = r.text
            except httpx.HTTPError as exc:
                last = repr(exc)
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server {self.name} not ready after {timeout:.0f} s ({last}):\n{self.log_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=15)

    def log_text(self) -> str:
        return self.log_path.read_text("utf-8", "replace") if self.log_path and self.log_path.exists() else ""

    def open_store(self):
        from clearway.store import open_store

        return open_store(self.db_url)


def launch_server(name: str, db_url: str, home: Path, roles: tuple[str, ...], **env_extra: str) -> Server:
    """Create keys with ``clearway keys create`` (the first alone: it creates the database),
    then start the server and wait until it is ready."""
    home.mkdir(parents=True, exist_ok=True)
    cli = Cli(home)
    srv = Server(name, db_url, home, clean_env(home, **env_extra))
    srv.keys[roles[0]] = cli.create_key(roles[0], db_url)
    if roles[1:]:
        with ThreadPoolExecutor(max_workers=len(roles) - 1) as pool:
            for role, key in zip(roles[1:], pool.map(lambda r: cli.create_key(r, db_url), roles[1:])):
                srv.keys[role] = key
    srv.secrets_seen.extend(srv.keys.values())
    srv.start()
    try:
        srv.wait_ready()
    except BaseException:
        srv.stop()
        raise
    return srv
