"""Helpers for the crash tests: process groups killed with SIGKILL, a load driver whose every
acknowledged request is remembered, and the checks run after a restart.

A crash here is ``kill -9`` of a whole process group — the command and every process it started
(uvicorn workers, batch worker processes) — at a moment the test chooses, never a polite stop.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import httpx

TESTS_DIR = Path(__file__).resolve().parents[1]
for _sub in ("service", "monitor"):
    if str(TESTS_DIR / _sub) not in sys.path:
        sys.path.insert(0, str(TESTS_DIR / _sub))

from service_support import Server, free_port  # noqa: E402

WAIT_TIMEOUT = 90.0


# -- process groups --------------------------------------------------------------------------

def spawn(args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    """``clearway ARGS`` in a session of its own, so one signal reaches it and all its children."""
    with open(log_path, "ab") as log:
        return subprocess.Popen([sys.executable, "-m", "clearway", *map(str, args)], stdin=subprocess.DEVNULL,
                                stdout=log, stderr=log, env=env, start_new_session=True)


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, process group) of a process, or None once it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    return fields[0], int(fields[2])


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st is not None and st[1] == pgid and st[0] != "Z":
                out.append(int(entry))
    return out


def kill_group(proc: subprocess.Popen, timeout: float = 15.0) -> int:
    """SIGKILL the process group led by ``proc``; wait until none of it runs. Returns how many
    processes were killed."""
    pgid = proc.pid
    members = group_members(pgid)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=timeout)
    deadline = time.monotonic() + timeout
    while (left := group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not left, f"processes {left} of the killed group still run"
    return len(members)


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = WAIT_TIMEOUT, interval: float = 0.01,
             proc: subprocess.Popen | None = None, log: Path | None = None) -> None:
    """Poll until ``predicate()``; fail if ``proc`` ends first (the moment to kill was missed)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc is not None and proc.poll() is not None:
            tail = log.read_text("utf-8", "replace")[-2000:] if log and log.exists() else ""
            raise AssertionError(f"the process ended (exit {proc.returncode}) before {what}:\n{tail}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


# -- a server that can be killed --------------------------------------------------------------

@dataclass
class KillableServer(Server):
    """``clearway serve --workers N`` in its own process group."""

    workers: int = 2
    starts: int = 0

    def start(self) -> None:
        self.port = free_port()
        self.starts += 1
        self.log_path = self.home / f"{self.name}-{self.starts}.stderr.log"
        self.proc = spawn(["serve", "--port", str(self.port), "--workers", str(self.workers), "--db", self.db_url],
                          self.env, self.log_path)

    def kill(self) -> int:
        assert self.proc is not None
        return kill_group(self.proc)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        if self.proc is not None:
            kill_group(self.proc)


# -- load with acknowledgements --------------------------------------------------------------

# Names in several scripts, each sent with a token that makes it unique, so its record can be found.
NAME_BASES = ("Huawei Technologies Co., Ltd.", "Harbin Institute of Technology", "北京航空航天大学",
              "Zelquor Vantis Trading", "Sichuan University", "Beijing Nuodian Keji Youxian Gongsi")


@dataclass
class Load:
    """Threads posting /v1/screen; every 200 is an acknowledgement of the (id, name) it carried."""

    base_url: str
    key: str
    tag: str
    queries_per_request: int = 1
    threads: int = 4
    acked: dict[str, str] = field(default_factory=dict)  # query id -> name
    sent: int = 0
    in_flight_at_kill: int = 0  # sent before the kill, never answered
    failed_before_kill: list[str] = field(default_factory=list)
    killing: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def _body(self, t: int, n: int) -> list[dict[str, str]]:
        qs = []
        for q in range(self.queries_per_request):
            token = secrets.token_hex(4)
            qs.append({"id": f"{self.tag}-{t}-{n}-{q}",
                       "name": f"{NAME_BASES[(n + q) % len(NAME_BASES)]} {token}"})
        return qs

    def _run(self, t: int) -> None:
        headers = {"Authorization": f"Bearer {self.key}"}
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            n = 0
            while True:
                n += 1
                queries = self._body(t, n)
                with self._lock:
                    self.sent += 1
                sent_before_kill = not self.killing.is_set()
                try:
                    r = client.post("/v1/screen", headers=headers, json={"queries": queries})
                except httpx.HTTPError as exc:
                    with self._lock:
                        if not self.killing.is_set():
                            self.failed_before_kill.append(f"{type(exc).__name__}: {exc}")
                        elif sent_before_kill:
                            self.in_flight_at_kill += 1
                    return
                if r.status_code != 200:
                    with self._lock:
                        self.failed_before_kill.append(f"HTTP {r.status_code}: {r.text[:200]}")
                    return
                got = [x["id"] for x in r.json()["results"]]
                assert got == [q["id"] for q in queries], (got, queries)
                with self._lock:
                    for q in queries:
                        self.acked[q["id"]] = q["name"]

    def start(self) -> None:
        self._workers = [threading.Thread(target=self._run, args=(t,), daemon=True) for t in range(self.threads)]
        for w in self._workers:
            w.start()

    def requests_acked(self) -> int:
        with self._lock:
            return len(self.acked) // self.queries_per_request

    def join(self) -> None:
        for w in self._workers:
            w.join(timeout=60)
        assert not any(w.is_alive() for w in self._workers), "a load thread hangs after the kill"


def screened_queries(store) -> dict[str, str]:
    """Every query id in the trail's ``screen`` records → its name."""
    out: dict[str, str] = {}
    for rec in store.records():
        if rec.kind == "screen":
            for res in rec.payload["results"]:
                out[res["id"]] = res["query"]["name"]
    return out


def lost_acknowledgements(acked: dict[str, str], recorded: dict[str, str]) -> list[str]:
    """Acknowledged query ids whose record is missing from the trail (or holds another name)."""
    return sorted(qid for qid, name in acked.items() if recorded.get(qid) != name)


# -- list versions ---------------------------------------------------------------------------

def live_snapshot_problems(lists_root: Path) -> list[str]:
    """What is wrong with the snapshot the pointer makes live: it must be a whole, readable file
    holding the versions and the entity count the pointer names."""
    import orjson

    from clearway.model import ListVersion
    from clearway.snapshot import SnapshotError, read_snapshot_doc

    try:
        pointer = orjson.loads((lists_root / "current.json").read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        return [f"pointer unreadable: {exc}"]
    path = lists_root / pointer["snapshot"]
    if path.suffix != ".gz" or not path.is_file():
        return [f"the pointer names {pointer['snapshot']}, which is not a whole snapshot file"]
    try:
        doc = read_snapshot_doc(path)
    except SnapshotError as exc:
        return [f"the live snapshot does not read: {exc}"]
    problems = []
    if len(doc.get("entities", ())) != pointer["entities"]:
        problems.append(f"the live snapshot holds {len(doc.get('entities', ()))} entities, the pointer says "
                        f"{pointer['entities']}")
    got = {ListVersion(**v).id for v in doc.get("versions", ())}
    if not set(pointer["sources"].values()) <= got:
        problems.append(f"the live snapshot lacks versions {sorted(set(pointer['sources'].values()) - got)}")
    return problems


def new_files(directory: Path, pattern: str, before: set[str]) -> list[Path]:
    return [p for p in directory.glob(pattern) if p.name not in before] if directory.is_dir() else []


# -- batch files -----------------------------------------------------------------------------

def batch_rows(n: int, repeats: float = 0.6, seed: int = 11) -> tuple[list[list[str]], set[str]]:
    """``n`` rows (id, name, country, type) of real list names, names matching nothing, Chinese
    names and ``repeats`` (the share of rows repeating an earlier name), with a few bad rows;
    returns (rows, ids of the bad rows)."""
    import json
    import random

    rng = random.Random(seed)
    csl = json.loads((TESTS_DIR / "fixtures" / "monitor" / "csl_v1.json").read_text("utf-8"))["results"]
    real = [r["name"] for r in csl] + [a for r in csl for a in (r.get("alt_names") or [])][:60]
    syll = ["zor", "ba", "nix", "vel", "qua", "tro", "lum", "fen", "dra", "kov", "pel", "sar", "mi"]
    han = "安宝昌达东方丰海恒华佳金康丽明诺鹏强瑞盛泰天通伟祥新信兴耀永远泽中"
    rows: list[list[str]] = []
    bad: set[str] = set()
    for i in range(1, n + 1):
        rid = f"r{i:05d}"
        if i % 397 == 0:
            bad.add(rid)
            rows.append([rid, rng.choice(["", "   ", "x" * 1001]), "CN", ""])
            continue
        if i % 509 == 0:
            bad.add(rid)
            rows.append([rid, "Valid Name Trading Co", "Narnia", ""])
            continue
        if len(rows) > 50 and rng.random() < repeats:  # a name seen earlier in the file
            prev = rows[rng.randrange(len(rows))]
            if prev[0] not in bad:
                rows.append([rid, *prev[1:]])
                continue
        roll = rng.random()
        if roll < 0.45:
            name = rng.choice(real)
            name = name.upper() if rng.random() < 0.3 else name
            rows.append([rid, name, rng.choice(["", "CN", "US"]), ""])
        elif roll < 0.65:
            name = "".join(rng.choice(han) for _ in range(rng.randint(2, 4))) + rng.choice(["科技有限公司", "研究所", "大学"])
            rows.append([rid, name, "CN", ""])
        else:
            word = "".join(rng.choice(syll) for _ in range(3)).capitalize()
            rows.append([rid, f"{word} {rng.choice(['Trading', 'Logistics', 'Materials', 'Optics'])} Co., Ltd.",
                         rng.choice(["", "DE", "CN"]), rng.choice(["", "Organization"])])
    return rows, bad


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    import csv

    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def exactly_once_problems(input_ids: list[str], bad_ids: set[str], output: Path, rejects: Path) -> list[str]:
    """Every input row once in the output, in order; the rejected ones exactly the bad rows."""
    problems = []
    out = read_csv(output)
    ids = [r["id"] for r in out]
    if len(ids) != len(set(ids)):
        seen: set[str] = set()
        dup = sorted({i for i in ids if i in seen or seen.add(i)})
        problems.append(f"{len(ids) - len(set(ids))} duplicated row(s) in the output, e.g. {dup[:5]}")
    if ids != input_ids:
        missing = sorted(set(input_ids) - set(ids))
        problems.append(f"the output's ids differ from the input's ({len(ids)} vs {len(input_ids)} rows; "
                        f"missing e.g. {missing[:5]})")
    screened = [r for r in out if r["clearway_status"] != "rejected"]
    if len(screened) != len(input_ids) - len(bad_ids):
        problems.append(f"{len(screened)} rows screened, expected {len(input_ids) - len(bad_ids)}")
    rejected = [r["id"] for r in read_csv(rejects)]
    if sorted(rejected) != sorted(bad_ids):
        problems.append(f"rejects file holds {sorted(rejected)[:10]}, expected {sorted(bad_ids)[:10]}")
    return problems
