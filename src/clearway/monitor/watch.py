"""Re-screening after a list update: the watchlist, and any target another layer registers.

**Targets.** A target is a name to keep screening: a watchlist entry, or (registered by the
cases layer, which this module does not import) a party of an open case. A layer adds its
targets with :func:`register_targets` — a function from the store to :class:`Target` records —
so every update re-screens them too::

    from clearway.monitor.watch import Target, register_targets
    register_targets("case", lambda store: [Target("case", pid, Query(name)) for pid, name in open_parties(store)])

**Baselines and alerts.** Each target's newest result (its hits, each with its lists and the
details of its listings) is kept as its baseline. After an update the target is screened again
through the one :class:`~clearway.screen.Screener`; compared with the baseline, a hit that was not
there is a ``new_hit``, a hit no longer there is ``hit_gone``, and a hit whose lists or listing
details (licence requirement, policy, citation, dates, delisting) changed is ``listing_changed``.
Hits are the same party across versions when they share an entity id or a name (ids are not
stable across every publisher layout). A score moving is not an alert. Each alert is appended to
the audit trail and stored; the screening itself is recorded like any other.

**Webhook.** With ``CLEARWAY_WEBHOOK_URL`` and ``CLEARWAY_WEBHOOK_SECRET`` set, new alerts are
POSTed as JSON; the header ``X-Clearway-Signature: sha256=<hex>`` is the HMAC-SHA256 of the exact
body bytes under the secret (:func:`verify_signature` checks one). Alerts are never posted
unsigned.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import orjson

from .. import __version__
from ..query import Query, QueryError
from ..store import Store
from ..store import monitor as db

if TYPE_CHECKING:  # screening itself is imported where it runs: the command line loads this module
    from ..screen import Screener, ScreenResult

WATCH = "watch"
SIGNATURE_HEADER = "X-Clearway-Signature"
RESCREEN_BATCH = 200  # queries per audit record of a re-screening


@dataclass(frozen=True, slots=True)
class Target:
    kind: str  # "watch", "case", …
    id: str
    query: Query
    label: str = ""  # what to call it in an alert (default: the query's name)
    baseline: list[dict[str, Any]] | None = None  # used when no baseline is stored yet

    @property
    def name(self) -> str:
        return self.label or self.query.name


TargetSource = Callable[[Store], Iterable[Target]]
_TARGET_SOURCES: dict[str, TargetSource] = {}
AlertListener = Callable[[list[db.Alert]], None]
_ALERT_LISTENERS: list[AlertListener] = []


def register_targets(kind: str, source: TargetSource) -> None:
    """Re-screen the targets ``source(store)`` yields after every list update."""
    _TARGET_SOURCES[kind] = source


def unregister_targets(kind: str) -> None:
    _TARGET_SOURCES.pop(kind, None)


def add_alert_listener(fn: AlertListener) -> None:
    """Call ``fn(alerts)`` with the alerts each re-screening raised (after they are stored)."""
    if fn not in _ALERT_LISTENERS:
        _ALERT_LISTENERS.append(fn)


def remove_alert_listener(fn: AlertListener) -> None:
    if fn in _ALERT_LISTENERS:
        _ALERT_LISTENERS.remove(fn)


def watch_query(entry: db.WatchEntry) -> Query:
    return Query(entry.name, country=entry.country, schema=entry.schema, birth_date=entry.birth_date, id=entry.id)


def _watch_targets(store: Store) -> Iterable[Target]:
    for e in db.list_watch(store):
        yield Target(WATCH, e.id, watch_query(e))


register_targets(WATCH, _watch_targets)


# ---------------------------------------------------------------- summaries and comparisons


_LISTING_KEYS = ("license_requirement", "license_policy", "federal_register", "start_date", "end_date", "current")
_LISTING_LABELS = {"license_requirement": "licence requirement", "license_policy": "licence policy",
                   "federal_register": "citation", "start_date": "start date", "end_date": "end date",
                   "current": "status"}


def summarize(result: ScreenResult) -> list[dict[str, Any]]:
    """A result's hits as a baseline keeps them: the party, its lists, its listings' details."""
    out = []
    for m in result.matches:
        listings = sorted({(lv.list, *(getattr(lv, k) for k in _LISTING_KEYS)) for lv in m.listings},
                          key=lambda t: tuple(str(x) for x in t))
        out.append({"id": m.id, "name": m.name, "names": m.names, "entity_ids": m.entity_ids,
                    "lists": m.lists, "former_lists": m.former_lists, "score": round(m.score, 4),
                    "listings": [list(t) for t in listings]})
    return out


def _fold(s: str) -> str:
    return " ".join(s.split()).casefold()


def _same_party(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if set(a.get("entity_ids", ())) & set(b.get("entity_ids", ())):
        return True
    na = {_fold(x) for x in [a.get("name", ""), *a.get("names", ())] if x}
    nb = {_fold(x) for x in [b.get("name", ""), *b.get("names", ())] if x}
    return bool(na & nb)


def _listing_changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed in the listings of one party (per list, when each has one listing there)."""
    def by_code(hit):
        d: dict[str, list[list]] = {}
        for row in hit.get("listings", ()):
            d.setdefault(row[0], []).append(row)
        return d

    a, b = by_code(old), by_code(new)
    out: list[dict[str, Any]] = []
    for code in sorted(set(a) & set(b)):
        if sorted(map(str, a[code])) == sorted(map(str, b[code])):
            continue
        if len(a[code]) == 1 and len(b[code]) == 1:
            for i, key in enumerate(_LISTING_KEYS, 1):
                x, y = a[code][0][i], b[code][0][i]
                if x != y:
                    if key == "current":
                        x, y = ("listed" if x else "delisted"), ("listed" if y else "delisted")
                    out.append({"list": code, "field": _LISTING_LABELS[key], "before": x, "after": y})
        else:
            out.append({"list": code, "field": "listings", "before": len(a[code]), "after": len(b[code])})
    return out


def compare_results(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(alert kind, detail) for every difference between two summaries of one target."""
    alerts: list[tuple[str, dict[str, Any]]] = []
    matched_old: set[int] = set()
    for hit in new:
        j = next((i for i, o in enumerate(old) if i not in matched_old and _same_party(o, hit)), None)
        if j is None:
            alerts.append(("new_hit", {"hit": hit, "lists_before": [], "lists_after": hit["lists"]}))
            continue
        matched_old.add(j)
        prev = old[j]
        changes = _listing_changes(prev, hit)
        lists_added = sorted(set(hit["lists"]) - set(prev["lists"]))
        lists_removed = sorted(set(prev["lists"]) - set(hit["lists"]))
        if lists_added or lists_removed or changes:
            alerts.append(("listing_changed", {"hit": hit, "lists_before": prev["lists"], "lists_after": hit["lists"],
                                               "lists_added": lists_added, "lists_removed": lists_removed,
                                               "changes": changes}))
    for i, prev in enumerate(old):
        if i not in matched_old:
            alerts.append(("hit_gone", {"hit": prev, "lists_before": prev["lists"], "lists_after": []}))
    return alerts


# ---------------------------------------------------------------- re-screening


@dataclass
class RescreenReport:
    targets: int = 0  # targets known
    screened: int = 0  # screened against the new versions
    skipped: list[str] = field(default_factory=list)  # targets that could not be screened, and why
    alerts: list[db.Alert] = field(default_factory=list)
    webhook: str = ""  # "", "sent", "failed: …", "not configured", "unsigned: …"


def screen_target(screener: Screener, store: Store, target: Target, *, actor: str) -> ScreenResult:
    """Screen one target now and keep the result as its baseline (no alert): a new watchlist entry."""
    from ..service import screen_and_record

    result = screen_and_record(screener, store, [target.query], actor=actor, channel=f"{target.kind}-add")[0]
    db.save_baseline(store, target.kind, target.id, summarize(result), [v.id for v in screener.versions])
    return result


def collect_targets(store: Store) -> tuple[list[Target], list[str]]:
    """Every registered target, and the problems of sources that failed."""
    targets: list[Target] = []
    problems: list[str] = []
    for kind, source in list(_TARGET_SOURCES.items()):
        try:
            targets.extend(source(store))
        except Exception as exc:  # one failing layer never stops the watchlist
            problems.append(f"{kind}: cannot list targets ({type(exc).__name__}: {exc})")
    return targets, problems


def rescreen(screener: Screener, store: Store, *, actor: str, force: bool = False,
             webhook_url: str = "", webhook_secret: str = "") -> RescreenReport:
    """Screen every target whose baseline is not on the screener's versions; store the alerts.

    Re-running after an interrupted run screens only what is left (``force`` screens all).
    """
    from ..service import screen_and_record

    versions = [v.id for v in screener.versions]
    targets, problems = collect_targets(store)
    report = RescreenReport(targets=len(targets), skipped=problems)
    bases = {kind: db.get_baselines(store, kind) for kind in {t.kind for t in targets}}
    todo: list[tuple[Target, list[dict[str, Any]] | None]] = []
    for t in targets:
        base = bases[t.kind].get(t.id)
        if base is not None and base[1] == versions and not force:
            continue
        todo.append((t, base[0] if base is not None else t.baseline))

    for start in range(0, len(todo), RESCREEN_BATCH):
        chunk = todo[start:start + RESCREEN_BATCH]
        queries: list[Query] = []
        kept: list[tuple[Target, list[dict[str, Any]] | None]] = []
        for t, base in chunk:
            try:
                queries.append(Query(t.query.name, country=t.query.country, schema=t.query.schema,
                                     birth_date=t.query.birth_date, id=f"{t.kind}:{t.id}").validate())
                kept.append((t, base))
            except QueryError as exc:
                report.skipped.append(f"{t.kind} {t.id}: {exc}")
        if not queries:
            continue
        results = screen_and_record(screener, store, queries, actor=actor, channel="rescreen")
        for (t, base), result in zip(kept, results):
            summary = summarize(result)
            if base is not None:
                for kind, detail in compare_results(base, summary):
                    hit = detail["hit"]
                    report.alerts.append(db.add_alert(
                        store, actor=actor, kind=kind, target_kind=t.kind, target_id=t.id, target_name=t.name,
                        entity_id=hit["id"], party=hit["name"], detail=detail, list_versions=versions))
            db.save_baseline(store, t.kind, t.id, summary, versions)
            report.screened += 1

    if report.alerts:
        for fn in list(_ALERT_LISTENERS):
            try:
                fn(report.alerts)
            except Exception as exc:
                report.skipped.append(f"alert listener {getattr(fn, '__name__', fn)}: {type(exc).__name__}: {exc}")
        if webhook_url and not webhook_secret:
            report.webhook = "not sent: CLEARWAY_WEBHOOK_SECRET is not set (alerts are never posted unsigned)"
        elif webhook_url:
            ok, message = post_alerts(webhook_url, webhook_secret, report.alerts, versions)
            db.set_delivery(store, [a.id for a in report.alerts], "sent" if ok else "failed")
            report.webhook = "sent" if ok else f"failed: {message}"
    return report


# ---------------------------------------------------------------- webhook


def sign(secret: str, body: bytes) -> str:
    """The X-Clearway-Signature value of ``body``: ``sha256=<hex HMAC-SHA256 under secret>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is the signature of exactly ``body`` under ``secret`` (constant time)."""
    return bool(header) and hmac.compare_digest(sign(secret, body), header.strip())


def post_alerts(url: str, secret: str, alerts: list[db.Alert], versions: list[str], *, timeout: float = 10.0,
                retries: int = 2, backoff: float = 1.0) -> tuple[bool, str]:
    """POST the alerts as one signed JSON body; (delivered, message). Retries 5xx and network errors."""
    import httpx

    body = orjson.dumps({
        "event": "alerts",
        "sent_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "list_versions": versions,
        "alerts": [a.to_dict() for a in alerts],
    }, option=orjson.OPT_SORT_KEYS)
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body),
               "X-Clearway-Event": "alerts", "User-Agent": f"clearway/{__version__}"}
    message = ""
    for attempt in range(retries + 1):
        try:
            r = httpx.post(url, content=body, headers=headers, timeout=timeout)
            if 200 <= r.status_code < 300:
                return True, f"HTTP {r.status_code}"
            message = f"HTTP {r.status_code} from {url}"
            if r.status_code < 500 and r.status_code not in (408, 429):
                return False, message
        except httpx.HTTPError as exc:
            message = f"{type(exc).__name__}: {exc}"
        if attempt < retries:
            time.sleep(backoff * (2 ** attempt))
    return False, message
