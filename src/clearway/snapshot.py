"""The bundled snapshot: every list version and entity Clearway screens against, in one file.

A snapshot is gzip-compressed JSON (written with orjson)::

    {"format": 1, "built": "2026-11-29T06:55:11Z", "versions": [ListVersion...], "entities": [...]}

Entities are stored compactly: empty lists and default values are left out, a name of kind
"alias" without a language is a bare string, other names are ``{"value", "kind"?, "lang"?}``
objects, and listing fields equal to "" are omitted. :func:`load_snapshot` restores every field.

:data:`DEFAULT_SNAPSHOT` is the snapshot shipped with the package; older list versions kept for
diffs live in :data:`HISTORY_DIR` as ``<source>@<published>.json.gz``.
"""

from __future__ import annotations

import gc
import gzip
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson

from .model import ALIAS, Entity, Identifier, Listing, ListVersion, Name

FORMAT = 1
DATA_DIR = Path(__file__).parent / "data"
DEFAULT_SNAPSHOT = DATA_DIR / "snapshot.json.gz"
HISTORY_DIR = DATA_DIR / "history"

_LISTING_FIELDS = tuple(Listing.__dataclass_fields__)
_VERSION_FIELDS = tuple(ListVersion.__dataclass_fields__)


class SnapshotError(ValueError):
    """The file is not a Clearway snapshot this version can read."""


# ---------------------------------------------------------------- encoding


def _name_out(n: Name) -> Any:
    if n.kind == ALIAS and n.lang is None:
        return n.value
    d: dict[str, Any] = {"value": n.value}
    if n.kind != ALIAS:
        d["kind"] = n.kind
    if n.lang is not None:
        d["lang"] = n.lang
    return d


def _listing_out(lst: Listing) -> dict[str, str]:
    return {f: v for f in _LISTING_FIELDS if (v := getattr(lst, f))}


def _identifier_out(i: Identifier) -> dict[str, str]:
    d = {"kind": i.kind, "value": i.value}
    if i.country is not None:
        d["country"] = i.country
    return d


def entity_to_compact(e: Entity) -> dict[str, Any]:
    d: dict[str, Any] = {"id": e.id, "schema": e.schema, "names": [_name_out(n) for n in e.names]}
    d["listings"] = [_listing_out(x) for x in e.listings]
    if e.countries:
        d["countries"] = e.countries
    if e.addresses:
        d["addresses"] = e.addresses
    if e.birth_dates:
        d["birth_dates"] = e.birth_dates
    if e.identifiers:
        d["identifiers"] = [_identifier_out(i) for i in e.identifiers]
    return d


def _name_in(x: Any) -> Name:
    if isinstance(x, str):
        return Name(x)
    return Name(x["value"], x.get("kind", ALIAS), x.get("lang"))


def entity_from_compact(d: dict[str, Any]) -> Entity:
    return Entity(
        id=d["id"],
        schema=d["schema"],
        names=[_name_in(n) for n in d["names"]],
        listings=[Listing(**x) for x in d["listings"]],
        countries=d.get("countries") or [],
        addresses=d.get("addresses") or [],
        birth_dates=d.get("birth_dates") or [],
        identifiers=[Identifier(**i) for i in d.get("identifiers", ())],
    )


def _version_out(v: ListVersion) -> dict[str, Any]:
    return {f: getattr(v, f) for f in _VERSION_FIELDS}


# ---------------------------------------------------------------- files


def save_snapshot(path: str | Path, versions: list[ListVersion], entities: list[Entity], *, built: str | None = None) -> Path:
    """Write ``versions`` and ``entities`` to ``path`` as gzip-compressed JSON."""
    path = Path(path)
    doc = {
        "format": FORMAT,
        "built": built or datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "versions": [_version_out(v) for v in versions],
        "entities": [entity_to_compact(e) for e in entities],
    }
    raw = orjson.dumps(doc)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    # mtime=0 keeps the bytes reproducible for identical content.
    with open(tmp, "wb") as fh, gzip.GzipFile(filename="", mode="wb", fileobj=fh, compresslevel=9, mtime=0) as gz:
        gz.write(raw)
    tmp.replace(path)
    return path


def read_snapshot_doc(path: str | Path) -> dict[str, Any]:
    """The raw snapshot document (for tools that only need ``built`` or ``versions``)."""
    path = Path(path)
    try:
        raw = gzip.decompress(path.read_bytes())
        doc = orjson.loads(raw)
    except (OSError, EOFError, orjson.JSONDecodeError) as exc:
        raise SnapshotError(f"{path}: not a gzip-compressed JSON snapshot ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        got = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise SnapshotError(f"{path}: unsupported snapshot format {got!r} (this version reads {FORMAT})")
    return doc


def load_snapshot(path: str | Path = DEFAULT_SNAPSHOT) -> tuple[list[ListVersion], list[Entity]]:
    """Read a snapshot written by :func:`save_snapshot`."""
    doc = read_snapshot_doc(path)
    # Building ~100k small objects triggers many useless cyclic-GC passes (none of them are
    # garbage); pausing the collector halves the load time.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        versions = [ListVersion(**v) for v in doc.get("versions", ())]
        entities = [entity_from_compact(d) for d in doc.get("entities", ())]
    finally:
        if was_enabled:
            gc.enable()
    return versions, entities


def history_path(source: str, published: str) -> Path:
    """Where the older version ``source@published`` is kept."""
    return HISTORY_DIR / f"{source}@{published or 'undated'}.json.gz"
