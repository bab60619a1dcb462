"""Matching quality on a labelled set (the format of ``eval/dev.jsonl``).

A positive query is *found* when any reported match (at the default threshold) has a primary
name matching one of its ``expect`` patterns; *hit@1* when the best-ranked match does. A negative
(``expect: []``) raises a *false alert* when anything is reported that no ``allow`` pattern covers.
A reported match stands for its whole group (the same party on several lists), so every primary
name in the group counts.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import orjson

from .screen import Match, Query, Screener


class EvalFileError(ValueError):
    pass


@dataclass
class Case:
    id: str
    query: Query
    expect: list[re.Pattern[str]]
    allow: list[re.Pattern[str]]
    tags: list[str]


@dataclass
class Outcome:
    case: Case
    matches: list[Match]
    found: bool = False
    hit1: bool = False
    false_alert: bool = False


@dataclass
class Report:
    overall: dict[str, Any]
    by_tag: dict[str, dict[str, Any]]
    failures: list[dict[str, Any]] = field(default_factory=list)


def read_cases(data: bytes) -> list[Case]:
    cases: list[Case] = []
    for lineno, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = orjson.loads(line)
            q = row["query"]
            cases.append(Case(
                id=str(row.get("id", lineno)),
                query=Query(q["name"], country=q.get("country"), schema=q.get("schema"),
                            birth_date=q.get("birth_date")),
                expect=[re.compile(p, re.I) for p in row.get("expect", [])],
                allow=[re.compile(p, re.I) for p in row.get("allow", [])],
                tags=list(row.get("tags", [])),
            ))
        except (orjson.JSONDecodeError, KeyError, TypeError, re.error) as exc:
            raise EvalFileError(f"line {lineno}: not a valid evaluation case ({exc})") from exc
    if not cases:
        raise EvalFileError("no evaluation cases in the file")
    return cases


def _names(m: Match) -> list[str]:
    return [m.name, *m.names]


def judge(case: Case, matches: list[Match]) -> Outcome:
    o = Outcome(case, matches)
    if case.expect:
        ok = [any(p.search(n) for p in case.expect for n in _names(m)) for m in matches]
        o.found = any(ok)
        o.hit1 = bool(ok) and ok[0]
    else:
        o.false_alert = any(not any(p.search(n) for p in case.allow for n in _names(m)) for m in matches)
    return o


def _figures(outcomes: list[Outcome]) -> dict[str, Any]:
    pos = [o for o in outcomes if o.case.expect]
    neg = [o for o in outcomes if not o.case.expect]
    return {
        "queries": len(outcomes),
        "positives": len(pos),
        "negatives": len(neg),
        "recall": round(sum(o.found for o in pos) / len(pos), 4) if pos else None,
        "hit_at_1": round(sum(o.hit1 for o in pos) / len(pos), 4) if pos else None,
        "false_alert_rate": round(sum(o.false_alert for o in neg) / len(neg), 4) if neg else None,
    }


def evaluate(screener: Screener, cases: list[Case], *, threshold: float | None = None) -> Report:
    outcomes = [judge(c, screener.screen(c.query, threshold=threshold).matches) for c in cases]
    by_tag: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        for t in o.case.tags:
            by_tag[t].append(o)
    failures = []
    for o in outcomes:
        bad = (o.case.expect and not o.hit1) or o.false_alert
        if bad:
            failures.append({
                "id": o.case.id, "query": o.case.query.name, "tags": o.case.tags,
                "expect": [p.pattern for p in o.case.expect],
                "problem": "false alert" if o.false_alert else ("not found" if not o.found else "found, not first"),
                "got": [{"name": m.name, "lists": m.lists, "score": round(m.score, 3)} for m in o.matches[:3]],
            })
    return Report(_figures(outcomes), {t: _figures(v) for t, v in sorted(by_tag.items())}, failures)
