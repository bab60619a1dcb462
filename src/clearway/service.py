"""Screening as an auditable act: screen through the Screener, then append the audit record.

The one function every consumer that must leave a trace calls (the CLI's ``screen``, the API's
``/v1/screen``, ``/match`` and ``/reconcile``). The record is committed before this returns, so
a response is never sent for a screening the trail does not hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .screen import ALGORITHM_VERSION, Query, Screener, ScreenResult
from .store import Store


def list_versions(screener: Screener) -> list[str]:
    return [v.id for v in screener.versions]


def _summary(result: ScreenResult) -> list[dict[str, Any]]:
    return [
        {"id": m.id, "name": m.name, "lists": m.lists, "former_lists": m.former_lists,
         "score": round(m.score, 4), "matched_name": m.matched_name, "entity_ids": m.entity_ids}
        for m in result.matches
    ]


def screen_and_record(
    screener: Screener,
    store: Store | None,
    queries: Sequence[Query],
    *,
    actor: str,
    channel: str,
    lists: set[str] | None = None,
    threshold: float | None = None,
    limit: int = 10,
) -> list[ScreenResult]:
    """Screen every query and append one audit record for the whole request."""
    results = screen_all(screener, queries, lists=lists, threshold=threshold, limit=limit)
    record_screening(screener, store, queries, results, actor=actor, channel=channel, lists=lists,
                     threshold=threshold)
    return results


def screen_all(screener: Screener, queries: Sequence[Query], *, lists: set[str] | None = None,
               threshold: float | None = None, limit: int = 10) -> list[ScreenResult]:
    """The screening half of :func:`screen_and_record` (a caller that runs the two halves apart
    — the API screens on its event loop and commits in a thread — must still call both)."""
    return [screener.screen(q, lists=lists, threshold=threshold, limit=limit) for q in queries]


def record_screening(screener: Screener, store: Store | None, queries: Sequence[Query],
                     results: Sequence[ScreenResult], *, actor: str, channel: str,
                     lists: set[str] | None = None, threshold: float | None = None) -> None:
    """The audit half of :func:`screen_and_record`: one record for the request, committed
    before this returns."""
    if store is None:
        return
    store.append("screen", actor, {
        "channel": channel,
        "algorithm": ALGORITHM_VERSION,
        "list_versions": list_versions(screener),
        "lists": sorted(lists) if lists else None,
        "threshold": results[0].threshold if results else threshold,
        "results": [
            {"id": q.id, "query": r.query_dict(), "matches": _summary(r)}
            for q, r in zip(queries, results)
        ],
    })


def record_refusal(store: Store | None, *, actor: str, channel: str, reason: str, status: int) -> None:
    """A refused request leaves only this trace: who, where, why — never the rejected body."""
    if store is not None:
        store.append("refusal", actor, {"channel": channel, "status": status, "reason": reason[:500]})
