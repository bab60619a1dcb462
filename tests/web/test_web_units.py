"""The pieces behind the pages, without a browser: catalogues, sessions, users, figures, jobs."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clearway.web import i18n

WEB = Path(__file__).resolve().parents[2] / "src" / "clearway" / "web"
TEMPLATES = WEB / "templates"


# -- the catalogues --------------------------------------------------------------------------

def test_every_message_a_template_uses_is_in_both_languages():
    used = set()
    for path in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"\bt\('([a-z_.]+[a-z_])'", path.read_text("utf-8")))
    for path in WEB.glob("*.py"):
        used |= set(re.findall(r'PageError\(\d+, "([a-z_.]+)"', path.read_text("utf-8")))
        used |= set(re.findall(r'"((?:batch|signin|error)\.[a-z_]+)"', path.read_text("utf-8"))) - {"batch.html", "signin.html", "error.html"}
    missing = sorted(k for k in used if k not in i18n.MESSAGES)
    assert not missing


def test_keys_built_from_data_exist():
    from clearway.cases.spec import ACTIVITIES, ROLES
    from clearway.landscape import SECTORS
    from clearway.model import NAME_KINDS
    from clearway.store.monitor import ALERT_KINDS
    from clearway.store.store import ROLES as KEY_ROLES
    from clearway.web.render import NAV

    needed = ([f"nav.{k}" for k, _, _ in NAV] + [f"role.{r}" for r in KEY_ROLES] + [f"activity.{a}" for a in ACTIVITIES]
              + [f"partyrole.{r}" for r in ROLES] + [f"kind.{k}" for k in NAME_KINDS]
              + [f"alerts.k.{k}" for k in ALERT_KINDS] + [f"chart.sector.{s}" for s in SECTORS]
              + [f"event.{e}" for e in ("created", "vetted", "decision", "comment", "shared", "open", "closed")]
              + [f"batch.s.{s}" for s in ("queued", "running", "done", "failed", "interrupted")]
              + [f"case.done.{d}" for d in ("decision", "comment", "vet")])
    assert [k for k in needed if k not in i18n.MESSAGES] == []


def test_messages_have_both_languages_and_the_same_placeholders():
    for key, (en, zh) in i18n.MESSAGES.items():
        assert en.strip() and zh.strip(), key
        assert set(re.findall(r"\{(\w+)\}", en)) == set(re.findall(r"\{(\w+)\}", zh)), key
        assert re.search(r"[\u4e00-\u9fff]", zh) or key.startswith(("search.placeholder",)), key


@pytest.mark.parametrize("chosen, header, expected", [
    (None, None, "en"),
    (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh"),
    (None, "en-US,en;q=0.9,zh-CN;q=0.8", "en"),
    (None, "fr-FR, zh-TW;q=0.7", "zh"),
    (None, "de", "en"),
    (None, "zh;q=0, en", "en"),
    ("zh", "en-US", "zh"),
    ("en", "zh-CN", "en"),
    ("xx", "zh-Hans", "zh"),
])
def test_language_negotiation(chosen, header, expected):
    assert i18n.negotiate(chosen, header) == expected


def test_translate_fills_placeholders_and_passes_unknown_text_through():
    assert i18n.translate("error.rate", "en", seconds=3) == "Too many requests; try again in 3 s."
    assert "3" in i18n.translate("error.rate", "zh", seconds=3)
    assert i18n.translate("a plain error from a lower layer", "zh") == "a plain error from a lower layer"


# -- sessions and CSRF -----------------------------------------------------------------------

def test_signed_cookies_reject_tampering(monkeypatch):
    from clearway.web import auth

    monkeypatch.setenv("CLEARWAY_SECRET_KEY", "a test secret that is long enough")
    sess = auth.Session.new("user:u_1")
    value = sess.cookie()
    back = auth.Session.from_cookie(value)
    assert back.sub == "user:u_1" and back.csrf == sess.csrf and not back.changed
    body, mac = value.split(".")
    forged = auth.sign({"v": 1, "sub": "user:admin", "csrf": "x", "exp": time.time() + 999}, b"another key")
    for bad in (forged, body + ".AAAA", "garbage", "", body[:-2] + "xx." + mac):
        s = auth.Session.from_cookie(bad)
        assert s.sub is None and s.changed  # a fresh anonymous session
    expired = auth.sign({"v": 1, "sub": "user:u_1", "csrf": "x", "exp": time.time() - 1})
    assert auth.Session.from_cookie(expired).sub is None


def test_secret_key_is_generated_once_in_the_data_directory(monkeypatch, tmp_path):
    from clearway.web import auth

    monkeypatch.delenv("CLEARWAY_SECRET_KEY", raising=False)
    monkeypatch.setenv("CLEARWAY_HOME", str(tmp_path))
    auth._secret_cache.clear()
    first = auth.secret_key()
    auth._secret_cache.clear()
    assert auth.secret_key() == first and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("value, expected", [
    ("/cases/x?y=1", "/cases/x?y=1"), ("", "/d"), ("https://evil.example/", "/d"), ("//evil.example", "/d"),
    ("/\\evil", "/d"), ("cases", "/d"),
])
def test_redirects_stay_on_this_site(value, expected):
    from clearway.web.render import safe_next

    assert safe_next(value, "/d") == expected


def test_highlight_marks_shared_words_and_characters_and_escapes():
    from clearway.web.render import highlight

    assert str(highlight("Beihang University", "beihang univ")) == "<strong>Beihang</strong> University"
    assert str(highlight("華為技術有限公司", "华为技术")) == "<strong>華為技術</strong>有限公司"
    assert str(highlight("<script>", "script")) == "&lt;<strong>script</strong>&gt;"


def test_federal_register_citations_become_links():
    from clearway.web.render import fr_links

    html = str(fr_links("85 FR 51603, 87 FR 6026 <b>"))
    assert html.count('href="https://www.federalregister.gov/citation/') == 2
    assert "85-FR-51603" in html and "&lt;b&gt;" in html


# -- users -----------------------------------------------------------------------------------

@pytest.fixture
def store(tmp_path):
    from clearway.store import open_store

    st = open_store(f"sqlite:///{tmp_path / 'u.db'}")
    yield st
    st.close()


def test_users_passwords_and_disabling(store):
    from clearway.store import users

    u = users.create_user(store, "Alice", "reviewer", "a long enough password")
    assert u.username == "alice" and u.role == "reviewer"
    assert users.authenticate(store, "ALICE", "a long enough password").id == u.id
    assert users.authenticate(store, "alice", "wrong password here") is None
    assert users.authenticate(store, "nobody", "a long enough password") is None
    with pytest.raises(users.UserError):
        users.create_user(store, "alice", "viewer", "another long password")
    with pytest.raises(users.UserError):
        users.create_user(store, "bob", "viewer", "short")
    with pytest.raises(users.UserError):
        users.create_user(store, "bob", "emperor", "a long enough password")
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT password FROM users").scalar()
    assert stored.startswith("scrypt$") and "a long enough password" not in stored
    users.disable_user(store, "alice")
    assert users.authenticate(store, "alice", "a long enough password") is None
    assert users.get_user(store, u.id).disabled_at


def test_users_command_line(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    env_home = {"CLEARWAY_HOME": str(tmp_path)}
    import os

    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CLEARWAY_")}, **env_home}

    def run(*args, stdin=""):
        return subprocess.run([sys.executable, "-m", "clearway", "users", *args, "--db", db], input=stdin.encode(),
                              capture_output=True, env=env, timeout=120)

    ok = run("create", "--username", "carol", "--role", "analyst", "--password-stdin", stdin="carol's password 1\n")
    assert ok.returncode == 0, ok.stderr
    again = run("create", "--username", "carol", "--role", "viewer", "--password-stdin", stdin="whatever password\n")
    assert again.returncode == 2 and b"exists" in again.stderr
    short = run("create", "--username", "dan", "--role", "viewer", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and b"at least" in short.stderr
    no_tty = run("create", "--username", "erin", "--role", "viewer")
    assert no_tty.returncode == 2 and b"--password-stdin" in no_tty.stderr
    listed = run("list", "--json")
    assert listed.returncode == 0 and b'"carol"' in listed.stdout and b"password" not in listed.stdout


def test_migrations_have_one_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from clearway.store.db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert len(ScriptDirectory.from_config(cfg).get_heads()) == 1


# -- the landscape figures -------------------------------------------------------------------

@pytest.mark.parametrize("citation, year", [
    ("90 FR 14046", 2025), ("85 FR 51603, 87 FR 6026; 87 FR 55250", 2020), ("77 FR 61249 No. 195", 2012),
    ("", None), ("see the list", None),
])
def test_federal_register_volume_gives_the_year(citation, year):
    from clearway.landscape import fr_year

    assert fr_year(citation) == year


def test_landscape_of_the_bundled_lists(screener):
    from clearway.landscape import landscape, sectors_of

    d = landscape(screener.entities)
    assert d["el_china"] > 800  # "over 800 Chinese entities are on the Entity List"
    el = next(r for r in d["lists"] if r["code"] == "EL")
    assert el["china"] >= d["el_china"] and el["entries"] == d["el_total"]
    assert d["countries"]["EL"]["CN"] > 500
    assert 2025 in d["years"] and d["by_year"]["EL"]["2025"] > 0
    assert d["sectors_total"]["university"] > 50 and d["sectors_total"]["chips"] > 50
    assert d["sectors_total"]["supercomputing"] >= 5
    by_name = {e.caption: e for e in screener.entities}
    assert "supercomputing" in sectors_of(by_name["National Supercomputing Center Tianjin (NSCC-TJ)"])


# -- batch jobs ------------------------------------------------------------------------------

def test_batch_jobs_record_progress_and_results(tmp_path):
    from clearway.batch import BatchSummary
    from clearway.web.batch_jobs import BatchJobs

    def fake_run(opts, *, store, actor, progress):
        progress("total", 3)
        for _ in range(3):
            progress("advance", 1)
        opts.output.write_text("name,clearway_status\nx,clear\n")
        return BatchSummary(input=str(opts.input), input_sha256="", input_format="csv", output=str(opts.output),
                            output_format="csv", matches=str(opts.output) + ".m", rejects=str(opts.output) + ".r",
                            columns={}, executor="local:1", counts={"rows": 3, "screened": 3, "matched": 0, "rejected": 0},
                            list_versions=[])

    jobs = BatchJobs(tmp_path, runner=fake_run)
    job = jobs.submit(b"name\nx\n", "../../etc/Partners 2026.CSV", owner="k1", actor="k1", store=None, options={})
    assert job.filename == "Partners_2026.csv" and job.input_format == "csv"
    for _ in range(100):
        got = jobs.get(job.id)
        if got.finished:
            break
        time.sleep(0.05)
    assert got.status == "done" and got.done == 3 and got.percent == 100
    assert jobs.result_file(got, "output").read_text().startswith("name,")
    assert jobs.result_file(got, "matches") is None  # not written by the fake
    assert jobs.get("not-an-id") is None and jobs.jobs(owner="someone else") == []
    jobs.close()
