"""Fixtures for batch screening: real files of names in temp dirs, screened on the bundled lists.

The names are real list names (Latin and Chinese, some perturbed), names that match nothing, and
repeats. Every test works in its own tmp_path with CLEARWAY_HOME inside it.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from clearway.snapshot import DEFAULT_SNAPSHOT

sys.path.insert(0, str(Path(__file__).resolve().parent))

from batch_support import KNOWN  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    for var in ("CLEARWAY_DB", "CLEARWAY_BATCH_CHUNK", "CLEARWAY_BATCH_CACHE_MB", "CLEARWAY_BATCH_STOP_AFTER"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CLEARWAY_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="session")
def batch_screener(screener):
    """The session's Screener, also serving batch runs in this process (workers=1)."""
    from clearway.batch import worker

    worker._loaded.clear()
    worker._loaded[str(DEFAULT_SNAPSHOT)] = screener
    return screener


@pytest.fixture(scope="session")
def name_rows(screener) -> list[tuple[str, str, str]]:
    """~400 (name, country, type) rows: list names as written and perturbed, Chinese names,
    names matching nothing, and repeats — the same every run."""
    rng = random.Random(7)
    ents = sorted(screener.entities, key=lambda e: e.id)
    latin = [n.value for e in ents[::97] for n in e.names[:1] if n.value.isascii() and 6 <= len(n.value) <= 120]
    han = [n.value for e in ents for n in e.names
           if any("\u4e00" <= ch <= "\u9fff" for ch in n.value) and len(n.value) <= 40][::7]
    rows: list[tuple[str, str, str]] = list(KNOWN)
    for v in latin[:120]:
        rows.append((v if rng.random() < 0.5 else v.upper(), rng.choice(["", "CN", "US"]), ""))
    for v in han[:60]:
        rows.append((v, "CN", ""))
    syll = ["zor", "ba", "nix", "vel", "qua", "tro", "lum", "fen", "dra", "kov", "pel"]
    for _ in range(120):
        w = "".join(rng.choice(syll) for _ in range(3)).capitalize()
        rows.append((f"{w} {rng.choice(['Trading', 'Logistics', 'Materials', 'Optics'])} Co., Ltd.", "", ""))
    for _ in range(100):  # repeats
        rows.append(rows[rng.randrange(len(rows))])
    return rows
