"""One update run: fetch every source, validate, store the good versions, swap them in, re-screen.

For each source (its publisher's address, or an address or local path given instead):

1. fetch it (:mod:`.fetch`), conditionally when the last accepted download left an ETag or
   Last-Modified — a 304 is "not modified";
2. the same bytes as the live version (content hash) are "unchanged"; a version that was rolled
   back by hand is not applied again;
3. validate it (:mod:`.validate`) against the live version's counts — a refusal leaves the live
   version in place and says why;
4. store it beside the older versions (:mod:`.versions`).

The sources run side by side; one failing never stops the others. Then every new version is
swapped in at once (one new snapshot, one pointer replacement), the change is recorded in the
audit trail with its diff counts, and the watchlist and registered targets are re-screened
(:mod:`.watch`). Only what follows the lock is visible to readers: a failure at any step before
the pointer is replaced leaves everything as it was.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from ..assemble import source_order
from ..model import content_hash
from .diff import diff_entities
from .fetch import FetchError, FetchOptions, Fetched, ProgressFn, Validators, fetch, is_url
from .publishers import Publisher, default_sources, publisher
from .validate import DEFAULT_MAX_SHRINK, Refused, list_counts, validate
from .versions import VersionInfo, VersionStore, utcnow

NEW, UNCHANGED, NOT_MODIFIED, REFUSED, FAILED = "new", "unchanged", "not modified", "refused", "failed"
OK_STATUSES = (NEW, UNCHANGED, NOT_MODIFIED)
_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")


@dataclass
class SourceOutcome:
    source: str
    location: str
    status: str = FAILED
    message: str = ""
    version: VersionInfo | None = None
    previous: str = ""  # the live version id before this run
    changes: dict[str, int] | None = None  # added / removed / changed against the previous version
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status in OK_STATUSES

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "location": self.location, "status": self.status, "message": self.message,
                "version": self.version.id if self.version else None, "previous": self.previous,
                "changes": self.changes, "warnings": self.warnings, "seconds": round(self.seconds, 3)}


@dataclass
class UpdateReport:
    outcomes: list[SourceOutcome]
    pointer: dict[str, Any] | None = None  # the new pointer when something was swapped in
    rescreen: Any = None  # watch.RescreenReport
    error: str = ""  # a failure after the downloads (swap, re-screen)

    @property
    def ok(self) -> bool:
        return not self.error and all(o.ok for o in self.outcomes)

    @property
    def swapped(self) -> bool:
        return self.pointer is not None

    def to_dict(self) -> dict[str, Any]:
        rs = self.rescreen
        return {
            "ok": self.ok,
            "sources": [o.to_dict() for o in self.outcomes],
            "swapped": self.swapped,
            "snapshot": self.pointer["snapshot"] if self.pointer else None,
            "error": self.error or None,
            "rescreen": None if rs is None else {
                "targets": rs.targets, "screened": rs.screened, "alerts": [a.to_dict() for a in rs.alerts],
                "skipped": rs.skipped, "webhook": rs.webhook},
        }


def parse_interval(text: str) -> float:
    """'90s', '30m', '6h', '1d' (or a bare number of seconds) → seconds."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text.lower())
    if not m:
        raise ValueError(f"not an interval: {text!r} (use 30m, 6h, 1d…)")
    seconds = float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    if seconds < 60:
        raise ValueError(f"interval {text!r} is shorter than a minute; publishers would not thank you")
    return seconds


def published_date(location: str, fetched: Fetched) -> str:
    """The publisher date to record: a date in the file name, else the server's Last-Modified;
    '' lets the parser infer it (from the newest listing date, for CSL and DPL files)."""
    name = PurePosixPath(urlsplit(location).path if is_url(location) else location).name
    m = _DATE_IN_NAME.search(name)
    if m:
        return m.group(1)
    return fetched.last_modified_date


def _date_version(parsed, day: str) -> None:
    """Give an undated parsed version a date (the day it was fetched), listings included."""
    old_id = parsed.version.id
    parsed.version.published = day
    new_id = parsed.version.id
    for e in parsed.entities:
        for lst in e.listings:
            if lst.version == old_id:
                lst.version = new_id


class _Counts:
    """Entities per list code of live versions, computed once per run."""

    def __init__(self, vs: VersionStore):
        self.vs = vs
        self._cache: dict[str, dict[str, int]] = {}

    def __call__(self, source: str, version_id: str) -> dict[str, int]:
        if version_id not in self._cache:
            info = next((i for i in self.vs.catalogue(source) if i.id == version_id), None)
            if info is not None and info.origin == "bundled" and info.path is None:
                self.vs.seed()  # stores the bundled versions with their counts (needed at the swap anyway)
                info = next((i for i in self.vs.catalogue(source) if i.id == version_id), None)
            if info is None:
                self._cache[version_id] = {}
            elif info.counts:
                self._cache[version_id] = info.counts
            else:
                self._cache[version_id] = list_counts(self.vs.entities(info))
        return self._cache[version_id]


def run_update(vs: VersionStore, sources: Mapping[str, str] | None = None, *, accept_shrink: bool = False,
               max_shrink: float = DEFAULT_MAX_SHRINK, options: FetchOptions | None = None,
               progress: Callable[[str], ProgressFn | None] | None = None, store=None, actor: str = "clearway",
               rescreen: bool = True, webhook_url: str = "", webhook_secret: str = "",
               workers: int = 4) -> UpdateReport:
    """Update ``sources`` (source -> URL or path; default: every default publisher)."""
    sources = dict(sources or default_sources())
    pubs = {s: publisher(s) for s in sources}  # unknown names fail before anything is fetched
    options = options or FetchOptions()
    outcomes: dict[str, SourceOutcome] = {s: SourceOutcome(s, loc) for s, loc in sources.items()}
    report = UpdateReport(outcomes=list(outcomes.values()))

    with vs.lock():
        if store is not None:
            _record_missed_swap(vs, store, actor)
        live = vs.live_versions()
        state = vs.state()
        counts = _Counts(vs)

        def download(source: str) -> tuple[Fetched | FetchError, float]:
            t = time.perf_counter()
            loc = sources[source]
            st = state.get(source, {})
            validators = None
            if is_url(loc) and st.get("location") == loc and st.get("status") in OK_STATUSES \
                    and live.get(source) == st.get("version"):
                validators = Validators(st.get("etag"), st.get("last_modified"))
            try:
                got: Fetched | FetchError = fetch(loc, validators=validators, options=options,
                                                  accept=pubs[source].accepts,
                                                  progress=progress(source) if progress else None)
            except FetchError as exc:
                got = exc
            return got, time.perf_counter() - t

        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(sources)))) as pool:
            fetched = dict(zip(sources, pool.map(download, sources)))

        staged: dict[str, str] = {}
        for source in source_order(sources):
            out = outcomes[source]
            t0 = time.perf_counter()
            out.previous = live.get(source, "")
            got, fetch_seconds = fetched[source]
            check: dict[str, Any] = {"last_checked": utcnow(), "location": sources[source]}
            if isinstance(got, FetchError):
                out.status, out.message = FAILED, str(got)
            elif got.not_modified:
                out.status, out.message = NOT_MODIFIED, "the publisher says it has not changed (HTTP 304)"
                check["version"] = out.previous
            else:
                try:
                    _accept(vs, pubs[source], got, out, live, counts, accept_shrink, max_shrink)
                except Exception as exc:  # a parser or disk failure on one source never stops the others
                    out.status = FAILED
                    out.message = f"could not check or store the download ({type(exc).__name__}: {exc})"
                if out.status == NEW and out.version is not None:
                    staged[source] = out.version.id
                if out.ok:
                    check.update(etag=got.validators.etag, last_modified=got.validators.last_modified,
                                 version=out.version.id if out.version else out.previous)
            check.update(status=out.status, message=out.message)
            if out.ok:
                check["last_success"] = check["last_checked"]
            if out.status in (REFUSED, FAILED):
                check.pop("version", None)
            vs.record_check(source, **check)
            out.seconds = fetch_seconds + time.perf_counter() - t0

        if staged:
            try:
                reason = "update " + ", ".join(f"{s}: {outcomes[s].previous or 'none'} -> {v}" for s, v in staged.items())
                report.pointer = vs.swap(staged, reason=reason)
            except Exception as exc:  # nothing went live: say so, keep the downloads stored
                report.error = f"the new versions could not be swapped in ({type(exc).__name__}: {exc}); the previous ones stay live"
                for s in staged:
                    outcomes[s].status, outcomes[s].message = FAILED, report.error
                    vs.record_check(s, status=FAILED, message=report.error)

    if store is not None and report.pointer is not None:
        store.append("list_update", actor, {
            "snapshot": report.pointer["snapshot"], "serial": report.pointer["serial"],
            "sources": {s: {"from": outcomes[s].previous, "to": v, "changes": outcomes[s].changes,
                            "location": outcomes[s].location} for s, v in staged.items()}})
    if rescreen and store is not None and not report.error:
        report.rescreen = rescreen_if_stale(vs, store, actor=actor, webhook_url=webhook_url,
                                            webhook_secret=webhook_secret)
    return report


def _record_missed_swap(vs: VersionStore, store, actor: str) -> None:
    """An update swaps the new lists in, then appends its ``list_update`` record: a process
    stopped between the two leaves lists live that the trail never mentions, and the next update
    would find them unchanged and write nothing. Write the missing record now (marked as such)."""
    pointer = vs.pointer()
    if pointer is None or not str(pointer.get("reason", "")).startswith("update "):
        return
    serial = pointer.get("serial")
    if any(r.payload.get("serial") == serial for r in store.records(kind="list_update")):
        return
    store.append("list_update", actor, {
        "snapshot": pointer["snapshot"], "serial": serial, "reason": pointer["reason"],
        "swapped_at": pointer.get("swapped_at"),
        "recovered": "went live without its record (the update stopped in between); recorded by the next update"})


def _accept(vs: VersionStore, pub: Publisher, got: Fetched, out: SourceOutcome, live: dict[str, str],
            counts: _Counts, accept_shrink: bool, max_shrink: float) -> None:
    """Decide on one downloaded file: unchanged, refused (why), or stored as a new version."""
    digest = content_hash(got.data)
    if out.previous.endswith("#" + digest[:12]):
        out.status, out.message = UNCHANGED, "the same bytes as the live version"
        return
    if any(r.endswith("#" + digest[:12]) for r in vs.rolled_back(pub.source)):
        out.status = REFUSED
        out.message = "this version was rolled back by hand; it is not applied again (the previous one stays live)"
        return
    previous_counts = counts(pub.source, out.previous) if out.previous else None
    try:
        checked = validate(pub, got.data, published=published_date(out.location, got), url=got.location
                           if is_url(got.location) else "", previous_counts=previous_counts,
                           max_shrink=max_shrink, accept_shrink=accept_shrink)
    except Refused as exc:
        out.status, out.message = REFUSED, f"{exc} — the live version stays"
        return
    parsed = checked.parsed
    if not parsed.version.published:
        _date_version(parsed, date.today().isoformat())
    origin = "download" if is_url(out.location) else "file"
    info = vs.store(parsed.version, parsed.entities, got.data, origin=origin, location=out.location,
                    counts=checked.counts, warnings=checked.warnings)
    out.version = info
    out.warnings = checked.warnings
    out.status = NEW
    out.message = f"{len(parsed.entities):,} entities"
    if out.previous:
        try:
            prev_info = next(i for i in vs.catalogue(pub.source) if i.id == out.previous)
            d = diff_entities(vs.entities(prev_info), parsed.entities, source=pub.source,
                              old_version=prev_info.version, new_version=parsed.version)
            out.changes = {"added": len(d.added), "removed": len(d.removed), "changed": len(d.changed)}
        except StopIteration:
            pass


def live_version_ids(vs: VersionStore) -> list[str]:
    """The live version ids in snapshot order (what ``Screener.versions`` will hold)."""
    live = vs.live_versions()
    return [live[s] for s in source_order(live)]


def rescreen_if_stale(vs: VersionStore, store, *, actor: str, force: bool = False, webhook_url: str = "",
                      webhook_secret: str = "", screener=None):
    """Re-screen targets not yet screened against the live versions (loads the lists only then)."""
    from ..store import monitor as db
    from .watch import RescreenReport, collect_targets, rescreen

    versions = live_version_ids(vs)
    if screener is None and not force:
        targets, problems = collect_targets(store)
        bases = {kind: db.get_baselines(store, kind) for kind in {t.kind for t in targets}}
        stale = [t for t in targets if (b := bases[t.kind].get(t.id)) is None or b[1] != versions]
        if not stale:
            return RescreenReport(targets=len(targets), skipped=problems)
    if screener is None:
        from ..screen import Screener

        screener = Screener.load(vs.current_snapshot())
    return rescreen(screener, store, actor=actor, force=force, webhook_url=webhook_url, webhook_secret=webhook_secret)
