#!/usr/bin/env python
"""Benchmark clearway screening: load + index cost, per-name latency, and a brute-force baseline.

Run from the project root with the project's virtualenv::

    .venv/bin/python bench/bench_screen.py                 # default: 2,000 queries, seed 20240601
    .venv/bin/python bench/bench_screen.py --queries 500 --seed 7
    .venv/bin/python bench/bench_screen.py --json > bench.json   # JSON on stdout, table on stderr
    .venv/bin/python bench/bench_screen.py --out bench.json      # JSON to a file, table on stdout

What it measures (see bench/README.md for the meaning of each figure):

1. load + index: ``load_snapshot`` and ``Screener(entities, versions)`` timed separately and
   together inside fresh subprocesses (median of ``--load-runs``, default 3), with the child's
   peak RSS before loading (interpreter + imports) and after building the index.
2. per-name latency of ``Screener.screen`` over a deterministic query set (one third perturbed
   list names, one third verbatim list names including Chinese ones, one third made-up names).
3. a brute-force baseline in the same run: rapidfuzz ``process.extract`` with
   ``fuzz.token_set_ratio`` over every name string of every entity, on the first
   ``--baseline-queries`` queries (the query list is shuffled, so that prefix mixes all kinds).
4. a rough recall comparison on the perturbed queries.

The machine this runs on is small and noisy: the script reports figures and ratios against the
baseline measured in the same run. It never passes or fails on absolute times (exit status 0).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

# Targets from the project issue, shown for reference only (never turned into pass/fail).
TARGETS = {
    "median_ms": 2.0,
    "p99_ms": 20.0,
    "load_index_s": 3.0,
    "rss_mb": 600.0,
}

BASELINE_CUTOFF = 85.0  # baseline "hit" score for the recall comparison
BASELINE_LIMIT = 10

HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
PUNCT_RE = re.compile(r"[^\w\s]", re.UNICODE)

# Legal forms recognised at the end of a Latin name (removed by the "legal" perturbation).
LEGAL_TAIL_RE = re.compile(
    r"[\s,]*\b(?:co\.?,?\s*ltd\.?|company\s+limited|limited|ltd\.?|l\.?l\.?c\.?|inc\.?|incorporated|"
    r"corporation|corp\.?|gmbh|p?jsc|ojsc|ooo|plc|pte\.?\s*ltd\.?|pvt\.?,?\s*ltd\.?|s\.?a\.?\s+de\s+c\.?v\.?|"
    r"s\.?a\.?|b\.?v\.?|ag)\s*$",
    re.I,
)
LEGAL_SUFFIXES = ["Co., Ltd.", "Co. Ltd", "Ltd", "Limited", "LLC", "Inc.", "Corporation", "Corp.",
                  "GmbH", "JSC", "Company Limited"]
HAN_LEGAL_TAIL_RE = re.compile(r"(股份有限公司|有限责任公司|有限公司|公司)$")
HAN_LEGAL_SUFFIXES = ["有限公司", "股份有限公司", "有限责任公司"]

# Made-up names: syllables that form no real word, joined with generic business words.
SYLLABLES = ["zor", "ba", "nix", "vel", "qua", "tro", "lum", "fen", "dra", "kov", "pel", "mur",
             "tas", "gri", "ven", "lo", "sar", "quen", "bri", "dax", "ul", "mo", "rhe", "tis",
             "yab", "oru", "esk", "fal", "wim", "jup", "zel", "ok"]
GENERIC = ["Trading", "Logistics", "University", "Technology", "Holdings", "Industrial", "Group",
           "Institute", "Electronics", "Shipping", "Import Export", "International", "Consulting",
           "Materials", "Systems", "Research", "Engineering", "Supply Chain", "Capital",
           "Solutions", "Manufacturing", "Instruments", "Biotech", "Semiconductor", "Aerospace",
           "Energy", "Optics", "Software"]
MADE_UP_LEGAL = ["Co., Ltd.", "LLC", "GmbH", "Inc.", "Ltd", "Limited", "Corporation"]

PERTURBED, VERBATIM, NONMATCH = "perturbed", "verbatim", "nonmatching"
KINDS = (PERTURBED, VERBATIM, NONMATCH)

WARMUP_QUERIES = ["Warmup Zelquor Trading Co., Ltd.", "北京测试预热科技有限公司", "IVANOV, Petr"]


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
    lo = math.floor(k)
    hi = math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def latency_stats(ms: list[float], wall_s: float | None = None) -> dict[str, Any]:
    if not ms:
        return {"n": 0}
    total = wall_s if wall_s is not None else sum(ms) / 1000.0
    return {
        "n": len(ms),
        "median_ms": statistics.median(ms),
        "p90_ms": percentile(ms, 90),
        "p99_ms": percentile(ms, 99),
        "max_ms": max(ms),
        "mean_ms": statistics.fmean(ms),
        "names_per_s": len(ms) / total if total > 0 else math.nan,
    }


def ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


# ------------------------------------------------------------------------------ load + index

CHILD_CODE = r"""
import json, resource, sys, time
def peak_mb():
    # Linux reports ru_maxrss in KiB (macOS in bytes).
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / (1024 * 1024) if sys.platform == "darwin" else r / 1024
def current_mb():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None
t0 = time.perf_counter()
from clearway.snapshot import load_snapshot, DEFAULT_SNAPSHOT
from clearway.screen import Screener, Query
t_import = time.perf_counter() - t0
rss_before = peak_mb()
cur_before = current_mb()
t1 = time.perf_counter()
versions, entities = load_snapshot(DEFAULT_SNAPSHOT)
t2 = time.perf_counter()
screener = Screener(entities, versions)
t3 = time.perf_counter()
rss_after = peak_mb()
cur_after = current_mb()
# The first screens pay for anything initialised lazily (dictionaries, caches).
t4 = time.perf_counter()
screener.screen(Query("Huawei Technologies Co., Ltd."))
t5 = time.perf_counter()
screener.screen(Query("华为技术有限公司"))
t6 = time.perf_counter()
screener.screen(Query("Liu Yang"))  # two Latin words: the common-Chinese-name check
t7 = time.perf_counter()
print(json.dumps({
    "import_s": t_import, "load_s": t2 - t1, "index_s": t3 - t2, "load_index_s": t3 - t1,
    "rss_before_mb": rss_before, "rss_after_mb": rss_after,
    "current_rss_before_mb": cur_before, "current_rss_after_mb": cur_after,
    "first_latin_query_ms": (t5 - t4) * 1000, "first_han_query_ms": (t6 - t5) * 1000,
    "first_two_word_query_ms": (t7 - t6) * 1000, "first_queries_ms": (t7 - t4) * 1000,
    "rss_after_first_queries_mb": peak_mb(),
    "entities": len(entities), "names": sum(len(e.names) for e in entities),
}))
"""


def measure_load(runs: int) -> dict[str, Any]:
    samples = []
    for i in range(runs):
        proc = subprocess.run([sys.executable, "-c", CHILD_CODE], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"load child failed (rc={proc.returncode}):\n{proc.stderr}")
        sample = json.loads(proc.stdout.strip().splitlines()[-1])
        samples.append(sample)
        log(f"  load run {i + 1}/{runs}: load {sample['load_s']:.3f} s, index {sample['index_s']:.3f} s, "
            f"peak RSS {sample['rss_after_mb']:.0f} MB")
    keys = [k for k, v in samples[0].items() if isinstance(v, (int, float)) and v is not None]
    med = {k: statistics.median(s[k] for s in samples) for k in keys}
    return {"runs": runs, "median": med, "samples": samples}


# ----------------------------------------------------------------------------------- queries


@dataclass
class BenchQuery:
    kind: str
    text: str
    source_entity: str | None = None  # entity id the name came from (None for made-up names)
    source_name: str | None = None
    ops: list[str] = field(default_factory=list)
    han: bool = False


def _random_case(rng: random.Random, s: str) -> str:
    mode = rng.choice(["lower", "upper", "title", "flip"])
    if mode == "lower":
        out = s.lower()
    elif mode == "upper":
        out = s.upper()
    elif mode == "title":
        out = s.title()
    else:
        out = "".join(c.swapcase() if c.isalpha() and rng.random() < 0.35 else c for c in s)
    if out == s:  # make sure the case actually changed
        out = s.swapcase()
    return out


def _typo(rng: random.Random, s: str) -> str | None:
    words = s.split(" ")
    cands = [i for i, w in enumerate(words) if sum(c.isalpha() for c in w) >= 5]
    if not cands:
        return None
    i = rng.choice(cands)
    w = words[i]
    letters = [j for j, c in enumerate(w) if c.isalpha()]
    if rng.random() < 0.5:  # drop one character (not the first)
        j = rng.choice(letters[1:])
        w = w[:j] + w[j + 1:]
    else:  # swap two adjacent letters that differ
        pairs = [j for j in letters[:-1] if w[j + 1].isalpha() and w[j].lower() != w[j + 1].lower()]
        if not pairs:
            return None
        j = rng.choice(pairs)
        w = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    words[i] = w
    return " ".join(words)


def _han_drop(rng: random.Random, s: str) -> str | None:
    body = HAN_LEGAL_TAIL_RE.sub("", s)
    idx = [i for i, c in enumerate(body) if HAN_RE.match(c)]
    if len(idx) < 4:
        return None
    j = rng.choice(idx[1:])
    return s[:j] + s[j + 1:]


def _strip_punct(s: str) -> str | None:
    if not PUNCT_RE.search(s):
        return None
    return " ".join(PUNCT_RE.sub("", s).split())


def _legal(rng: random.Random, s: str, person: bool, han: bool) -> str | None:
    if han:
        if HAN_LEGAL_TAIL_RE.search(s):
            out = HAN_LEGAL_TAIL_RE.sub("", s)
            return out if len(out) >= 2 else None
        return None if person else s + rng.choice(HAN_LEGAL_SUFFIXES)
    m = LEGAL_TAIL_RE.search(s)
    if m and m.start() > 0:
        out = s[: m.start()].rstrip(" ,")
        return out if len(out) >= 3 else None
    if person:
        return None
    return f"{s.rstrip(' ,')}{rng.choice([' ', ', '])}{rng.choice(LEGAL_SUFFIXES)}"


def _swap_two_words(s: str) -> str | None:
    words = s.replace(",", " ").split()
    if len(words) != 2:
        return None
    return f"{words[1]} {words[0]}"


def perturb(rng: random.Random, s: str, person: bool) -> tuple[str, list[str]]:
    """Apply one or two perturbations that fit the name; returns (new name, operation names)."""
    han = bool(HAN_RE.search(s))
    if han:
        ops = {"legal": lambda x: _legal(rng, x, person, True), "drop_han_char": lambda x: _han_drop(rng, x)}
    else:
        ops = {
            "case": lambda x: _random_case(rng, x),
            "typo": lambda x: _typo(rng, x),
            "punct": _strip_punct,
            "legal": lambda x: _legal(rng, x, person, False),
            "word_order": _swap_two_words,
        }
    names = list(ops)
    rng.shuffle(names)
    want = 1 if rng.random() < 0.6 else 2
    done: list[str] = []
    out = s
    for name in names:
        if len(done) >= want:
            break
        new = ops[name](out)
        if new and new != out and new.strip():
            out = new
            done.append(name)
    if not done or out == s:  # nothing applicable changed it: fall back to a case change / typo
        out = _random_case(rng, s) if not han else s + "有限公司"
        done = ["case"] if not han else ["legal"]
    return out, done


def made_up_name(rng: random.Random) -> str:
    def word() -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()

    parts = [word()]
    if rng.random() < 0.35:
        parts.append(word())
    parts.extend(rng.sample(GENERIC, rng.choice([1, 1, 2])))
    if rng.random() < 0.5:
        parts.append(rng.choice(MADE_UP_LEGAL))
    return " ".join(parts)


def build_queries(entities: list, n: int, seed: int) -> list[BenchQuery]:
    rng = random.Random(seed)
    # Every (entity, name) pair, excluding only empty strings.
    pool_all: list[tuple[int, str]] = []
    pool_perturb: list[tuple[int, str]] = []
    pool_han: list[tuple[int, str]] = []
    for ei, e in enumerate(entities):
        for nm in e.names:
            v = nm.value.strip()
            if not v:
                continue
            pool_all.append((ei, v))
            han = bool(HAN_RE.search(v))
            if han:
                pool_han.append((ei, v))
            # Perturbing acronyms, weak aliases or very short names makes noise, not a test.
            if nm.kind in ("acronym", "weak"):
                continue
            if (han and len(v) >= 3) or (not han and len(v) >= 6 and len(v) <= 200):
                pool_perturb.append((ei, v))
    pool_perturb_han = [x for x in pool_perturb if HAN_RE.search(x[1])]

    n_pert = n // 3
    n_verb = n // 3
    n_none = n - n_pert - n_verb
    queries: list[BenchQuery] = []

    # Perturbed: ~10 % from Chinese names, the rest from all eligible names.
    n_pert_han = min(len(pool_perturb_han), round(n_pert * 0.10))
    picks = rng.sample(pool_perturb_han, n_pert_han) + rng.sample(pool_perturb, n_pert - n_pert_han)
    for ei, v in picks:
        e = entities[ei]
        text, ops = perturb(rng, v, e.schema == "Person")
        queries.append(BenchQuery(PERTURBED, text, e.id, v, ops, bool(HAN_RE.search(v))))

    # Verbatim: ~20 % Chinese names, the rest uniformly from every name string.
    n_verb_han = min(len(pool_han), round(n_verb * 0.20))
    picks = rng.sample(pool_han, n_verb_han) + rng.sample(pool_all, n_verb - n_verb_han)
    for ei, v in picks:
        queries.append(BenchQuery(VERBATIM, v, entities[ei].id, v, [], bool(HAN_RE.search(v))))

    # Made-up names that should match nothing.
    real = {v.casefold() for _, v in pool_all}
    made: set[str] = set()
    while len(made) < n_none:
        s = made_up_name(rng)
        if s.casefold() not in real:
            made.add(s)
    for s in sorted(made):
        queries.append(BenchQuery(NONMATCH, s))

    # Shuffle so that any prefix (the baseline subset) mixes all three kinds.
    rng.shuffle(queries)
    return queries


# --------------------------------------------------------------------------------- screening


def run_clearway(screener, queries: list[BenchQuery]) -> tuple[list[float], list[Any], float, int]:
    from clearway.screen import Query, QueryError

    times: list[float] = []
    results: list[Any] = []
    errors = 0
    perf = time.perf_counter
    t_start = perf()
    for q in queries:
        t0 = perf()
        try:
            res = screener.screen(Query(q.text))
        except QueryError:
            res = None
            errors += 1
        times.append((perf() - t0) * 1000.0)
        results.append(res)
    wall = perf() - t_start
    return times, results, wall, errors


def run_baseline(all_names: list[str], queries: list[BenchQuery]) -> tuple[list[float], list[list], float]:
    from rapidfuzz import fuzz, process
    from rapidfuzz.utils import default_process

    times: list[float] = []
    results: list[list] = []
    perf = time.perf_counter
    t_start = perf()
    for q in queries:
        t0 = perf()
        hits = process.extract(q.text, all_names, scorer=fuzz.token_set_ratio,
                               processor=default_process, limit=BASELINE_LIMIT)
        times.append((perf() - t0) * 1000.0)
        results.append(hits)
    wall = perf() - t_start
    return times, results, wall


def clearway_found(res, source_id: str) -> bool:
    if res is None:
        return False
    return any(source_id in m.entity_ids for m in res.matches)


def baseline_found(hits: list, name_entity: list[int], source_idx: int, group_of: list[int] | None,
                   by_party: bool) -> bool:
    for _name, score, i in hits:
        if score < BASELINE_CUTOFF:
            continue
        ei = name_entity[i]
        if ei == source_idx:
            return True
        if by_party and group_of is not None and group_of[ei] == group_of[source_idx]:
            return True
    return False


def share(flags: list[bool]) -> dict[str, Any]:
    return {"n": len(flags), "hits": sum(flags), "share": (sum(flags) / len(flags)) if flags else math.nan}


# ------------------------------------------------------------------------------------ report


def fmt(x: Any, spec: str = ".2f") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return format(x, spec)


def pct(d: dict[str, Any]) -> str:
    if not d.get("n"):
        return "n/a"
    return f"{d['share'] * 100:5.1f} %  ({d['hits']:>4}/{d['n']:<4})"


def render(report: dict[str, Any]) -> str:
    L: list[str] = []
    cfg = report["config"]
    L.append("clearway screening benchmark")
    L.append("=" * 78)
    L.append(f"python {cfg['python']} on {cfg['platform']}, {cfg['cpus']} CPU(s); seed {cfg['seed']}; "
             f"{cfg['queries']} queries")
    L.append(f"snapshot: {report['data']['entities']:,} entities, {report['data']['names']:,} names "
             f"({report['data']['han_names']:,} with Chinese characters)")
    L.append("Times are noisy on this machine; targets are shown for reference, nothing passes or fails.")
    L.append("")

    ld = report["load"]["median"]
    L.append(f"1. Load + index (median of {report['load']['runs']} fresh subprocesses)")
    L.append(f"   {'figure':<48}{'value':>10}   target")
    rows = [
        ("import clearway (s)", fmt(ld.get("import_s"), ".3f"), ""),
        ("load_snapshot (s)", fmt(ld["load_s"], ".3f"), ""),
        ("Screener(entities, versions) index (s)", fmt(ld["index_s"], ".3f"), ""),
        ("load + index together (s)", fmt(ld["load_index_s"], ".3f"), f"<= {TARGETS['load_index_s']:g} s"),
        ("peak RSS before loading (MB)", fmt(ld["rss_before_mb"], ".0f"), ""),
        ("peak RSS after load + index (MB)", fmt(ld["rss_after_mb"], ".0f"), f"<= {TARGETS['rss_mb']:g} MB"),
        ("  increase from loading (MB)", fmt(ld["rss_after_mb"] - ld["rss_before_mb"], ".0f"), ""),
        ("current RSS after load + index (MB)", fmt(ld.get("current_rss_after_mb"), ".0f"), ""),
        ("first query after load, Latin (ms)", fmt(ld.get("first_latin_query_ms"), ".1f"), ""),
        ("first query after load, Chinese (ms)", fmt(ld.get("first_han_query_ms"), ".1f"), ""),
        ("first two-word Latin query, e.g. Liu Yang (ms)", fmt(ld.get("first_two_word_query_ms"), ".1f"), ""),
        ("peak RSS after those first queries (MB)", fmt(ld.get("rss_after_first_queries_mb"), ".0f"), ""),
    ]
    for a, b, c in rows:
        L.append(f"   {a:<48}{b:>10}   {c}")
    L.append("")

    cw = report["clearway"]
    L.append(f"2. Per-name latency, clearway Screener.screen, one process, all lists "
             f"(warm-up {cw['warmup_ms_total']:.0f} ms excluded)")
    head = f"   {'query set':<26}{'n':>6}{'median':>9}{'p90':>9}{'p99':>9}{'max':>9}{'names/s':>10}"
    L.append(head)
    L.append("   " + "-" * (len(head) - 3))

    def lat_row(label: str, s: dict[str, Any]) -> str:
        if not s.get("n"):
            return f"   {label:<26}{0:>6}"
        return (f"   {label:<26}{s['n']:>6}{s['median_ms']:>9.2f}{s['p90_ms']:>9.2f}{s['p99_ms']:>9.2f}"
                f"{s['max_ms']:>9.1f}{s['names_per_s']:>10.1f}")

    L.append(lat_row("all queries", cw["all"]))
    for k in KINDS:
        L.append(lat_row(f"  {k}", cw["by_kind"][k]))
    L.append(lat_row("  Chinese (any kind)", cw["han"]))
    L.append(f"   {'target':<26}{'':>6}{'<= 2':>9}{'':>9}{'<= 20':>9}   (ms per screened name)")
    if cw["errors"]:
        L.append(f"   {cw['errors']} queries rejected by Query.validate (timed, no matches)")
    L.append("")

    bl = report["baseline"]
    L.append(f"3. Baseline: rapidfuzz process.extract(token_set_ratio, processor=default_process, limit=10)")
    mix = ", ".join(f"{bl['subset_kinds'][k]} {k}" for k in KINDS)
    L.append(f"   over all {bl['choices']:,} name strings, on the first {bl['n']} queries ({mix})")
    L.append(head)
    L.append("   " + "-" * (len(head) - 3))
    L.append(lat_row("baseline", bl["latency"]))
    L.append(lat_row("clearway, same queries", bl["clearway_same_queries"]))
    r = bl["ratio_clearway_over_baseline"]
    L.append(f"   ratio clearway / baseline:   median {fmt(r['median'], '.3f')}   p99 {fmt(r['p99'], '.3f')}"
             f"   mean {fmt(r['mean'], '.3f')}   (< 1 = clearway faster)")
    L.append("")

    rc = report["recall"]
    L.append("4. Recall sanity on perturbed queries -- ROUGH quality comparison, not an evaluation")
    L.append(f"   {'':<58}{'share found':>20}")
    L.append(f"   {'clearway, all perturbed (source entity among matches)':<58}{pct(rc['clearway_all']):>20}")
    L.append(f"   {'clearway, perturbed in baseline subset':<58}{pct(rc['clearway_subset']):>20}")
    L.append(f"   {'baseline, same subset (source entity, score >= 85, top 10)':<58}{pct(rc['baseline_subset']):>20}")
    L.append(f"   {'baseline, same subset, any record of the same party':<58}{pct(rc['baseline_subset_party']):>20}")
    L.append(f"   {'clearway, verbatim list names found':<58}{pct(rc['clearway_verbatim']):>20}")
    L.append(f"   {'clearway, made-up names with any match (false alerts)':<58}{pct(rc['clearway_nonmatch_alerts']):>20}")
    L.append(f"   {'baseline, made-up names with a score >= 85 (same subset)':<58}{pct(rc['baseline_nonmatch_alerts']):>20}")
    L.append("   clearway recall on perturbed queries by perturbation (a query may have two):")
    for op, d in sorted(rc["clearway_by_op"].items()):
        L.append(f"     {op:<20}{pct(d):>20}")
    L.append("")
    return "\n".join(L)


# -------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--queries", type=int, default=2000, help="number of screening queries (default 2000)")
    ap.add_argument("--seed", type=int, default=20240601, help="random seed for the query set")
    ap.add_argument("--baseline-queries", type=int, default=300,
                    help="how many of the (shuffled) queries the brute-force baseline runs; 0 = all (default 300)")
    ap.add_argument("--load-runs", type=int, default=3, help="fresh subprocesses for load + index (default 3)")
    ap.add_argument("--json", action="store_true", help="write the JSON report to stdout (table goes to stderr)")
    ap.add_argument("--out", metavar="FILE", help="write the JSON report to FILE")
    args = ap.parse_args(argv)
    if args.queries < 3:
        ap.error("--queries must be at least 3")

    import os

    from clearway.screen import Screener
    from clearway.snapshot import DEFAULT_SNAPSHOT, load_snapshot

    report: dict[str, Any] = {
        "config": {
            "queries": args.queries, "seed": args.seed, "baseline_queries": args.baseline_queries,
            "load_runs": args.load_runs, "python": platform.python_version(),
            "platform": platform.platform(terse=True), "cpus": os.cpu_count(),
            "snapshot": str(DEFAULT_SNAPSHOT),
        },
        "targets": TARGETS,
    }

    # 1. load + index in fresh subprocesses
    log(f"[1/4] load + index in {args.load_runs} fresh subprocesses ...")
    report["load"] = measure_load(args.load_runs)

    # Build the in-process screener for the latency runs.
    log("[2/4] loading the snapshot in this process and building queries ...")
    versions, entities = load_snapshot(DEFAULT_SNAPSHOT)
    screener = Screener(entities, versions)
    all_names: list[str] = []
    name_entity: list[int] = []
    for ei, e in enumerate(entities):
        for nm in e.names:
            all_names.append(nm.value)
            name_entity.append(ei)
    report["data"] = {"entities": len(entities), "names": len(all_names),
                      "han_names": sum(1 for v in all_names if HAN_RE.search(v))}
    idx_of = {e.id: i for i, e in enumerate(entities)}
    queries = build_queries(entities, args.queries, args.seed)

    # 2. clearway latency (after a short warm-up that pays any lazy initialisation)
    from clearway.screen import Query

    warm = []
    for w in WARMUP_QUERIES:
        t0 = time.perf_counter()
        screener.screen(Query(w))
        warm.append((time.perf_counter() - t0) * 1000.0)
    gc.collect()
    log(f"      screening {len(queries)} queries with clearway ...")
    cw_ms, cw_res, cw_wall, cw_err = run_clearway(screener, queries)
    by_kind = {k: latency_stats([t for t, q in zip(cw_ms, queries) if q.kind == k]) for k in KINDS}
    report["clearway"] = {
        "warmup_ms": warm, "warmup_ms_total": sum(warm), "errors": cw_err,
        "all": latency_stats(cw_ms, cw_wall), "by_kind": by_kind,
        "han": latency_stats([t for t, q in zip(cw_ms, queries) if q.han]),
    }

    # 3. baseline on a prefix of the shuffled queries
    nb = len(queries) if args.baseline_queries <= 0 else min(args.baseline_queries, len(queries))
    subset = queries[:nb]
    log(f"[3/4] brute-force baseline on {nb} queries over {len(all_names):,} names ...")
    from rapidfuzz import fuzz, process
    from rapidfuzz.utils import default_process

    process.extract(WARMUP_QUERIES[0], all_names, scorer=fuzz.token_set_ratio, processor=default_process,
                    limit=BASELINE_LIMIT)
    gc.collect()
    bl_ms, bl_res, bl_wall = run_baseline(all_names, subset)
    bl_stats = latency_stats(bl_ms, bl_wall)
    cw_same = latency_stats(cw_ms[:nb])
    report["baseline"] = {
        "n": nb, "choices": len(all_names),
        "subset_kinds": {k: sum(1 for q in subset if q.kind == k) for k in KINDS},
        "scorer": "rapidfuzz.fuzz.token_set_ratio", "processor": "rapidfuzz.utils.default_process",
        "limit": BASELINE_LIMIT,
        "latency": bl_stats, "clearway_same_queries": cw_same,
        "ratio_clearway_over_baseline": {
            "median": ratio(cw_same["median_ms"], bl_stats["median_ms"]),
            "p99": ratio(cw_same["p99_ms"], bl_stats["p99_ms"]),
            "mean": ratio(cw_same["mean_ms"], bl_stats["mean_ms"]),
        },
    }

    # 4. rough recall
    log("[4/4] recall sanity ...")
    group_of = getattr(screener, "_group_of", None)
    cw_found = [clearway_found(r, q.source_entity) if q.source_entity else False for r, q in zip(cw_res, queries)]
    pert_all = [f for f, q in zip(cw_found, queries) if q.kind == PERTURBED]
    pert_sub = [f for f, q in zip(cw_found[:nb], subset) if q.kind == PERTURBED]
    bl_pert, bl_pert_party, bl_none = [], [], []
    for hits, q in zip(bl_res, subset):
        if q.kind == PERTURBED:
            si = idx_of[q.source_entity]
            bl_pert.append(baseline_found(hits, name_entity, si, group_of, by_party=False))
            bl_pert_party.append(baseline_found(hits, name_entity, si, group_of, by_party=True))
        elif q.kind == NONMATCH:
            bl_none.append(any(score >= BASELINE_CUTOFF for _n, score, _i in hits))
    by_op: dict[str, list[bool]] = {}
    for f, q in zip(cw_found, queries):
        if q.kind == PERTURBED:
            for op in q.ops:
                by_op.setdefault(op, []).append(f)
    report["recall"] = {
        "note": "rough: perturbations are synthetic; a miss can be a correct refusal (e.g. a dropped "
                "character turning one name into another); baseline hit = score >= 85 in its top 10",
        "clearway_all": share(pert_all),
        "clearway_subset": share(pert_sub),
        "baseline_subset": share(bl_pert),
        "baseline_subset_party": share(bl_pert_party),
        "clearway_verbatim": share([f for f, q in zip(cw_found, queries) if q.kind == VERBATIM]),
        "clearway_nonmatch_alerts": share([bool(r and r.matches) for r, q in zip(cw_res, queries)
                                           if q.kind == NONMATCH]),
        "baseline_nonmatch_alerts": share(bl_none),
        "clearway_by_op": {op: share(v) for op, v in by_op.items()},
    }
    report["samples"] = {
        "perturbed": [{"query": q.text, "source": q.source_name, "ops": q.ops, "found": f}
                      for q, f in zip(queries, cw_found) if q.kind == PERTURBED][:15],
        "perturbed_missed": [{"query": q.text, "source": q.source_name, "ops": q.ops}
                             for q, f in zip(queries, cw_found) if q.kind == PERTURBED and not f][:25],
        "verbatim_missed": [{"query": q.text, "source_entity": q.source_entity,
                             "matches": [m.id for m in (r.matches if r else [])][:3]}
                            for q, f, r in zip(queries, cw_found, cw_res) if q.kind == VERBATIM and not f][:25],
        "slowest": sorted(({"query": q.text, "kind": q.kind, "ms": round(t, 2)} for q, t in zip(queries, cw_ms)),
                          key=lambda d: -d["ms"])[:10],
    }

    text = render(report)
    payload = json.dumps(report, ensure_ascii=False, indent=2, default=str)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(payload + "\n")
    if args.json:
        print(text, file=sys.stderr)
        print(payload)
    else:
        print(text)
        if args.out:
            print(f"JSON report written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
