"""Fixtures of the fuzzers: the helper modules on the path, and a ``clearway serve`` of their own.

How many inputs each fuzzer tries is set in its test file; ``CLEARWAY_FUZZ_SCALE`` (a number,
default 1) multiplies every count, for a longer run by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "service"))

from service_support import Server, launch_server  # noqa: E402


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory) -> Iterator[Server]:
    """A server for the API fuzzer alone: its own home and SQLite database, an admin and an
    analyst key, and a rate limit no fuzzing run reaches."""
    home = tmp_path_factory.mktemp("fuzz-server")
    srv = launch_server("fuzz", f"sqlite:///{home / 'fuzz.db'}", home, ("admin", "analyst"),
                        CLEARWAY_RATE_LIMIT="10000000", CLEARWAY_RELOAD_SECONDS="0")
    try:
        yield srv
    finally:
        srv.stop()
