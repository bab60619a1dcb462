#!/usr/bin/env python
"""Load benchmark for the HTTP service: ``clearway serve`` under concurrent single-name screening.

Run from the project root with the project's virtualenv::

    .venv/bin/python bench/bench_api.py                       # SQLite in a temp dir, 2 workers, 16 conns, 20 s
    .venv/bin/python bench/bench_api.py --pg                  # fresh schema in PostgreSQL "test" on 127.0.0.1:5432
    .venv/bin/python bench/bench_api.py --db postgresql+psycopg://user@host/db   # an existing database
    .venv/bin/python bench/bench_api.py --duration 60 --json > api.json           # JSON on stdout, table on stderr

What it does (bench/README.md explains every figure):

1. builds a name mix (~200 names: real Chinese and English list names from the bundled snapshot,
   a few perturbed ones, made-up company names that should match nothing);
2. creates an analyst key with ``clearway keys create`` and starts a real server,
   ``clearway serve --workers N``, with CLEARWAY_HOME in a temp dir, CLEARWAY_RATE_LIMIT high
   enough never to refuse, and its JSON logs redirected to a file;
3. runs two phases in the same run, each after a short warm-up and for a fixed duration, with
   the same number of persistent connections: ``GET /healthz`` (trivial; the framework's
   ceiling) and ``POST /v1/screen`` with one name per request (audited), rotating through the
   names. The load generator is ``wrk`` (with a generated Lua script) when it is installed,
   otherwise an asyncio + httpx client in this process;
4. stops the server and reads the server-side facts: audit records written (``clearway audit
   export``), ``clearway audit verify``, log size, per-request handler times and status codes
   from the server's own request log, CPU used by the server and by the load generator;
5. runs a few in-process probes after the server has stopped, to show where the time goes:
   screening alone, one audit append (and appends from several threads), one request log line.

The machine this runs on is small and shared (2 cores: the load generator competes with the
server). The script reports figures and the ratio to the trivial endpoint measured in the same
run; it never passes or fails on absolute numbers (exit status 0 unless the benchmark itself
could not run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# Targets from the project issue, shown for reference only (never turned into pass/fail).
TARGETS = {"names_per_s": 400.0, "p99_ms": 50.0, "errors": 0}

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_RE = re.compile(r"^[A-Za-z0-9 .,&'()\-/]+$")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------ stats


def percentile(values: list[float], p: float) -> float:
    """Linear-interpolation percentile (numpy's default), p in [0, 100]."""
    if not values:
        return math.nan
    xs = sorted(values)
    if len(xs) == 1:
        return xs[0]
    k = (len(xs) - 1) * p / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def lat_summary(ms: list[float]) -> dict[str, Any]:
    if not ms:
        return {"n": 0}
    return {"n": len(ms), "p50_ms": percentile(ms, 50), "p90_ms": percentile(ms, 90),
            "p99_ms": percentile(ms, 99), "max_ms": max(ms), "mean_ms": statistics.fmean(ms)}


# ------------------------------------------------------------------------------------ names


def build_names(n: int, seed: int) -> tuple[list[str], dict[str, int]]:
    """A shuffled, deterministic mix: 25 % Chinese list names, 45 % English list names,
    10 % perturbed list names, 20 % made-up company names that should match nothing."""
    sys.dont_write_bytecode = True  # leave no __pycache__ in bench/
    from bench_screen import made_up_name, perturb  # same folder; the screening benchmark's generators
    from clearway.snapshot import DEFAULT_SNAPSHOT, load_snapshot

    rng = random.Random(seed)
    _, entities = load_snapshot(DEFAULT_SNAPSHOT)
    han: list[str] = []
    latin: list[tuple[str, bool]] = []
    for e in entities:
        for nm in e.names:
            v = " ".join(nm.value.split())
            if nm.kind == "weak" or not v:
                continue
            if HAN_RE.search(v):
                if 2 <= len(v) <= 40:
                    han.append(v)
            elif 4 <= len(v) <= 120 and LATIN_RE.match(v) and nm.kind in ("primary", "alias"):
                latin.append((v, e.schema == "Person"))
    han = sorted(set(han))
    latin = sorted(set(latin))
    real = {v.casefold() for v in han} | {v.casefold() for v, _ in latin}
    del entities

    n_han = round(n * 0.25)
    n_pert = round(n * 0.10)
    n_made = round(n * 0.20)
    n_latin = n - n_han - n_pert - n_made
    names = rng.sample(han, n_han) + [v for v, _ in rng.sample(latin, n_latin)]
    # perturbed: three quarters from English names, a quarter from Chinese ones
    for i in range(n_pert):
        if i % 4 == 3:
            v, person = rng.choice(han), False
        else:
            v, person = rng.choice([x for x in latin if len(x[0]) >= 6])
        names.append(perturb(rng, v, person)[0])
    made: set[str] = set()
    while len(made) < n_made:
        s = made_up_name(rng)
        if s.casefold() not in real:
            made.add(s)
    names.extend(sorted(made))
    rng.shuffle(names)
    return names, {"chinese": n_han, "english": n_latin, "perturbed": n_pert, "made_up": n_made}


# -------------------------------------------------------------------------- processes, CPU


def proc_tree(root: int) -> list[int]:
    """root and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                st = fh.read()
        except OSError:
            continue
        ppid = int(st[st.rfind(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def proc_cpu_s(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            st = fh.read()
    except OSError:
        return 0.0
    f = st[st.rfind(")") + 2:].split()
    return (int(f[11]) + int(f[12])) / CLK_TCK  # utime + stime


def proc_rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def is_worker(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return b"spawn_main" in fh.read()
    except OSError:
        return False


def tree_cpu(root: int) -> dict[int, float]:
    return {p: proc_cpu_s(p) for p in proc_tree(root)}


def all_cpu() -> dict[int, tuple[str, float]]:
    """(command name, CPU seconds) of every process on the machine."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                st = fh.read()
        except OSError:
            continue
        f = st[st.rfind(")") + 2:].split()
        out[int(d)] = (st[st.find("(") + 1:st.rfind(")")], (int(f[11]) + int(f[12])) / CLK_TCK)
    return out


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine."""
    with open("/proc/stat") as fh:
        f = [int(x) for x in fh.readline().split()[1:]]
    idle = f[3] + (f[4] if len(f) > 4 else 0)
    total = sum(f[:8])
    return total - idle, total


class CpuWindow:
    """CPU used by the server tree, this process's children, this process and the machine."""

    def __init__(self, server_pid: int):
        self.server_pid = server_pid
        self.t0 = time.perf_counter()
        self.srv0 = tree_cpu(server_pid)
        self.ch0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.self0 = resource.getrusage(resource.RUSAGE_SELF)
        self.m0 = machine_cpu()
        self.all0 = all_cpu()

    def stop(self) -> dict[str, Any]:
        wall = time.perf_counter() - self.t0
        srv1 = tree_cpu(self.server_pid)
        ch1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        self1 = resource.getrusage(resource.RUSAGE_SELF)
        m1 = machine_cpu()
        all1 = all_cpu()
        others: dict[str, float] = {}
        for p, (comm, v) in all1.items():
            if p in srv1 or p == os.getpid():
                continue
            d = v - (self.all0[p][1] if p in self.all0 and self.all0[p][0] == comm else 0.0)
            if d > 0:
                others[comm] = others.get(comm, 0.0) + d
        top_others = dict(sorted(others.items(), key=lambda kv: -kv[1])[:4])
        per = {str(p): v - self.srv0.get(p, 0.0) for p, v in srv1.items()}
        server = sum(per.values())
        workers = [per[str(p)] for p in sorted(srv1) if is_worker(p)]
        busy, total = m1[0] - self.m0[0], m1[1] - self.m0[1]
        return {
            "wall_s": wall,
            "server_cpu_s": server,
            "server_cpu_s_per_process": per,
            "worker_cpu_s": workers,
            "children_cpu_s": (ch1.ru_utime + ch1.ru_stime) - (self.ch0.ru_utime + self.ch0.ru_stime),
            "self_cpu_s": (self1.ru_utime + self1.ru_stime) - (self.self0.ru_utime + self.self0.ru_stime),
            "machine_busy_pct": 100.0 * busy / total if total else math.nan,
            "machine_busy_cpu_s": busy / CLK_TCK,
            "other_processes_cpu_s": sum(others.values()),
            "top_other_processes": top_others,
        }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str, timeout: float = 2.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, urllib.error.URLError):
        return 0


# -------------------------------------------------------------------------------- the CLI


def clearway(args: list[str], env: dict[str, str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clearway", *args], env=env, capture_output=True, text=True, **kw)


def create_key(db: str, env: dict[str, str]) -> str:
    p = clearway(["keys", "create", "--role", "analyst", "--name", "bench_api", "--db", db], env)
    if p.returncode != 0 or not p.stdout.strip():
        raise SystemExit(f"clearway keys create failed (rc={p.returncode}):\n{p.stderr}")
    return p.stdout.strip().splitlines()[-1].strip()


def audit_count(db: str, env: dict[str, str]) -> dict[str, Any]:
    """Rows of ``clearway audit export`` (one JSON line per record), by kind and actor."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "clearway", "audit", "export", "--db", db], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    n = 0
    kinds: dict[str, int] = {}
    actors: dict[str, int] = {}
    last_screen: dict[str, Any] | None = None
    screen_at: list[float] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        if not line.strip():
            continue
        n += 1
        rec = json.loads(line)
        kinds[rec["kind"]] = kinds.get(rec["kind"], 0) + 1
        actors[rec["actor"]] = actors.get(rec["actor"], 0) + 1
        if rec["kind"] == "screen":
            last_screen = rec
            screen_at.append(datetime.fromisoformat(rec["at"]).timestamp())
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    rc = proc.wait()
    # Records are stamped inside the write transaction, after the previous commit released the
    # lock: the gaps between consecutive stamps bound how fast the trail can grow.
    gaps = [(b - a) * 1000 for a, b in zip(screen_at, screen_at[1:])]
    per_s: dict[int, int] = {}
    for t in screen_at:
        per_s[int(t)] = per_s.get(int(t), 0) + 1
    spacing = {"gaps": len(gaps), "min_ms": min(gaps) if gaps else math.nan,
               "p10_ms": percentile(gaps, 10), "p50_ms": percentile(gaps, 50),
               "max_records_in_one_second": max(per_s.values()) if per_s else 0}
    return {"records": n, "by_kind": kinds, "by_actor": actors, "rc": rc, "stderr": err.strip()[-500:],
            "seconds": time.perf_counter() - t0, "last_screen": last_screen, "screen_spacing": spacing}


def audit_verify(db: str, env: dict[str, str]) -> dict[str, Any]:
    t0 = time.perf_counter()
    p = clearway(["audit", "verify", "--db", db], env)
    return {"rc": p.returncode, "ok": p.returncode == 0, "output": (p.stdout + p.stderr).strip()[-2000:],
            "seconds": time.perf_counter() - t0}


class Server:
    def __init__(self, workers: int, db: str, env: dict[str, str], log_path: Path):
        self.port = free_port()
        self.workers = workers
        self.log_path = log_path
        self.base = f"http://127.0.0.1:{self.port}"
        self._log = open(log_path, "ab")
        self.cmd = [sys.executable, "-m", "clearway", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                    "--workers", str(workers), "--db", db]
        self.t_start = time.perf_counter()
        # Own session, so the whole tree can be stopped through this process group alone.
        self.proc = subprocess.Popen(self.cmd, env=env, stdout=self._log, stderr=self._log, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        self.ready_s: float | None = None

    def log_size(self) -> int:
        self._log.flush()
        return self.log_path.stat().st_size

    def wait_ready(self, timeout: float = 180.0) -> None:
        """Every worker has logged "ready" (lists loaded, database open) and /readyz answers 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited with {self.proc.returncode}; log tail:\n{self.tail()}")
            ready = self.log_path.read_bytes().count(b'"event": "ready"')
            if ready >= self.workers and http_get(self.base + "/readyz") == 200:
                self.ready_s = time.perf_counter() - self.t_start
                return
            time.sleep(0.25)
        raise SystemExit(f"the server was not ready after {timeout:.0f} s; log tail:\n{self.tail()}")

    def tail(self, n: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def rss_mb(self) -> dict[str, float]:
        return {str(p): r for p in proc_tree(self.proc.pid) if (r := proc_rss_mb(p)) is not None}

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # uvicorn shuts its workers down gracefully
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()
        return self.proc.returncode


# ------------------------------------------------------------------------------ load: wrk

LUA_TEMPLATE = r"""
-- generated by bench/bench_api.py: rotate through pre-built requests, report JSON in done()
local method = %(method)s
local path = %(path)s
local headers = { %(headers)s }
local bodies = { %(bodies)s }
local reqs = {}
local n = 0
local i = 0
local thread_no = 0

function setup(thread)
  thread:set("offset", thread_no * 7919)
  thread_no = thread_no + 1
end

function init(args)
  if #bodies == 0 then
    reqs[1] = wrk.format(method, path, headers, nil)
  else
    for k, b in ipairs(bodies) do reqs[k] = wrk.format(method, path, headers, b) end
  end
  n = #reqs
  i = tonumber(offset) or 0
end

function request()
  i = i + 1
  return reqs[(i %% n) + 1]
end

function done(summary, latency, requests)
  local e = summary.errors
  local pct = {}
  for _, p in ipairs({50, 75, 90, 99, 99.9}) do
    pct[#pct + 1] = string.format('"%%s": %%.0f', tostring(p), latency:percentile(p))
  end
  io.write(string.format(
    'BENCH_JSON {"requests": %%.0f, "duration_us": %%.0f, "bytes": %%.0f, "connect": %%.0f, "read": %%.0f, ' ..
    '"write": %%.0f, "status": %%.0f, "timeout": %%.0f, "min_us": %%.0f, "max_us": %%.0f, "mean_us": %%.3f, ' ..
    '"stdev_us": %%.3f, "pct_us": {%%s}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.max, latency.mean, latency.stdev, table.concat(pct, ", ")))
end
"""


def lua_str(s: str) -> str:
    out = ['"']
    for b in s.encode("utf-8"):
        c = chr(b)
        if 32 <= b < 127 and c not in '"\\':
            out.append(c)
        else:
            out.append(f"\\{b:03d}")
    out.append('"')
    return "".join(out)


def wrk_script(path: Path, method: str, url_path: str, headers: dict[str, str], bodies: list[str]) -> None:
    path.write_text(LUA_TEMPLATE % {
        "method": lua_str(method),
        "path": lua_str(url_path),
        "headers": ", ".join(f"[{lua_str(k)}] = {lua_str(v)}" for k, v in headers.items()),
        "bodies": ",\n  ".join(lua_str(b) for b in bodies),
    })


def wrk_version(wrk: str) -> str:
    p = subprocess.run([wrk, "--version"], capture_output=True, text=True)
    first = (p.stdout + p.stderr).splitlines()[0] if (p.stdout + p.stderr) else "wrk"
    return first.split(" Copyright")[0].strip()


def run_wrk(wrk: str, base: str, script: Path, connections: int, threads: int, duration: float,
            timeout_s: float) -> dict[str, Any]:
    cmd = [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration))}s",
           "--timeout", f"{timeout_s:g}s", "--latency", "-s", str(script), base]
    p = subprocess.run(cmd, capture_output=True, text=True)
    line = next((ln for ln in p.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if p.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed (rc={p.returncode}): {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    d = json.loads(line[len("BENCH_JSON "):])
    secs = d["duration_us"] / 1e6
    pct = {k: v / 1000.0 for k, v in d["pct_us"].items()}
    socket_errors = d["connect"] + d["read"] + d["write"] + d["timeout"]
    return {
        "requests": int(d["requests"]),
        "seconds": secs,
        "req_per_s": d["requests"] / secs if secs else math.nan,
        "latency": {"p50_ms": pct["50"], "p75_ms": pct["75"], "p90_ms": pct["90"], "p99_ms": pct["99"],
                    "p99_9_ms": pct["99.9"], "max_ms": d["max_us"] / 1000.0, "min_ms": d["min_us"] / 1000.0,
                    "mean_ms": d["mean_us"] / 1000.0, "stdev_ms": d["stdev_us"] / 1000.0},
        # wrk counts a response with status > 399 as a "status" error; the server log has every code
        "non_2xx": int(d["status"]),
        "socket_errors": int(socket_errors),
        "socket_error_kinds": {k: int(d[k]) for k in ("connect", "read", "write", "timeout")},
        "bytes": int(d["bytes"]),
        "raw": p.stdout.replace(line, "").strip(),
    }


# ---------------------------------------------------------------------- load: asyncio + httpx


def run_python_load(base: str, method: str, url_path: str, headers: dict[str, str], bodies: list[str],
                    connections: int, duration: float, timeout_s: float) -> dict[str, Any]:
    import httpx

    payloads = [b.encode("utf-8") for b in bodies] or [None]

    async def main() -> dict[str, Any]:
        lat: list[float] = []
        codes: dict[int, int] = {}
        errs: dict[str, int] = {}
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=timeout_s) as client:
            t_start = time.perf_counter()
            deadline = t_start + duration

            async def worker(k: int) -> None:
                i = k * 7919
                perf = time.perf_counter
                while perf() < deadline:
                    i += 1
                    body = payloads[i % len(payloads)]
                    t0 = perf()
                    try:
                        r = await client.request(method, url_path, content=body)
                        await r.aread()
                    except httpx.HTTPError as exc:
                        name = type(exc).__name__
                        errs[name] = errs.get(name, 0) + 1
                        continue
                    lat.append((perf() - t0) * 1000.0)
                    codes[r.status_code] = codes.get(r.status_code, 0) + 1

            await asyncio.gather(*(worker(k) for k in range(connections)))
            secs = time.perf_counter() - t_start
        s = lat_summary(lat)
        return {
            "requests": len(lat), "seconds": secs, "req_per_s": len(lat) / secs if secs else math.nan,
            "latency": {k: v for k, v in s.items() if k != "n"},
            "non_2xx": sum(v for c, v in codes.items() if not 200 <= c < 300),
            "socket_errors": sum(errs.values()), "socket_error_kinds": errs, "status_codes": codes,
        }

    return asyncio.run(main())


# ------------------------------------------------------------------------------ server log


def read_log_slice(path: Path, start: int, end: int) -> dict[str, Any]:
    """Request lines the server logged between two byte offsets: handler times and status codes."""
    with open(path, "rb") as fh:
        fh.seek(start)
        data = fh.read(end - start)
    ms: dict[str, list[float]] = {}
    codes: dict[str, dict[str, int]] = {}
    lines = other = 0
    for raw in data.splitlines():
        if not raw.strip():
            continue
        lines += 1
        try:
            rec = json.loads(raw)
        except ValueError:
            other += 1
            continue
        if rec.get("event") != "request":
            other += 1
            continue
        key = f"{rec.get('method')} {rec.get('path')}"
        ms.setdefault(key, []).append(float(rec.get("ms", math.nan)))
        c = codes.setdefault(key, {})
        c[str(rec.get("status"))] = c.get(str(rec.get("status")), 0) + 1
    return {"bytes": len(data), "lines": lines, "other_lines": other,
            "handler": {k: lat_summary(v) for k, v in ms.items()}, "status_codes": codes}


# -------------------------------------------------------------------------------- probes


def probe_screening(names: list[str]) -> dict[str, Any]:
    """Screener.screen alone on the same names, one thread: the CPU floor of one request."""
    from clearway.screen import Query, Screener

    t0 = time.perf_counter()
    sc = Screener.load()
    load_s = time.perf_counter() - t0
    for w in ("Warmup Zelquor Trading Co., Ltd.", "北京测试预热科技有限公司", "Liu Yang"):
        sc.screen(Query(w))
    ms = []
    perf = time.perf_counter
    to_dict_ms = []
    for _ in range(2):
        for nm in names:
            t = perf()
            r = sc.screen(Query(nm).validate())
            t1 = perf()
            r.to_dict()
            to_dict_ms.append((perf() - t1) * 1000)
            ms.append((t1 - t) * 1000)
    s = lat_summary(ms)
    s["names_per_s_one_core"] = 1000.0 / s["mean_ms"]
    s["load_s"] = load_s
    s["to_dict_mean_ms"] = statistics.fmean(to_dict_ms)
    return s


def probe_append(db: str, payload: dict[str, Any], n: int, threads: int, sqlite_sync: str | None = None) -> dict[str, Any]:
    """Store.append of a real screen payload, from one or several threads."""
    from clearway.store import open_store
    from sqlalchemy import event

    store = open_store(db)
    if sqlite_sync and store.backend == "sqlite":
        store.engine.dispose()

        @event.listens_for(store.engine, "connect")
        def _override(dbapi_conn, _rec):  # runs after the product's own pragmas: probe only
            dbapi_conn.execute(f"PRAGMA synchronous={sqlite_sync}")

    lat: list[float] = []
    lock = threading.Lock()
    per = n // threads

    def work() -> None:
        mine = []
        for _ in range(per):
            t = time.perf_counter()
            store.append("screen", "bench-probe", payload)
            mine.append((time.perf_counter() - t) * 1000)
        with lock:
            lat.extend(mine)

    store.append("screen", "bench-probe", payload)  # connect + first write outside the timing
    t0 = time.perf_counter()
    ts = [threading.Thread(target=work) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall = time.perf_counter() - t0
    store.close()
    s = lat_summary(lat)
    s["appends_per_s"] = len(lat) / wall if wall else math.nan
    s["threads"] = threads
    s["payload_bytes"] = len(json.dumps(payload, ensure_ascii=False).encode())
    if sqlite_sync:
        s["synchronous"] = sqlite_sync
    return s


def probe_fsync(directory: Path, n: int = 200) -> dict[str, Any]:
    """Append 4 KiB and fsync, n times, in the benchmark's temp dir: the disk's commit cost."""
    path = directory / "fsync-probe.bin"
    lat = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        block = b"x" * 4096
        for _ in range(n):
            t = time.perf_counter()
            os.write(fd, block)
            os.fsync(fd)
            lat.append((time.perf_counter() - t) * 1000)
    finally:
        os.close(fd)
        path.unlink(missing_ok=True)
    return lat_summary(lat)


def probe_log_line(n: int = 20000) -> dict[str, Any]:
    """One request log line through the service's JsonFormatter into a file, as the server does."""
    import logging

    from clearway.api import observability as obs

    tmp = tempfile.NamedTemporaryFile(prefix="clearway-bench-log-", suffix=".jsonl", delete=False)
    tmp.close()
    handler = logging.StreamHandler(open(tmp.name, "w", encoding="utf-8"))
    handler.setFormatter(obs.JsonFormatter())
    lg = obs.log
    saved = (lg.handlers[:], lg.level, lg.propagate)
    lg.handlers[:] = [handler]
    lg.setLevel("INFO")
    lg.propagate = False
    try:
        t0 = time.perf_counter()
        c0 = time.process_time()
        for _ in range(n):
            obs.log_request("POST", "/v1/screen", 200, time.perf_counter(), "0123456789ab")
        handler.flush()
        cpu = time.process_time() - c0
        wall = time.perf_counter() - t0
    finally:
        lg.handlers[:], lg.level, lg.propagate = saved[0], saved[1], saved[2]
        handler.stream.close()
    size = os.path.getsize(tmp.name)
    os.unlink(tmp.name)
    return {"lines": n, "us_per_line": wall / n * 1e6, "cpu_us_per_line": cpu / n * 1e6, "bytes_per_line": size / n}


def probe_keepalive(base: str, n: int = 40) -> dict[str, Any]:
    """Sequential GET /healthz, one at a time: on one persistent connection, then a new
    connection per request. A gap near 40 ms between the two is Nagle's algorithm meeting the
    client's delayed ACK (the server's accepted sockets lack TCP_NODELAY)."""
    import http.client

    host, port = base.split("//", 1)[1].split(":")

    def one(conn) -> float:
        t = time.perf_counter()
        conn.request("GET", "/healthz")
        r = conn.getresponse()
        r.read()
        return (time.perf_counter() - t) * 1000

    keep: list[float] = []
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    one(conn)
    for _ in range(n):
        keep.append(one(conn))
    conn.close()
    fresh: list[float] = []
    for _ in range(n):
        t = time.perf_counter()
        c = http.client.HTTPConnection(host, int(port), timeout=10)
        c.request("GET", "/healthz", headers={"Connection": "close"})
        c.getresponse().read()
        c.close()
        fresh.append((time.perf_counter() - t) * 1000)
    return {"keepalive": lat_summary(keep), "new_connection": lat_summary(fresh)}


def background_busy(seconds: float = 2.0) -> float:
    """Share of the machine's CPU busy before the run (other work on a shared machine)."""
    b0, t0 = machine_cpu()
    time.sleep(seconds)
    b1, t1 = machine_cpu()
    return 100.0 * (b1 - b0) / (t1 - t0) if t1 > t0 else math.nan


# ------------------------------------------------------------------------------ PostgreSQL


def pg_admin_engine(base: str):
    from sqlalchemy import create_engine

    return create_engine(base, isolation_level="AUTOCOMMIT")


def pg_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


def pg_create_schema(base: str, schema: str) -> None:
    from sqlalchemy import text

    eng = pg_admin_engine(base)
    with eng.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng.dispose()


def pg_drop_schema(base: str, schema: str) -> None:
    from sqlalchemy import text

    eng = pg_admin_engine(base)
    with eng.connect() as c:
        c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    eng.dispose()


def redact(url: str) -> str:
    from clearway.store.db import redact as r

    return r(url)


# ------------------------------------------------------------------------------ rendering


def f(x: Any, spec: str = ".1f") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return format(x, spec)


def render(rep: dict[str, Any]) -> str:
    cfg = rep["config"]
    L: list[str] = []
    L.append(f"Clearway HTTP load benchmark — clearway serve --workers {cfg['workers']}, {cfg['connections']} "
             f"connections, {cfg['duration_s']:g} s per phase after {cfg['warmup_s']:g} s warm-up")
    L.append(f"load generator: {cfg['loadgen']}; machine: {cfg['cpus']} CPU(s); python {cfg['python']}")
    L.append(f"database: {rep['database']['backend']} {rep['database']['url']}")
    nm = cfg["names"]
    L.append(f"names: {nm['total']} rotating ({nm['chinese']} Chinese + {nm['english']} English list names, "
             f"{nm['perturbed']} perturbed, {nm['made_up']} made-up), one name per request")
    L.append(f"server ready {f(rep['server']['ready_s'], '.1f')} s after start; machine busy before the run "
             f"(other work): {f(rep['background_busy_pct'], '.0f')}%")
    L.append("")
    hdr = f"{'endpoint':<17}{'requests':>9}{'req/s':>9}{'p50 ms':>8}{'p90 ms':>8}{'p99 ms':>8}{'max ms':>8}{'non-2xx':>9}{'sock err':>9}"
    L.append(hdr)
    L.append("-" * len(hdr))
    for key, label in (("healthz", "GET /healthz"), ("screen", "POST /v1/screen")):
        r = rep["phases"][key]["load"]
        lt = r["latency"]
        L.append(f"{label:<17}{r['requests']:>9,}{f(r['req_per_s']):>9}{f(lt['p50_ms'], '.2f'):>8}"
                 f"{f(lt['p90_ms'], '.2f'):>8}{f(lt['p99_ms'], '.2f'):>8}{f(lt['max_ms'], '.1f'):>8}"
                 f"{r['non_2xx']:>9,}{r['socket_errors']:>9,}")
    L.append(f"throughput screen / healthz: {f(rep['ratio_screen_healthz'], '.3f')}")
    s = rep["phases"]["screen"]["load"]
    t = rep["targets"]
    errs = s["non_2xx"] + s["socket_errors"]
    L.append(f"issue targets (reference only): ≥ {t['names_per_s']:.0f} names/s → {f(s['req_per_s'])}; "
             f"p99 ≤ {t['p99_ms']:.0f} ms → {f(s['latency']['p99_ms'], '.2f')}; {t['errors']} errors → {errs}")
    L.append("")
    L.append("Server side, per measured phase             healthz       screen")
    ph = rep["phases"]

    def row(label: str, fn) -> None:
        L.append(f"  {label:<40}{fn(ph['healthz']):>12}{fn(ph['screen']):>13}")

    row("server CPU s (% of all cores)", lambda p: f"{f(p['cpu']['server_cpu_s'])} ({f(p['cpu']['server_cpu_pct_of_machine'], '.0f')}%)")
    row("server CPU ms / request", lambda p: f(p["cpu"]["server_cpu_ms_per_request"], ".2f"))
    row("CPU s per worker process", lambda p: " / ".join(f(v) for v in p["cpu"]["worker_cpu_s"]) or "—")
    row("load generator CPU s", lambda p: f(p["cpu"]["loadgen_cpu_s"]))
    row("machine busy %", lambda p: f(p["cpu"]["machine_busy_pct"], ".0f"))
    row("other processes CPU s (still running)", lambda p: f(p["cpu"]["other_processes_cpu_s"]))
    L.append("    busiest other processes: " + "; ".join(
        f"{k}: " + ", ".join(f"{n} {v:.1f}s" for n, v in ph[k]["cpu"]["top_other_processes"].items())
        for k in ("healthz", "screen")))
    row("handler time p50 / p99 ms (server log)",
        lambda p: f"{f(p['log']['handler_ms'].get('p50_ms'), '.2f')}/{f(p['log']['handler_ms'].get('p99_ms'), '.1f')}")
    row("status codes (server log)", lambda p: ",".join(f"{k}:{v}" for k, v in sorted(p["log"]["status_codes"].items())) or "—")
    row("log bytes written", lambda p: f"{p['log']['bytes']:,}")
    row("log bytes / request", lambda p: f(p["log"]["bytes_per_request"], ".0f"))
    L.append("")
    a = rep["audit"]
    L.append(f"Audit: {a['before']['records']:,} records before the server started, {a['after']['records']:,} after "
             f"(kinds after: {', '.join(f'{k} {v:,}' for k, v in sorted(a['after']['by_kind'].items()))})")
    L.append(f"  screen records written by the run: {a['screen_records_written']:,}; 200 responses to /v1/screen in the "
             f"server log: {a['screen_200_logged']:,}; 2xx the load generator counted (warm-up + phase): "
             f"{a['screen_2xx_client']:,} (difference {a['screen_records_written'] - a['screen_2xx_client']:+,}: "
             f"requests in flight when a run was cut off)")
    sp = a["after"].get("screen_spacing") or {}
    if sp.get("gaps"):
        L.append(f"  spacing of consecutive screen records (stamped inside the write transaction): min "
                 f"{f(sp['min_ms'], '.2f')} ms, p10 {f(sp['p10_ms'], '.2f')} ms, p50 {f(sp['p50_ms'], '.2f')} ms; "
                 f"most records in one second: {sp['max_records_in_one_second']:,}")
    L.append(f"  audit export: {f(a['after']['seconds'], '.2f')} s; audit verify: "
             f"{'ok' if a['verify']['ok'] else 'FAILED'} (rc {a['verify']['rc']}, {f(a['verify']['seconds'], '.2f')} s): "
             f"{a['verify']['output'].splitlines()[0] if a['verify']['output'] else ''}")
    sv = rep["server"]
    L.append(f"Server log: {sv['log_path']} — {sv['log_bytes']:,} bytes, {sv['log_lines']:,} lines in total"
             f"{' (deleted with the temp dir)' if not sv['log_kept'] else ''}")
    L.append(f"Server RSS at the end (MB, per process): {', '.join(f(v, '.0f') for v in sv['rss_mb'].values())}; "
             f"exit code {sv['exit_code']}")
    ka = rep.get("keepalive_probe")
    if ka:
        L.append(f"Sequential GET /healthz ({ka['keepalive']['n']} each): p50 {f(ka['keepalive']['p50_ms'], '.2f')} ms on one "
                 f"keep-alive connection, {f(ka['new_connection']['p50_ms'], '.2f')} ms with a new connection per request")
    pr = rep.get("probes") or {}
    if pr:
        L.append("")
        L.append("Probes (in this process, after the server stopped; where the time of one request goes)")
        if "screening" in pr:
            p = pr["screening"]
            L.append(f"  Screener.screen alone, same names ×2, 1 thread: mean {f(p['mean_ms'], '.2f')} ms, p50 "
                     f"{f(p['p50_ms'], '.2f')}, p99 {f(p['p99_ms'], '.2f')}, max {f(p['max_ms'], '.1f')} → "
                     f"{f(p['names_per_s_one_core'], '.0f')} names/s per core; result.to_dict() {f(p['to_dict_mean_ms'], '.3f')} ms")
        for key in ("append_1", "append_threads", "append_1_normal", "append_threads_normal"):
            if key in pr:
                p = pr[key]
                extra = f", synchronous={p['synchronous']} (probe only)" if p.get("synchronous") else ""
                L.append(f"  audit append ({p['threads']} thread{'s' if p['threads'] > 1 else ''}{extra}, "
                         f"{p['payload_bytes']:,}-byte payload): {f(p['appends_per_s'], '.0f')} appends/s, p50 "
                         f"{f(p['p50_ms'], '.2f')} ms, p99 {f(p['p99_ms'], '.2f')} ms, max {f(p['max_ms'], '.1f')} ms")
        if "fsync" in pr:
            p = pr["fsync"]
            L.append(f"  write 4 KiB + fsync in the temp dir: p50 {f(p['p50_ms'], '.2f')} ms, p90 {f(p['p90_ms'], '.2f')} ms, "
                     f"p99 {f(p['p99_ms'], '.2f')} ms, max {f(p['max_ms'], '.1f')} ms")
        if "log_line" in pr:
            p = pr["log_line"]
            L.append(f"  request log line (JsonFormatter → file): {f(p['us_per_line'], '.1f')} µs, "
                     f"{f(p['bytes_per_line'], '.0f')} bytes per line")
        for k, v in (pr.get("skipped") or {}).items():
            L.append(f"  {k}: skipped ({v})")
    return "\n".join(L)


# ---------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    ap.add_argument("--connections", type=int, default=16, help="concurrent persistent connections (default 16)")
    ap.add_argument("--duration", type=float, default=20.0, help="seconds per measured phase (default 20)")
    ap.add_argument("--warmup", type=float, default=5.0, help="seconds of warm-up before each phase (default 5)")
    ap.add_argument("--db", help="database URL (default: a temp SQLite file; postgresql+psycopg://… allowed)")
    ap.add_argument("--pg", action="store_true",
                    help="use a fresh schema in PostgreSQL (--pg-url), created now and dropped at the end")
    ap.add_argument("--pg-url", default=DEFAULT_PG, help=f"PostgreSQL database for --pg (default {DEFAULT_PG})")
    ap.add_argument("--names", type=int, default=200, help="size of the rotating name mix (default 200)")
    ap.add_argument("--seed", type=int, default=20240601, help="seed for the name mix")
    ap.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto",
                    help="wrk if installed (auto), or the asyncio + httpx client")
    ap.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (default 1: leaves the cores to the server)")
    ap.add_argument("--timeout", type=float, default=10.0, help="per-request timeout in seconds (default 10)")
    ap.add_argument("--no-probes", action="store_true", help="skip the in-process probes after the run")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (log, SQLite file) and the --pg schema")
    ap.add_argument("--json", action="store_true", help="write the JSON report to stdout (the table goes to stderr)")
    ap.add_argument("--out", metavar="FILE", help="write the JSON report to FILE")
    args = ap.parse_args(argv)
    if args.pg and args.db:
        ap.error("give --pg or --db, not both")

    wrk = shutil.which("wrk") if args.loadgen in ("auto", "wrk") else None
    if args.loadgen == "wrk" and not wrk:
        ap.error("wrk is not installed (apt-get install -y wrk), use --loadgen python")
    loadgen = f"{wrk_version(wrk)} ({args.wrk_threads} thread{'s' if args.wrk_threads > 1 else ''}, Lua script)" \
        if wrk else ("asyncio + httpx in the benchmark process"
                 + (" (wrk not found)" if args.loadgen == "auto" else ""))

    tmp = Path(tempfile.mkdtemp(prefix="clearway-bench-api-"))
    home = tmp / "home"
    home.mkdir()
    log_path = tmp / "server.log"
    schema = None
    ours = True  # the database is ours to write probe records to
    if args.pg:
        schema = f"clearway_bench_{time.strftime('%Y%m%d%H%M%S')}_{os.getpid()}"
        db = pg_schema_url(args.pg_url, schema)
    elif args.db:
        db, ours = args.db, False
    else:
        db = f"sqlite:///{tmp / 'bench.db'}"

    env = {k: v for k, v in os.environ.items() if k != "CLEARWAY_DB"}
    env.update({"CLEARWAY_HOME": str(home), "CLEARWAY_RATE_LIMIT": "100000000", "PYTHONUNBUFFERED": "1"})

    import platform

    report: dict[str, Any] = {
        "config": {"workers": args.workers, "connections": args.connections, "duration_s": args.duration,
                   "warmup_s": args.warmup, "loadgen": loadgen, "cpus": os.cpu_count(),
                   "python": platform.python_version(), "timeout_s": args.timeout, "seed": args.seed},
        "targets": TARGETS,
    }
    server: Server | None = None
    try:
        report["background_busy_pct"] = background_busy()
        log(f"building the name mix ({args.names} names, seed {args.seed})…")
        names, mix = build_names(args.names, args.seed)
        mix["total"] = len(names)
        report["config"]["names"] = mix
        report["names"] = names
        if schema:
            log(f"creating schema {schema} in {redact(args.pg_url)}…")
            pg_create_schema(args.pg_url, schema)
        log("creating an analyst key…")
        key = create_key(db, env)
        before = audit_count(db, env)
        before.pop("last_screen", None)

        log(f"starting clearway serve --workers {args.workers} (log: {log_path})…")
        server = Server(args.workers, db, env, log_path)
        server.wait_ready()
        log(f"  ready after {server.ready_s:.1f} s on {server.base}")

        bodies = [json.dumps({"queries": [{"name": n}]}, ensure_ascii=False) for n in names]
        endpoints = {
            "healthz": ("GET", "/healthz", {}, []),
            "screen": ("POST", "/v1/screen", {"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
                       bodies),
        }

        def load(name: str, seconds: float) -> dict[str, Any]:
            method, path, headers, bs = endpoints[name]
            if wrk:
                script = tmp / f"{name}.lua"
                if not script.exists():
                    wrk_script(script, method, path, headers, bs)
                return run_wrk(wrk, server.base, script, args.connections, args.wrk_threads, seconds, args.timeout)
            return run_python_load(server.base, method, path, headers, bs, args.connections, seconds, args.timeout)

        phases: dict[str, Any] = {}
        screen_2xx_client = 0
        for name in ("healthz", "screen"):
            if args.warmup > 0:
                log(f"warm-up {name} ({args.warmup:g} s)…")
                w = load(name, args.warmup)
                if name == "screen":
                    screen_2xx_client += w["requests"] - w["non_2xx"]
                time.sleep(0.5)
            log(f"measuring {name} ({args.duration:g} s, {args.connections} connections)…")
            off0 = server.log_size()
            cw = CpuWindow(server.proc.pid)
            r = load(name, args.duration)
            cpu = cw.stop()
            time.sleep(0.5)  # let the last in-flight requests log
            off1 = server.log_size()
            if name == "screen":
                screen_2xx_client += r["requests"] - r["non_2xx"]
            lg = read_log_slice(log_path, off0, off1)
            path_key = f"{endpoints[name][0]} {endpoints[name][1]}"
            loadgen_cpu = cpu["children_cpu_s"] if wrk else cpu["self_cpu_s"]
            phases[name] = {
                "load": r,
                "cpu": {**cpu, "loadgen_cpu_s": loadgen_cpu,
                        "server_cpu_pct_of_machine": 100.0 * cpu["server_cpu_s"] / (cpu["wall_s"] * (os.cpu_count() or 1)),
                        "server_cpu_ms_per_request": 1000.0 * cpu["server_cpu_s"] / r["requests"] if r["requests"] else math.nan},
                "log": {"bytes": lg["bytes"], "lines": lg["lines"],
                        "bytes_per_request": lg["bytes"] / r["requests"] if r["requests"] else math.nan,
                        "handler_ms": lg["handler"].get(path_key, {"n": 0}),
                        "status_codes": lg["status_codes"].get(path_key, {}),
                        "other_paths": {k: v for k, v in lg["status_codes"].items() if k != path_key}},
            }
            log(f"  {r['requests']:,} requests, {r['req_per_s']:.1f} req/s, p99 {r['latency']['p99_ms']:.2f} ms")
            time.sleep(1.0)
        report["phases"] = phases
        hz, sc = phases["healthz"]["load"]["req_per_s"], phases["screen"]["load"]["req_per_s"]
        report["ratio_screen_healthz"] = sc / hz if hz else math.nan

        log("keep-alive probe…")
        report["keepalive_probe"] = probe_keepalive(server.base)
        rss = server.rss_mb()
        log("stopping the server…")
        rc = server.stop()
        full_log = read_log_slice(log_path, 0, log_path.stat().st_size)
        report["server"] = {"ready_s": server.ready_s, "exit_code": rc, "rss_mb": rss, "log_path": str(log_path),
                            "log_bytes": full_log["bytes"], "log_lines": full_log["lines"], "log_kept": args.keep,
                            "command": " ".join(server.cmd[1:]), "port": server.port}
        log("counting and verifying the audit trail…")
        after = audit_count(db, env)
        last_screen = after.pop("last_screen", None)
        verify = audit_verify(db, env)
        written = after["by_kind"].get("screen", 0) - before["by_kind"].get("screen", 0)
        report["audit"] = {
            "before": before, "after": after, "verify": verify,
            "screen_records_written": written,
            "screen_200_logged": full_log["status_codes"].get("POST /v1/screen", {}).get("200", 0),
            "screen_2xx_client": screen_2xx_client,
        }
        report["database"] = {"backend": "postgresql" if db.startswith("postgres") else "sqlite", "url": redact(db),
                              "schema": schema}

        probes: dict[str, Any] = {}
        if not args.no_probes:
            log("probes: screening alone…")
            probes["screening"] = probe_screening(names)
            payload = (last_screen or {}).get("payload")
            if not ours:
                probes["skipped"] = {"audit append": "--db is not a database this script created"}
            elif payload is None:
                probes["skipped"] = {"audit append": "no screen record to copy a payload from"}
            else:
                log("probes: audit append…")
                if db.startswith("sqlite"):
                    probe_db = f"sqlite:///{tmp / 'probe.db'}"
                    probe_db_normal = f"sqlite:///{tmp / 'probe-normal.db'}"
                else:
                    probe_db = probe_db_normal = db  # our own schema; the trail was verified above
                probes["append_1"] = probe_append(probe_db, payload, 300, 1)
                probes["append_threads"] = probe_append(probe_db, payload, 300, 4)
                if db.startswith("sqlite"):
                    probes["append_1_normal"] = probe_append(probe_db_normal, payload, 300, 1, "NORMAL")
                    probes["append_threads_normal"] = probe_append(probe_db_normal, payload, 300, 4, "NORMAL")
            probes["fsync"] = probe_fsync(tmp)
            log("probes: request log line…")
            probes["log_line"] = probe_log_line()
        report["probes"] = probes
    finally:
        if server is not None and server.proc.poll() is None:
            server.stop()
        if schema and not args.keep:
            try:
                pg_drop_schema(args.pg_url, schema)
                log(f"dropped schema {schema}")
            except Exception as exc:  # report, never hide the benchmark's own outcome
                log(f"could not drop schema {schema}: {exc}")
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log(f"kept {tmp}" + (f" and schema {schema}" if schema else ""))

    text = render(report)
    blob = json.dumps(report, indent=2, ensure_ascii=False, default=str)
    if args.out:
        Path(args.out).write_text(blob + "\n", encoding="utf-8")
    if args.json:
        print(text, file=sys.stderr)
        print(blob)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
