"""The one audit record of a batch: what was screened (the input's SHA-256), against which lists,
how many rows were screened, matched and rejected, and where the per-row results are — each
result file with its SHA-256, so the hash-chained trail proves they are the files the run wrote."""

from __future__ import annotations

from ..query import ALGORITHM_VERSION


def record_batch(store, actor: str, summary, checkpoint) -> int:
    """Append the batch's record, once: resuming a run that crashed after its record was
    committed but before its checkpoint was removed finds that record instead of adding another."""
    if summary.resumed:
        done = _recorded(store, summary, checkpoint)
        if done is not None:
            return done
    c = summary.counts
    rec = store.append("batch", actor, {
        "channel": "cli-batch",
        "algorithm": ALGORITHM_VERSION,
        "list_versions": summary.list_versions,
        "input": {"path": summary.input, "sha256": summary.input_sha256, "format": summary.input_format},
        "columns": summary.columns,
        "settings": {k: checkpoint.settings.get(k) for k in ("lists", "threshold", "limit", "encoding", "sheet")},
        "counts": {"rows": c["rows"], "screened": c["screened"], "matched": c["matched"],
                   "rejected": c["rejected"], "unique_queries": c["unique"]},
        "output": {"path": summary.output, "sha256": summary.output_sha256, "format": summary.output_format},
        "matches": {"path": summary.matches, "sha256": summary.matches_sha256},
        "rejects": {"path": summary.rejects, "sha256": summary.rejects_sha256},
        "executor": summary.executor,
        "started_at": checkpoint.started_at,
        "resumes": checkpoint.resumes,
    })
    return rec.seq


def _recorded(store, summary, checkpoint) -> int | None:
    """The seq of this run's record when it is in the trail already (same start, input and files)."""
    for rec in store.records(since=checkpoint.started_at, kind="batch"):
        p = rec.payload
        if (p.get("started_at") == checkpoint.started_at and p.get("input", {}).get("sha256") == summary.input_sha256
                and p.get("output", {}).get("path") == summary.output
                and p.get("output", {}).get("sha256") == summary.output_sha256):
            return rec.seq
    return None
