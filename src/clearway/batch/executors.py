"""Where the screening runs: this process, a pool of local processes, or a Dask cluster.

All three take the same call — :func:`clearway.batch.worker.screen_queries` on one chunk's unique
queries — and hand back futures; the batch waits on them in submission order, so output order is
file order whatever finished first. Each worker process loads the Screener once.
"""

from __future__ import annotations

import os
from concurrent.futures import Future
from typing import Any

from . import worker


class ExecutorError(RuntimeError):
    """The workers could not be started or reached (a bad scheduler address, a dead pool)."""


class SerialExecutor:
    """Screening in the batch's own process: no pool, results computed at submit time."""

    name = "local:1"
    workers = 1
    chunk_factor = 1  # × the default chunk size (see DaskExecutor)

    def __init__(self, options: worker.Options):
        self.options = options
        worker.get_screener(options.snapshot)

    def submit(self, queries: list[worker.QueryKey]) -> Future:
        f: Future = Future()
        try:
            f.set_result(worker.screen_queries(queries, self.options))
        except BaseException as exc:  # delivered when the batch asks for the result
            f.set_exception(exc)
        return f

    def list_versions(self) -> list[str]:
        return worker.list_versions(self.options.snapshot)

    def close(self, cancel: bool = False) -> None:
        pass


class ProcessExecutor:
    """A local process pool; each process loads the lists once, in its initializer."""

    chunk_factor = 1

    def __init__(self, options: worker.Options, workers: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.options = options
        self.workers = workers
        self.name = f"local:{workers}"
        # "spawn": a fresh interpreter per worker, safe beside the progress bar's thread.
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=worker.init_process, initargs=(options.snapshot,))

    def submit(self, queries: list[worker.QueryKey]) -> Future:
        return self._pool.submit(worker.screen_queries, queries, self.options)

    def list_versions(self) -> list[str]:
        return self._pool.submit(worker.list_versions, self.options.snapshot).result()

    def close(self, cancel: bool = False) -> None:
        self._pool.shutdown(wait=True, cancel_futures=cancel)


class DaskExecutor:
    """Chunks submitted to a Dask distributed cluster. A worker loads the lists on its first chunk
    and keeps them for every later one (the module-level cache in :mod:`clearway.batch.worker`)."""

    # Each task costs a Dask worker some tens of milliseconds of its own bookkeeping: unless the
    # chunk size is set, chunks are four times the default (on 100,000 rows of half repeats,
    # 20.7 s instead of 23.1 s on a 2-worker LocalCluster).
    chunk_factor = 4

    def __init__(self, options: worker.Options, address: str, *, timeout: float = 30.0):
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise ExecutorError("--dask needs the 'distributed' package (pip install 'dask[distributed]')") from exc
        self.options = options
        self.name = f"dask:{address}"
        try:
            self._client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
        info = self._client.scheduler_info()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))
        self._n = 0
        self._token = os.urandom(4).hex()

    def submit(self, queries: list[worker.QueryKey]) -> Any:
        self._n += 1
        # A unique key: the same chunk content twice in a run is still two tasks.
        return self._client.submit(worker.screen_queries, queries, self.options, pure=False,
                                   key=f"clearway-batch-{self._token}-{self._n}")

    def list_versions(self) -> list[str]:
        return self._client.submit(worker.list_versions, self.options.snapshot, pure=False).result()

    def close(self, cancel: bool = False) -> None:
        try:
            self._client.close()
        except Exception:  # pragma: no cover - closing a client whose scheduler is gone
            pass


def make_executor(options: worker.Options, *, workers: int | None, dask: str | None):
    if dask:
        return DaskExecutor(options, dask)
    n = workers if workers is not None else (os.cpu_count() or 1)
    if n <= 1:
        return SerialExecutor(options)
    return ProcessExecutor(options, n)
