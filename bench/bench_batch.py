#!/usr/bin/env python
"""Benchmark `clearway batch`: throughput (names/s) and peak memory on a large file of names.

Run from the project root with the project's virtualenv::

    .venv/bin/python bench/bench_batch.py                  # 1,000,000 rows (long: see bench/README.md)
    .venv/bin/python bench/bench_batch.py --rows 200000    # a smaller file
    .venv/bin/python bench/bench_batch.py --rows 20000 --skip-dask --json > batch.json

The input is a CSV (id, name, country) made in a temporary directory: half the names are real
list names perturbed (case, typos, punctuation, legal forms, word order, a dropped Chinese
character — the perturbations of ``bench_screen.py``), half are generated names that match
nothing. ``--repeat-share`` of the rows repeat a name that occurred earlier in the file (a
co-author appears on many papers, a supplier on many orders), chosen with a skew toward names
seen often; the rest are newly generated (and mostly distinct).

In the same run it measures:

1. baseline: a plain ``Screener.screen`` loop in one process over the first ``--baseline-rows``
   names of the file — the single-process rate with no batch machinery and no cache;
2. ``clearway batch --workers 1`` (one process, with the batch's deduplication) on the first
   ``--serial-rows`` rows;
3. ``clearway batch --workers 2`` on the whole file (two local processes);
4. ``clearway batch --dask ADDRESS`` on the whole file, against a ``LocalCluster`` of two worker
   processes with one thread each, started by this script.

Each batch runs as its own ``clearway`` subprocess; memory is the resident set of that process
tree (and of the Dask worker processes), sampled every 0.2 s: the peak of the whole tree and the
peak of its largest process. The local and Dask outputs are compared byte for byte.

Figures only, and ratios to the baseline measured in the same run: exit status 0 always.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_screen import HAN_RE, made_up_name, perturb  # noqa: E402

TARGET_RATE = 5000.0  # names/s on 2 cores, from the issue (for reference, never pass/fail)
TARGET_MEMORY_MB = 1024.0


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------ the file


def make_input(path: Path, rows: int, seed: int, repeat_share: float) -> dict[str, Any]:
    from clearway.snapshot import DEFAULT_SNAPSHOT, load_snapshot

    _, entities = load_snapshot(DEFAULT_SNAPSHOT)
    pool: list[tuple[str, bool]] = []
    for e in entities:
        for nm in e.names:
            v = nm.value.strip()
            if not v or nm.kind in ("acronym", "weak"):
                continue
            han = bool(HAN_RE.search(v))
            if (han and len(v) >= 3) or (not han and 6 <= len(v) <= 200):
                pool.append((v, e.schema == "Person"))
    del entities
    rng = random.Random(seed)
    seen: list[tuple[str, str]] = []  # (name, country) of new rows, for repeats
    distinct: set[tuple[str, str]] = set()
    kinds = {"perturbed": 0, "generated": 0, "repeat": 0}
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "country"])
        for i in range(1, rows + 1):
            if seen and rng.random() < repeat_share:
                # Skewed toward early (often repeated) names: a few partners occur very often.
                j = int(len(seen) * rng.random() ** 3)
                name, country = seen[j]
                kinds["repeat"] += 1
            else:
                if rng.random() < 0.5:
                    v, person = rng.choice(pool)
                    name, _ = perturb(rng, v, person)
                    kinds["perturbed"] += 1
                else:
                    name = made_up_name(rng)
                    kinds["generated"] += 1
                r = rng.random()
                country = "CN" if r < 0.4 else ("US" if r < 0.5 else "")
                seen.append((name, country))
            distinct.add((name, country))
            w.writerow([i, name, country])
    return {"rows": rows, "distinct_queries": len(distinct), "kinds": kinds, "repeat_share": repeat_share,
            "bytes": path.stat().st_size}


# ------------------------------------------------------------------------------ measurement


class TreeMemory:
    """Peak resident memory of some processes and all their descendants, sampled in a thread."""

    def __init__(self, roots: list[int], interval: float = 0.2):
        import psutil

        self.psutil = psutil
        self.roots = roots
        self.interval = interval
        self.peak_total = 0.0
        self.peak_process = 0.0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _procs(self):
        out = {}
        for pid in self.roots:
            try:
                p = self.psutil.Process(pid)
                out[p.pid] = p
                for c in p.children(recursive=True):
                    out[c.pid] = c
            except self.psutil.Error:
                continue
        return out.values()

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0.0
            for p in self._procs():
                try:
                    rss = p.memory_info().rss / 2**20
                except self.psutil.Error:
                    continue
                total += rss
                self.peak_process = max(self.peak_process, rss)
            self.peak_total = max(self.peak_total, total)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()


def run_batch_cli(args: list[str], extra_roots: list[int], env: dict[str, str]) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "clearway", "batch", *args, "--json", "--overwrite"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    with TreeMemory([proc.pid, *extra_roots]) as mem:
        out, err = proc.communicate()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"clearway batch failed ({proc.returncode}): {err.decode()[-2000:]}")
    summary = json.loads(out)
    rows = summary["counts"]["rows"]
    return {"wall_s": wall, "batch_s": summary["elapsed_s"], "rows": rows,
            "names_per_s": rows / wall, "names_per_s_after_start": rows / summary["elapsed_s"],
            "unique_screened": summary["counts"]["unique"], "cache": summary["cache"],
            "peak_rss_total_mb": mem.peak_total, "peak_rss_largest_process_mb": mem.peak_process,
            "output_sha256": summary["output_sha256"], "matches_sha256": summary["matches_sha256"],
            "matched": summary["counts"]["matched"], "executor": summary["executor"]}


def baseline(path: Path, n: int) -> dict[str, Any]:
    code = r"""
import csv, json, sys, time
from clearway.screen import Query, QueryError, Screener
sc = Screener.load()
names = []
with open(sys.argv[1], encoding="utf-8", newline="") as fh:
    r = csv.reader(fh); next(r)
    for row in r:
        names.append((row[1], row[2] or None))
        if len(names) >= int(sys.argv[2]): break
for name, c in names[:50]:
    sc.screen(Query(name, country=c))
t = time.perf_counter()
for name, c in names:
    try: sc.screen(Query(name, country=c))
    except QueryError: pass
el = time.perf_counter() - t
print(json.dumps({"rows": len(names), "seconds": el, "names_per_s": len(names) / el}))
"""
    proc = subprocess.run([sys.executable, "-c", code, str(path), str(n)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def head_file(src: Path, dst: Path, rows: int) -> None:
    with open(src, encoding="utf-8", newline="") as fi, open(dst, "w", encoding="utf-8", newline="") as fo:
        for i, line in enumerate(fi):
            if i > rows:
                break
            fo.write(line)


def sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while b := fh.read(1 << 20):
            h.update(b)
    return h.hexdigest()


# ------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows in the input file")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--repeat-share", type=float, default=0.5, help="share of rows repeating an earlier name")
    ap.add_argument("--baseline-rows", type=int, default=3000, help="rows of the plain Screener loop")
    ap.add_argument("--serial-rows", type=int, default=20000, help="rows of the --workers 1 run (0: skip)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-dask", action="store_true")
    ap.add_argument("--keep", type=Path, default=None, help="keep the files in this directory")
    ap.add_argument("--json", action="store_true", help="JSON report on stdout (the table goes to stderr)")
    args = ap.parse_args(argv)

    tmp = args.keep or Path(tempfile.mkdtemp(prefix="clearway-bench-batch-"))
    tmp.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, CLEARWAY_HOME=str(tmp / "home"))
    report: dict[str, Any] = {"rows": args.rows, "workers": args.workers, "cpus": os.cpu_count()}
    src = tmp / f"names-{args.rows}-{args.seed}-{args.repeat_share}.csv"
    log(f"making {args.rows:,} rows in {src} …")
    t = time.perf_counter()
    info_path = src.with_suffix(".json")
    if src.exists() and info_path.exists():
        report["input"] = json.loads(info_path.read_text())
    else:
        report["input"] = make_input(src, args.rows, args.seed, args.repeat_share)
        info_path.write_text(json.dumps(report["input"]))
    log(f"  {report['input']['distinct_queries']:,} distinct queries, {report['input']['bytes'] / 2**20:.0f} MiB "
        f"({time.perf_counter() - t:.0f} s)")

    log(f"baseline: plain Screener.screen loop, one process, {args.baseline_rows:,} rows …")
    report["baseline"] = base = baseline(src, args.baseline_rows)
    log(f"  {base['names_per_s']:,.0f} names/s")

    if args.serial_rows:
        part = tmp / f"head-{args.serial_rows}.csv"
        head_file(src, part, args.serial_rows)
        log(f"clearway batch --workers 1 on the first {args.serial_rows:,} rows …")
        r = run_batch_cli([str(part), "-o", str(tmp / "serial.csv"), "--workers", "1"], [], env)
        report["serial"] = r
        log(f"  {r['names_per_s']:,.0f} names/s, peak {r['peak_rss_total_mb']:,.0f} MB")

    log(f"clearway batch --workers {args.workers} on {args.rows:,} rows …")
    r = run_batch_cli([str(src), "-o", str(tmp / "local.csv"), "--workers", str(args.workers)], [], env)
    report["local"] = r
    log(f"  {r['names_per_s']:,.0f} names/s ({r['names_per_s_after_start']:,.0f} after start-up), peak "
        f"{r['peak_rss_total_mb']:,.0f} MB (largest process {r['peak_rss_largest_process_mb']:,.0f} MB)")

    if not args.skip_dask:
        from distributed import LocalCluster

        log(f"Dask LocalCluster, {args.workers} worker processes × 1 thread …")
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None,
                          memory_limit=0) as cluster:
            import psutil

            me = psutil.Process()
            worker_pids = [c.pid for c in me.children(recursive=False)]
            r = run_batch_cli([str(src), "-o", str(tmp / "dask.csv"), "--dask", cluster.scheduler_address],
                              worker_pids, env)
        report["dask"] = r
        report["dask_output_identical"] = (r["output_sha256"] == report["local"]["output_sha256"]
                                           and r["matches_sha256"] == report["local"]["matches_sha256"])
        log(f"  {r['names_per_s']:,.0f} names/s, peak {r['peak_rss_total_mb']:,.0f} MB; output identical to local: "
            f"{report['dask_output_identical']}")

    b = base["names_per_s"]
    report["ratios_to_baseline"] = {k: report[k]["names_per_s"] / b for k in ("serial", "local", "dask") if k in report}
    report["targets"] = {"names_per_s": TARGET_RATE, "memory_mb": TARGET_MEMORY_MB}
    log("")
    log(f"{'run':<28}{'names/s':>10}{'× baseline':>12}{'peak MB (tree)':>16}{'largest proc':>14}")
    log(f"{'baseline (Screener loop)':<28}{b:>10,.0f}{1.0:>12.2f}{'':>16}{'':>14}")
    for k, label in (("serial", "batch --workers 1"), ("local", f"batch --workers {args.workers}"),
                     ("dask", f"batch --dask ({args.workers} workers)")):
        if k in report:
            r = report[k]
            log(f"{label:<28}{r['names_per_s']:>10,.0f}{r['names_per_s'] / b:>12.2f}"
                f"{r['peak_rss_total_mb']:>16,.0f}{r['peak_rss_largest_process_mb']:>14,.0f}")
    if args.json:
        print(json.dumps(report, indent=2))
    if not args.keep:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
