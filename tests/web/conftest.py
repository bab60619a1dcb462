"""Fixtures for the web pages: one real ``clearway serve`` and one headless Chromium per session.

* ``web``: the server (SQLite in a temp dir; an API key per role from ``clearway keys create``;
  users ``alice`` (reviewer) and ``vera`` (viewer) from ``clearway users create``).
* ``browser``: Debian's Chromium driven by Playwright (never a downloaded browser); the tests
  are skipped, with the reason, when either is missing.
* ``context`` / ``page``: a fresh browser context (no cookies) per test, desktop-sized.
* ``signed_in``: a function that signs a page in with a key or a username and password.
* ``shot``: saves a screenshot under ``artifacts/screenshots/`` (kept by CI as an artefact).

The server helpers are those of the service tests (``tests/service/service_support.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))
from service_support import Server, clean_env, launch_server  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("CLEARWAY_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORDS = {"alice": "alice-correct-horse-7", "vera": "vera-battery-staple-9"}
USERS = {"alice": "reviewer", "vera": "viewer"}
TIMEOUT_MS = 20_000


def create_user(server: Server, username: str, role: str, password: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clearway", "users", "create", "--username", username,
                           "--role", role, "--password-stdin", "--db", server.db_url],
                          input=(password + "\n").encode(), capture_output=True, env=clean_env(server.home),
                          timeout=120)


@pytest.fixture(scope="session")
def web(tmp_path_factory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("web-home")
    srv = launch_server("web", f"sqlite:///{home / 'web.db'}", home, ("admin", "analyst", "reviewer", "viewer"),
                        CLEARWAY_RELOAD_SECONDS="0")
    try:
        for name, role in USERS.items():
            run = create_user(srv, name, role, PASSWORDS[name])
            assert run.returncode == 0, run.stderr.decode()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def context(browser, web):
    ctx = browser.new_context(base_url=web.base_url, viewport={"width": 1280, "height": 900}, locale="en-GB")
    ctx.set_default_timeout(TIMEOUT_MS)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context):
    pg = context.new_page()
    errors: list[str] = []
    # A page that breaks its Content-Security-Policy or throws fails the test that opened it.
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.console_errors = errors  # type: ignore[attr-defined]
    return pg


@pytest.fixture
def signed_in(web) -> Callable:
    """``signed_in(page, key_role=...)`` or ``signed_in(page, user=...)``: sign in through the form."""

    def sign_in(pg, *, key_role: str | None = None, user: str | None = None, next_path: str = "/search"):
        pg.goto(next_path)
        assert "/signin" in pg.url
        if key_role is not None:
            pg.fill("#api_key", web.keys[key_role])
            pg.click("#key-h ~ form button[type=submit]")
        else:
            assert user is not None
            pg.fill("#username", user)
            pg.fill("#password", PASSWORDS[user])
            pg.click("#pw-h ~ form button[type=submit]")
        pg.wait_for_url(f"**{next_path}")
        return pg

    return sign_in


@pytest.fixture(scope="session")
def shot() -> Callable:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(pg, name: str, full_page: bool = True) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        pg.screenshot(path=str(path), full_page=full_page)
        return path

    return save
