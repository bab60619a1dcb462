"""Vetting a case: screen every party through the Screener, apply the rules, derive the assessment.

Each finding carries its severity, its evidence (which party and listing, which keyword, which
activity), the rule it rests on with citations, and the rules version. The assessment is the
strictest floor among the findings — a rule's floor, never a keyword by itself, decides it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from typing import Any

import orjson

from ..screen import ALGORITHM_VERSION, Match, Query, Screener
from ..vetting.ruleset import ASSESSMENTS, SEVERITIES, Rule, RuleSet, default_rules, find_keywords, topic_text
from .spec import CaseSpec, Party

# Roles whose listing is a finding: the lead is the institution asking.
SCREENED_ROLES = ("partner", "funder", "vendor", "visitor")


def entity_fingerprint(match: Match) -> str:
    """What a listing entry says: a false-positive decision holds until this changes."""
    payload = [(lv.entity_id, lv.list, lv.license_requirement, lv.license_policy, lv.federal_register,
                lv.start_date, lv.end_date) for lv in match.listings]
    return hashlib.sha256(orjson.dumps([match.names, payload])).hexdigest()[:16]


def party_key(party: Party) -> str:
    """A party as a decision remembers it: its name and country, folded."""
    from ..names.text import fold

    return f"{fold(party.name)}|{(party.country or '').upper()}"


@dataclass
class Hit:
    entity_id: str
    name: str
    lists: list[str]
    former_lists: list[str]
    score: float
    matched_name: str
    explanation: str
    explanation_zh: str
    fingerprint: str
    listings: list[dict[str, Any]]
    cleared: bool = False  # a remembered false-positive decision covers this hit
    via: str = "name"  # "name" or "affiliation"


@dataclass
class PartyResult:
    index: int
    party: dict[str, Any]
    hits: list[Hit]

    @property
    def listed_on(self) -> list[str]:
        return sorted({c for h in self.hits if not h.cleared and h.via == "name" for c in h.lists})

    @property
    def affiliation_listed_on(self) -> list[str]:
        return sorted({c for h in self.hits if not h.cleared and h.via == "affiliation" for c in h.lists})


@dataclass
class Finding:
    rule_id: str
    kind: str
    severity: str
    assessment: str
    title: str
    title_zh: str
    text: str
    text_zh: str
    conditions: list[str]
    conditions_zh: list[str]
    citations: list[dict[str, str]]
    evidence: dict[str, Any]
    rules_version: str
    suspended: str | None = None


@dataclass
class Vetting:
    assessment: str
    findings: list[Finding]
    parties: list[PartyResult]
    rules_version: str
    algorithm: str
    list_versions: list[str]
    vetted_at: str
    as_of: str
    summary: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _hit(m: Match, via: str) -> Hit:
    return Hit(entity_id=m.id, name=m.name, lists=list(m.lists), former_lists=list(m.former_lists),
               score=round(m.score, 4), matched_name=m.matched_name, explanation=m.explanation,
               explanation_zh=m.explanation_zh, fingerprint=entity_fingerprint(m),
               listings=[asdict(lv) for lv in m.listings if lv.current], via=via)


def screen_parties(spec: CaseSpec, screener: Screener,
                   cleared: Callable[[str, str, str], bool] | None = None) -> list[PartyResult]:
    """Screen each party (and a person's affiliation) through the one Screener."""
    out = []
    for i, p in enumerate(spec.parties):
        schema = "Person" if p.kind == "person" else "Organization"
        q = Query(p.name, country=p.country, schema=schema, birth_date=p.birth_date)
        hits = [_hit(m, "name") for m in screener.screen(q).matches if m.lists]
        if p.kind == "person" and p.affiliation:
            aq = Query(p.affiliation, country=p.country, schema="Organization")
            hits += [_hit(m, "affiliation") for m in screener.screen(aq).matches if m.lists]
        key = party_key(p)
        for h in hits:
            if cleared is not None and cleared(key, h.entity_id, h.fingerprint):
                h.cleared = True
        out.append(PartyResult(i, {k: v for k, v in asdict(p).items() if v is not None}, hits))
    return out


def _fill(template: str, values: dict[str, str]) -> str:
    for k, v in values.items():
        template = template.replace("{" + k + "}", v)
    return template


def _evaluate(rule: Rule, spec: CaseSpec, parties: list[PartyResult], text: str) -> dict[str, Any] | None:
    """The evidence a rule fires on, or None when one of its conditions does not hold."""
    w = rule.when
    acts = set(spec.activities)
    evidence: dict[str, Any] = {}
    if "activities_any" in w:
        hit = sorted(acts & set(w["activities_any"]))
        if not hit:
            return None
        evidence["activities"] = hit
    if "activities_all" in w:
        if not set(w["activities_all"]) <= acts:
            return None
        evidence["activities"] = sorted(set(evidence.get("activities", [])) | set(w["activities_all"]))
    if "activities_none" in w and acts & set(w["activities_none"]):
        return None
    if "topics_any" in w:
        kws = find_keywords(list(w["topics_any"]), text)
        if not kws:
            return None
        evidence["keywords"] = kws
    roles = set(w.get("party_roles") or SCREENED_ROLES)
    kinds = set(w.get("party_kinds") or ("organization", "person"))
    candidates = [p for p in parties if p.party["role"] in roles and p.party.get("kind", "organization") in kinds]
    if "no_listed_parties" in w and w["no_listed_parties"]:
        if any(p.listed_on or p.affiliation_listed_on for p in parties if p.party["role"] in SCREENED_ROLES):
            return None
    if "party_countries" in w:
        wanted = {c.upper() for c in w["party_countries"]}
        candidates = [p for p in candidates if (p.party.get("country") or "").upper() in wanted]
        if not candidates:
            return None
        evidence.setdefault("parties", [p.party["name"] for p in candidates])
    if "party_lists" in w:
        wanted = set(w["party_lists"])
        texts = [t.casefold() for t in w.get("listing_text_any", [])]
        found = []
        for p in candidates:
            for h in p.hits:
                # Employees of a listed organisation are treated as the organisation (BIS FAQ;
                # rules.md 1.4): a hit on a person's affiliation counts as the person's listing.
                if h.cleared:
                    continue
                lists = sorted(set(h.lists) & wanted)
                if not lists:
                    continue
                if texts and not any(t in (lv.get("license_requirement", "") + " " + lv.get("license_policy", "")).casefold()
                                     for lv in h.listings if lv["list"] in lists for t in texts):
                    continue
                found.append({"party": p.party["name"], "entity_id": h.entity_id, "listed_name": h.name,
                              "lists": lists, "score": h.score, "via": h.via,
                              "listings": [lv for lv in h.listings if lv["list"] in lists]})
        if not found:
            return None
        evidence["listed_parties"] = found
        evidence["parties"] = sorted({f["party"] for f in found})
        evidence["lists"] = sorted({c for f in found for c in f["lists"]})
    elif "listing_text_any" in w:
        return None  # listing text only qualifies a listing condition
    if "affiliation_lists" in w:
        wanted = set(w["affiliation_lists"])
        found = []
        for p in candidates:
            for h in p.hits:
                if h.cleared or h.via != "affiliation":
                    continue
                lists = sorted(set(h.lists) & wanted)
                if lists:
                    found.append({"party": p.party["name"], "affiliation": p.party.get("affiliation"),
                                  "entity_id": h.entity_id, "listed_name": h.name, "lists": lists})
        if not found:
            return None
        evidence["affiliated_parties"] = found
        evidence["parties"] = sorted({f["party"] for f in found})
        evidence["lists"] = sorted({c for f in found for c in f["lists"]})
    if "party_kinds" in w and "parties" not in evidence:
        if not candidates:
            return None
        evidence["parties"] = [p.party["name"] for p in candidates]
    return evidence


def vet(spec: CaseSpec, screener: Screener, *, rules: RuleSet | None = None, today: date | None = None,
        cleared: Callable[[str, str, str], bool] | None = None) -> Vetting:
    """Vet a case: every party screened, every rule in force evaluated, the assessment derived."""
    rules = rules or default_rules()
    today = today or date.today()
    parties = screen_parties(spec, screener, cleared)
    text = topic_text([spec.title, spec.title_zh or "", spec.summary or "", spec.summary_zh or "", *spec.topics])
    findings: list[Finding] = []
    for rule in rules.rules:
        if not rule.in_force(today):
            continue
        ev = _evaluate(rule, spec, parties, text)
        if ev is None:
            continue
        values = {"party": ", ".join(ev.get("parties", [])) or "—", "lists": ", ".join(ev.get("lists", [])) or "—",
                  "keywords": ", ".join(ev.get("keywords", [])) or "—",
                  "activities": ", ".join(ev.get("activities", [])) or "—"}
        severity, assessment, suspended = rule.severity, rule.assessment, None
        text_en, text_zh = _fill(rule.finding, values), _fill(rule.finding_zh, values)
        susp = rule.suspension(today)
        if susp is not None:
            # A suspended rule still tells the reader it exists and when it returns.
            severity, assessment = "info", "proceed"
            suspended = f"suspended {susp.start} to {susp.end}" + (f": {susp.note}" if susp.note else "")
            text_en = f"Suspended until {susp.end} — {text_en}"
            text_zh = f"暂停执行至{susp.end}——{text_zh}"
        findings.append(Finding(
            rule_id=rule.id, kind=rule.kind, severity=severity, assessment=assessment, title=rule.title,
            title_zh=rule.title_zh, text=text_en, text_zh=text_zh, conditions=list(rule.conditions),
            conditions_zh=list(rule.conditions_zh), citations=[dict(c) for c in rule.citations], evidence=ev,
            rules_version=rules.version, suspended=suspended,
        ))
    findings.sort(key=lambda f: (-SEVERITIES.index(f.severity), -ASSESSMENTS.index(f.assessment), f.rule_id))
    assessment = max((f.assessment for f in findings), key=ASSESSMENTS.index, default="proceed")
    summary = {
        "parties": len(parties),
        "listed_parties": sum(1 for p in parties if p.listed_on or p.affiliation_listed_on),
        "hits": sum(len(p.hits) for p in parties),
        "cleared_hits": sum(1 for p in parties for h in p.hits if h.cleared),
        "findings_by_severity": {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES},
    }
    return Vetting(
        assessment=assessment, findings=findings, parties=parties, rules_version=rules.version,
        algorithm=ALGORITHM_VERSION, list_versions=[v.id for v in screener.versions],
        vetted_at=datetime.now(timezone.utc).isoformat(timespec="seconds"), as_of=today.isoformat(),
        summary=summary,
    )
