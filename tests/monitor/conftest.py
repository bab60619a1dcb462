"""Fixtures for the live-list tests: a local publisher, a small bundle, a version store, a store.

Everything lives in the test's tmp_path (CLEARWAY_HOME included): never the user's data directory.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from monitor_support import FIXTURES, PublisherServer  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """No test here may touch the user's data directory or inherit list settings."""
    for var in ("CLEARWAY_DB", "CLEARWAY_WEBHOOK_URL", "CLEARWAY_WEBHOOK_SECRET", "CLEARWAY_MAX_SHRINK"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CLEARWAY_HOME", str(tmp_path / "home"))


@pytest.fixture
def publisher():
    with PublisherServer() as srv:
        yield srv


@pytest.fixture(scope="session")
def small_bundle(tmp_path_factory) -> Path:
    """A bundled snapshot in miniature: 136 real CSL entries (as of "2026-07-31"), MIEU and FCC."""
    from clearway.assemble import assemble
    from clearway.snapshot import save_snapshot
    from clearway.sources import bis_mieu, csl, fcc

    parts = {}
    for mod, name, published in ((csl, "csl_v1.json", "2026-07-31"), (bis_mieu, "us_bis_mieu.csv", "2026-07"),
                                 (fcc, "us_fcc_covered_list.csv", "")):
        p = mod.parse((FIXTURES / name).read_bytes(), published=published)
        parts[p.version.source] = (p.version, p.entities)
    versions, entities, _ = assemble(parts)
    path = tmp_path_factory.mktemp("bundle") / "snapshot.json.gz"
    save_snapshot(path, versions, entities)
    return path


@pytest.fixture
def vs(tmp_path, small_bundle):
    """A version store in tmp_path whose bundled lists are the small bundle."""
    from clearway.monitor.versions import VersionStore

    history = tmp_path / "history"
    history.mkdir()
    return VersionStore(tmp_path / "home" / "lists", bundle=small_bundle, history_dir=history)


@pytest.fixture
def store(tmp_path):
    from clearway.store import open_store

    st = open_store(f"sqlite:///{tmp_path / 'monitor.db'}")
    try:
        yield st
    finally:
        st.close()


@pytest.fixture
def fast():
    """Fetch options for tests: short timeouts, one quick retry, a 5 MiB cap."""
    from clearway.monitor.fetch import FetchOptions

    return FetchOptions(timeout=1.0, retries=1, backoff=0.01, max_bytes=5 << 20)
