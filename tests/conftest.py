"""Shared fixtures: one Screener over the bundled snapshot, and a CLI runner in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

try:  # Hypothesis is a test extra; the tests that need it import it themselves.
    import tempfile

    from hypothesis import settings
    from hypothesis.configuration import set_hypothesis_home_dir

    # No example database, and Hypothesis' caches in the temp dir: the tests leave nothing
    # behind in the work tree.
    if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "clearway-tests-hypothesis")
    settings.register_profile("clearway", database=None)
    settings.load_profile("clearway")
except ImportError:  # pragma: no cover
    pass

TESTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TESTS_DIR.parent
# The labelled evaluation set lives beside the repository (../shared/eval/dev.jsonl).
DEV_EVAL = REPO_ROOT.parent / "shared" / "eval" / "dev.jsonl"

CLI_TIMEOUT = 120


def _cli_prefix() -> list[str]:
    import clearway

    if (Path(clearway.__file__).parent / "__main__.py").exists():
        return [sys.executable, "-m", "clearway"]
    return [str(Path(sys.executable).parent / "clearway")]


@pytest.fixture(scope="session")
def screener():
    """The Screener over the bundled snapshot, loaded once for the whole session."""
    from clearway.screen import Screener

    return Screener.load()


@pytest.fixture(scope="session")
def dev_eval_path() -> Path:
    if not DEV_EVAL.exists():
        pytest.skip(f"evaluation set not found: {DEV_EVAL}")
    return DEV_EVAL


class CliRunner:
    """Runs ``clearway ...`` in a subprocess; returns (returncode, stdout, stderr)."""

    def __init__(self) -> None:
        self.prefix = _cli_prefix()
        env = dict(os.environ)
        # A fixed, non-terminal environment: Rich then uses its default width and no colour,
        # whatever terminal the tests run in.
        for k in ("COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
            env.pop(k, None)
        env["NO_COLOR"] = "1"
        env["PYTHONIOENCODING"] = "utf-8"
        self.env = env

    def __call__(self, *args: str, cwd: str | Path | None = None, env: dict[str, str] | None = None,
                 timeout: float = CLI_TIMEOUT) -> tuple[int, str, str]:
        proc = subprocess.run(
            [*self.prefix, *map(str, args)],
            capture_output=True,
            cwd=str(cwd) if cwd is not None else None,
            env={**self.env, **(env or {})},
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        return (proc.returncode, proc.stdout.decode("utf-8", "replace"),
                proc.stderr.decode("utf-8", "replace"))

    def many(self, *arg_lists: list[str], cwd: str | Path | None = None, timeout: float = CLI_TIMEOUT
             ) -> list[tuple[int, str, str]]:
        """Several runs side by side (each loads the lists, ~2.5 s); results in input order."""
        return list(self.batch({i: {"args": a, "cwd": cwd} for i, a in enumerate(arg_lists)},
                               timeout=timeout).values())

    def batch(self, runs: dict, timeout: float = CLI_TIMEOUT) -> dict:
        """Named runs side by side: ``{key: {"args": [...], "cwd"?: path, "env"?: {...}}}`` →
        ``{key: (returncode, stdout, stderr)}``, in the order given."""
        workers = max(2, (os.cpu_count() or 1) + 1)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {k: pool.submit(self, *r["args"], cwd=r.get("cwd"), env=r.get("env"), timeout=timeout)
                       for k, r in runs.items()}
            return {k: f.result() for k, f in futures.items()}


@pytest.fixture(scope="session")
def run_cli() -> CliRunner:
    return CliRunner()
