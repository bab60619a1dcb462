"""Batch screening: files of names (CSV, TSV, Excel, Parquet, JSONL) in, the same file with the
screening columns out, plus every match as JSONL and every bad row in a side file.

Streaming and resumable, parallel on the local cores by default or on a Dask cluster; every name
is screened by :class:`clearway.screen.Screener` (see :mod:`clearway.batch.run` for the flow).
"""

from .run import BatchError, BatchInterrupted, BatchOptions, BatchSummary, run_batch

__all__ = ["BatchError", "BatchInterrupted", "BatchOptions", "BatchSummary", "run_batch"]
