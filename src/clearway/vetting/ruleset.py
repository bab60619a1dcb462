"""The vetting rules: a versioned data file (``rules.yaml``), validated against its JSON Schema.

Rules are data, not code branches: a new rule, a rescission or a suspension date is an edit of
the file, and every finding names the rules version it came from. See ``README.md`` here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from ..names.text import fold, to_simplified

HERE = Path(__file__).parent
RULES_FILE = HERE / "rules.yaml"
RULES_SCHEMA = HERE / "rules.schema.json"

ASSESSMENTS = ("proceed", "proceed-with-conditions", "legal-review", "do-not-proceed")
SEVERITIES = ("info", "low", "medium", "high", "critical")


class RulesError(ValueError):
    """The rules file is not valid."""


@dataclass(frozen=True)
class Suspension:
    start: str
    end: str
    note: str = ""


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    title: str
    title_zh: str
    when: dict[str, Any]
    severity: str
    assessment: str
    finding: str
    finding_zh: str
    citations: tuple[dict[str, str], ...]
    effective: str
    until: str | None = None
    conditions: tuple[str, ...] = ()
    conditions_zh: tuple[str, ...] = ()
    suspended: tuple[Suspension, ...] = ()

    def in_force(self, today: date) -> bool:
        d = today.isoformat()
        return self.effective <= d and (self.until is None or d <= self.until)

    def suspension(self, today: date) -> Suspension | None:
        d = today.isoformat()
        return next((s for s in self.suspended if s.start <= d <= s.end), None)


@dataclass
class RuleSet:
    version: str
    rules: list[Rule] = field(default_factory=list)


def _rule(d: dict[str, Any]) -> Rule:
    return Rule(
        id=d["id"], kind=d["kind"], title=d["title"], title_zh=d["title_zh"], when=dict(d["when"]),
        severity=d["severity"], assessment=d["assessment"], finding=d["finding"], finding_zh=d["finding_zh"],
        citations=tuple(d["citations"]), effective=d["effective"], until=d.get("until"),
        conditions=tuple(d.get("conditions", ())), conditions_zh=tuple(d.get("conditions_zh", ())),
        suspended=tuple(Suspension(s["from"], s["to"], s.get("note", "")) for s in d.get("suspended", ())),
    )


def plain_dates(obj: Any) -> Any:
    """YAML reads 2026-11-10 as a date; the formats keep dates as ISO strings."""
    if isinstance(obj, dict):
        return {k: plain_dates(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [plain_dates(v) for v in obj]
    if isinstance(obj, date):
        return obj.isoformat()
    return obj


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Load and validate a rules file (the bundled one by default)."""
    p = Path(path) if path else RULES_FILE
    try:
        data = plain_dates(yaml.safe_load(p.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(f"cannot read rules file {p}: {exc}") from exc
    schema = json.loads(RULES_SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        e = errors[0]
        where = "/".join(str(x) for x in e.path) or "(top)"
        raise RulesError(f"rules file {p.name} is not valid at {where}: {e.message}")
    ids = [r["id"] for r in data["rules"]]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise RulesError(f"rules file {p.name} repeats rule ids: {', '.join(dup)}")
    return RuleSet(version=str(data["version"]), rules=[_rule(r) for r in data["rules"]])


@lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    return load_rules()


def topic_text(parts: list[str]) -> str:
    """The text keywords are looked for in: folded, traditional Chinese made simplified."""
    return " ".join(to_simplified(p) for p in parts if p)


@lru_cache(maxsize=4096)
def _keyword_re(keyword: str) -> re.Pattern[str]:
    words = fold(keyword).split()
    # Whole words, with any punctuation or spacing between them ("AI-chip", "ai chip").
    return re.compile(r"(?<![a-z0-9])" + r"[\W_]*".join(re.escape(w) for w in words) + r"(?![a-z0-9])")


def find_keywords(keywords: list[str], text: str) -> list[str]:
    """The keywords (English: whole words; Chinese: substrings) that occur in ``text``."""
    folded = fold(text)
    compact = folded.replace(" ", "")
    found = []
    for k in keywords:
        kf = fold(k)
        if not kf:
            continue
        if any("\u3400" <= ch <= "\u9fff" for ch in kf):
            if kf.replace(" ", "") in compact:
                found.append(k)
        elif _keyword_re(k).search(folded):
            found.append(k)
    return found
