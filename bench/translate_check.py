"""How well Chinese names find their English-only records: the translation path, measured on the data.

For every listed entity that publishes a Chinese name beside its English ones, the Chinese name
is screened against a copy of all lists with every Chinese name removed, so only the English
reading (pinyin + glossary) can find it. Reports the share found (at the default threshold) and
found first, by list, and the most frequent unread proper-name segments (glossary gaps).

    .venv/bin/python bench/translate_check.py [--limit N] [-v]
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
from collections import Counter, defaultdict

from clearway.model import NATIVE, WEAK
from clearway.names.han import NAME, segment
from clearway.names.text import fold, script_of
from clearway.screen import Screener
from clearway.snapshot import DEFAULT_SNAPSHOT, load_snapshot


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="check at most N names (random sample)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("-v", "--verbose", action="store_true", help="list the misses")
    ap.add_argument("--country", help="only records of this country (e.g. CN: Chinese institutions)")
    args = ap.parse_args()

    versions, entities = load_snapshot(DEFAULT_SNAPSHOT)
    cases = []
    stripped = []
    for e in entities:
        e2 = copy.copy(e)
        e2.names = [n for n in e.names if script_of(fold(n.value)) != "han"]
        stripped.append(e2)
        han = [n for n in e.names if n.kind in (NATIVE, WEAK) and script_of(fold(n.value)) == "han"]
        latin = [n for n in e.names if script_of(fold(n.value)) == "latin"]
        if args.country and args.country.upper() not in e.countries:
            continue
        if han and latin and e.schema != "Person":
            for n in han:
                if n.kind == NATIVE:  # weak names may name a parent group: not a fair test
                    cases.append((e.id, n.value, e.listings[0].list))
    if args.limit and len(cases) > args.limit:
        cases = random.Random(args.seed).sample(cases, args.limit)
    sc = Screener(stripped, versions)
    found = first = 0
    by_list: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    gaps: Counter[str] = Counter()
    misses = []
    for eid, zh, lst in cases:
        r = sc.screen(zh)
        hit = [eid in m.entity_ids for m in r.matches]
        by_list[lst][0] += 1
        if any(hit):
            found += 1
            by_list[lst][1] += 1
        if hit and hit[0]:
            first += 1
            by_list[lst][2] += 1
        if not any(hit):
            misses.append((zh, sc.entity(eid).caption, [m.name for m in r.matches[:2]]))
            for seg in segment(fold(zh)):
                if seg.kind == NAME:
                    gaps[seg.text] += 1
    n = len(cases) or 1
    print(f"Chinese names of non-person records, screened with every Chinese name removed: {len(cases)}")
    print(f"  found {found / n:.3f}   found first {first / n:.3f}")
    for lst, (t, f, h) in sorted(by_list.items(), key=lambda kv: -kv[1][0]):
        print(f"  {lst:10} {t:5}  found {f / t:.3f}  first {h / t:.3f}")
    print("  most frequent proper-name segments among misses:", ", ".join(f"{k}×{v}" for k, v in gaps.most_common(25)))
    if args.verbose:
        for zh, cap, got in misses:
            print(f"  MISS {zh} → expected {cap!r}, got {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
