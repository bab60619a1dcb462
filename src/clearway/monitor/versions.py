"""The on-disk list version store in the data directory, and its atomically swapped "current" pointer.

Layout under ``<data directory>/lists/`` (``$CLEARWAY_HOME/lists`` when set)::

    current.json                         the pointer: which version of each source is live, and the
                                         assembled snapshot file every Screener loads
    state.json                           per source: last checked, outcome, ETag / Last-Modified
    versions/<source>/<date>_<hash>.json.gz    one version of one source, as parsed (snapshot format)
    versions/<source>/<date>_<hash>.raw.gz     the publisher's bytes it was parsed from (provenance)
    versions/<source>/<date>_<hash>.meta.json  its ListVersion, counts per list, origin, when stored
    snapshots/<serial>-<hash>.json.gz    assembled snapshots (immutable; the newest few are kept)
    lock                                 held by the one process changing any of the above

Until the first update swaps something in there is no pointer, and the bundled snapshot is live.
The first swap copies the bundled versions into ``versions/`` (origin "bundled"), so a rollback
can return to them and a later assembly has every source at hand.

**Atomic swap.** A new snapshot is assembled from one version per source, written under a new
name, flushed to disk and read back (versions and entity count checked) before the pointer is
replaced with ``os.replace`` (atomic on POSIX and Windows) and the directory flushed. A reader —
``clearway screen`` or a running server — sees the old pointer or the new one, never a half;
the snapshot files a pointer names are never rewritten, and the previous few are kept so a
reader that read the old pointer a moment ago still finds its file. Nothing here imports the
Screener; :func:`current_snapshot_path` is how callers find what to load.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson

from .. import settings
from ..assemble import MULTI, MULTI_TARGET, assemble
from ..model import PRIMARY, WEAK, Entity, Listing, ListVersion, Name
from ..snapshot import DEFAULT_SNAPSHOT, HISTORY_DIR, load_snapshot, read_snapshot_doc, save_snapshot

POINTER_FORMAT = 1
KEEP_SNAPSHOTS = 4  # the live snapshot and the three before it
BUNDLED = "bundled"
NATIVE_CARRIER = "multi:native-of:"  # id prefix of the records that carry bundled native names


class VersionStoreError(RuntimeError):
    """The version store cannot do what was asked (nothing to roll back, a broken pointer…)."""


def utcnow() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a part."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":  # pragma: no cover - directories cannot be opened on Windows
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def source_of(entity: Entity, version_sources: dict[str, str] | None = None) -> str:
    """The source an entity came from: its listings' version, else its id prefix."""
    if version_sources:
        for lst in entity.listings:
            src = version_sources.get(lst.version)
            if src:
                return src
    return entity.id.split(":", 1)[0]


@dataclass
class VersionInfo:
    """One known version of one source."""

    version: ListVersion
    origin: str  # "download", "file", "bundled", "history" (an older version shipped for diffs)
    path: Path | None = None  # stored snapshot-format file; None: part of the bundled snapshot
    stored_at: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    location: str = ""  # where it was fetched from
    warnings: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.version.id

    @property
    def source(self) -> str:
        return self.version.source

    def to_dict(self) -> dict[str, Any]:
        v = self.version
        return {"id": v.id, "source": v.source, "published": v.published, "content_hash": v.content_hash,
                "url": v.url, "records": v.records, "origin": self.origin, "stored_at": self.stored_at,
                "location": self.location, "counts": self.counts, "warnings": self.warnings}


def _stem(v: ListVersion) -> str:
    return f"{v.published or 'undated'}_{v.content_hash[:12]}"


def _strip_weak(entities: list[Entity]) -> list[Entity]:
    """Entities without the WEAK names another source lent them (the publisher's own data only)."""
    out = []
    for e in entities:
        if any(n.kind == WEAK for n in e.names):
            e = Entity(e.id, e.schema, [n for n in e.names if n.kind != WEAK], e.listings, e.countries,
                       e.addresses, e.birth_dates, e.identifiers)
        out.append(e)
    return out


# The versions a snapshot file lists, by path. Reading them means decompressing the whole file
# (about a second for the bundle), and a VersionStore is made afresh for each page or command,
# so they are kept per process; the stamp catches a file replaced since.
_file_versions: dict[Path, tuple[tuple[int, int, int] | None, list[ListVersion]]] = {}


def _versions_in_file(path: Path) -> list[ListVersion]:
    try:
        st = path.stat()
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
    except OSError:
        stamp = None  # read_snapshot_doc says why
    hit = _file_versions.get(path)
    if hit is None or stamp is None or hit[0] != stamp:
        doc = read_snapshot_doc(path)
        hit = _file_versions[path] = (stamp, [ListVersion(**v) for v in doc.get("versions", ())])
    return hit[1]


class VersionStore:
    """The version store rooted at ``root`` (normally ``<data directory>/lists``)."""

    def __init__(self, root: Path, *, bundle: Path = DEFAULT_SNAPSHOT, history_dir: Path = HISTORY_DIR):
        self.root = Path(root)
        self.bundle = Path(bundle)
        self.history_dir = Path(history_dir)

    # -- paths -------------------------------------------------------------------------------

    @property
    def pointer_path(self) -> Path:
        return self.root / "current.json"

    @property
    def state_path(self) -> Path:
        return self.root / "state.json"

    def _dir(self, source: str) -> Path:
        if not re.fullmatch(r"[a-z0-9_]+", source):
            raise VersionStoreError(f"bad source name {source!r}")
        return self.root / "versions" / source

    # -- the lock ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, wait: bool = True) -> Iterator[None]:
        """Only one process changes the store at a time (a second `clearway update` waits)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fh = open(self.root / "lock", "a+b")
        try:
            try:
                import fcntl
            except ImportError:  # pragma: no cover - Windows: no advisory locks; single updater assumed
                yield
                return
            flags = fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB)
            try:
                fcntl.flock(fh.fileno(), flags)
            except BlockingIOError:
                raise VersionStoreError(f"another update is running (lock held on {self.root / 'lock'})") from None
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        finally:
            fh.close()

    # -- the pointer -------------------------------------------------------------------------

    def pointer(self) -> dict[str, Any] | None:
        """The current pointer, or None while the bundled snapshot is live."""
        try:
            raw = self.pointer_path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise VersionStoreError(f"the list pointer {self.pointer_path} is not JSON ({exc}); "
                                    "remove it to return to the bundled lists") from None
        if not isinstance(doc, dict) or doc.get("format") != POINTER_FORMAT or "snapshot" not in doc:
            raise VersionStoreError(f"the list pointer {self.pointer_path} is not one this version reads")
        return doc

    def current_snapshot(self) -> Path:
        """The snapshot file that is live: the newest swapped-in one, else the bundled snapshot."""
        doc = self.pointer()
        if doc is None:
            return self.bundle
        path = self.root / doc["snapshot"]
        if not path.is_file():
            raise VersionStoreError(f"the live snapshot {path} named by {self.pointer_path} is missing; "
                                    "run `clearway update --rollback SOURCE` or remove the pointer")
        return path

    def marker(self) -> str:
        """Changes whenever another snapshot goes live (cheap: one small file read)."""
        try:
            doc = self.pointer()
        except VersionStoreError:
            return "broken"
        return BUNDLED if doc is None else str(doc["snapshot"])

    def live_versions(self) -> dict[str, str]:
        """source -> live version id."""
        doc = self.pointer()
        if doc is not None:
            return dict(doc["sources"])
        return {v.source: v.id for v in self._bundle_versions()}

    def _bundle_versions(self) -> list[ListVersion]:
        return [ListVersion(v.source, v.published, v.content_hash, v.url, v.records)
                for v in _versions_in_file(self.bundle)]

    # -- state (last checked, validators) ----------------------------------------------------

    def state(self) -> dict[str, dict[str, Any]]:
        try:
            doc = orjson.loads(self.state_path.read_bytes())
        except (FileNotFoundError, orjson.JSONDecodeError):
            return {}
        return doc if isinstance(doc, dict) else {}

    def record_check(self, source: str, **fields: Any) -> None:
        """Merge ``fields`` into the source's state (call with the lock held)."""
        st = self.state()
        entry = st.setdefault(source, {})
        entry.update({k: v for k, v in fields.items()})
        self.root.mkdir(parents=True, exist_ok=True)
        _write_atomic(self.state_path, orjson.dumps(st, option=orjson.OPT_INDENT_2))

    # -- the catalogue of versions -----------------------------------------------------------

    def stored(self, source: str) -> list[VersionInfo]:
        out = []
        d = self._dir(source)
        if not d.is_dir():
            return out
        for meta in sorted(d.glob("*.meta.json")):
            try:
                m = orjson.loads(meta.read_bytes())
            except (OSError, orjson.JSONDecodeError):
                continue
            v = ListVersion(source=m["source"], published=m["published"], content_hash=m["content_hash"],
                            url=m.get("url", ""), records=m.get("records", 0))
            path = meta.with_name(meta.name[: -len(".meta.json")] + ".json.gz")
            if path.is_file():
                out.append(VersionInfo(v, m.get("origin", "download"), path, m.get("stored_at", ""),
                                       m.get("counts", {}), m.get("location", ""), m.get("warnings", [])))
        return out

    def catalogue(self, source: str) -> list[VersionInfo]:
        """Every known version of ``source``, oldest first: the older versions shipped for diffs,
        the bundled one, and every stored one (by publisher date, then when stored)."""
        seen: dict[str, VersionInfo] = {}
        for path in sorted(self.history_dir.glob(f"{source}@*.json.gz")):
            try:
                versions = _versions_in_file(path)
            except ValueError:
                continue
            for lv in versions:
                if lv.source == source:
                    seen.setdefault(lv.id, VersionInfo(lv, "history", path))
        for lv in self._bundle_versions():
            if lv.source == source:
                seen[lv.id] = VersionInfo(lv, BUNDLED, None)
        for info in self.stored(source):
            seen[info.id] = info
        return sorted(seen.values(), key=lambda i: (i.version.published, i.stored_at))

    def find(self, source: str, ref: str) -> VersionInfo:
        """A version of ``source`` by id, id prefix, publisher date or content-hash prefix."""
        infos = self.catalogue(source)
        ref = ref.strip()
        hits = [i for i in infos if i.id == ref]
        if not hits:
            hits = [i for i in infos if i.version.published == ref or i.id.startswith(ref)
                    or (len(ref) >= 6 and i.version.content_hash.startswith(ref))]
        if not hits:
            known = ", ".join(i.id for i in infos) or "none"
            raise VersionStoreError(f"no version {ref!r} of {source} (known: {known})")
        if len(hits) > 1:
            raise VersionStoreError(f"{ref!r} names {len(hits)} versions of {source}: "
                                    + ", ".join(i.id for i in hits) + "; give the full id")
        return hits[0]

    def entities(self, info: VersionInfo) -> list[Entity]:
        """The version's entities as its publisher listed them (no names lent by other sources)."""
        if info.path is not None:
            _, ents = load_snapshot(info.path)
            ents = [e for e in ents if not e.id.startswith(NATIVE_CARRIER)]
        else:
            versions, ents = load_snapshot(self.bundle)
            by_version = {v.id: v.source for v in versions}
            ents = [e for e in ents if source_of(e, by_version) == info.source]
        return _strip_weak(ents)

    # -- storing a new version ---------------------------------------------------------------

    def store(self, version: ListVersion, entities: list[Entity], raw: bytes | None, *, origin: str,
              location: str = "", counts: dict[str, int] | None = None, warnings: list[str] | None = None
              ) -> VersionInfo:
        """Keep a validated version beside the others (does not make it live)."""
        d = self._dir(version.source)
        d.mkdir(parents=True, exist_ok=True)
        stem = _stem(version)
        path = d / f"{stem}.json.gz"
        for info in self.stored(version.source):
            if info.version.content_hash == version.content_hash:
                return info  # stored already (the same bytes, fetched again)
        if raw is not None:
            raw_path = d / f"{stem}.raw.gz"
            tmp = raw_path.with_name(raw_path.name + ".tmp")
            with open(tmp, "wb") as fh, gzip.GzipFile(filename="", mode="wb", fileobj=fh, compresslevel=6, mtime=0) as gz:
                gz.write(raw)
            os.replace(tmp, raw_path)
        save_snapshot(path, [version], entities)
        _fsync_file(path)
        info = VersionInfo(version, origin, path, utcnow(), dict(counts or {}), location, list(warnings or []))
        meta = {**info.to_dict()}
        meta.pop("id")
        _write_atomic(d / f"{stem}.meta.json", orjson.dumps(meta, option=orjson.OPT_INDENT_2))
        return info

    def seed(self) -> None:
        """Copy the bundled versions into the store, once (call with the lock held).

        The bundled entities of Entity List, CMIC, MEU, 1260H and §1286 carry native names lent
        by multi's records of the same lists, which the bundled snapshot does not keep. They are
        moved into carrier records in the stored multi version, so any later assembly — with a
        new csl, say — lends them again exactly as the bundle was built.
        """
        if all(any(i.version.content_hash == v.content_hash for i in self.stored(v.source))
               for v in self._bundle_versions()):
            return
        versions, entities = load_snapshot(self.bundle)
        by_version = {v.id: v.source for v in versions}
        parts: dict[str, list[Entity]] = {v.source: [] for v in versions}
        carriers: list[Entity] = []
        targets = set(MULTI_TARGET.values())
        for e in entities:
            src = source_of(e, by_version)
            weak = [n for n in e.names if n.kind == WEAK]
            if weak and src in targets:
                code = next((lst.list for lst in e.listings if MULTI_TARGET.get(lst.list) == src), None)
                if code is not None:
                    carriers.append(Entity(f"{NATIVE_CARRIER}{e.id}", e.schema, [Name(e.caption, PRIMARY), *weak],
                                           [Listing(list=code)]))
                e = _strip_weak([e])[0]
            parts.setdefault(src, []).append(e)
        if MULTI in parts:
            parts[MULTI].extend(carriers)
        for v in versions:
            if not any(i.version.content_hash == v.content_hash for i in self.stored(v.source)):
                from .validate import list_counts

                ents = parts.get(v.source, [])
                self.store(v, ents, None, origin=BUNDLED, location=str(self.bundle),
                           counts=list_counts([x for x in ents if not x.id.startswith(NATIVE_CARRIER)]))

    # -- swapping ----------------------------------------------------------------------------

    def _info_by_id(self, source: str, version_id: str) -> VersionInfo:
        for info in self.stored(source):
            if info.id == version_id:
                return info
        raise VersionStoreError(f"version {version_id} of {source} is not in the store")

    def _pointer_state(self) -> tuple[dict[str, str], dict[str, list[str]], dict[str, list[str]], int]:
        """(live, history, rolled back, serial) of the current pointer; seeds the store first."""
        old = self.pointer()
        if old is None:
            self.seed()
            return {v.source: v.id for v in self._bundle_versions()}, {}, {}, 0
        return (dict(old["sources"]), {k: list(v) for k, v in old.get("history", {}).items()},
                {k: list(v) for k, v in old.get("rolled_back", {}).items()}, int(old.get("serial", 0)))

    def swap(self, changes: dict[str, str], *, reason: str) -> dict[str, Any]:
        """Make ``changes`` (source -> stored version id) live, atomically. Call with the lock held.

        The version each replaces goes on the source's history (what a rollback returns to).
        Returns the new pointer; on any error the pointer is left as it was.
        """
        live, history, rolled_back, serial = self._pointer_state()
        for source, vid in changes.items():
            self._info_by_id(source, vid)  # must be stored
            if live.get(source) and live[source] != vid:
                history.setdefault(source, []).append(live[source])
                rolled_back.pop(source, None)
            live[source] = vid
        return self._commit(live, history, rolled_back, serial, reason)

    def rollback(self, source: str) -> dict[str, Any]:
        """Return ``source`` to the version that was live before the current one (lock held).

        The version rolled back from is remembered: an update will not apply it again.
        """
        if self.pointer() is None:
            raise VersionStoreError("nothing to roll back: the bundled lists are live (no update has been applied)")
        live, history, rolled_back, serial = self._pointer_state()
        if source not in live:
            raise VersionStoreError(f"no live version of {source!r} (live: {', '.join(live)})")
        stack = history.get(source) or []
        if not stack:
            raise VersionStoreError(f"{source} has no earlier version to return to (live: {live[source]})")
        previous = stack.pop()
        undone = live[source]
        rolled_back.setdefault(source, []).append(undone)
        live[source] = previous
        return self._commit(live, history, rolled_back, serial, f"rollback {source}: {undone} -> {previous}")

    def _commit(self, live: dict[str, str], history: dict[str, list[str]], rolled_back: dict[str, list[str]],
                serial: int, reason: str) -> dict[str, Any]:
        parts: dict[str, tuple[ListVersion, list[Entity]]] = {}
        for source, vid in live.items():
            info = self._info_by_id(source, vid)
            _, ents = load_snapshot(info.path)
            parts[source] = (info.version, ents)
        versions, entities, _ = assemble(parts)

        serial += 1
        snap_dir = self.root / "snapshots"
        snap_dir.mkdir(parents=True, exist_ok=True)
        tag = hashlib.sha256(orjson.dumps(sorted(live.values()))).hexdigest()[:12]
        name = f"{serial:06d}-{tag}.json.gz"
        path = snap_dir / name
        save_snapshot(path, versions, entities)
        _fsync_file(path)
        # Read it back before anything points at it: a snapshot that does not load never goes live.
        doc = read_snapshot_doc(path)
        got = [ListVersion(**v).id for v in doc.get("versions", ())]
        if got != [v.id for v in versions] or len(doc.get("entities", ())) != len(entities):
            path.unlink(missing_ok=True)
            raise VersionStoreError(f"the assembled snapshot {path} did not read back intact; nothing swapped")
        del doc

        pointer = {"format": POINTER_FORMAT, "serial": serial, "snapshot": f"snapshots/{name}",
                   "entities": len(entities), "sources": live, "history": history,
                   "rolled_back": rolled_back, "swapped_at": utcnow(), "reason": reason}
        _write_atomic(self.pointer_path, orjson.dumps(pointer, option=orjson.OPT_INDENT_2))
        self._prune_snapshots(path)
        return pointer

    def rolled_back(self, source: str) -> list[str]:
        doc = self.pointer()
        return list((doc or {}).get("rolled_back", {}).get(source, []))

    def _prune_snapshots(self, live: Path) -> None:
        snaps = sorted((self.root / "snapshots").glob("*.json.gz"))
        for old in snaps[:-KEEP_SNAPSHOTS]:
            if old != live:
                with contextlib.suppress(OSError):
                    old.unlink()


def default_store() -> VersionStore:
    """The version store in the data directory (``$CLEARWAY_HOME/lists``)."""
    return VersionStore(settings.home() / "lists")


def current_snapshot_path() -> Path:
    """The snapshot file a Screener should load: the live stored version if the data directory
    has one, else the bundled snapshot."""
    return default_store().current_snapshot()


def add_last_checked(rows: list[dict[str, Any]], store: VersionStore | None = None) -> list[dict[str, Any]]:
    """Add ``last_checked`` (the newest check of the sources a list's versions come from, '' if
    never) to rows of :func:`clearway.inventory.list_inventory`."""
    try:
        state = (store or default_store()).state()
    except OSError:
        state = {}
    for r in rows:
        checks = [state.get(v.split("@", 1)[0], {}).get("last_checked", "") for v in r.get("versions", ())]
        r["last_checked"] = max(checks, default="")
    return rows
