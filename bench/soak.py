#!/usr/bin/env python
"""Soak test for the HTTP service: a bounded mixed load against ``clearway serve`` on loopback.

Run from the project root with the project's virtualenv::

    .venv/bin/python bench/soak.py                      # 10 minutes, SQLite in a temp dir, 2 workers, 8 clients
    .venv/bin/python bench/soak.py --duration 60        # quick check (1 minute, 10 s windows)
    .venv/bin/python bench/soak.py --pg                 # fresh schema in PostgreSQL "test" on 127.0.0.1:5432
    .venv/bin/python bench/soak.py --db postgresql+psycopg://user@host/db   # an existing database

What the issue asks of the service under a sustained load: no errors, a p99 latency and a memory
footprint that stay flat over time (no leak), and an audit trail that still verifies and holds one
record per screening. The script:

1. starts ``clearway serve --workers N`` on a temp data directory (bench_api.py's ``Server``),
   creates an analyst key and signs every client in to the web pages with it;
2. runs ``--clients`` threads, each with its own persistent connection, for ``--duration``
   seconds. Each request is drawn from a fixed mix: single-name ``POST /v1/screen`` (70 %),
   ``POST /v1/screen`` batches of 50 names (10 %), ``/v1/cases`` create / re-vet / get (10 %) and
   signed-in page GETs (10 %: search, compare, a case, lists, landscape; now and then a fresh
   sign-in). Names vary: list names, list names perturbed on the fly and newly made-up names, so
   a cache keyed by the query cannot hide a leak. A few requests are wrong on purpose (an empty
   name → 422, an unknown case → 404) and must be answered with exactly that status;
3. every window (30 s, or a sixth of a shorter run) samples: requests done, errors, p50/p99 of
   the window, RSS, open file descriptors and threads of every server process (from /proc), the
   server's CPU, and the audit rows in the database;
4. at the end prints a table per window and a verdict: error count, p99 of the first three
   windows against the last three, RSS growth from the end of window 2 to the end and its linear
   slope (MB/min), ``clearway audit verify``, and audit records by kind against the successful
   requests that must have written them.

Exit status: 1 when any request failed (a transport error, or a status other than the one it
must get: 2xx/3xx from the API, 200 from a page, the intended 4xx), when the audit chain does
not verify, or when the audit records do not match the successful requests; otherwise 0.
Latency and memory are reported with the thresholds used to call them flat, never turned into
the exit status (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True  # leave no __pycache__ in bench/

from bench_api import (  # noqa: E402 - the service benchmark's helpers: server, keys, /proc, audit
    DEFAULT_PG,
    Server,
    audit_verify,
    build_names,
    create_key,
    is_worker,
    percentile,
    pg_create_schema,
    pg_drop_schema,
    pg_schema_url,
    proc_cpu_s,
    proc_rss_mb,
    proc_tree,
    redact,
)
from bench_screen import made_up_name, perturb  # noqa: E402

BATCH_SIZE = 50
MIX = {"screen": 70, "batch": 10, "case": 10, "page": 10}
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
UNKNOWN_CASE = "case_000000000000"
# When memory and latency count as flat (reported, never the exit status).
FLAT_RSS_SLOPE_MB_PER_MIN = 1.0
FLAT_P99_RATIO = 1.5

TOPICS = ["quantum sensing", "battery materials", "neutrino physics", "machine learning", "genomics",
          "climate data", "半导体", "人工智能", "rare earth magnets", "open basic research"]
ACTIVITIES = ["publish-openly", "share-unpublished-technology", "ship-items", "host-visitors",
              "share-personal-data", "use-partner-computing"]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------ the requests


@dataclass
class Done:
    """One finished request (or transport failure)."""
    t: float  # completion, seconds since the load started
    kind: str  # screen, batch, case, page
    ms: float
    status: int  # 0 for a transport error
    ok: bool
    audit: str | None = None  # the audit kind this request must have written when it succeeded
    what: str = ""  # short label for error reports


class Names:
    """Names for the requests: a third from the fixed mix, a third perturbed on the fly, a third
    made up on the spot (all distinct, so nothing downstream sees the same few queries)."""

    def __init__(self, base: list[str], rng: random.Random):
        self.base = base
        self.rng = rng

    def one(self) -> str:
        r = self.rng.random()
        if r < 1 / 3:
            return self.rng.choice(self.base)
        if r < 2 / 3:
            v = self.rng.choice(self.base)
            return perturb(self.rng, v, False)[0] if len(v) >= 6 else v
        return made_up_name(self.rng)


class Client(threading.Thread):
    def __init__(self, no: int, base_url: str, key: str, names: list[str], seed: int, deadline_at: float,
                 t0: float, out: list[Done], timeout: float):
        super().__init__(name=f"soak-client-{no}", daemon=True)
        self.no = no
        self.base_url = base_url
        self.key = key
        self.rng = random.Random(seed * 1000 + no)
        self.names = Names(names, self.rng)
        self.deadline_at = deadline_at
        self.t0 = t0
        self.out = out
        self.timeout = timeout
        self.cases: list[str] = []
        self.counters = {k: 0 for k in MIX}
        self.fatal: str | None = None
        self.api = {"Authorization": f"Bearer {key}"}

    # -- one request, timed and judged

    def call(self, kind: str, method: str, path: str, *, expect: int | None = None, audit: str | None = None,
             what: str = "", **kw: Any) -> Any:
        """``expect``: the one status that counts as success (else any 2xx/3xx); ``audit``: the kind
        of audit record a success must have written."""
        import httpx

        t = time.perf_counter()
        try:
            r = self.http.request(method, path, **kw)
            r.read()
        except httpx.HTTPError as exc:
            self.out.append(Done(time.perf_counter() - self.t0, kind, (time.perf_counter() - t) * 1000, 0, False,
                                 None, f"{what or path}: {type(exc).__name__}"))
            return None
        ms = (time.perf_counter() - t) * 1000
        ok = r.status_code == expect if expect is not None else 200 <= r.status_code < 400
        self.out.append(Done(time.perf_counter() - self.t0, kind, ms, r.status_code, ok, audit if ok else None,
                             what or f"{method} {path.split('?')[0]}"))
        return r if ok else None

    # -- the mix

    def sign_in(self) -> None:
        r = self.call("page", "GET", "/signin", expect=200, what="GET /signin")
        m = CSRF_RE.search(r.text) if r is not None else None
        if m is None:
            return
        self.call("page", "POST", "/signin", expect=303, what="POST /signin",
                  data={"method": "key", "api_key": self.key, "csrf_token": m.group(1), "next": ""})

    def screen(self) -> None:
        n = self.counters["screen"]
        if n % 100 == 99:  # an empty name: refused with 422 (and the refusal recorded)
            self.call("screen", "POST", "/v1/screen", expect=422, audit="refusal",
                      what="POST /v1/screen (empty name)", headers=self.api, json={"queries": [{"name": ""}]})
            return
        q: dict[str, Any] = {"name": self.names.one()}
        if self.rng.random() < 0.3:
            q["country"] = self.rng.choice(["CN", "US", "HK", "RU"])
        self.call("screen", "POST", "/v1/screen", audit="screen", headers=self.api, json={"queries": [q]})

    def batch(self) -> None:
        qs = [{"id": str(i), "name": self.names.one()} for i in range(BATCH_SIZE)]
        self.call("batch", "POST", "/v1/screen", audit="screen", what="POST /v1/screen (batch of 50)",
                  headers=self.api, json={"queries": qs})

    def case(self) -> None:
        n = self.counters["case"]
        if n % 25 == 24:  # an unknown case: 404 (not recorded)
            self.call("case", "GET", f"/v1/cases/{UNKNOWN_CASE}", expect=404, what="GET /v1/cases/<unknown>",
                      headers=self.api)
            return
        step = n % 3
        if step == 0 or not self.cases:
            spec = {
                "title": f"Soak case {self.no}-{n}",
                "topics": self.rng.sample(TOPICS, 2),
                "activities": self.rng.sample(ACTIVITIES, 2),
                "parties": [
                    {"name": "Example National Laboratory", "country": "US", "role": "lead"},
                    {"name": self.names.one(), "country": "CN", "role": "partner"},
                    {"name": self.names.one(), "role": self.rng.choice(["vendor", "funder", "partner"])},
                ],
            }
            r = self.call("case", "POST", "/v1/cases", audit="case", what="POST /v1/cases", headers=self.api,
                          json=spec)
            if r is not None:
                self.cases.append(r.json()["id"])
                del self.cases[:-20]  # re-vet and read recent cases only
        elif step == 1:
            cid = self.rng.choice(self.cases)
            self.call("case", "POST", f"/v1/cases/{cid}/vet", audit="case", what="POST /v1/cases/{id}/vet",
                      headers=self.api)
        else:
            cid = self.rng.choice(self.cases)
            self.call("case", "GET", f"/v1/cases/{cid}", what="GET /v1/cases/{id}", headers=self.api)

    def page(self) -> None:
        n = self.counters["page"]
        # Every page must answer 200: a redirect here means the session was lost.
        if n % 50 == 49:  # a fresh session now and then
            self.sign_in()
            return
        pick = n % 6
        if pick in (0, 1):
            # the search page screens through the audited path, like the API
            self.call("page", "GET", "/search", audit="screen", expect=200, what="GET /search?q=",
                      params={"q": self.names.one()})
        elif pick == 2:
            self.call("page", "GET", "/compare", expect=200, what="GET /compare",
                      params={"a": self.names.one(), "b": self.rng.choice(self.names.base)})
        elif pick == 3 and self.cases:
            self.call("page", "GET", f"/cases/{self.rng.choice(self.cases)}", expect=200, what="GET /cases/{id}")
        elif pick == 4:
            self.call("page", "GET", "/lists", expect=200, what="GET /lists")
        else:
            self.call("page", "GET", "/landscape", expect=200, what="GET /landscape")

    def run(self) -> None:
        import httpx

        try:
            with httpx.Client(base_url=self.base_url, timeout=self.timeout, follow_redirects=False) as self.http:
                self.sign_in()
                kinds, weights = list(MIX), list(MIX.values())
                ops = {"screen": self.screen, "batch": self.batch, "case": self.case, "page": self.page}
                while time.perf_counter() < self.deadline_at:
                    kind = self.rng.choices(kinds, weights)[0]
                    ops[kind]()
                    self.counters[kind] += 1
        except Exception as exc:  # a bug in the client itself: reported, the run fails
            self.fatal = f"{type(exc).__name__}: {exc}"


# ------------------------------------------------------------------------------ sampling


def audit_rows(engine) -> dict[str, int]:
    from sqlalchemy import text

    with engine.connect() as conn:
        return {k: n for k, n in conn.execute(text("SELECT kind, count(*) FROM audit_log GROUP BY kind")).all()}


def proc_status(pid: int) -> dict[str, float]:
    out: dict[str, float] = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("Threads:"):
                    out["threads"] = int(line.split()[1])
        out["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        pass
    return out


def sample_server(root: int) -> dict[str, Any]:
    procs = {}
    for p in proc_tree(root):
        rss = proc_rss_mb(p)
        if rss is None:
            continue
        role = "parent" if p == root else ("worker" if is_worker(p) else "other")
        procs[p] = {"role": role, "rss_mb": rss, "cpu_s": proc_cpu_s(p), **proc_status(p)}
    return procs


@dataclass
class Window:
    no: int
    start: float
    end: float
    done: list[Done] = field(default_factory=list)
    server: dict[int, dict[str, Any]] = field(default_factory=dict)
    audit: dict[str, int] = field(default_factory=dict)
    client_cpu_s: float = 0.0

    @property
    def rss_total(self) -> float:
        return sum(p["rss_mb"] for p in self.server.values())


def linear_slope(xs: list[float], ys: list[float]) -> float:
    if len(xs) < 2:
        return math.nan
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else math.nan


def fmt(x: Any, spec: str = ".1f") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return format(x, spec)


# ------------------------------------------------------------------------------ the run


def run(args: argparse.Namespace) -> int:
    from sqlalchemy import create_engine

    window_s = args.window or min(30.0, args.duration / 6)
    tmp = Path(tempfile.mkdtemp(prefix="clearway-soak-"))
    home = tmp / "home"
    home.mkdir()
    log_path = tmp / "server.log"
    schema = None
    if args.pg:
        schema = f"clearway_soak_{time.strftime('%Y%m%d%H%M%S')}_{os.getpid()}"
        db = pg_schema_url(args.pg_url, schema)
    elif args.db:
        db = args.db
    else:
        db = f"sqlite:///{tmp / 'soak.db'}"
    env = {k: v for k, v in os.environ.items() if k != "CLEARWAY_DB"}
    env.update({"CLEARWAY_HOME": str(home), "CLEARWAY_RATE_LIMIT": "100000000", "PYTHONUNBUFFERED": "1"})

    server: Server | None = None
    engine = None
    try:
        log(f"building the name mix ({args.names} names, seed {args.seed})…")
        names, _ = build_names(args.names, args.seed)
        if schema:
            log(f"creating schema {schema} in {redact(args.pg_url)}…")
            pg_create_schema(args.pg_url, schema)
        log("creating an analyst key…")
        key = create_key(db, env)
        log(f"starting clearway serve --workers {args.workers} on {redact(db)}…")
        server = Server(args.workers, db, env, log_path)
        server.wait_ready()
        log(f"  ready after {server.ready_s:.1f} s on {server.base}")
        engine = create_engine(db)
        audit0 = audit_rows(engine)

        done: list[Done] = []
        t0 = time.perf_counter()
        deadline = t0 + args.duration
        clients = [Client(i, server.base, key, names, args.seed, deadline, t0, done, args.timeout)
                   for i in range(args.clients)]
        for c in clients:
            c.start()
        log(f"load: {args.clients} clients for {args.duration:g} s, windows of {window_s:g} s…")

        windows: list[Window] = []
        taken = 0
        server_cpu0 = sum(s["cpu_s"] for s in sample_server(server.proc.pid).values())
        cpu_prev = resource.getrusage(resource.RUSAGE_SELF)
        n_windows = math.ceil(args.duration / window_s - 1e-9)
        for i in range(n_windows):
            start, end = i * window_s, min(args.duration, (i + 1) * window_s)
            last = i == n_windows - 1
            if last:
                for c in clients:  # the final window closes once every request in flight has answered
                    c.join(timeout=args.timeout + 30)
            else:
                time.sleep(max(0.0, t0 + end - time.perf_counter()))
            w = Window(i + 1, start, end)
            cut = len(done)
            w.done = done[taken:cut]
            taken = cut
            w.server = sample_server(server.proc.pid)
            w.audit = audit_rows(engine)
            cpu = resource.getrusage(resource.RUSAGE_SELF)
            w.client_cpu_s = (cpu.ru_utime + cpu.ru_stime) - (cpu_prev.ru_utime + cpu_prev.ru_stime)
            cpu_prev = cpu
            windows.append(w)
            lat = [d.ms for d in w.done]
            log(f"  window {w.no}/{n_windows}: {len(w.done):,} requests, {sum(not d.ok for d in w.done)} errors, "
                f"p99 {fmt(percentile(lat, 99))} ms, RSS {w.rss_total:.0f} MB, audit rows {sum(w.audit.values()):,}")

        fatal = [f"{c.name}: {c.fatal}" for c in clients if c.fatal]
        alive = [c.name for c in clients if c.is_alive()]
        # Listing probes: the lists of cases grow with the run (no paging), so they are measured
        # once here instead of in the mix.
        import httpx

        probes = {}
        with httpx.Client(base_url=server.base, timeout=60) as http:
            for path in ("/v1/cases",):
                t = time.perf_counter()
                r = http.get(path, headers={"Authorization": f"Bearer {key}"})
                probes[f"GET {path}"] = {"status": r.status_code, "ms": (time.perf_counter() - t) * 1000,
                                         "bytes": len(r.content)}
        rss_end = server.rss_mb()
        log("stopping the server…")
        exit_code = server.stop()
        log("verifying the audit trail…")
        verify = audit_verify(db, env)
        audit_end = audit_rows(engine)
        log_text = log_path.read_text(errors="replace")
        log_errors = [ln for ln in log_text.splitlines() if '"level": "error"' in ln or "Traceback" in ln]
    finally:
        if engine is not None:
            engine.dispose()
        if server is not None and server.proc.poll() is None:
            server.stop()
        if schema and not args.keep:
            try:
                pg_drop_schema(args.pg_url, schema)
            except Exception as exc:  # report, never hide the run's own outcome
                log(f"could not drop schema {schema}: {exc}")
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log(f"kept {tmp}" + (f" and schema {schema}" if schema else ""))

    report = summarise(args, window_s, db, windows, audit0, audit_end, verify, probes, rss_end, exit_code,
                       log_errors, fatal, alive)
    report["server_cpu_s_at_start"] = server_cpu0
    print(render(report, windows))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n",
                                  encoding="utf-8")
    return 0 if report["verdict"]["pass"] else 1


def summarise(args, window_s, db, windows, audit0, audit_end, verify, probes, rss_end, exit_code, log_errors,
              fatal, alive) -> dict[str, Any]:
    all_done = [d for w in windows for d in w.done]
    errors = [d for d in all_done if not d.ok]
    err_kinds: dict[str, int] = {}
    for d in errors:
        label = f"{d.what} → {d.status or 'transport error'}"
        err_kinds[label] = err_kinds.get(label, 0) + 1

    def pooled_p99(ws: list[Window], kind: str | None = None) -> float:
        return percentile([d.ms for w in ws for d in w.done if kind is None or d.kind == kind], 99)

    k = min(3, max(1, len(windows) // 2))
    first, last = windows[:k], windows[-k:]
    p99_first, p99_last = pooled_p99(first), pooled_p99(last)
    p99_single = (pooled_p99(first, "screen"), pooled_p99(last, "screen"))

    # Memory from the end of window 2 (lists loaded, caches warm) to the end.
    base = windows[1] if len(windows) > 1 else windows[0]
    tail = [w for w in windows if w.no >= base.no]
    rss_growth = windows[-1].rss_total - base.rss_total
    slope = linear_slope([w.end / 60 for w in tail], [w.rss_total for w in tail])
    per_role: dict[str, list[float]] = {}
    for w in (base, windows[-1]):
        for p, s in sorted(w.server.items()):
            per_role.setdefault(f"{s['role']} {p}", []).append(s["rss_mb"])

    # Audit records the run must have written, by kind, from the successful requests.
    expected: dict[str, int] = {}
    for d in all_done:
        if d.ok and d.audit:
            expected[d.audit] = expected.get(d.audit, 0) + 1
    written = {kd: audit_end.get(kd, 0) - audit0.get(kd, 0) for kd in set(audit_end) | set(audit0)}
    written = {kd: n for kd, n in written.items() if n}
    audit_match = written == expected

    by_kind = {}
    for kind in MIX:
        ds = [d for d in all_done if d.kind == kind]
        lat = [d.ms for d in ds]
        by_kind[kind] = {"requests": len(ds), "errors": sum(not d.ok for d in ds),
                         "p50_ms": percentile(lat, 50), "p99_ms": percentile(lat, 99), "max_ms": max(lat, default=math.nan)}
    by_endpoint: dict[str, list[float]] = {}
    for d in all_done:
        by_endpoint.setdefault(d.what, []).append(d.ms)
    endpoints = {w: {"requests": len(v), "p50_ms": percentile(v, 50), "p99_ms": percentile(v, 99), "max_ms": max(v)}
                 for w, v in sorted(by_endpoint.items())}
    intentional = sum(1 for d in all_done if d.ok and (d.status == 404 or d.status == 422))

    fail = []
    if errors:
        fail.append(f"{len(errors)} failed requests")
    if not verify["ok"]:
        fail.append("audit chain does not verify")
    if not audit_match:
        fail.append("audit records differ from the successful requests")
    if fatal:
        fail.append("a client thread crashed")
    if alive:
        fail.append("a client thread did not finish")
    duration = windows[-1].end if windows else 0.0
    return {
        "config": {"duration_s": args.duration, "window_s": window_s, "clients": args.clients,
                   "workers": args.workers, "db": redact(db), "backend": "postgresql" if db.startswith("postgres") else "sqlite",
                   "mix": MIX, "batch_size": BATCH_SIZE, "names": args.names, "seed": args.seed, "cpus": os.cpu_count()},
        "windows": [{"no": w.no, "end_s": w.end, "requests": len(w.done), "errors": sum(not d.ok for d in w.done),
                     "p50_ms": percentile([d.ms for d in w.done], 50), "p99_ms": percentile([d.ms for d in w.done], 99),
                     "p99_single_ms": percentile([d.ms for d in w.done if d.kind == "screen"], 99),
                     "rss_mb": {str(p): s["rss_mb"] for p, s in w.server.items()}, "rss_total_mb": w.rss_total,
                     "fds": {str(p): s.get("fds") for p, s in w.server.items()},
                     "threads": {str(p): s.get("threads") for p, s in w.server.items()},
                     "server_cpu_s": sum(s["cpu_s"] for s in w.server.values()), "client_cpu_s": w.client_cpu_s,
                     "audit_rows": sum(w.audit.values())} for w in windows],
        "totals": {"requests": len(all_done), "req_per_s": len(all_done) / duration if duration else math.nan,
                   "errors": len(errors), "error_kinds": err_kinds, "intentional_4xx": intentional, "by_kind": by_kind,
                   "by_endpoint": endpoints},
        "latency": {"windows_compared": k, "p99_first_ms": p99_first, "p99_last_ms": p99_last,
                    "ratio": p99_last / p99_first if p99_first else math.nan,
                    "p99_single_first_ms": p99_single[0], "p99_single_last_ms": p99_single[1],
                    "single_ratio": p99_single[1] / p99_single[0] if p99_single[0] else math.nan},
        "memory": {"from_window": base.no, "rss_start_mb": base.rss_total, "rss_end_mb": windows[-1].rss_total,
                   "growth_mb": rss_growth, "growth_pct": 100 * rss_growth / base.rss_total if base.rss_total else math.nan,
                   "slope_mb_per_min": slope, "per_process_mb": per_role, "rss_at_stop_mb": rss_end},
        "audit": {"written": written, "expected": expected, "match": audit_match, "verify": verify},
        "listing_probes": probes,
        "server": {"exit_code": exit_code, "log_error_lines": len(log_errors), "log_error_sample": log_errors[:5]},
        "client_problems": fatal + [f"{n} still running" for n in alive],
        "verdict": {"pass": not fail, "reasons": fail,
                    "latency_flat": (p99_last / p99_first if p99_first else math.inf) <= FLAT_P99_RATIO,
                    "memory_flat": not (slope > FLAT_RSS_SLOPE_MB_PER_MIN)},
    }


def render(rep: dict[str, Any], windows: list[Window]) -> str:
    c = rep["config"]
    L = [f"Soak: clearway serve --workers {c['workers']} on {c['backend']} ({c['db']}), {c['clients']} clients, "
         f"{c['duration_s']:g} s in windows of {c['window_s']:g} s, {c['cpus']} CPUs",
         f"Mix: single /v1/screen {c['mix']['screen']} %, batches of {c['batch_size']} {c['mix']['batch']} %, "
         f"/v1/cases {c['mix']['case']} %, signed-in pages {c['mix']['page']} %", ""]
    roles = []
    for p, s in sorted(windows[0].server.items()):
        roles.append((p, s["role"]))
    head = (f"{'win':>3} {'end s':>6} {'reqs':>6} {'req/s':>6} {'err':>4} {'p50 ms':>7} {'p99 ms':>8} "
            f"{'p99 1-name':>10} {'RSS MB':>7}  {'per process (MB)':<22} {'fds':<12} {'srv CPU %':>9} "
            f"{'load CPU %':>10} {'audit rows':>10}")
    L.append(head)
    prev_cpu = rep.get("server_cpu_s_at_start")
    prev_end = 0.0
    for w, row in zip(windows, rep["windows"]):
        span = w.end - prev_end
        cpu = row["server_cpu_s"]
        cpu_pct = 100 * (cpu - prev_cpu) / (span * (c["cpus"] or 1)) if prev_cpu is not None and span else math.nan
        prev_cpu, prev_end = cpu, w.end
        per = "/".join(f"{s['rss_mb']:.0f}" for _, s in sorted(w.server.items()))
        fds = "/".join(str(s.get("fds", "?")) for _, s in sorted(w.server.items()))
        L.append(f"{w.no:>3} {w.end:>6.0f} {row['requests']:>6,} {row['requests'] / span if span else 0:>6.1f} "
                 f"{row['errors']:>4} {fmt(row['p50_ms']):>7} {fmt(row['p99_ms']):>8} {fmt(row['p99_single_ms']):>10} "
                 f"{row['rss_total_mb']:>7.1f}  {per:<22} {fds:<12} {fmt(cpu_pct):>9} "
                 f"{fmt(100 * row['client_cpu_s'] / (span * (c['cpus'] or 1)) if span else math.nan):>10} "
                 f"{row['audit_rows']:>10,}")
    L.append(f"(per process: {', '.join(f'{r} {p}' for p, r in roles)}; CPU % of all cores: the server's "
             f"processes, and this load generator's)")
    L.append("")
    t = rep["totals"]
    L.append(f"Requests: {t['requests']:,} ({fmt(t['req_per_s'])} req/s), errors: {t['errors']}, "
             f"intentional 4xx answered as intended: {t['intentional_4xx']}")
    for kind, s in t["by_kind"].items():
        L.append(f"  {kind:<7} {s['requests']:>7,} requests, {s['errors']} errors, p50 {fmt(s['p50_ms'])} ms, "
                 f"p99 {fmt(s['p99_ms'])} ms, max {fmt(s['max_ms'])} ms")
    L.append("  by endpoint:")
    for what, s in t["by_endpoint"].items():
        L.append(f"    {what:<36} {s['requests']:>7,}  p50 {fmt(s['p50_ms']):>7} ms  p99 {fmt(s['p99_ms']):>8} ms  "
                 f"max {fmt(s['max_ms']):>8} ms")
    for label, n in sorted(t["error_kinds"].items(), key=lambda kv: -kv[1])[:10]:
        L.append(f"  error: {label} × {n}")
    la = rep["latency"]
    L.append(f"p99, first {la['windows_compared']} windows → last {la['windows_compared']}: {fmt(la['p99_first_ms'])} → "
             f"{fmt(la['p99_last_ms'])} ms (ratio {fmt(la['ratio'], '.2f')}); single-name screens "
             f"{fmt(la['p99_single_first_ms'])} → {fmt(la['p99_single_last_ms'])} ms (ratio {fmt(la['single_ratio'], '.2f')})")
    m = rep["memory"]
    L.append(f"RSS, all server processes, end of window {m['from_window']} → end: {m['rss_start_mb']:.1f} → "
             f"{m['rss_end_mb']:.1f} MB ({m['growth_mb']:+.1f} MB, {fmt(m['growth_pct'], '+.1f')} %); linear fit "
             f"{fmt(m['slope_mb_per_min'], '+.2f')} MB/min")
    L.append("  per process: " + ", ".join(f"{r} {v[0]:.1f} → {v[-1]:.1f}" for r, v in m["per_process_mb"].items()))
    a = rep["audit"]
    L.append(f"Audit verify: {'ok' if a['verify']['ok'] else 'FAILED'} (rc {a['verify']['rc']}, "
             f"{a['verify']['seconds']:.1f} s): {(a['verify']['output'].splitlines() or [''])[0]}")
    L.append(f"Audit records written by the run: {dict(sorted(a['written'].items()))}; expected from the successful "
             f"requests: {dict(sorted(a['expected'].items()))} → {'equal' if a['match'] else 'DIFFERENT'}")
    for path, p in rep["listing_probes"].items():
        L.append(f"Listing probe after the run: {path} → {p['status']}, {p['ms']:.0f} ms, {p['bytes']:,} bytes")
    s = rep["server"]
    L.append(f"Server: exit code {s['exit_code']}, error lines in its log: {s['log_error_lines']}")
    for ln in s["log_error_sample"]:
        L.append(f"  {ln[:300]}")
    for p in rep["client_problems"]:
        L.append(f"Client problem: {p}")
    v = rep["verdict"]
    L.append("")
    L.append(f"Latency flat (p99 ratio ≤ {FLAT_P99_RATIO}): {'yes' if v['latency_flat'] else 'NO'}; memory flat "
             f"(slope ≤ {FLAT_RSS_SLOPE_MB_PER_MIN} MB/min): {'yes' if v['memory_flat'] else 'NO'} (reported only)")
    L.append("VERDICT: " + ("PASS" if v["pass"] else "FAIL — " + "; ".join(v["reasons"])))
    return "\n".join(L)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=600.0, help="seconds of load (default 600; 60 for a quick check)")
    ap.add_argument("--window", type=float, default=0.0,
                    help="seconds per sample window (default 30, or a sixth of a shorter run)")
    ap.add_argument("--clients", type=int, default=8, help="concurrent clients, one connection each (default 8)")
    ap.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    ap.add_argument("--db", help="database URL (default: a temp SQLite file; postgresql+psycopg://… allowed)")
    ap.add_argument("--pg", action="store_true", help="use a fresh schema in PostgreSQL (--pg-url), dropped at the end")
    ap.add_argument("--pg-url", default=DEFAULT_PG, help=f"PostgreSQL database for --pg (default {DEFAULT_PG})")
    ap.add_argument("--names", type=int, default=400, help="size of the base name mix (default 400)")
    ap.add_argument("--seed", type=int, default=20240601, help="seed for names and the request mix")
    ap.add_argument("--timeout", type=float, default=30.0, help="per-request timeout in seconds (default 30)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (server log, SQLite file) and the --pg schema")
    ap.add_argument("--out", metavar="FILE", help="also write the report as JSON to FILE")
    args = ap.parse_args(argv)
    if args.pg and args.db:
        ap.error("give --pg or --db, not both")
    if args.duration <= 0 or args.clients < 1:
        ap.error("--duration and --clients must be positive")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
