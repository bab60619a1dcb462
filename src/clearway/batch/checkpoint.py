"""Resuming an interrupted batch: the checkpoint file and the files it keeps in step.

The checkpoint (``OUTPUT-stem.checkpoint.json`` beside the output) records how many input records
are done and, for each file the batch appends to, the byte offset after the last chunk of those
records. Every chunk is one append per file; the files are flushed to disk before the checkpoint
is replaced (write, fsync, rename), so the checkpoint never names bytes that are not on disk. On
``--resume`` each file is cut back to its recorded offset — whatever a crash left after it is a
chunk the checkpoint does not count, and it is screened again — and reading restarts at the next
record. So no row is screened twice into the output, and none is lost.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

FORMAT = 1


class CheckpointError(ValueError):
    """A checkpoint that cannot be used to resume (another input, other options, other lists)."""


@dataclass
class Checkpoint:
    input: str
    input_sha256: str
    settings: dict[str, Any]  # what must be the same to resume: formats, columns, lists, threshold…
    records_done: int = 0
    chunks_done: int = 0
    offsets: dict[str, int] = field(default_factory=dict)  # file role → bytes written and synced
    counts: dict[str, int] = field(default_factory=dict)
    list_versions: list[str] = field(default_factory=list)
    versions_fingerprint: str = ""
    started_at: str = ""
    resumes: int = 0
    format: int = FORMAT

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as fh:
            fh.write(orjson.dumps(asdict(self), option=orjson.OPT_INDENT_2))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)

    @classmethod
    def load(cls, path: Path) -> "Checkpoint":
        try:
            data = orjson.loads(path.read_bytes())
            if data.get("format") != FORMAT:
                raise CheckpointError(f"{path} was written by another version of clearway batch")
            return cls(**data)
        except (OSError, orjson.JSONDecodeError, TypeError) as exc:
            raise CheckpointError(f"cannot read the checkpoint {path}: {exc}") from exc


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


class AppendFile:
    """A file the batch appends to in whole chunks, with the offset of what is written."""

    def __init__(self, path: Path, *, resume_at: int | None):
        self.path = path
        if resume_at is None:
            self.fh = open(path, "wb")
        else:
            if not path.exists() or path.stat().st_size < resume_at:
                raise CheckpointError(f"{path} is shorter than the checkpoint says: it was changed or "
                                      "removed since the interrupted run; start again without --resume")
            self.fh = open(path, "r+b")
            self.fh.truncate(resume_at)
            self.fh.seek(resume_at)
        self.offset = self.fh.tell()

    def write(self, data: bytes) -> None:
        if data:
            self.fh.write(data)
            self.offset += len(data)

    def sync(self) -> None:
        self.fh.flush()
        os.fsync(self.fh.fileno())

    def close(self) -> None:
        self.fh.close()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()
