"""Storing cases: the case with its latest vetting, its full history, decisions and comments.

Every change is an event of the case and a record of the audit trail, written in the same
call, so the trail holds who decided what and when.
"""

from __future__ import annotations

import secrets
from typing import Any

import orjson
from sqlalchemy import insert, select, update

from .cases_schema import case_events, cases, cleared_hits
from .store import Store, now

DECISIONS = ("true-match", "false-positive", "needs-information")


class CaseNotFound(LookupError):
    pass


def _dump(obj: Any) -> str:
    return orjson.dumps(obj).decode()


def _event(conn, case_id: str, actor: str, kind: str, payload: dict[str, Any]) -> None:
    conn.execute(insert(case_events).values(case_id=case_id, at=now(), actor=actor, kind=kind, payload=_dump(payload)))


def create_case(store: Store, spec: dict[str, Any], vetting: dict[str, Any], actor: str) -> str:
    case_id = "case_" + secrets.token_hex(6)
    t = now()
    with store.engine.begin() as conn:
        conn.execute(insert(cases).values(id=case_id, title=spec["title"][:500], created_at=t, created_by=actor,
                                          updated_at=t, status="open", spec=_dump(spec), vetting=_dump(vetting),
                                          assessment=vetting["assessment"]))
        _event(conn, case_id, actor, "created", {"spec": spec})
        _event(conn, case_id, actor, "vetted", _vetting_summary(vetting))
    store.append("case", actor, {"action": "created", "case_id": case_id, "title": spec["title"],
                                 **_vetting_summary(vetting)})
    return case_id


def _vetting_summary(vetting: dict[str, Any]) -> dict[str, Any]:
    return {"assessment": vetting["assessment"], "rules_version": vetting["rules_version"],
            "list_versions": vetting["list_versions"], "algorithm": vetting["algorithm"],
            "findings": [f["rule_id"] for f in vetting["findings"]],
            "hits": [{"party": p["party"]["name"], "entity_id": h["entity_id"], "lists": h["lists"],
                      "score": h["score"], "cleared": h["cleared"]} for p in vetting["parties"] for h in p["hits"]]}


def save_vetting(store: Store, case_id: str, vetting: dict[str, Any], actor: str) -> None:
    with store.engine.begin() as conn:
        res = conn.execute(update(cases).where(cases.c.id == case_id).values(
            vetting=_dump(vetting), assessment=vetting["assessment"], updated_at=now()))
        if res.rowcount == 0:
            raise CaseNotFound(case_id)
        _event(conn, case_id, actor, "vetted", _vetting_summary(vetting))
    store.append("case", actor, {"action": "re-vetted", "case_id": case_id, **_vetting_summary(vetting)})


def get_case(store: Store, case_id: str) -> dict[str, Any]:
    with store.engine.connect() as conn:
        row = conn.execute(select(cases).where(cases.c.id == case_id)).first()
        if row is None:
            raise CaseNotFound(case_id)
        events = conn.execute(select(case_events).where(case_events.c.case_id == case_id)
                              .order_by(case_events.c.id)).all()
    history = [{"at": e.at, "actor": e.actor, "kind": e.kind, **orjson.loads(e.payload)} for e in events]
    return {
        "id": row.id, "title": row.title, "status": row.status, "created_at": row.created_at,
        "created_by": row.created_by, "updated_at": row.updated_at, "assessment": row.assessment,
        "spec": orjson.loads(row.spec), "vetting": orjson.loads(row.vetting),
        "decisions": [h for h in history if h["kind"] == "decision"],
        "comments": [h for h in history if h["kind"] == "comment"],
        "history": [{k: v for k, v in h.items() if k != "spec"} for h in history],
    }


def list_cases(store: Store, status: str | None = None) -> list[dict[str, Any]]:
    q = select(cases.c.id, cases.c.title, cases.c.status, cases.c.assessment, cases.c.created_at,
               cases.c.updated_at, cases.c.created_by).order_by(cases.c.created_at.desc())
    if status:
        q = q.where(cases.c.status == status)
    with store.engine.connect() as conn:
        return [{str(k): v for k, v in r._mapping.items()} for r in conn.execute(q).all()]


def open_case_ids(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return [r.id for r in conn.execute(select(cases.c.id).where(cases.c.status == "open")).all()]


def decide(store: Store, case_id: str, *, party_index: int, entity_id: str, decision: str, reason: str,
           actor: str, party_key: str) -> dict[str, Any]:
    """Adjudicate one screening hit of a case. A false positive is remembered for the party and
    list entry (until the entry changes)."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of: {', '.join(DECISIONS)}")
    if not reason.strip():
        raise ValueError("a decision needs a reason")
    case = get_case(store, case_id)
    parties = case["vetting"]["parties"]
    if not 0 <= party_index < len(parties):
        raise ValueError(f"party index {party_index} is out of range (0–{len(parties) - 1})")
    hit = next((h for h in parties[party_index]["hits"] if h["entity_id"] == entity_id), None)
    if hit is None:
        raise ValueError(f"party {party_index} has no hit on entity {entity_id!r}")
    p = parties[party_index]["party"]
    key = party_key
    record = {"party_index": party_index, "party": p["name"], "entity_id": entity_id, "listed_name": hit["name"],
              "lists": hit["lists"], "decision": decision, "reason": reason.strip(), "fingerprint": hit["fingerprint"]}
    with store.engine.begin() as conn:
        _event(conn, case_id, actor, "decision", record)
        if decision == "false-positive":
            exists = conn.execute(select(cleared_hits).where(
                cleared_hits.c.party_key == key, cleared_hits.c.entity_id == entity_id,
                cleared_hits.c.fingerprint == hit["fingerprint"])).first()
            if exists is None:
                conn.execute(insert(cleared_hits).values(party_key=key, entity_id=entity_id,
                                                         fingerprint=hit["fingerprint"], case_id=case_id,
                                                         actor=actor, at=now(), reason=reason.strip()))
        conn.execute(update(cases).where(cases.c.id == case_id).values(updated_at=now()))
    store.append("decision", actor, {"case_id": case_id, **record})
    return record


def cleared_checker(store: Store):
    """A function (party_key, entity_id, fingerprint) → True when a reviewer cleared that hit."""
    with store.engine.connect() as conn:
        rows = {(r.party_key, r.entity_id, r.fingerprint) for r in conn.execute(select(cleared_hits)).all()}
    return lambda key, entity_id, fp: (key, entity_id, fp) in rows


def comment(store: Store, case_id: str, text: str, actor: str) -> dict[str, Any]:
    text = text.strip()
    if not text:
        raise ValueError("a comment cannot be empty")
    if len(text) > 20000:
        raise ValueError("a comment is at most 20,000 characters")
    get_case(store, case_id)  # raises when unknown
    with store.engine.begin() as conn:
        _event(conn, case_id, actor, "comment", {"text": text})
        conn.execute(update(cases).where(cases.c.id == case_id).values(updated_at=now()))
    store.append("comment", actor, {"case_id": case_id, "text": text})
    return {"case_id": case_id, "actor": actor, "text": text}


def share(store: Store, case_id: str, role: str, name: str, actor: str) -> tuple[dict[str, Any], str]:
    """A key that sees this case only (the partner's research office): viewer or reviewer."""
    if role not in ("viewer", "reviewer"):
        raise ValueError("a case is shared with the viewer or reviewer role")
    get_case(store, case_id)
    rec, secret = store.create_key(role, name or f"shared {case_id}", scope=f"case:{case_id}")
    with store.engine.begin() as conn:
        _event(conn, case_id, actor, "shared", {"key_id": rec.id, "role": role, "name": rec.name})
    store.append("case", actor, {"action": "shared", "case_id": case_id, "key_id": rec.id, "role": role})
    return {"key_id": rec.id, "role": role, "name": rec.name, "case_id": case_id}, secret


def set_status(store: Store, case_id: str, status: str, actor: str) -> None:
    if status not in ("open", "closed"):
        raise ValueError("status is open or closed")
    with store.engine.begin() as conn:
        res = conn.execute(update(cases).where(cases.c.id == case_id).values(status=status, updated_at=now()))
        if res.rowcount == 0:
            raise CaseNotFound(case_id)
        _event(conn, case_id, actor, status, {})
    store.append("case", actor, {"action": status, "case_id": case_id})
