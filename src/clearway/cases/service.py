"""Cases as the CLI, the API and the pages use them: vet and store, re-vet, adjudicate.

One function per act, each screening through the Screener and recording in the store.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..screen import Screener
from ..store import Store
from ..store import cases as case_store
from .spec import CaseSpec, Party, parse_case
from .vet import party_key, vet


def vet_case(spec: CaseSpec, screener: Screener, store: Store, *, actor: str, today: date | None = None) -> dict[str, Any]:
    """Vet a new case and store it; returns the stored case."""
    result = vet(spec, screener, today=today, cleared=case_store.cleared_checker(store))
    case_id = case_store.create_case(store, spec.to_dict(), result.to_dict(), actor)
    return case_store.get_case(store, case_id)


def revet_case(case_id: str, screener: Screener, store: Store, *, actor: str, today: date | None = None) -> dict[str, Any]:
    """Vet a stored case again (new lists, new rules, new decisions)."""
    case = case_store.get_case(store, case_id)
    spec = parse_case(case["spec"])
    result = vet(spec, screener, today=today, cleared=case_store.cleared_checker(store))
    case_store.save_vetting(store, case_id, result.to_dict(), actor)
    return case_store.get_case(store, case_id)


def adjudicate(store: Store, case_id: str, *, party_index: int, entity_id: str, decision: str, reason: str,
               actor: str) -> dict[str, Any]:
    case = case_store.get_case(store, case_id)
    parties = case["vetting"]["parties"]
    if not 0 <= party_index < len(parties):
        raise ValueError(f"party index {party_index} is out of range (0–{len(parties) - 1})")
    p = parties[party_index]["party"]
    key = party_key(Party(name=p["name"], role=p["role"], country=p.get("country")))
    return case_store.decide(store, case_id, party_index=party_index, entity_id=entity_id, decision=decision,
                             reason=reason, actor=actor, party_key=key)
