"""``GET /v1/alerts``: what list updates changed for the watched partners."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query as Q

from ...store import monitor as mdb
from ..deps import StoreDep, Viewer
from ..errors import KEYED, ApiError, error_responses

router = APIRouter(prefix="/v1", tags=["monitoring"], responses=error_responses(*KEYED))


@router.get("/alerts", summary="Alerts raised by list updates")
def alerts(
    key: Viewer,
    store: StoreDep,
    since: Annotated[str | None, Q(max_length=40, description="Only alerts at or after this ISO date/time.")] = None,
    kind: Annotated[str | None, Q(description="new_hit, hit_gone or listing_changed.")] = None,
    target: Annotated[str | None, Q(max_length=100, description="Only alerts of this watchlist entry (or case) id.")] = None,
    limit: Annotated[int, Q(ge=1, le=1000, description="At most this many, newest first.")] = 100,
) -> dict[str, Any]:
    """A watched partner newly listed, no longer listed, or listed differently after an update:
    who, which listed party, the lists before and after, what changed, the list versions, and
    the audit record (``audit_seq``) of the alert."""
    if kind is not None and kind not in mdb.ALERT_KINDS:
        raise ApiError(f"unknown alert kind {kind!r} (use {', '.join(mdb.ALERT_KINDS)})", field="kind", status=422)
    if since is not None:
        try:
            datetime.fromisoformat(since)
        except ValueError:
            raise ApiError(f"since must be an ISO date or date-time, got {since!r}", field="since", status=422) from None
    return {"alerts": [a.to_dict() for a in mdb.list_alerts(store, since=since, kind=kind, target_id=target, limit=limit)]}
