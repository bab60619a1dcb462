#!/usr/bin/env python3
"""Build the bundled snapshot (src/clearway/data/snapshot.json.gz) from the shared list files.

Newest version of each list, one snapshot:

* ``csl``          US Consolidated Screening List, 2026-07-31 compact file (SDN, EL, DPL, MEU, CMIC ...)
* ``dod_1260h``    DoD 1260H, 2026-08-20 (every release 2021–2026, delisted companies kept as history)
* ``ndaa_1286``    NDAA §1286 institutions of concern, report years 2022–2025
* ``fcc``          FCC Covered List
* ``bis_mieu``     BIS Military-Intelligence End Users
* ``cn_sanctions`` China countermeasure / UEL / export-control / TAO lists, 2026-08-07
* ``cn_mofcom``    MOFCOM control list, UEL, watch list, 2026-07-19
* ``multi``        only the lists no other source covers: UFLPA, METI-EUL, CA-NRO

For multi records of lists another source covers (EL, CMIC, MEU -> csl; 1260H -> dod_1260h;
1286 -> ndaa_1286) the native names are attached as WEAK names to the entity of the same list in
that source whose primary or alias name matches the record's English name or aliases (case,
punctuation and whitespace ignored). The OFAC legacy files and the DPL text files are not used:
the 2026 CSL carries SDN and DPL and is newer.

Older versions for diff work go to src/clearway/data/history/<source>@<published>.json.gz:
csl 2022-04, dod_1260h 2026-08-14, cn_sanctions 2026-06-29.

Usage: python scripts/build_snapshot.py [--shared DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from clearway.assemble import MULTI_TARGET, assemble  # noqa: E402
from clearway.model import Entity  # noqa: E402
from clearway.snapshot import load_snapshot, save_snapshot  # noqa: E402
from clearway.sources import bis_mieu, cn_mofcom, cn_sanctions, csl, dod_1260h, fcc, multi, ndaa_1286  # noqa: E402
from clearway.sources.base import Parsed, read_source  # noqa: E402

_OS = "https://github.com/opensanctions/opensanctions"

# (parser, file, published, url) — published/url as documented in shared/data/lists/PROVENANCE.md;
# "" lets the parser infer (csl) or leaves the version undated.
CURRENT = [
    (csl, "us_csl_2026-07-31.compact.json.gz", "2026-07-31", ""),
    (dod_1260h, "us_dod_1260h_2026-08-20.csv", "2026-08-20", f"{_OS}/blob/f33cff23/datasets/us/dod_chinese_milcorps/sanctions.csv"),
    (ndaa_1286, "us_ndaa_1286.csv", "", f"{_OS}/blob/main/datasets/us/special_leg/source_files/section_1286.csv"),
    (fcc, "us_fcc_covered_list.csv", "", f"{_OS}/blob/main/datasets/us/fcc_covered_list/table.csv"),
    (bis_mieu, "us_bis_mieu.csv", "2026-07", f"{_OS}/tree/f33cff23/datasets/us/bis_mieu"),
    (cn_sanctions, "cn_sanctions_2026-08-07.csv", "2026-08-07", f"{_OS}/tree/main/datasets/cn/sanctions"),
    (cn_mofcom, "cn_mofcom_lists_2026-07-19.json", "2026-07-19",
     "https://github.com/xyna-bpinelab/security-export-control-registry/blob/101c8139/data/entities/cn.json"),
]
MULTI = ("multi_restricted_parties_2026-08-18.json.gz", "2026-08-18",
         "https://github.com/casslab-kaist/restricted-parties-db/blob/fcfe36f4/public/data/restricted_parties.json")
HISTORY = [
    (csl, "us_csl_2022-04.csv.gz", "", ""),  # csl infers 2022-04-21 from the newest start date
    (dod_1260h, "us_dod_1260h_2026-08-14.csv", "2026-08-14", f"{_OS}/blob/f33cff23/datasets/us/dod_chinese_milcorps/sanctions.csv"),
    (cn_sanctions, "cn_sanctions_2026-06-29.csv", "2026-06-29", f"{_OS}/tree/main/datasets/cn/sanctions"),
]


def _parse(module, shared: Path, filename: str, published: str, url: str) -> Parsed:
    t = time.perf_counter()
    parsed = module.parse(read_source(shared / filename), published=published, url=url)
    v = parsed.version
    print(f"  {v.source:<13} {filename:<42} {v.records:>6} entities  {len(parsed.problems):>3} problems  "
          f"({time.perf_counter() - t:.2f}s)  {v.id}")
    for p in parsed.problems[:5]:
        print(f"      {p}")
    if len(parsed.problems) > 5:
        print(f"      ... {len(parsed.problems) - 5} more")
    return parsed


def list_counts(entities: list[Entity]) -> dict[str, tuple[int, int]]:
    total: Counter = Counter()
    current: Counter = Counter()
    for ent in entities:
        codes = {lst.list for lst in ent.listings}
        cur = {lst.list for lst in ent.listings if lst.is_current()}
        total.update(codes)
        current.update(cur)
    return {code: (total[code], current[code]) for code in sorted(total)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data" / "lists",
                    help="directory with the shared list files (default: ../shared/data/lists)")
    ap.add_argument("--out", type=Path, default=REPO / "src" / "clearway" / "data",
                    help="output directory (default: src/clearway/data)")
    args = ap.parse_args(argv)
    shared: Path = args.shared.resolve()
    out: Path = args.out.resolve()
    if not shared.is_dir():
        print(f"error: {shared} is not a directory", file=sys.stderr)
        return 2

    print(f"Parsing the newest versions from {shared}")
    parts = {}
    for module, filename, published, url in CURRENT:
        parsed = _parse(module, shared, filename, published, url)
        parts[parsed.version.source] = (parsed.version, parsed.entities)
    mparsed = _parse(multi, shared, *MULTI)
    parts[mparsed.version.source] = (mparsed.version, mparsed.entities)

    # clearway.assemble is shared with `clearway update`: both build a snapshot the same way.
    versions, entities, stats = assemble(parts)
    print("\nAttaching multi native names (WEAK) to the primary sources:")
    for code, st in sorted(stats.items()):
        matched = st["matched"] + st["matched (name split)"] + st["matched (loose)"]
        print(f"  {code:<6} -> {MULTI_TARGET[code]:<10} {st['records']:>5} records ({st['with native']} with a native name): "
              f"{matched} matched ({st['matched (name split)']} after splitting joined names, {st['matched (loose)']} loosely), "
              f"{st['unmatched']} unmatched ({st['ambiguous']} ambiguous, "
              f"{st['unmatched with native']} with a native name); "
              f"{st['weak names added']} weak names added to {st['entities enriched']} entities")

    ids = Counter(e.id for e in entities)
    dup = [i for i, c in ids.items() if c > 1]
    if dup:
        print(f"error: {len(dup)} duplicate entity ids, e.g. {dup[:3]}", file=sys.stderr)
        return 1

    path = save_snapshot(out / "snapshot.json.gz", versions, entities)
    t = time.perf_counter()
    _, loaded = load_snapshot(path)
    load_s = time.perf_counter() - t
    print(f"\nWrote {path} ({path.stat().st_size / 1e6:.2f} MB, {len(entities)} entities, "
          f"{len(versions)} versions; loads in {load_s:.2f}s)")
    assert len(loaded) == len(entities)

    print("\n  list       entities   current")
    for code, (n, cur) in list_counts(entities).items():
        print(f"  {code:<9} {n:>9} {cur:>9}")

    print("\nOlder versions for diffs:")
    hist_dir = out / "history"
    for module, filename, published, url in HISTORY:
        parsed = _parse(module, shared, filename, published, url)
        v = parsed.version
        hpath = save_snapshot(hist_dir / f"{v.source}@{v.published or 'undated'}.json.gz", [v], parsed.entities)
        print(f"      -> {hpath} ({hpath.stat().st_size / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
