"""Writers: every input row written back with the screening columns added, chunk by chunk.

CSV, TSV and JSONL are appended to the output file itself, one write per chunk. Excel and Parquet
files cannot be appended to (each ends in an index written when the file is closed), so their
chunks are appended to a spool file beside the output (length-prefixed frames: Arrow IPC for
Parquet, JSON rows for Excel) and the output is built from the spool in one streaming pass at
the end. Either way a chunk is one append, and the checkpoint records the byte offset after it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import struct
from pathlib import Path
from typing import Any

import orjson

from .columns import ADDED_PREFIX, cell_text
from .readers import Chunk, Reader

ADDED = ("clearway_status", "clearway_score", "clearway_best_match", "clearway_entity_id", "clearway_lists",
         "clearway_match_count", "clearway_explanation", "clearway_explanation_zh")
# (status, score, best match, entity id, lists, match count, explanation, explanation_zh)
Added = tuple[str, "float | None", str, str, str, int, str, str]

_FRAME = struct.Struct(">Q")
EXCEL_MAX_ROWS = 1_048_576


class Writer:
    fmt: str
    spooled = False

    def __init__(self, reader: Reader, output: Path):
        self.reader = reader
        self.output = output
        # Input columns written back; earlier screening columns (a re-screened output) are replaced.
        self.keep = [i for i, c in enumerate(reader.columns) if not str(c).startswith(ADDED_PREFIX)]
        self.columns = [reader.columns[i] for i in self.keep]

    def header(self) -> bytes:
        return b""

    def chunk(self, chunk: Chunk, added: list[Added | None]) -> bytes:  # pragma: no cover - interface
        raise NotImplementedError

    def finalize(self, body: Path) -> None:
        """Build the output from the spool (spooled formats only)."""

    def _rows(self, chunk: Chunk) -> list[list[Any] | None]:
        """The kept input values of each row, as a list (None: a line that was not a record)."""
        recs = chunk.records
        r = self.reader
        if r.fmt == "parquet":
            cols = [recs.column(i).to_pylist() for i in self.keep]
            return [[c[k] for c in cols] for k in range(recs.num_rows)]
        if r.fmt == "jsonl":
            keys = self.columns
            nested = getattr(r, "_nested", False)
            out: list[list[Any] | None] = []
            for obj in recs:
                if obj is None:
                    out.append(None)
                    continue
                q = obj.get("query") if nested and isinstance(obj.get("query"), dict) else {}
                out.append([obj[k] if k in obj else q.get(k) for k in keys])
            return out
        keep = self.keep
        if len(keep) == len(r.columns):
            return list(recs)
        return [[row[i] for i in keep] for row in recs]


class DelimitedWriter(Writer):
    def __init__(self, reader: Reader, output: Path, fmt: str):
        super().__init__(reader, output)
        self.fmt = fmt
        self.delimiter = "\t" if fmt == "tsv" else ","
        # Excel reads a UTF-8 CSV's Chinese correctly only after a byte-order mark.
        self.bom = reader.bom or reader.fmt == "xlsx" or (
            reader.fmt in ("csv", "tsv") and getattr(reader, "encoding", "utf-8").lower().replace("_", "-") not in ("utf-8", "utf8"))

    def _encode(self, rows: list[list[Any]]) -> bytes:
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=self.delimiter, lineterminator="\r\n" if self.fmt == "csv" else "\n")
        w.writerows(rows)
        return buf.getvalue().encode("utf-8", "surrogateescape")

    def header(self) -> bytes:
        return (b"\xef\xbb\xbf" if self.bom else b"") + self._encode([self.columns + list(ADDED)])

    def chunk(self, chunk: Chunk, added: list[Added | None]) -> bytes:
        rows = []
        text = self.reader.fmt in ("csv", "tsv")
        for vals, a in zip(self._rows(chunk), added):
            if vals is None or a is None:
                continue
            if not text:
                vals = ["" if v is None else cell_text(v) for v in vals]
            rows.append(vals + [a[0], "" if a[1] is None else f"{a[1]:.4f}", a[2], a[3], a[4], str(a[5]), a[6], a[7]])
        return self._encode(rows)


class JsonlWriter(Writer):
    fmt = "jsonl"

    def chunk(self, chunk: Chunk, added: list[Added | None]) -> bytes:
        parts = []
        if self.reader.fmt == "jsonl":
            for obj, a in zip(chunk.records, added):
                if obj is None or a is None:
                    continue
                for k in [k for k in obj if isinstance(k, str) and k.startswith(ADDED_PREFIX)]:
                    del obj[k]
                obj.update(zip(ADDED, a))
                parts.append(orjson.dumps(obj, default=str))
        else:
            cols = self.columns
            for vals, a in zip(self._rows(chunk), added):
                if vals is None or a is None:
                    continue
                d = dict(zip(cols, vals))
                d.update(zip(ADDED, a))
                parts.append(orjson.dumps(d, default=str))
        return b"".join(p + b"\n" for p in parts)


def _frame(payload: bytes) -> bytes:
    return _FRAME.pack(len(payload)) + payload


def read_frames(path: Path):
    with open(path, "rb") as fh:
        while head := fh.read(_FRAME.size):
            if len(head) < _FRAME.size:
                return
            (n,) = _FRAME.unpack(head)
            payload = fh.read(n)
            if len(payload) < n:  # pragma: no cover - a torn frame past the checkpoint is cut on resume
                return
            yield payload


class ParquetWriter(Writer):
    """Parquet out: the input's own column types when the input is Parquet, else text columns."""

    fmt = "parquet"
    spooled = True
    ROW_GROUP = 65_536

    def __init__(self, reader: Reader, output: Path):
        import pyarrow as pa

        super().__init__(reader, output)
        self.pa = pa
        added_fields = [pa.field("clearway_status", pa.string()), pa.field("clearway_score", pa.float64()),
                        pa.field("clearway_best_match", pa.string()), pa.field("clearway_entity_id", pa.string()),
                        pa.field("clearway_lists", pa.string()), pa.field("clearway_match_count", pa.int32()),
                        pa.field("clearway_explanation", pa.string()), pa.field("clearway_explanation_zh", pa.string())]
        if reader.fmt == "parquet":
            base = [reader.schema.field(i) for i in self.keep]
        else:
            base = [pa.field(str(c), pa.string()) for c in self.columns]
        self.schema = pa.schema(base + added_fields)

    def chunk(self, chunk: Chunk, added: list[Added | None]) -> bytes:
        pa = self.pa
        rows = [i for i, a in enumerate(added) if a is not None]
        if self.reader.fmt == "parquet":
            batch = chunk.records
            base = [batch.column(i) for i in self.keep]
            if len(rows) != batch.num_rows:
                idx = pa.array(rows, pa.int64())
                base = [c.take(idx) for c in base]
        else:
            vals = self._rows(chunk)
            base = [pa.array([None if vals[r] is None or vals[r][j] is None else cell_text(vals[r][j]) for r in rows],
                             pa.string()) for j in range(len(self.columns))]
        cols = list(zip(*(added[r] for r in rows))) if rows else [()] * len(ADDED)
        arrays = base + [pa.array(list(c), f.type) for c, f in zip(cols, list(self.schema)[len(base):])]
        out = pa.RecordBatch.from_arrays(arrays, schema=self.schema)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, self.schema) as w:
            w.write_batch(out)
        return _frame(sink.getvalue().to_pybytes())

    def finalize(self, body: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        tmp = self.output.with_name(self.output.name + ".tmp")
        pending: list = []
        rows = 0
        with pq.ParquetWriter(tmp, self.schema, compression="zstd") as w:
            for payload in read_frames(body):
                t = pa.ipc.open_stream(payload).read_all()
                pending.append(t)
                rows += t.num_rows
                if rows >= self.ROW_GROUP:
                    w.write_table(pa.concat_tables(pending), row_group_size=self.ROW_GROUP)
                    pending, rows = [], 0
            if pending:
                w.write_table(pa.concat_tables(pending), row_group_size=self.ROW_GROUP)
        os.replace(tmp, self.output)


def _xlsx_default(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return {"$dt": v.isoformat()}
    if isinstance(v, dt.date):
        return {"$d": v.isoformat()}
    if isinstance(v, dt.time):
        return {"$t": v.isoformat()}
    if isinstance(v, dt.timedelta):
        return {"$td": v.total_seconds()}
    return str(v)


def _xlsx_cell(ws, v: Any) -> Any:
    if isinstance(v, str):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        v = ILLEGAL_CHARACTERS_RE.sub(" ", v)
        if v.startswith("="):  # text, never a formula
            cell = WriteOnlyCell(ws, value=v)
            cell.data_type = "s"
            return cell
        return v
    if isinstance(v, dict):
        if "$dt" in v:
            d = dt.datetime.fromisoformat(v["$dt"])
            return d if d.tzinfo is None else d.isoformat()  # Excel has no time zones
        if "$d" in v:
            return dt.date.fromisoformat(v["$d"])
        if "$t" in v:
            return dt.time.fromisoformat(v["$t"])
        if "$td" in v:
            return dt.timedelta(seconds=v["$td"])
    return v


class XlsxWriter(Writer):
    """Excel out: one worksheet (a new sheet every 1,048,575 rows, Excel's limit), typed cells kept."""

    fmt = "xlsx"
    spooled = True

    def chunk(self, chunk: Chunk, added: list[Added | None]) -> bytes:
        rows = [vals + list(a) for vals, a in zip(self._rows(chunk), added) if vals is not None and a is not None]
        return _frame(orjson.dumps(rows, default=_xlsx_default, option=orjson.OPT_PASSTHROUGH_DATETIME))

    def finalize(self, body: Path) -> None:
        import openpyxl

        tmp = self.output.with_name(self.output.name + ".tmp")
        wb = openpyxl.Workbook(write_only=True)
        title = getattr(self.reader, "sheet", None) or "Sheet1"
        header = self.columns + list(ADDED)
        ws = wb.create_sheet(title=title)
        ws.append([_xlsx_cell(ws, h) for h in header])
        n, sheets = 1, 1
        for payload in read_frames(body):
            for row in orjson.loads(payload):
                if n >= EXCEL_MAX_ROWS:
                    sheets += 1
                    ws = wb.create_sheet(title=f"{title[:24]} ({sheets})")
                    ws.append([_xlsx_cell(ws, h) for h in header])
                    n = 1
                ws.append([_xlsx_cell(ws, v) for v in row])
                n += 1
        wb.save(tmp)
        os.replace(tmp, self.output)


def make_writer(reader: Reader, output: Path, fmt: str) -> Writer:
    if fmt in ("csv", "tsv"):
        return DelimitedWriter(reader, output, fmt)
    if fmt == "jsonl":
        return JsonlWriter(reader, output)
    if fmt == "xlsx":
        return XlsxWriter(reader, output)
    return ParquetWriter(reader, output)
