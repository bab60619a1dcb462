"""Streaming readers: CSV, TSV, JSONL, Excel (xlsx) and Parquet, read a chunk of rows at a time.

Whatever the input size, a reader holds one chunk of rows (and the format library's own read
buffer) in memory. Every reader yields :class:`Chunk` objects carrying, for each row, the line
number a person would look up (the physical line in a text file, the sheet row in Excel, the row
number in Parquet), the raw values of the mapped columns, a problem found while reading (bytes
that are not valid in the encoding, a malformed line) and the row itself, to be written back.

``skip`` (records already done by an interrupted run) is counted in records as the reader sees
them, blank lines included, so a resumed run starts at exactly the next record.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from .columns import Mapping, cell_text, guess

FORMATS = ("csv", "tsv", "jsonl", "xlsx", "parquet")
_SUFFIX = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
           ".xlsx": "xlsx", ".xlsm": "xlsx", ".parquet": "parquet", ".pq": "parquet"}
MAX_FIELD = 1 << 20  # a CSV field longer than this (1 MiB) makes its row a bad row
UNDECODABLE = "undecodable bytes (not valid {encoding})"


class InputError(ValueError):
    """The input cannot be read at all (missing, unknown format, no header)."""


def format_of(path: Path, given: str | None = None) -> str:
    if given:
        fmt = given.lower().lstrip(".")
        fmt = {"ndjson": "jsonl", "xls": "xlsx", "excel": "xlsx", "pq": "parquet"}.get(fmt, fmt)
        if fmt not in FORMATS:
            raise InputError(f"unknown format {given!r} (use one of: {', '.join(FORMATS)})")
        return fmt
    fmt = _SUFFIX.get(path.suffix.lower())
    if fmt is None:
        if path.suffix.lower() == ".xls":
            raise InputError(f"{path}: old binary Excel files (.xls) cannot be read; save it as .xlsx")
        raise InputError(f"cannot tell the format of {path} from its extension; give --format "
                         f"({', '.join(FORMATS)})")
    return fmt


@dataclass(slots=True)
class Chunk:
    seq: int  # 0, 1, 2 … in file order
    start_record: int  # records consumed before this chunk
    end_record: int = 0  # records consumed once this chunk is done (the resume point after it)
    lines: list[int] = field(default_factory=list)
    values: list[tuple[str | None, ...]] = field(default_factory=list)  # per row, in ROLES order
    problems: list[str | None] = field(default_factory=list)
    records: Any = None  # list of rows as read (None: nothing to write back), or a pyarrow RecordBatch

    def __len__(self) -> int:
        return len(self.lines)


class Reader:
    fmt: str
    columns: list[str]
    mapping: Mapping
    total: int | None = None  # rows in the file, when the format says (an estimate for text files)
    bom: bool = False

    def chunks(self, size: int, skip: int = 0) -> Iterator[Chunk]:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        pass

    def _pick(self, row: list[Any] | tuple[Any, ...]) -> tuple[str | None, ...]:
        m = self.mapping
        n = len(row)
        return tuple(cell_text(row[i]) if i is not None and i < n else None
                     for i in (m.name, m.country, m.schema, m.id, m.birth_date))


def open_reader(path: Path, fmt: str, given: dict[str, str | None], *, encoding: str = "utf-8",
                sheet: str | None = None) -> Reader:
    if not path.exists():
        raise InputError(f"input file not found: {path}")
    if path.is_dir():
        raise InputError(f"input is a directory, not a file: {path}")
    if fmt in ("csv", "tsv"):
        return DelimitedReader(path, fmt, given, encoding)
    if fmt == "jsonl":
        return JsonlReader(path, given, encoding)
    if fmt == "xlsx":
        return XlsxReader(path, given, sheet)
    return ParquetReader(path, given)


def _count_lines(path: Path) -> int:
    n = 0
    last = b"\n"
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            n += block.count(b"\n")
            last = block[-1:]
    return n + (last != b"\n")


# -- CSV / TSV ---------------------------------------------------------------------------------


class DelimitedReader(Reader):
    def __init__(self, path: Path, fmt: str, given: dict[str, str | None], encoding: str):
        self.path, self.fmt, self.encoding = path, fmt, encoding
        self.delimiter = "\t" if fmt == "tsv" else ","
        if csv.field_size_limit() < MAX_FIELD:
            csv.field_size_limit(MAX_FIELD)
        with open(path, "rb") as fh:
            self.bom = fh.read(3) == b"\xef\xbb\xbf"
        self._fh = self._open()
        self._reader = csv.reader(self._fh, delimiter=self.delimiter)
        try:
            header = next(self._reader)
        except StopIteration:
            raise InputError(f"{path} is empty: it needs a header row naming its columns") from None
        except csv.Error as exc:
            raise InputError(f"{path}: cannot read the header: {exc}") from None
        self._header_lines = self._reader.line_num
        self.columns = [h.strip() for h in header]
        self.mapping = guess(self.columns, given)
        self.total = max(0, _count_lines(path) - self._header_lines)

    def _open(self):
        enc = "utf-8-sig" if self.encoding.lower().replace("_", "-") in ("utf-8", "utf8") else self.encoding
        # Undecodable bytes become lone surrogates: the row is reported, and the other columns
        # are written back byte for byte.
        return open(self.path, encoding=enc, errors="surrogateescape", newline="")

    def chunks(self, size: int, skip: int = 0) -> Iterator[Chunk]:
        reader = self._reader
        width = len(self.columns)
        record = 0
        seq = 0
        chunk = Chunk(seq, skip, skip, records=[])
        last_line = self._header_lines
        # Every cell of a text file is already text, and rows are padded to the header's width:
        # the mapped cells are picked without per-cell conversion.
        m = self.mapping
        roles = (m.name, m.country, m.schema, m.id, m.birth_date)

        def pick(row: list[str]) -> tuple[str | None, ...]:
            return tuple(None if i is None else row[i] for i in roles)
        while True:
            try:
                row = next(reader)
                problem = None
            except StopIteration:
                break
            except csv.Error as exc:
                row = []
                problem = (f"a field is longer than {MAX_FIELD:,} characters" if "field limit" in str(exc)
                           else f"malformed {self.fmt.upper()}: {exc}")
            line = last_line + 1
            last_line = reader.line_num
            record += 1
            if record <= skip:
                continue
            if not row and problem is None:  # a blank line
                chunk.end_record = record
                continue
            if problem is None and len(row) > width and any(v.strip() for v in row[width:]):
                problem = f"{len(row)} fields; the header has {width}"
            if problem is None and _has_surrogate("\x00".join(row)):
                bad = [self.columns[i] if i < width else f"field {i + 1}" for i, v in enumerate(row) if _has_surrogate(v)]
                idx = self.mapping.name
                if idx < len(row) and _has_surrogate(row[idx]):
                    problem = UNDECODABLE.format(encoding=self.encoding)
                elif any(i is not None and i < len(row) and _has_surrogate(row[i]) for i in
                         (self.mapping.country, self.mapping.schema, self.mapping.id, self.mapping.birth_date)):
                    problem = UNDECODABLE.format(encoding=self.encoding) + f" in {', '.join(bad)}"
            row = (row + [""] * (width - len(row)))[:width] if len(row) != width else row
            chunk.lines.append(line)
            chunk.values.append(pick(row))
            chunk.problems.append(problem)
            chunk.records.append(row)
            chunk.end_record = record
            if len(chunk) >= size:
                yield chunk
                seq += 1
                chunk = Chunk(seq, record, record, records=[])
        if len(chunk) or chunk.end_record > chunk.start_record:
            yield chunk

    def close(self) -> None:
        self._fh.close()


_SURROGATE = re.compile("[\udc80-\udcff]")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _has_surrogate(text: str) -> bool:
    """Whether undecodable bytes (read as lone surrogates) are in ``text``."""
    return not text.isascii() and _SURROGATE.search(text) is not None


# -- JSONL -------------------------------------------------------------------------------------


class JsonlReader(Reader):
    """One JSON object a line; its keys are the columns (those of the first object, then any new
    key in file order). A ``{"id", "query": {"name", …}}`` line, the shape ``clearway screen
    --input`` reads, has its query's keys looked up too."""

    fmt = "jsonl"

    def __init__(self, path: Path, given: dict[str, str | None], encoding: str):
        self.path, self.encoding = path, encoding
        self._fh = open(path, "rb")
        self.bom = self._fh.read(3) == b"\xef\xbb\xbf"
        if not self.bom:
            self._fh.seek(0)
        self._nested = False
        first = self._first_object()
        if first is None:
            raise InputError(f"{path} has no JSON object lines")
        keys = list(first)
        if "name" not in keys and isinstance(first.get("query"), dict):
            self._nested = True
            keys = [k for k in keys if k != "query"] + [k for k in first["query"] if k not in keys]
        self.columns = [str(k) for k in keys]
        self.mapping = guess(self.columns, given)
        self._keys = self.columns
        self._fh.seek(3 if self.bom else 0)
        self.total = _count_lines(path)

    def _first_object(self) -> dict | None:
        for n, raw in enumerate(self._fh):
            if n > 10_000:
                return None
            try:
                obj = orjson.loads(raw)
            except (orjson.JSONDecodeError, UnicodeDecodeError):
                continue
            if isinstance(obj, dict):
                return obj
        return None

    def chunks(self, size: int, skip: int = 0) -> Iterator[Chunk]:
        m = self.mapping
        keys = self._keys
        roles = [None if i is None else keys[i] for i in (m.name, m.country, m.schema, m.id, m.birth_date)]
        seq = 0
        chunk = Chunk(seq, skip, skip, records=[])
        for line, raw in enumerate(self._fh, 1):
            if line <= skip:
                continue
            if not raw.strip():
                chunk.end_record = line
                continue
            problem = None
            obj = None
            try:
                text = raw.decode(self.encoding) if self.encoding.lower() not in ("utf-8", "utf8") else raw
                obj = orjson.loads(text)
                if not isinstance(obj, dict):
                    problem, obj = "not a JSON object", None
            except UnicodeDecodeError:
                problem = UNDECODABLE.format(encoding=self.encoding)
            except orjson.JSONDecodeError as exc:
                problem = ("undecodable bytes (not valid UTF-8)" if "utf-8" in str(exc).lower()
                           else "not valid JSON")
            if obj is not None:
                src = obj["query"] if self._nested and isinstance(obj.get("query"), dict) else obj
                vals = tuple(_json_text(src.get(k) if k in src else obj.get(k)) if k is not None else None
                             for k in roles)
            else:
                vals = (None,) * 5
            chunk.lines.append(line)
            chunk.values.append(vals)
            chunk.problems.append(problem)
            chunk.records.append(obj)
            chunk.end_record = line
            if len(chunk) >= size:
                yield chunk
                seq += 1
                chunk = Chunk(seq, line, line, records=[])
        if len(chunk) or chunk.end_record > chunk.start_record:
            yield chunk

    def close(self) -> None:
        self._fh.close()


def _json_text(v: Any) -> str | None:
    if v is None or isinstance(v, (dict, list)):
        return None if v is None else orjson.dumps(v).decode()
    return cell_text(v)


# -- Excel -------------------------------------------------------------------------------------


class XlsxReader(Reader):
    """The first worksheet (or ``sheet``), streamed with openpyxl's read-only mode; the first
    non-empty row is the header."""

    fmt = "xlsx"

    def __init__(self, path: Path, given: dict[str, str | None], sheet: str | None):
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        self.path = path
        try:
            self._wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, OSError, KeyError, ValueError) as exc:
            raise InputError(f"{path} is not a readable .xlsx workbook: {exc}") from None
        except Exception as exc:  # zipfile.BadZipFile and friends
            raise InputError(f"{path} is not a readable .xlsx workbook: {exc.__class__.__name__}: {exc}") from None
        if sheet is not None:
            if sheet not in self._wb.sheetnames:
                raise InputError(f"{path} has no sheet {sheet!r} (sheets: {', '.join(self._wb.sheetnames)})")
            self._ws = self._wb[sheet]
        else:
            self._ws = self._wb.worksheets[0]
        self.sheet = self._ws.title
        self._header_row = None
        try:
            for r, row in enumerate(self._rows(), 1):
                if any(v is not None and str(v).strip() for v in row):
                    self._header_row = r
                    header = row
                    break
        except InputError:
            self._wb.close()
            raise
        if self._header_row is None:
            raise InputError(f"{path}: sheet {self.sheet!r} is empty: it needs a header row naming its columns")
        last = len(header)
        while last and (header[last - 1] is None or not str(header[last - 1]).strip()):
            last -= 1
        self.columns = [cell_text(h).strip() if h is not None else f"column {i + 1}" for i, h in enumerate(header[:last])]
        self.mapping = guess(self.columns, given)
        try:
            self.total = max(0, (self._ws.max_row or 0) - self._header_row) or None
        except Exception:  # pragma: no cover - a sheet without a dimension record
            self.total = None

    def chunks(self, size: int, skip: int = 0) -> Iterator[Chunk]:
        width = len(self.columns)
        seq = 0
        chunk = Chunk(seq, skip, skip, records=[])
        record = 0
        for r, row in enumerate(self._rows(min_row=self._header_row + 1), self._header_row + 1):
            record += 1
            if record <= skip:
                continue
            if not any(v is not None and (not isinstance(v, str) or v.strip()) for v in row):
                chunk.end_record = record
                continue
            row = list(row[:width]) + [None] * (width - len(row))
            chunk.lines.append(r)
            chunk.values.append(self._pick(row))
            chunk.problems.append(None)
            chunk.records.append(row)
            chunk.end_record = record
            if len(chunk) >= size:
                yield chunk
                seq += 1
                chunk = Chunk(seq, record, record, records=[])
        if len(chunk) or chunk.end_record > chunk.start_record:
            yield chunk

    def _rows(self, min_row: int = 1) -> Iterator[tuple]:
        """The sheet's rows as values. openpyxl reads the sheet as it goes: XML that does not parse
        or a corrupt zip member further on makes the rest of the workbook unreadable."""
        rows = self._ws.iter_rows(min_row=min_row, values_only=True)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # ParseError, zlib.error, BadZipFile … from the streaming reader
                raise InputError(f"{self.path} is a damaged .xlsx workbook: {exc.__class__.__name__}: "
                                 f"{_one_line(exc)}") from None
            yield row

    def close(self) -> None:
        self._wb.close()


# -- Parquet -----------------------------------------------------------------------------------


class ParquetReader(Reader):
    """Record batches of ``size`` rows, read row group by row group; rows are numbered from 1."""

    fmt = "parquet"

    def __init__(self, path: Path, given: dict[str, str | None]):
        import pyarrow.parquet as pq

        self.path = path
        try:
            self._pf = pq.ParquetFile(path)
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError …
            raise InputError(f"{path} is not a readable Parquet file: {exc}") from None
        self.schema = self._pf.schema_arrow
        self.columns = list(self.schema.names)
        self.mapping = guess(self.columns, given)
        self.total = self._pf.metadata.num_rows

    def chunks(self, size: int, skip: int = 0) -> Iterator[Chunk]:
        m = self.mapping
        wanted = [i for i in (m.name, m.country, m.schema, m.id, m.birth_date)]
        record = 0
        seq = 0
        # Row groups before the resume point are skipped without being decoded.
        groups = []
        start = 0
        meta = self._pf.metadata
        for g in range(meta.num_row_groups):
            n = meta.row_group(g).num_rows
            if start + n <= skip:
                start += n
                continue
            groups.append(g)
            start += n
        record = start - sum(meta.row_group(g).num_rows for g in groups)  # rows in the skipped groups
        if not groups:
            return
        for batch in self._batches(size, groups):
            if record + batch.num_rows <= skip:
                record += batch.num_rows
                continue
            if record < skip:
                batch = batch.slice(skip - record)
                record = skip
            try:
                cols = [None if i is None else batch.column(i).to_pylist() for i in wanted]
            except (ValueError, OverflowError) as exc:  # a value Python cannot hold (a date in year 10000)
                raise InputError(f"{self.path}: unreadable value after row {record}: {_one_line(exc)}") from None
            n = batch.num_rows
            chunk = Chunk(seq, record, record + n, records=batch)
            chunk.lines = list(range(record + 1, record + n + 1))
            chunk.values = [tuple(None if c is None else cell_text(c[k]) for c in cols) for k in range(n)]
            chunk.problems = [None] * n
            record += n
            seq += 1
            yield chunk

    def _batches(self, size: int, groups: list[int]) -> Iterator[Any]:
        """The record batches, each checked in full: a corrupt page (OSError, ArrowInvalid) or
        text that is not UTF-8 makes the rest of the file unreadable."""
        batches = self._pf.iter_batches(batch_size=size, row_groups=groups, use_threads=False)
        while True:
            try:
                batch = next(batches)
                batch.validate(full=True)
            except StopIteration:
                return
            except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
                raise InputError(f"{self.path}: the Parquet data is corrupt: {_one_line(exc)}") from None
            yield batch

    def close(self) -> None:
        close = getattr(self._pf, "close", None)
        if close is not None:
            close()
