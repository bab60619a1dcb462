"""Every setting in one table: name, environment variable, default, help.

Commands and the service read settings only through :func:`get`; the README's settings section
and a test check that each is documented.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("home", "CLEARWAY_HOME", "", "Data directory (database, downloaded lists). Default: the user's data directory."),
    Setting("db", "CLEARWAY_DB", "", "Database URL: sqlite:///path or postgresql+psycopg://user@host/db. Default: clearway.db in the data directory."),
    Setting("rate_limit", "CLEARWAY_RATE_LIMIT", "6000", "Requests per minute allowed per API key or signed-in user (per server process)."),
    Setting("max_batch", "CLEARWAY_MAX_BATCH", "1000", "Most queries in one POST /v1/screen, /match or /reconcile request."),
    Setting("max_body", "CLEARWAY_MAX_BODY", "2000000", "Largest request body accepted, in bytes."),
    Setting("log_level", "CLEARWAY_LOG_LEVEL", "INFO", "Log level of the service's JSON logs."),
    Setting("reload_seconds", "CLEARWAY_RELOAD_SECONDS", "5", "How often a running server checks whether `clearway update` made new list versions live (seconds; 0: never)."),
    Setting("fetch_timeout", "CLEARWAY_FETCH_TIMEOUT", "60", "Seconds `clearway update` waits for a publisher (to connect: at most 15) before retrying."),
    Setting("fetch_retries", "CLEARWAY_FETCH_RETRIES", "3", "Retries of a failed download (connection errors, timeouts, HTTP 5xx/429), with exponential backoff."),
    Setting("max_download_mb", "CLEARWAY_MAX_DOWNLOAD_MB", "512", "Largest list file accepted, in MiB after decompression (stops gzip bombs)."),
    Setting("max_shrink", "CLEARWAY_MAX_SHRINK", "20", "Percentage of a list's entities that may disappear in one update before it is refused (unless --accept-shrink)."),
    Setting("webhook_url", "CLEARWAY_WEBHOOK_URL", "", "URL to POST new alerts to after each update (JSON, signed; needs CLEARWAY_WEBHOOK_SECRET)."),
    Setting("webhook_secret", "CLEARWAY_WEBHOOK_SECRET", "", "Secret for the HMAC-SHA256 signature of webhook bodies (header X-Clearway-Signature: sha256=<hex>)."),
    Setting("batch_chunk", "CLEARWAY_BATCH_CHUNK", "1000", "Rows per chunk in `clearway batch`: the unit of work sent to a worker and of each checkpoint. Unset: 1,000, and 4,000 on a Dask cluster (a cluster task costs more to send and track)."),
    Setting("batch_cache_mb", "CLEARWAY_BATCH_CACHE_MB", "96", "Memory (MiB) for `clearway batch`'s cache of answers, so a name repeated anywhere in a file is screened once (0: no cache)."),
    Setting("batch_stop_after", "CLEARWAY_BATCH_STOP_AFTER", "0", "Testing aid: `clearway batch` stops as if it crashed after this many chunks (0: never)."),
    Setting("secret_key", "CLEARWAY_SECRET_KEY", "", "Key that signs the web pages' session cookies (any long random string; every server process of one deployment needs the same). Default: generated once and kept in the data directory (secret_key)."),
    Setting("session_hours", "CLEARWAY_SESSION_HOURS", "12", "How long a web sign-in lasts (hours)."),
)
_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    s = _BY_NAME[name]
    return os.environ.get(s.env, s.default)


def is_set(name: str) -> bool:
    """Whether the setting is given in the environment (not left to its default)."""
    return _BY_NAME[name].env in os.environ


def get_int(name: str) -> int:
    value = get(name)
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{_BY_NAME[name].env} must be a whole number, got {value!r}") from None


def get_float(name: str) -> float:
    value = get(name)
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{_BY_NAME[name].env} must be a number, got {value!r}") from None


def home() -> Path:
    """The data directory, created on first use."""
    value = get("home")
    if value:
        path = Path(value).expanduser()
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir("clearway", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def db_url(explicit: str | None = None) -> str:
    """The database URL: the explicit one, CLEARWAY_DB, or SQLite in the data directory."""
    url = explicit or get("db")
    if url:
        return url
    return f"sqlite:///{home() / 'clearway.db'}"
