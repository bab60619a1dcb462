"""Seeds and mutations for the file fuzzers: small samples of real publisher files, broken in the
ways downloads and hand-edited files break (flipped bytes, cut off, columns lost or doubled, the
wrong encoding, a BOM, a huge field, gzip, garbage JSON)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import random
from pathlib import Path
from typing import Any

from hypothesis import strategies as st


def scaled(examples: int) -> int:
    """A fuzzer's example count, times CLEARWAY_FUZZ_SCALE (default 1) for a longer run by hand."""
    return max(1, round(examples * float(os.environ.get("CLEARWAY_FUZZ_SCALE") or 1)))


TESTS_DIR = Path(__file__).resolve().parents[1]
FIXTURES = TESTS_DIR / "fixtures"
# The publishers' files as archived beside the repository (see its PROVENANCE.md).
SHARED_LISTS = TESTS_DIR.parents[1] / "shared" / "data" / "lists"


# -- real samples ----------------------------------------------------------------------------------


def _gunzip(raw: bytes) -> bytes:
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


def csv_sample(raw: bytes, *, count: int = 25, header: bool = True, delimiter: str = ",",
               keep: Any = None) -> bytes:
    """``count`` records spread evenly over a real CSV (its header kept), as the publisher wrote
    them: physical lines are copied, never re-quoted. ``keep(row)`` picks records instead."""
    text = _gunzip(raw).decode("utf-8-sig", errors="replace")
    lines = io.StringIO(text, newline="").readlines()
    pos = 0

    def feed():
        nonlocal pos
        while pos < len(lines):
            pos += 1
            yield lines[pos - 1]

    reader = csv.reader(feed(), delimiter=delimiter)
    spans: list[tuple[list[str], int, int]] = []
    start = 0
    for row in reader:
        spans.append((row, start, pos))
        start = pos
    head, body = (spans[:1], spans[1:]) if header else ([], spans)
    if keep is not None:
        chosen = [s for s in body if keep(s[0])]
    else:
        step = max(1, len(body) // count)
        chosen = body[::step][:count]
    out = "".join("".join(lines[a:b]) for _, a, b in head + chosen)
    return out.encode("utf-8")


def json_array_sample(raw: bytes, count: int = 25) -> bytes:
    records = json.loads(_gunzip(raw))
    step = max(1, len(records) // count)
    return json.dumps(records[::step][:count], ensure_ascii=False, indent=1).encode("utf-8")


def csl_compact_sample(raw: bytes, count: int = 30) -> bytes:
    doc = json.loads(_gunzip(raw))
    entries = doc["entries"]
    step = max(1, len(entries) // count)
    doc["entries"] = entries[::step][:count]
    doc.pop("countsBySource", None)  # the sample no longer holds the publisher's totals
    doc["entryCount"] = len(doc["entries"])
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


# -- mutations -------------------------------------------------------------------------------------

_ENCODINGS = ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp1252", "gb18030", "big5", "shift_jis",
              "euc-kr", "koi8-r", "cp437"]
_BOMS = [b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\xef\xbb\xbf\xef\xbb\xbf"]
_EMPTY = [b"", b"\n", b"\r\n", b"   \t  ", b"\xef\xbb\xbf", b"\x00", b"\x1a", b"[]", b"{}", b'""', b"null", b"0"]
_GARBAGE = [b"<!DOCTYPE html><html><body>Service Unavailable</body></html>", b"\x89PNG\r\n\x1a\n\x00\x00",
            b"PK\x03\x04\x14\x00", b"\x1f\x8b\x08\x00", b"\xff" * 64, b"\x00" * 64, b'"', b"\\", b"\r", b"\t" * 20,
            b"=cmd|' /C calc'!A0", "\u202e名称\ud800".encode("utf-8", "surrogatepass")]
# JSON values that stand where a record, a field or a table was.
_JSON_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-(10 ** 30), 10 ** 30), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20), st.sampled_from(["\ud800", "x\udfff", "", " ", "-0-", "N/A", "9999-99-99", "2026-13-45",
                                           "Huawei", "华为", "EL", "Entity List (EL) - Bureau of Industry and Security"]),
    st.lists(st.integers(-5, 400), max_size=3), st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.integers(1, 60).map(lambda d: json.loads("[" * d + "]" * d)),  # nested lists
)


def _rng(draw) -> random.Random:
    """A generator seeded from the draw, for decisions about every row or cell: drawing each from
    Hypothesis would run past its budget of choices on a real file."""
    return random.Random(draw(st.integers(0, 2 ** 32 - 1)))


def _decode(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _csv_rows(data: bytes, delimiter: str) -> list[list[str]] | None:
    text = _decode(data)
    if text is None:
        return None
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        return None


def _csv_bytes(rows: list[list[str]], delimiter: str) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def _walk(draw, doc: Any) -> tuple[Any, Any] | None:
    """A random (container, key) inside a JSON document, up to four levels down."""
    parent, key, node = None, None, doc
    for _ in range(draw(st.integers(1, 4))):
        if isinstance(node, dict) and node:
            k = draw(st.sampled_from(sorted(node, key=str)))
        elif isinstance(node, list) and node:
            k = draw(st.integers(0, len(node) - 1))
        else:
            break
        parent, key, node = node, k, node[k]
    return None if parent is None else (parent, key)


def _mutate_json(draw, data: bytes) -> bytes:
    text = _decode(data)
    try:
        doc = json.loads(text) if text is not None else None
    except (ValueError, RecursionError):
        doc = None
    if doc is None:
        return data
    op = draw(st.sampled_from(["replace", "delete", "duplicate", "wrap", "scalar", "deep", "strip_records"]))
    if op == "wrap":
        doc = draw(st.sampled_from([[doc], {"results": doc}, {"entries": doc, "tables": {}}, {"data": doc}]))
    elif op == "scalar":
        doc = draw(_JSON_VALUES)
    elif op == "deep":  # nesting deeper than the JSON reader's recursion limit
        depth = draw(st.sampled_from([500, 5000, 200_000]))
        return b"[" * depth + data + b"]" * depth
    elif op == "strip_records":  # records, or all their fields, replaced by wrong values
        rng, pool = _rng(draw), draw(st.lists(_JSON_VALUES, min_size=1, max_size=4))
        if isinstance(doc, list):
            doc = [rng.choice(pool) if isinstance(r, dict) and rng.random() < 0.5 else r for r in doc]
        elif isinstance(doc, dict):
            for k in ("results", "entries"):
                if isinstance(doc.get(k), list):
                    doc[k] = [{kk: rng.choice(pool) for kk in r} if isinstance(r, dict) else r for r in doc[k]]
    else:
        for _ in range(draw(st.integers(1, 6))):
            spot = _walk(draw, doc)
            if spot is None:
                break
            parent, key = spot
            if op == "replace":
                parent[key] = draw(_JSON_VALUES)
            elif op == "delete":
                if isinstance(parent, dict):
                    del parent[key]
                else:
                    parent.pop(key)
            elif isinstance(parent, list):
                parent.insert(key, json.loads(json.dumps(parent[key])))
    return json.dumps(doc, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")


def _mutate_csv(draw, data: bytes, delimiter: str) -> bytes:
    rows = _csv_rows(data, delimiter)
    if not rows:
        return data
    width = max(len(r) for r in rows)
    op = draw(st.sampled_from(["drop_column", "duplicate_column", "drop_header", "swap_columns", "extra_fields",
                               "short_rows", "shuffle_header", "delimiter", "blank_cells", "duplicate_rows"]))
    j = draw(st.integers(0, max(0, width - 1)))
    if op == "drop_column":
        rows = [r[:j] + r[j + 1:] for r in rows]
    elif op == "duplicate_column":
        rows = [r[:j + 1] + r[j:] for r in rows]
    elif op == "drop_header":
        rows = rows[1:]
    elif op == "swap_columns":
        k = draw(st.integers(0, max(0, width - 1)))
        for r in rows:
            if j < len(r) and k < len(r):
                r[j], r[k] = r[k], r[j]
    elif op == "extra_fields":
        rng, extra = _rng(draw), draw(st.lists(st.text(max_size=5), min_size=1, max_size=3))
        rows = [r + extra[:rng.randint(1, len(extra))] if rng.random() < 0.5 else r for r in rows]
    elif op == "short_rows":
        rng = _rng(draw)
        rows = [r[:rng.randint(0, len(r))] for r in rows]
    elif op == "shuffle_header":
        rows[0] = draw(st.permutations(rows[0]))
    elif op == "delimiter":
        delimiter = draw(st.sampled_from([";", "\t", ",", "|"]))
    elif op == "blank_cells":
        rng = _rng(draw)
        rows = [[("" if rng.random() < 0.5 else c) for c in r] for r in rows]
    elif op == "duplicate_rows":
        rows = rows + rows[1:]
    return _csv_bytes(rows, delimiter)


def mutate(draw, seed: bytes, kind: str) -> bytes:
    """One to three mutations of ``seed``; ``kind`` is "csv", "tsv", "json" or "bytes"."""
    data = seed
    ops = ["flip", "truncate", "insert", "delete", "duplicate", "empty", "bom", "encoding", "huge", "gzip",
           "garbage", "newlines", "nul"]
    if kind in ("csv", "tsv"):
        ops += ["csv"] * 4
    if kind == "json":
        ops += ["json"] * 4
    for op in draw(st.lists(st.sampled_from(ops), min_size=1, max_size=3)):
        n = len(data)
        if op == "flip" and n:
            out = bytearray(data)
            for _ in range(draw(st.integers(1, 8))):
                i = draw(st.integers(0, n - 1))
                out[i] ^= draw(st.integers(1, 255))
            data = bytes(out)
        elif op == "truncate":
            data = data[:draw(st.integers(0, n))]
        elif op == "insert":
            i = draw(st.integers(0, n))
            data = data[:i] + draw(st.one_of(st.binary(min_size=1, max_size=16), st.sampled_from(_GARBAGE))) + data[i:]
        elif op == "delete" and n:
            i = draw(st.integers(0, n - 1))
            data = data[:i] + data[i + draw(st.integers(1, max(1, n // 4))):]
        elif op == "duplicate" and n:
            i = draw(st.integers(0, n - 1))
            j = draw(st.integers(i, n))
            data = data[:j] + data[i:j] + data[j:]
        elif op == "empty":
            data = draw(st.sampled_from(_EMPTY))
        elif op == "bom":
            data = draw(st.sampled_from(_BOMS)) + data
        elif op == "encoding":
            text = data.decode("utf-8", errors="replace")
            data = text.encode(draw(st.sampled_from(_ENCODINGS)), errors="replace")
        elif op == "huge":
            # Past csv's default field limit (128 KiB) and past the batch readers' (1 MiB).
            size = draw(st.sampled_from([140_000, 1_100_000]))
            fill = draw(st.sampled_from([b"A", b"\xe5\x8d\x8e", b"9", b" ", b'"']))
            i = draw(st.integers(0, n))
            data = data[:i] + fill * (size // len(fill)) + data[i:]
        elif op == "gzip":
            data = gzip.compress(data, compresslevel=1)
            if draw(st.booleans()):
                data = data[:draw(st.integers(0, len(data)))]
        elif op == "garbage":
            data = draw(st.sampled_from(_GARBAGE))
        elif op == "newlines":
            data = data.replace(b"\r\n", b"\n").replace(b"\n", draw(st.sampled_from([b"\r", b"\r\n", b"\n\n", b"\x85"])))
        elif op == "nul" and n:
            i = draw(st.integers(0, n))
            data = data[:i] + b"\x00" + data[i:]
        elif op == "csv":
            data = _mutate_csv(draw, data, "\t" if kind == "tsv" else ",")
        elif op == "json":
            data = _mutate_json(draw, data)
    return data
