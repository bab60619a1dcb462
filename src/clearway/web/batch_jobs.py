"""Batch files uploaded through the pages, screened in the server by :func:`clearway.batch.run_batch`.

Each job is a folder under ``<data directory>/web-batch/<job id>/`` holding the upload, the result
files ``run_batch`` writes, and ``job.json`` — the job's state (queued, running, done, failed),
its progress and, when done, the batch summary. The state file is the truth every server process
reads, so progress polled from another worker process (``clearway serve --workers 2``) is the
same. Jobs run one at a time on a background thread of the process that took the upload, in that
process (one worker: the server's cores serve requests too). A job left ``running`` by a server
that stopped is shown as interrupted.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import orjson

from ..batch import BatchOptions, run_batch
from ..batch.readers import FORMATS, InputError, format_of
from ..store.store import now

log = logging.getLogger("clearway.web.batch")

QUEUED, RUNNING, DONE, FAILED, INTERRUPTED = "queued", "running", "done", "failed", "interrupted"
STALE_SECONDS = 120.0  # a running job whose state was not touched for this long has lost its server
_ID_RE = re.compile(r"^[0-9a-f]{16}$")
RESULT_FILES = ("output", "matches", "rejects")


@dataclass
class Job:
    id: str
    owner: str  # principal id ("u_…" or a key id)
    actor: str  # as the audit trail names the owner
    filename: str  # the uploaded file's name, as given
    input_format: str
    created_at: str
    status: str = QUEUED
    total: int | None = None
    done: int = 0
    updated: float = field(default_factory=time.time)
    finished_at: str = ""
    summary: dict[str, Any] | None = None
    error: str = ""
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def percent(self) -> int | None:
        if self.status == DONE:
            return 100
        if not self.total:
            return None
        return min(100, int(100 * self.done / self.total))

    @property
    def finished(self) -> bool:
        return self.status in (DONE, FAILED, INTERRUPTED)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["percent"] = self.percent
        return d


def safe_filename(name: str) -> str:
    """The base name of an uploaded file, reduced to harmless characters (the extension kept)."""
    base = os.path.basename(name.replace("\\", "/")) or "upload"
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = re.sub(r"[^\w.-]+", "_", stem, flags=re.UNICODE).strip("._")[:80] or "upload"
    ext = re.sub(r"[^A-Za-z0-9]+", "", ext)[:10].lower()
    return f"{stem}.{ext}" if ext else stem


class BatchJobs:
    """The jobs of one data directory, and the thread that runs this process's jobs."""

    def __init__(self, root: Path, *, runner: Callable[..., Any] = run_batch) -> None:
        self.root = Path(root)
        self.runner = runner
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clearway-web-batch")
        self._lock = threading.Lock()
        self._mine: set[str] = set()  # jobs this process runs

    # -- state on disk -----------------------------------------------------------------------

    def _dir(self, job_id: str) -> Path:
        if not _ID_RE.match(job_id):
            raise KeyError(job_id)
        return self.root / job_id

    def _save(self, job: Job) -> None:
        job.updated = time.time()
        path = self._dir(job.id) / "job.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(orjson.dumps(asdict(job)))
        os.replace(tmp, path)

    def get(self, job_id: str) -> Job | None:
        try:
            raw = (self._dir(job_id) / "job.json").read_bytes()
        except (KeyError, OSError):
            return None
        try:
            job = Job(**orjson.loads(raw))
        except (orjson.JSONDecodeError, TypeError):
            return None
        if job.status in (QUEUED, RUNNING) and job.id not in self._mine and time.time() - job.updated > STALE_SECONDS:
            job.status, job.error = INTERRUPTED, "the server stopped while this batch was running; upload it again"
        return job

    def jobs(self, owner: str | None = None, limit: int = 50) -> list[Job]:
        """Newest first; only ``owner``'s when given."""
        if not self.root.is_dir():
            return []
        out = []
        for d in self.root.iterdir():
            job = self.get(d.name) if _ID_RE.match(d.name) else None
            if job is not None and (owner is None or job.owner == owner):
                out.append(job)
        out.sort(key=lambda j: j.created_at, reverse=True)
        return out[:limit]

    def input_path(self, job: Job) -> Path:
        return self._dir(job.id) / f"input.{job.input_format}"

    def output_path(self, job: Job) -> Path:
        return self._dir(job.id) / f"results.{job.input_format}"

    def result_file(self, job: Job, what: str) -> Path | None:
        """The output, matches or rejects file of a finished job (the paths its summary names)."""
        if job.status != DONE or not job.summary or what not in RESULT_FILES:
            return None
        path = Path(job.summary[what])
        try:
            path.resolve().relative_to(self._dir(job.id).resolve())
        except ValueError:
            return None
        return path if path.is_file() else None

    # -- submitting and running ----------------------------------------------------------------

    def submit(self, data: bytes, filename: str, *, owner: str, actor: str, store: Any,
               options: dict[str, Any]) -> Job:
        """Keep the upload and queue its screening; raises InputError for a format it cannot read."""
        name = safe_filename(filename)
        fmt = format_of(Path(name))  # InputError: unknown or unreadable extension
        if fmt not in FORMATS:  # pragma: no cover - format_of only returns known formats
            raise InputError(f"cannot read {name}")
        job = Job(id=secrets.token_hex(8), owner=owner, actor=actor, filename=name, input_format=fmt,
                  created_at=now(), options=options)
        d = self._dir(job.id)
        d.mkdir(parents=True, exist_ok=False)
        self.input_path(job).write_bytes(data)
        with self._lock:
            self._mine.add(job.id)
        self._save(job)
        self._pool.submit(self._run, job, store)
        return job

    def _run(self, job: Job, store: Any) -> None:
        job.status = RUNNING
        self._save(job)
        last = 0.0

        def progress(event: str, n: int | None) -> None:
            nonlocal last
            if event == "total":
                job.total = n
            elif event == "advance":
                job.done += n or 0
            t = time.monotonic()
            if t - last > 0.25 or event != "advance":
                last = t
                self._save(job)

        opts = job.options
        try:
            summary = self.runner(
                BatchOptions(input=self.input_path(job), output=self.output_path(job),
                             columns={"name": opts.get("name_col") or None},
                             lists=set(opts["lists"]) if opts.get("lists") else None,
                             threshold=opts.get("threshold"), workers=1),
                store=store, actor=job.actor, progress=progress)
            job.summary = summary.to_dict()
            job.status = DONE
            job.done = summary.counts.get("rows", job.done)
            job.total = job.total or job.done
        except (ValueError, RuntimeError, OSError) as exc:  # bad files, columns, a checkpoint problem
            job.status, job.error = FAILED, str(exc) or exc.__class__.__name__
        except Exception:  # noqa: BLE001 - reported on the page, logged with its traceback
            log.exception("batch job %s failed", job.id)
            job.status, job.error = FAILED, "internal error; it has been logged"
        job.finished_at = now()
        self._save(job)
        with self._lock:
            self._mine.discard(job.id)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
