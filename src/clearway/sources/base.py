"""What every publisher parser returns, and the small helpers they share.

A parser takes the raw bytes a publisher serves (gzip is undone here) and returns a
:class:`Parsed`: the :class:`~clearway.model.ListVersion` the bytes are, and the entities in them.
Parsers keep names as the publisher wrote them; deriving further name forms is the job of
:mod:`clearway.names`. A record that cannot be read is skipped and counted in ``problems``,
never silently dropped.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from ..model import Entity, ListVersion, content_hash


class SourceFormatError(ValueError):
    """The bytes are not in the format the parser reads (wrong file, truncated, corrupt)."""


@dataclass
class Parsed:
    version: ListVersion
    entities: list[Entity]
    problems: list[str] = field(default_factory=list)  # "line 12: no name" etc.


def read_source(path: str | Path) -> bytes:
    """Read a publisher file, undoing gzip when the bytes are gzipped."""
    data = Path(path).read_bytes()
    return gunzip_if_needed(data)


def gunzip_if_needed(data: bytes) -> bytes:
    if data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:  # zlib.error: a corrupt deflate stream
            raise SourceFormatError(f"corrupt gzip data: {exc}") from exc
    return data


def decode_text(data: bytes) -> str:
    """Decode publisher text: UTF-8 (with or without BOM), falling back to Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def make_version(source: str, data: bytes, published: str = "", url: str = "", records: int = 0) -> ListVersion:
    return ListVersion(source=source, published=published, content_hash=content_hash(data), url=url, records=records)


def stable_key(*parts: str) -> str:
    """A short stable id for records the publisher gives no id for."""
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]


def clean(value: str | None) -> str:
    """Collapse whitespace; OFAC's '-0-' and similar placeholders become ''."""
    if value is None:
        return ""
    value = " ".join(value.split())
    return "" if value in {"-0-", "-0", "N/A", "n/a", "None"} else value
