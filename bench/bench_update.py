#!/usr/bin/env python
"""Benchmark `clearway update` and `clearway diff`: time and peak memory, against baselines.

Run from the project root with the project's virtualenv::

    .venv/bin/python bench/bench_update.py                  # 3 runs of each phase, median reported
    .venv/bin/python bench/bench_update.py --runs 1 --watch 500
    .venv/bin/python bench/bench_update.py --json > update.json

Every measured step runs in a fresh subprocess (so its peak RSS is its own) on a data directory
in a temp dir, from the list files in ``../shared/data/lists`` (local paths: no network):

* **full update** — all eight sources of the bundled snapshot. The data directory is first put
  on the older versions (CSL 2022, 1260H 2026-08-14, cn_sanctions 2026-06-29; not measured);
  the measured run then brings every source to its newest file, each copied with one trailing
  newline so that its bytes are new to the data directory and all eight go the whole way:
  fetch, parse, validate, store, diff against the live version, one assembled snapshot swapped
  in, then the watchlist (``--watch`` names, default 200) re-screened. Reported: wall time, the
  time per source, peak RSS.
* **no-change update** — the same run again: every source fetched, hashed, found unchanged.
* **diff CSL 2022 → 2026** — ``diff_entities`` on the two versions (load and diff timed apart),
  and the whole ``clearway diff csl --json`` command.

Baselines measured in the same run, in the same kind of subprocess: **parse only** (every
source file read and parsed, nothing else: the floor of any update) and **Screener.load** of
the bundled snapshot (what a server pays to swap in new lists). The script never passes or fails
on absolute times (exit status 0).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data" / "lists"

NEWEST = {
    "csl": "us_csl_2026-07-31.compact.json.gz",
    "dod_1260h": "us_dod_1260h_2026-08-20.csv",
    "ndaa_1286": "us_ndaa_1286.csv",
    "fcc": "us_fcc_covered_list.csv",
    "bis_mieu": "us_bis_mieu.csv",
    "cn_sanctions": "cn_sanctions_2026-08-07.csv",
    "cn_mofcom": "cn_mofcom_lists_2026-07-19.json",
    "multi": "multi_restricted_parties_2026-08-18.json.gz",
}
OLDER = {
    "csl": "us_csl_2022-04.csv.gz",
    "dod_1260h": "us_dod_1260h_2026-08-14.csv",
    "cn_sanctions": "cn_sanctions_2026-06-29.csv",
}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


# ---------------------------------------------------------------- children (one step each)


def child(step: str, work: Path) -> dict:
    os.environ["CLEARWAY_HOME"] = str(work / "home")
    os.environ["CLEARWAY_DB"] = f"sqlite:///{work / 'bench.db'}"
    sys.path.insert(0, str(REPO / "src"))
    import_rss = _rss_mb()
    t0 = time.perf_counter()
    out: dict = {}
    if step == "parse":
        from clearway.monitor.publishers import publisher
        from clearway.sources.base import read_source

        n = 0
        for source, name in NEWEST.items():
            n += len(publisher(source).parse(read_source(SHARED / name)).entities)
        out["entities"] = n
    elif step == "screener_load":
        from clearway.screen import Screener

        out["entities"] = len(Screener.load().entities)
    elif step in ("setup", "full", "nochange"):
        from clearway.monitor.update import rescreen_if_stale, run_update
        from clearway.monitor.versions import default_store
        from clearway.store import open_store

        files = json.loads((work / f"{step}.sources.json").read_text())
        store = open_store()
        # The CSL of 2022 → 2026 loses more than 20% of several lists (CAP 51 → 1 …): the shrink
        # guard would refuse it, rightly for a daily update; a four-year jump is accepted here.
        vs = default_store()
        rep = run_update(vs, files, accept_shrink=True, store=store, actor="bench", rescreen=False)
        out["update_s"] = round(time.perf_counter() - t0, 3)
        t = time.perf_counter()
        rep.rescreen = rescreen_if_stale(vs, store, actor="bench")
        out["rescreen_s"] = round(time.perf_counter() - t, 3)
        out["statuses"] = {o.source: o.status for o in rep.outcomes}
        out["per_source_s"] = {o.source: round(o.seconds, 3) for o in rep.outcomes}
        out["rescreened"] = rep.rescreen.screened if rep.rescreen else 0
        out["alerts"] = len(rep.rescreen.alerts) if rep.rescreen else 0
        out["swapped"] = rep.swapped
        out["ok"] = rep.ok
        if not rep.ok:
            out["messages"] = {o.source: o.message for o in rep.outcomes if not o.ok}
    elif step == "diff":
        from clearway.monitor.diff import diff_entities
        from clearway.monitor.versions import default_store

        vs = default_store()
        old, new = vs.find("csl", "2022-04-21"), vs.catalogue("csl")[-1]
        t = time.perf_counter()
        a, b = vs.entities(old), vs.entities(new)
        out["load_s"] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        d = diff_entities(a, b, source="csl", old_version=old.version, new_version=new.version)
        out["diff_s"] = round(time.perf_counter() - t, 3)
        out["pair"] = [old.id, new.id]
        out["counts"] = {"added": len(d.added), "removed": len(d.removed), "changed": len(d.changed),
                         "unchanged": d.unchanged}
        t = time.perf_counter()
        json.dumps(d.to_dict())
        out["to_json_s"] = round(time.perf_counter() - t, 3)
    else:
        raise SystemExit(f"unknown step {step}")
    out["seconds"] = round(time.perf_counter() - t0, 3)
    out["rss_after_imports_mb"] = round(import_rss, 1)
    out["peak_rss_mb"] = round(_rss_mb(), 1)
    return out


def run_child(step: str, work: Path) -> dict:
    t = time.perf_counter()
    p = subprocess.run([sys.executable, __file__, "--child", step, "--work", str(work)], capture_output=True,
                       text=True, cwd=REPO)
    if p.returncode != 0:
        raise SystemExit(f"step {step} failed:\n{p.stderr[-3000:]}")
    res = json.loads(p.stdout.strip().splitlines()[-1])
    res["process_s"] = round(time.perf_counter() - t, 3)
    return res


def run_cli(args: list[str], work: Path) -> float:
    env = {**os.environ, "CLEARWAY_HOME": str(work / "home"), "CLEARWAY_DB": f"sqlite:///{work / 'bench.db'}"}
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "clearway", *args], capture_output=True, env=env, cwd=REPO)
    if p.returncode not in (0, 1):
        raise SystemExit(f"clearway {' '.join(args)} failed: {p.stderr.decode()[-2000:]}")
    return time.perf_counter() - t


# ---------------------------------------------------------------- the parent


def prepare(work: Path, watch: int) -> None:
    """Source maps for each phase, retouched copies, and a watchlist of ``watch`` names."""
    files = work / "files"
    files.mkdir(parents=True)
    full = {}
    for source, name in NEWEST.items():
        # The newest file plus one trailing newline: the same lists, but bytes no version in the
        # data directory has (the bundle holds these very files), so each goes the whole way.
        raw = (SHARED / name).read_bytes()
        if raw[:2] == b"\x1f\x8b":
            import gzip

            raw = gzip.decompress(raw)
        dest = files / name.removesuffix(".gz")
        dest.write_bytes(raw + b"\n")
        full[source] = str(dest)
    setup = {s: str(SHARED / n) for s, n in OLDER.items()}
    (work / "setup.sources.json").write_text(json.dumps(setup))
    (work / "full.sources.json").write_text(json.dumps(full))
    (work / "nochange.sources.json").write_text(json.dumps(full))
    if watch:
        sys.path.insert(0, str(REPO / "src"))
        import random

        from clearway.snapshot import load_snapshot

        _, ents = load_snapshot()
        rnd = random.Random(20261129)
        names = [e.caption for e in rnd.sample([e for e in ents if e.schema != "Person"], watch // 2)]
        words = ["Northern", "Pacific", "Lotus", "Granite", "Silver", "Harbour", "Meadow", "Summit"]
        kinds = ["Photonics", "Robotics", "Materials", "Software", "Optics", "Sensors", "Biotech", "Instruments"]
        names += [f"{rnd.choice(words)} {rnd.choice(words)} {rnd.choice(kinds)} Co., Ltd."
                  for _ in range(watch - len(names))]
        csv = work / "watch.csv"
        csv.write_text("name\n" + "\n".join('"' + n.replace('"', '""') + '"' for n in names) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="runs of each measured phase (median reported)")
    ap.add_argument("--watch", type=int, default=200, help="watchlist size re-screened after the full update")
    ap.add_argument("--json", action="store_true", help="JSON report on stdout (table on stderr)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.work)))
        return 0
    if not SHARED.is_dir():
        print(f"shared list data not found at {SHARED}", file=sys.stderr)
        return 2

    report: dict = {"runs": args.runs, "watch": args.watch, "python": sys.version.split()[0], "cpus": os.cpu_count()}
    phases: dict[str, list[dict]] = {k: [] for k in ("parse", "screener_load", "full", "nochange", "diff")}
    cli_diff: list[float] = []
    for _ in range(args.runs):
        work = Path(tempfile.mkdtemp(prefix="clearway-bench-update-"))
        try:
            prepare(work, args.watch)
            phases["parse"].append(run_child("parse", work))
            phases["screener_load"].append(run_child("screener_load", work))
            setup = run_child("setup", work)
            if args.watch:
                run_cli(["watch", "import", str(work / "watch.csv")], work)
            phases["full"].append(run_child("full", work))
            phases["nochange"].append(run_child("nochange", work))
            phases["diff"].append(run_child("diff", work))
            cli_diff.append(run_cli(["diff", "csl", *phases["diff"][-1]["pair"], "--json"], work))
            report["setup"] = setup
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def med(rows: list[dict], key: str) -> float:
        return round(statistics.median(r[key] for r in rows), 3)

    summary = {name: {"seconds": med(rows, "seconds"), "process_s": med(rows, "process_s"),
                      "peak_rss_mb": med(rows, "peak_rss_mb"), "rss_after_imports_mb": med(rows, "rss_after_imports_mb"),
                      "last": rows[-1]} for name, rows in phases.items()}
    summary["cli_diff"] = {"seconds": round(statistics.median(cli_diff), 3)}
    report["phases"] = summary
    report["ratios"] = {
        "full_update / parse_only": round(summary["full"]["seconds"] / summary["parse"]["seconds"], 2),
        "full_update / screener_load": round(summary["full"]["seconds"] / summary["screener_load"]["seconds"], 2),
        "nochange_update / parse_only": round(summary["nochange"]["seconds"] / summary["parse"]["seconds"], 2),
        "diff / load_both_versions": round(summary["diff"]["last"]["diff_s"] / max(summary["diff"]["last"]["load_s"], 1e-9), 2),
    }

    full = summary["full"]["last"]
    d = summary["diff"]["last"]
    lines = [
        f"clearway update / diff benchmark — {args.runs} run(s), median; {report['cpus']} CPUs, Python {report['python']}",
        "",
        f"{'phase':<44}{'seconds':>9}{'process s':>11}{'peak RSS MB':>13}{'RSS after imports':>19}",
    ]
    labels = {"parse": "baseline: parse all 8 sources", "screener_load": "baseline: Screener.load (bundle)",
              "full": f"full update, 8 sources + {full.get('rescreened', 0)} re-screened",
              "nochange": "no-change update (8 unchanged)", "diff": "diff CSL 2022 → 2026 (in process)"}
    for k, label in labels.items():
        s = summary[k]
        lines.append(f"{label:<44}{s['seconds']:>9.2f}{s['process_s']:>11.2f}{s['peak_rss_mb']:>13.0f}"
                     f"{s['rss_after_imports_mb']:>19.0f}")
    lines.append(f"{'clearway diff csl OLD NEW --json (CLI)':<44}{summary['cli_diff']['seconds']:>9.2f}")
    lines += ["", f"full update: {full['update_s']} s to fetch, validate, store, diff and swap; "
              f"{full['rescreen_s']} s to re-screen the watchlist (Screener.load included)",
              "full update, per source (fetch + validate + store + diff, s): "
              + ", ".join(f"{k} {v}" for k, v in full["per_source_s"].items()),
              f"full update statuses: {full['statuses']}; alerts raised: {full['alerts']}",
              f"diff: load both {d['load_s']} s, diff {d['diff_s']} s, to JSON {d['to_json_s']} s; {d['counts']}",
              "", "ratios: " + "; ".join(f"{k} = {v}" for k, v in report["ratios"].items())]
    text = "\n".join(lines)
    if args.json:
        print(text, file=sys.stderr)
        print(json.dumps(report, indent=2))
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
