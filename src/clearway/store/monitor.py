"""Storing the watchlist, re-screening baselines and alerts.

Adding or removing a watchlist entry and raising an alert each append a record to the audit
trail; an alert row keeps the sequence number of its audit record.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import delete, func, insert, select, update

from .monitor_schema import alerts, rescreen_baselines, watchlist
from .store import Store, now

ALERT_KINDS = ("new_hit", "hit_gone", "listing_changed")


class UnknownWatchError(LookupError):
    """No watchlist entry with that id."""


def _dump(obj: Any) -> str:
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS).decode()


@dataclass(frozen=True, slots=True)
class WatchEntry:
    id: str
    name: str
    country: str | None
    schema: str | None
    birth_date: str | None
    note: str
    added_at: str
    added_by: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "country": self.country, "schema": self.schema,
                "birth_date": self.birth_date, "note": self.note, "added_at": self.added_at,
                "added_by": self.added_by}


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    at: str
    kind: str
    target_kind: str
    target_id: str
    target_name: str
    entity_id: str
    party: str
    detail: dict[str, Any]
    list_versions: list[str]
    audit_seq: int | None
    delivery: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at, "kind": self.kind, "target_kind": self.target_kind,
                "target_id": self.target_id, "target_name": self.target_name, "entity_id": self.entity_id,
                "party": self.party, "detail": self.detail, "list_versions": self.list_versions,
                "audit_seq": self.audit_seq, "delivery": self.delivery}


def _watch(r) -> WatchEntry:
    return WatchEntry(r.id, r.name, r.country, r.schema, r.birth_date, r.note or "", r.added_at, r.added_by)


def _alert(r) -> Alert:
    return Alert(r.id, r.at, r.kind, r.target_kind, r.target_id, r.target_name, r.entity_id, r.party,
                 orjson.loads(r.detail), orjson.loads(r.list_versions), r.audit_seq, r.delivery or "")


# -- the watchlist ---------------------------------------------------------------------------


def add_watch(store: Store, name: str, *, actor: str, country: str | None = None, schema: str | None = None,
              birth_date: str | None = None, note: str = "") -> WatchEntry:
    entry = WatchEntry("w_" + secrets.token_hex(5), name, country, schema, birth_date, note, now(), actor)
    with store.engine.begin() as conn:
        conn.execute(insert(watchlist).values(**entry.to_dict()))
    store.append("watch", actor, {"action": "add", **entry.to_dict()})
    return entry


def find_watch(store: Store, name: str, country: str | None, schema: str | None) -> WatchEntry | None:
    """An entry with the same name (letter case and spacing ignored), country and schema."""
    folded = " ".join(name.split()).casefold()
    q = select(watchlist).where(func.lower(watchlist.c.name) == folded.lower())
    with store.engine.connect() as conn:
        rows = conn.execute(q).all()
    for r in rows:
        if " ".join(r.name.split()).casefold() == folded and r.country == country and r.schema == schema:
            return _watch(r)
    return None


def list_watch(store: Store) -> list[WatchEntry]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(watchlist).order_by(watchlist.c.added_at, watchlist.c.id)).all()
    return [_watch(r) for r in rows]


def get_watch(store: Store, entry_id: str) -> WatchEntry:
    with store.engine.connect() as conn:
        r = conn.execute(select(watchlist).where(watchlist.c.id == entry_id)).first()
    if r is None:
        raise UnknownWatchError(f"no watchlist entry {entry_id!r} (see `clearway watch list`)")
    return _watch(r)


def remove_watch(store: Store, entry_id: str, *, actor: str) -> WatchEntry:
    entry = get_watch(store, entry_id)
    with store.engine.begin() as conn:
        conn.execute(delete(watchlist).where(watchlist.c.id == entry_id))
        conn.execute(delete(rescreen_baselines).where(rescreen_baselines.c.target_kind == "watch",
                                                      rescreen_baselines.c.target_id == entry_id))
    store.append("watch", actor, {"action": "remove", "id": entry.id, "name": entry.name})
    return entry


# -- baselines -------------------------------------------------------------------------------


def get_baseline(store: Store, kind: str, target_id: str) -> tuple[list[dict[str, Any]], list[str]] | None:
    with store.engine.connect() as conn:
        r = conn.execute(select(rescreen_baselines).where(rescreen_baselines.c.target_kind == kind,
                                                          rescreen_baselines.c.target_id == target_id)).first()
    if r is None:
        return None
    return orjson.loads(r.result), orjson.loads(r.list_versions)


def get_baselines(store: Store, kind: str) -> dict[str, tuple[list[dict[str, Any]], list[str]]]:
    """Every baseline of one kind of target: id -> (result, list versions)."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(rescreen_baselines).where(rescreen_baselines.c.target_kind == kind)).all()
    return {r.target_id: (orjson.loads(r.result), orjson.loads(r.list_versions)) for r in rows}


def save_baseline(store: Store, kind: str, target_id: str, result: list[dict[str, Any]], versions: list[str]) -> None:
    values = {"result": _dump(result), "list_versions": _dump(versions), "screened_at": now()}
    with store.engine.begin() as conn:
        res = conn.execute(update(rescreen_baselines).where(rescreen_baselines.c.target_kind == kind,
                                                            rescreen_baselines.c.target_id == target_id)
                           .values(**values))
        if res.rowcount == 0:
            conn.execute(insert(rescreen_baselines).values(target_kind=kind, target_id=target_id, **values))


# -- alerts ----------------------------------------------------------------------------------


def add_alert(store: Store, *, actor: str, kind: str, target_kind: str, target_id: str, target_name: str,
              entity_id: str, party: str, detail: dict[str, Any], list_versions: list[str]) -> Alert:
    """Record an alert: first in the audit trail, then in the alerts table (with the record's seq)."""
    if kind not in ALERT_KINDS:
        raise ValueError(f"unknown alert kind {kind!r}")
    payload = {"kind": kind, "target_kind": target_kind, "target_id": target_id, "target_name": target_name,
               "entity_id": entity_id, "party": party, "detail": detail, "list_versions": list_versions}
    rec = store.append("alert", actor, payload)
    with store.engine.begin() as conn:
        res = conn.execute(insert(alerts).values(
            at=rec.at, kind=kind, target_kind=target_kind, target_id=target_id, target_name=target_name[:1000],
            entity_id=entity_id[:100], party=party[:1000], detail=_dump(detail), list_versions=_dump(list_versions),
            audit_seq=rec.seq, delivery=""))
        alert_id = res.inserted_primary_key[0]
    return Alert(alert_id, rec.at, kind, target_kind, target_id, target_name, entity_id, party, detail,
                 list_versions, rec.seq, "")


def list_alerts(store: Store, *, since: str | None = None, kind: str | None = None, target_id: str | None = None,
                limit: int = 100) -> list[Alert]:
    """Alerts, newest first."""
    q = select(alerts).order_by(alerts.c.id.desc()).limit(limit)
    if since:
        q = q.where(alerts.c.at >= since)
    if kind:
        q = q.where(alerts.c.kind == kind)
    if target_id:
        q = q.where(alerts.c.target_id == target_id)
    with store.engine.connect() as conn:
        rows = conn.execute(q).all()
    return [_alert(r) for r in rows]


def set_delivery(store: Store, alert_ids: list[int], status: str) -> None:
    if not alert_ids:
        return
    with store.engine.begin() as conn:
        conn.execute(update(alerts).where(alerts.c.id.in_(alert_ids)).values(delivery=status))
