"""Crash tests: real ``clearway`` processes killed with SIGKILL at chosen moments, then restarted
on the same store, data directory or batch files. Everything lives in the test's tmp_path.

The helpers are in ``crash_support.py`` (which reuses ``tests/service/service_support.py`` and
``tests/monitor/monitor_support.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """No test here may touch the user's data directory or inherit Clearway settings."""
    for var in ("CLEARWAY_DB", "CLEARWAY_BATCH_CHUNK", "CLEARWAY_BATCH_CACHE_MB", "CLEARWAY_BATCH_STOP_AFTER",
                "CLEARWAY_WEBHOOK_URL", "CLEARWAY_WEBHOOK_SECRET", "CLEARWAY_MAX_SHRINK"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CLEARWAY_HOME", str(tmp_path / "home"))
