"""A batch run: a file of names in, the same file with screening columns out, resumable.

The flow, one chunk of rows at a time (memory stays flat whatever the file size)::

    reader ──chunk──▶ validate rows (bad rows → rejects) ──▶ unique queries not yet answered
        ──▶ executor (this process, local processes, or a Dask cluster; a bounded number of chunks
            in flight, results taken back in file order)
        ──▶ writer: rows + screening columns, matches JSONL, rejects CSV (one append each)
        ──▶ checkpoint (offsets synced to disk)

Every query goes through :meth:`clearway.screen.Screener.screen` in a worker. Rows are validated
here, with :meth:`clearway.screen.Query.validate`, so that identical queries — within a chunk,
across the whole file through a bounded LRU cache, and across chunks still in flight — are
screened once. The answers do not depend on which of those paths a row takes.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import orjson

from .. import settings
from ..query import DEFAULT_LIMIT, Query, QueryError
from . import worker
from .cache import ResultCache, key_size
from .checkpoint import AppendFile, Checkpoint, CheckpointError, sha256_file
from .columns import country_value, schema_value
from .executors import make_executor
from .readers import Chunk, format_of, open_reader
from .writers import Added, make_writer

REJECTS_HEADER = b"line,id,reason,name\r\n"
CHECKPOINT_EVERY_S = 1.0
VALIDATED_CACHE = 20_000
INFLIGHT_PER_WORKER = 3


class BatchError(RuntimeError):
    """A batch that cannot start or go on (existing output, a checkpoint that does not fit…)."""


class BatchInterrupted(RuntimeError):
    """Stopped (Ctrl-C, a dead worker, the testing hook) after a checkpoint: run again with --resume."""

    def __init__(self, message: str, summary: "BatchSummary"):
        super().__init__(message)
        self.summary = summary


@dataclass
class BatchOptions:
    input: Path
    output: Path
    input_format: str | None = None
    output_format: str | None = None
    columns: dict[str, str | None] = field(default_factory=dict)  # role → column name ("" = none)
    matches: Path | None = None
    rejects: Path | None = None
    encoding: str = "utf-8"
    sheet: str | None = None
    lists: set[str] | None = None
    threshold: float | None = None
    limit: int = DEFAULT_LIMIT
    snapshot: Path | None = None
    workers: int | None = None  # None: one per core
    dask: str | None = None  # a scheduler address
    chunk_rows: int | None = None  # None: CLEARWAY_BATCH_CHUNK
    cache_mb: int | None = None  # None: CLEARWAY_BATCH_CACHE_MB
    resume: bool = False
    overwrite: bool = False
    stop_after: int | None = None  # testing aid: None → CLEARWAY_BATCH_STOP_AFTER


@dataclass
class BatchSummary:
    input: str
    input_sha256: str
    input_format: str
    output: str
    output_format: str
    matches: str
    rejects: str
    columns: dict[str, str | None]
    executor: str
    counts: dict[str, int]
    list_versions: list[str]
    elapsed_s: float = 0.0
    rows_per_s: float = 0.0
    output_sha256: str = ""
    matches_sha256: str = ""
    rejects_sha256: str = ""
    resumed: bool = False
    cache: dict[str, int] = field(default_factory=dict)
    audit_seq: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def side_path(output: Path, suffix: str) -> Path:
    """``results.csv`` → ``results<suffix>`` beside it."""
    stem = output.name[: -len(output.suffix)] if output.suffix else output.name
    return output.with_name(stem + suffix)


@dataclass
class _Job:
    chunk: Chunk
    keys: list[worker.QueryKey | None]
    reasons: list[str | None]
    task: list[worker.QueryKey]
    known: dict[worker.QueryKey, worker.Outcome]
    deps: dict[worker.QueryKey, "_Job"]
    future: Any = None
    results: dict[worker.QueryKey, worker.Outcome] = field(default_factory=dict)


class _Files:
    def __init__(self, body: AppendFile, matches: AppendFile, rejects: AppendFile):
        self.body, self.matches, self.rejects = body, matches, rejects

    def all(self) -> tuple[AppendFile, ...]:
        return self.body, self.matches, self.rejects

    def offsets(self) -> dict[str, int]:
        return {"body": self.body.offset, "matches": self.matches.offset, "rejects": self.rejects.offset}

    def sync(self) -> None:
        for f in self.all():
            f.sync()

    def close(self) -> None:
        for f in self.all():
            f.close()


class BatchRun:
    def __init__(self, opts: BatchOptions, progress: Callable[[str, int | None], None] | None = None):
        self.opts = opts
        self.progress = progress or (lambda _event, _n: None)
        self.chunk_rows = opts.chunk_rows or settings.get_int("batch_chunk")
        if self.chunk_rows < 1:
            raise BatchError("the chunk size must be at least 1 row")
        cache_mb = opts.cache_mb if opts.cache_mb is not None else settings.get_int("batch_cache_mb")
        self.cache: ResultCache[worker.Outcome] = ResultCache(cache_mb * 1024 * 1024,
                                                              lambda k, out: key_size(k) + out.size())
        stop = opts.stop_after if opts.stop_after is not None else settings.get_int("batch_stop_after")
        self.stop_after = stop if stop and stop > 0 else None
        self.inflight_keys: dict[worker.QueryKey, _Job] = {}
        # Raw row values → (validated query key, or the reason the row is bad): a repeated row is
        # validated once.
        self.validated: dict[tuple, tuple[worker.QueryKey | None, str | None]] = {}
        self.sent = 0

    # -- set-up ------------------------------------------------------------------------------

    def _paths(self) -> None:
        o = self.opts
        self.output = o.output
        self.matches_path = o.matches or side_path(o.output, ".matches.jsonl")
        self.rejects_path = o.rejects or side_path(o.output, ".rejects.csv")
        self.checkpoint_path = side_path(o.output, ".checkpoint.json")
        self.spool_path = side_path(o.output, ".partial")
        paths = [self.output, self.matches_path, self.rejects_path]
        if o.input.exists() and any(p.resolve() == o.input.resolve() for p in paths):
            raise BatchError("the output files must not overwrite the input file")
        if len({p.resolve() for p in paths}) != 3:
            raise BatchError("the output, matches and rejects files must be three different files")

    def _settings(self, reader, in_fmt: str, out_fmt: str) -> dict[str, Any]:
        o = self.opts
        return {"input_format": in_fmt, "output_format": out_fmt, "columns": reader.mapping.describe(),
                "encoding": o.encoding, "sheet": getattr(reader, "sheet", None),
                "lists": sorted(o.lists) if o.lists else None, "threshold": o.threshold, "limit": o.limit,
                "matches": str(self.matches_path), "rejects": str(self.rejects_path)}

    def _start_checkpoint(self, settings_now: dict[str, Any], input_sha: str) -> tuple[Checkpoint, bool]:
        o = self.opts
        cp_exists = self.checkpoint_path.exists()
        if o.resume and cp_exists:
            cp = Checkpoint.load(self.checkpoint_path)
            if cp.input_sha256 != input_sha:
                raise CheckpointError("the input file changed since the interrupted run (its SHA-256 differs); "
                                      "start again without --resume")
            diff = [k for k in settings_now if cp.settings.get(k) != settings_now[k]]
            if diff:
                raise CheckpointError(f"the interrupted run used other settings ({', '.join(diff)}); resume with "
                                      "the same options, or start again without --resume")
            cp.resumes += 1
            return cp, True
        if cp_exists and not o.overwrite:
            raise BatchError(f"{self.checkpoint_path} exists: an earlier run of this batch was interrupted. "
                             "Run again with --resume to continue it, or --overwrite to start over")
        outputs = [p for p in (self.output, self.matches_path, self.rejects_path) if p.exists()]
        if outputs and not o.overwrite:
            raise BatchError(f"{outputs[0]} exists; use --overwrite to replace it")
        from ..store.store import now

        return Checkpoint(input=str(o.input), input_sha256=input_sha, settings=settings_now, started_at=now(),
                          counts={"rows": 0, "screened": 0, "matched": 0, "rejected": 0, "unique": 0}), False

    # -- the run -----------------------------------------------------------------------------

    def run(self) -> BatchSummary:
        o = self.opts
        t0 = time.perf_counter()
        self._paths()
        in_fmt = format_of(o.input, o.input_format)
        reader = open_reader(o.input, in_fmt, o.columns, encoding=o.encoding, sheet=o.sheet)
        try:
            out_fmt = format_of(self.output, o.output_format) if (o.output_format or self._known_suffix()) else in_fmt
            writer = make_writer(reader, self.output, out_fmt)
            input_sha = sha256_file(o.input)
            cp, resumed = self._start_checkpoint(self._settings(reader, in_fmt, out_fmt), input_sha)
            body_path = self.spool_path if writer.spooled else self.output
            files = self._open_files(cp if resumed else None, body_path, writer)
            options = worker.Options(str(o.snapshot) if o.snapshot else _live_snapshot(), tuple(sorted(o.lists)) if o.lists else None,
                                     o.threshold, o.limit)
            summary = BatchSummary(
                input=str(o.input), input_sha256=input_sha, input_format=in_fmt, output=str(self.output),
                output_format=out_fmt, matches=str(self.matches_path), rejects=str(self.rejects_path),
                columns=reader.mapping.describe(), executor="", counts=cp.counts, list_versions=[], resumed=resumed)
            workers = o.workers
            if workers is None and not o.dask and reader.total is not None \
                    and reader.total - cp.records_done <= 2 * self.chunk_rows:
                workers = 1  # a small file: starting a pool would cost more than it saves
            try:
                executor = make_executor(options, workers=workers, dask=o.dask)
            except BaseException:
                files.close()
                raise
            summary.executor = executor.name
            if o.chunk_rows is None and not settings.is_set("batch_chunk"):
                # A cluster task costs more to send and track than a local one: larger chunks.
                self.chunk_rows *= executor.chunk_factor
            interrupted: BaseException | None = None
            try:
                versions = executor.list_versions()
                fp = worker.versions_fingerprint_of(versions)
                if resumed and cp.versions_fingerprint != fp:
                    raise CheckpointError("the lists changed since the interrupted run (another list version is "
                                          "live); start again without --resume so every row is screened alike")
                cp.list_versions, cp.versions_fingerprint = versions, fp
                summary.list_versions = versions
                self.fingerprint = fp
                if not resumed:
                    files.sync()
                    cp.offsets = files.offsets()
                    cp.save(self.checkpoint_path)
                total = reader.total
                self.progress("total", None if total is None else max(0, total - cp.records_done))
                self._loop(reader, writer, executor, files, cp)
            except KeyboardInterrupt as exc:
                interrupted = exc
                if cp.offsets:  # the run got as far as its first checkpoint
                    self._save(files, cp)
            except _Stop as exc:
                interrupted = exc
            except BaseException:
                executor.close(cancel=True)
                if cp.offsets:  # keep what is done: a worker that died, a full disk…
                    try:
                        self._save(files, cp)
                    except OSError:
                        pass
                files.close()
                raise
            if interrupted is not None:
                executor.close(cancel=True)
                files.close()
                summary.counts = cp.counts
                summary.elapsed_s = time.perf_counter() - t0
                raise BatchInterrupted(
                    f"stopped after {cp.counts['rows']:,} rows (checkpoint saved); run the same command with "
                    "--resume to continue", summary) from None
            executor.close()
            files.sync()
            files.close()
            if writer.spooled:
                self.progress("finalize", None)
                writer.finalize(self.spool_path)
            summary.output_sha256 = sha256_file(self.output)
            summary.matches_sha256 = sha256_file(self.matches_path)
            summary.rejects_sha256 = sha256_file(self.rejects_path)
            summary.counts = cp.counts
            summary.cache = {"hits": self.cache.hits, "entries": len(self.cache), "bytes": self.cache.bytes}
            summary.elapsed_s = time.perf_counter() - t0
            summary.rows_per_s = cp.counts["rows"] / summary.elapsed_s if summary.elapsed_s else 0.0
            self.summary = summary
            self.checkpoint = cp
            return summary
        finally:
            reader.close()

    def cleanup(self) -> None:
        """After the audit record is written: the checkpoint and spool are no longer needed."""
        for p in (self.checkpoint_path, self.spool_path):
            try:
                p.unlink()
            except FileNotFoundError:
                pass

    def _known_suffix(self) -> bool:
        try:
            format_of(self.output)
            return True
        except ValueError:
            return False

    def _open_files(self, cp: Checkpoint | None, body_path: Path, writer) -> _Files:
        if cp is None:
            body = AppendFile(body_path, resume_at=None)
            body.write(writer.header())
            matches = AppendFile(self.matches_path, resume_at=None)
            rejects = AppendFile(self.rejects_path, resume_at=None)
            rejects.write(REJECTS_HEADER)
            return _Files(body, matches, rejects)
        opened: list[AppendFile] = []
        try:
            for path, role in ((body_path, "body"), (self.matches_path, "matches"), (self.rejects_path, "rejects")):
                opened.append(AppendFile(path, resume_at=cp.offsets[role]))
        except BaseException:
            for f in opened:
                f.close()
            raise
        return _Files(*opened)

    def _loop(self, reader, writer, executor, files: _Files, cp: Checkpoint) -> None:
        max_inflight = max(2, INFLIGHT_PER_WORKER * executor.workers)
        pending: deque[_Job] = deque()
        last_save = time.monotonic()
        done_here = 0
        for chunk in reader.chunks(self.chunk_rows, skip=cp.records_done):
            pending.append(self._prepare(chunk, executor))
            while len(pending) > max_inflight:
                self._finish(pending.popleft(), writer, files, cp)
                done_here += 1
                last_save = self._maybe_save(files, cp, last_save, done_here, pending, writer)
        while pending:
            self._finish(pending.popleft(), writer, files, cp)
            done_here += 1
            last_save = self._maybe_save(files, cp, last_save, done_here, pending, writer)
        self._save(files, cp)

    def _maybe_save(self, files: _Files, cp: Checkpoint, last_save: float, done_here: int,
                    pending: deque | None = None, writer=None) -> float:
        if self.stop_after is not None and done_here >= self.stop_after:
            # As a crash would: the checkpoint is saved, the next chunk is written after it, and
            # the process stops before checkpointing that chunk.
            self._save(files, cp)
            if pending:
                snapshot = dict(cp.__dict__)
                self._finish(pending.popleft(), writer, files, cp)
                cp.__dict__.update(snapshot)
            raise _Stop()
        now = time.monotonic()
        if now - last_save >= CHECKPOINT_EVERY_S:
            self._save(files, cp)
            return now
        return last_save

    def _save(self, files: _Files, cp: Checkpoint) -> None:
        """Sync the files, then record the last committed chunk (bytes after it are cut on resume)."""
        files.sync()
        cp.save(self.checkpoint_path)

    # -- one chunk ---------------------------------------------------------------------------

    def _prepare(self, chunk: Chunk, executor) -> _Job:
        keys: list[worker.QueryKey | None] = []
        reasons: list[str | None] = []
        for vals, problem in zip(chunk.values, chunk.problems):
            if problem is not None:
                keys.append(None)
                reasons.append(problem)
                continue
            raw = (vals[0], vals[1], vals[2], vals[4])
            known_raw = self.validated.get(raw)
            if known_raw is None:
                name, country, schema, birth = raw
                try:
                    q = Query(name or "", country=country_value(country), schema=schema_value(schema),
                              birth_date=birth).validate()
                    known_raw = ((q.name, q.country, q.schema, q.birth_date), None)
                except QueryError as exc:
                    known_raw = (None, str(exc))
                if len(self.validated) >= VALIDATED_CACHE:
                    self.validated.clear()
                self.validated[raw] = known_raw
            keys.append(known_raw[0])
            reasons.append(known_raw[1])
        task: list[worker.QueryKey] = []
        known: dict[worker.QueryKey, worker.Outcome] = {}
        deps: dict[worker.QueryKey, _Job] = {}
        job = _Job(chunk, keys, reasons, task, known, deps)
        seen: set[worker.QueryKey] = set()
        for k in keys:
            if k is None or k in seen:
                continue
            seen.add(k)
            hit = self.cache.get(k)
            if hit is not None:
                known[k] = hit
                continue
            producer = self.inflight_keys.get(k)
            if producer is not None:
                deps[k] = producer
                continue
            task.append(k)
            self.inflight_keys[k] = job
        if task:
            job.future = executor.submit(task)
            self.sent += len(task)
        return job

    def _finish(self, job: _Job, writer, files: _Files, cp: Checkpoint) -> None:
        if job.future is not None:
            fp, outcomes = job.future.result()
            job.future = None
            if fp != self.fingerprint:
                raise BatchError("a worker screened against other list versions than the rest of the batch; "
                                 "every worker must have the same lists (give --snapshot)")
            for k, out in zip(job.task, outcomes):
                if not out.packed:
                    out = worker.CLEAR  # one shared value for every query without matches
                job.results[k] = out
                self.cache.put(k, out)
                if self.inflight_keys.get(k) is job:
                    del self.inflight_keys[k]
        chunk = job.chunk
        added: list[Added | None] = []
        matches_out: list[bytes] = []
        rejects_out: list[bytes] = []
        counts = dict(cp.counts)
        for i, k in enumerate(job.keys):
            line = chunk.lines[i]
            rid = chunk.values[i][3]
            if k is None:
                reason = job.reasons[i] or "bad row"
                rejects_out.append(_reject_line(line, rid, reason, chunk.values[i][0]))
                counts["rejected"] += 1
                added.append(None if chunk.records is None else ("rejected", None, "", "", "", 0, reason, ""))
                continue
            out = job.results.get(k) or job.known.get(k)
            if out is None:
                out = job.deps[k].results[k]
            counts["screened"] += 1
            columns, matches_json = out.unpack()
            added.append(columns)  # type: ignore[arg-type]
            if out.match_count:
                counts["matched"] += 1
                matches_out.append(_match_line(line, rid, k, matches_json))
        counts["rows"] += len(job.keys)
        counts["unique"] += len(job.task)
        files.body.write(writer.chunk(chunk, added) if len(chunk) else b"")
        files.matches.write(b"".join(matches_out))
        files.rejects.write(b"".join(rejects_out))
        # The chunk is written: commit it in one step (a Ctrl-C lands before or after, never between).
        cp.__dict__.update({"records_done": chunk.end_record, "chunks_done": cp.chunks_done + 1, "counts": counts,
                            "offsets": files.offsets()})
        job.chunk = None  # type: ignore[assignment]
        job.deps = {}
        job.known = {}
        self.progress("advance", len(job.keys))


class _Stop(Exception):
    """The testing hook: stop as a crash would, after a checkpoint."""


def _live_snapshot() -> str:
    from ..monitor.versions import current_snapshot_path

    return str(current_snapshot_path())


def _match_line(line: int, rid: str | None, key: worker.QueryKey, matches_json: bytes) -> bytes:
    name, country, schema, birth = key
    q: dict[str, str] = {"name": name}
    if country:
        q["country"] = country
    if schema:
        q["schema"] = schema
    if birth:
        q["birth_date"] = birth
    return orjson.dumps({"line": line, "id": rid, "query": q, "matches": orjson.Fragment(matches_json)}) + b"\n"


def _reject_line(line: int, rid: str | None, reason: str, name: str | None) -> bytes:
    import csv
    import io

    buf = io.StringIO()
    shown = (name or "")
    if len(shown) > 200:
        shown = shown[:200] + "…"
    csv.writer(buf, lineterminator="\r\n").writerow([line, rid or "", reason, shown])
    return buf.getvalue().encode("utf-8", "backslashreplace")


def run_batch(opts: BatchOptions, *, store=None, actor: str = "cli",
              progress: Callable[[str, int | None], None] | None = None) -> BatchSummary:
    """Run (or resume) a batch; with a store, append its one audit record when it completes."""
    run = BatchRun(opts, progress)
    summary = run.run()
    if store is not None:
        from .audit import record_batch

        summary.audit_seq = record_batch(store, actor, summary, run.checkpoint)
    run.cleanup()
    return summary


__all__ = ["BatchError", "BatchInterrupted", "BatchOptions", "BatchSummary", "CheckpointError", "run_batch",
           "side_path"]
