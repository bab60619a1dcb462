"""Every publisher parser fed broken copies of real files.

A small sample of each real publisher file (the fixtures where they exist, else records spread over
the archived file) is broken the ways downloads break: flipped bytes, cut off anywhere, columns
dropped or doubled, the wrong encoding, BOMs, a huge field, gzip (whole or cut), garbage JSON.

The contract (``clearway.sources.base``): a parser returns well-formed records — which a Screener can
index and screen, and which the snapshot writer can store — or raises ``SourceFormatError`` with
its reason. Nothing else: no other exception type, no hang. The download check of
``clearway update`` (``clearway.monitor.validate``) then either accepts the file or refuses it.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from clearway.lists import LISTS
from clearway.model import NAME_KINDS, SCHEMAS, Entity, Identifier, Listing, ListVersion, Name
from clearway.monitor.publishers import PUBLISHERS
from clearway.monitor.validate import Refused, Validated, validate
from clearway.screen import QueryError, Screener
from clearway.snapshot import entity_from_compact, entity_to_compact
from clearway.sources import bis_mieu, cn_mofcom, cn_sanctions, csl, dod_1260h, dpl, fcc, multi, ndaa_1286, ofac
from clearway.sources.base import Parsed, SourceFormatError

from fuzz_support import (
    FIXTURES,
    SHARED_LISTS,
    TESTS_DIR,
    csl_compact_sample,
    csv_sample,
    json_array_sample,
    mutate,
    scaled,
)

# Hypothesis examples per parser (and per reader, case-file and OFAC-set test).
EXAMPLES = scaled(90)


def _shared(name: str) -> bytes:
    path = SHARED_LISTS / name
    if not path.exists():
        pytest.skip(f"publisher file not found: {path}")
    return path.read_bytes()


@dataclass(frozen=True)
class Target:
    source: str  # the publisher key its ListVersion carries
    parse: Callable[..., Parsed]
    kind: str  # csv, tsv or json: which structural mutations apply
    seed: Callable[[], bytes]  # a small sample of a real file


TARGETS = {
    "csl-json": Target("csl", csl.parse, "json", lambda: (FIXTURES / "csl_consolidated_sample.json").read_bytes()),
    "csl-compact": Target("csl", csl.parse, "json",
                          lambda: csl_compact_sample(_shared("us_csl_2026-07-31.compact.json.gz"))),
    "csl-csv": Target("csl", csl.parse, "csv", lambda: csv_sample(_shared("us_csl_2022-04.csv.gz"))),
    "ofac-sdn": Target("ofac_sdn", ofac.parse, "csv",
                       lambda: csv_sample(_shared("us_ofac_sdn/sdn_2024-05-03.csv.gz"), header=False)),
    "ofac-cons": Target("ofac_cons", partial(ofac.parse, source="ofac_cons"), "csv",
                        lambda: csv_sample(_shared("us_ofac_nonsdn_2025-12-19/cons_prim.csv"), header=False)),
    "dpl": Target("dpl", dpl.parse, "tsv", lambda: csv_sample(_shared("us_bis_dpl/dpl_2023-11-30.txt"), delimiter="\t")),
    "dod-1260h": Target("dod_1260h", dod_1260h.parse, "csv", lambda: csv_sample(_shared("us_dod_1260h_2026-08-20.csv"))),
    "ndaa-1286": Target("ndaa_1286", ndaa_1286.parse, "csv", lambda: csv_sample(_shared("us_ndaa_1286.csv"))),
    "fcc": Target("fcc", fcc.parse, "csv", lambda: (FIXTURES / "monitor" / "us_fcc_covered_list.csv").read_bytes()),
    "bis-mieu": Target("bis_mieu", bis_mieu.parse, "csv", lambda: (FIXTURES / "monitor" / "us_bis_mieu.csv").read_bytes()),
    "cn-sanctions": Target("cn_sanctions", cn_sanctions.parse, "csv",
                           lambda: csv_sample(_shared("cn_sanctions_2026-08-07.csv"))),
    "cn-mofcom": Target("cn_mofcom", cn_mofcom.parse, "json",
                        lambda: json_array_sample(_shared("cn_mofcom_lists_2026-07-19.json"))),
    "multi": Target("multi", multi.parse, "json",
                    lambda: json_array_sample(_shared("multi_restricted_parties_2026-08-18.json.gz"))),
}

_seeds: dict[str, bytes] = {}


def seed_of(name: str) -> bytes:
    if name not in _seeds:
        _seeds[name] = TARGETS[name].seed()
    return _seeds[name]


# -- what a well-formed result is ------------------------------------------------------------------

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _utf8(*values: str | None) -> None:
    for v in values:
        assert v is None or isinstance(v, str)
        if v:
            v.encode("utf-8")  # no lone surrogates: the snapshot and every response are UTF-8


def check_entity(e: Entity) -> None:
    assert isinstance(e, Entity)
    assert isinstance(e.id, str) and e.id.strip()
    assert e.schema in SCHEMAS
    assert e.names and all(isinstance(n, Name) and n.value.strip() and n.kind in NAME_KINDS for n in e.names)
    assert e.listings and all(isinstance(x, Listing) and x.list in LISTS for x in e.listings)
    for x in e.listings:
        _utf8(x.programme, x.license_requirement, x.license_policy, x.federal_register, x.start_date, x.end_date,
              x.source_url, x.version, x.remarks)
        assert not x.start_date or _DATE.match(x.start_date), x.start_date
        assert not x.end_date or _DATE.match(x.end_date), x.end_date
    assert all(isinstance(c, str) and re.fullmatch(r"[A-Z]{2}", c) for c in e.countries), e.countries
    assert all(isinstance(d, str) and d for d in e.birth_dates)
    assert all(isinstance(i, Identifier) and isinstance(i.value, str) for i in e.identifiers)
    _utf8(e.id, *(n.value for n in e.names), *(n.lang for n in e.names), *e.addresses, *e.birth_dates,
          *(i.kind for i in e.identifiers), *(i.value for i in e.identifiers), *(i.country for i in e.identifiers))
    # The snapshot writer stores it and reads it back unchanged.
    assert entity_from_compact(orjson.loads(orjson.dumps(entity_to_compact(e)))) == e
    assert Entity.from_dict(e.to_dict()) == e


def check_parsed(parsed: Parsed, source: str, data: bytes) -> None:
    assert isinstance(parsed, Parsed)
    assert isinstance(parsed.version, ListVersion) and parsed.version.source == source
    assert re.fullmatch(r"[0-9a-f]{64}", parsed.version.content_hash)
    assert all(isinstance(p, str) for p in parsed.problems)
    for e in parsed.entities:
        check_entity(e)
    if parsed.entities:
        # Indexed and screened like the live lists are.
        screener = Screener(parsed.entities, [parsed.version])
        for e in parsed.entities[:3]:
            try:
                r = screener.screen(e.caption, threshold=0.0)
            except QueryError:
                continue
            assert all(0.0 <= m.score <= 1.0 for m in r.matches)


def check_validate(source: str, data: bytes) -> None:
    """``clearway update``'s download check accepts the file or refuses it with a reason."""
    try:
        v = validate(PUBLISHERS[source], data)
    except Refused as exc:
        assert str(exc) and exc.kind in ("format", "schema", "problems", "empty", "shrink")
        return
    assert isinstance(v, Validated) and v.total > 0


def run_target(name: str, data: bytes) -> None:
    t = TARGETS[name]
    try:
        parsed = t.parse(data)
    except SourceFormatError as exc:
        assert str(exc).strip() and "\n" not in str(exc), repr(str(exc))  # a reason, on one line
        parsed = None
    if parsed is not None:
        check_parsed(parsed, t.source, data)
    if t.source in PUBLISHERS:
        check_validate(t.source, data)


# -- the tests -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_real_sample_parses(name: str) -> None:
    """The unbroken samples are real files the parsers read: the fuzzing starts from valid input."""
    t = TARGETS[name]
    parsed = t.parse(seed_of(name))
    assert parsed.entities
    check_parsed(parsed, t.source, seed_of(name))


_SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                            HealthCheck.large_base_example])


def _corrupt_gzip(data: bytes) -> bytes:
    gz = bytearray(gzip.compress(data))
    gz[12] ^= 0x55  # inside the deflate stream: zlib.error, not the OSError of a bad header
    return bytes(gz)


# Inputs that broke a parser (each raised something other than SourceFormatError, or read a name
# the snapshot cannot store), with the parser they broke.
REGRESSIONS = [
    ("csl-json", b"[" * 200_000),  # RecursionError from the JSON reader
    ("multi", b"[" * 200_000),
    ("cn-mofcom", b"[" * 5000),
    ("fcc", _corrupt_gzip(b"covered_equipment_or_services,date_of_inclusion_on_covered_list\n")),  # zlib.error
    ("ofac-sdn", _corrupt_gzip(b'36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0-\n')),
    ("csl-csv", b"_id,source\rname,type\n1,2,3,4\n"),  # csv.Error reading the header
    # Lone surrogates (raw CESU bytes, or a JSON escape) read into names no UTF-8 snapshot can store.
    ("multi", b'[{"id": "x", "name": {"english": "A\xed\xa0\x80"}, "source": {"list_id": "us-dhs-uflpa"}}]'),
    ("csl-json", b'{"results": [{"name": "A\\ud800", "source": "Entity List (EL) - Bureau of Industry and Security"}]}'),
    ("cn-mofcom", b'[{"entity_name": "A\\udfff", "list_id": "cn-unreliable-entity-list", "id": "x"}]'),
    # A list field that is not a list: TypeError iterating it.
    ("multi", b'[{"name": {"english": "A"}, "source": {"list_id": "us-dhs-uflpa"}, "countries": true}]'),
    ("multi", b'[{"name": {"english": "A"}, "source": {"list_id": "us-dhs-uflpa"}, "aliases": 7}]'),
    # A name with hundreds of "Affiliated Entity:" markers: indexing it recursed once per marker.
    ("csl-json", b'{"results": [{"name": "' + b"Huawei. Affiliated Entity: " * 500
     + b'Cloud", "source": "Entity List (EL) - Bureau of Industry and Security"}]}'),
]


def with_regressions(test):
    """Each input that once broke a parser, as an explicit example (run against every parser:
    none of them may break on it)."""
    for _, data in REGRESSIONS:
        test = example(data=data)(test)
    return test



@pytest.mark.parametrize("name", sorted(TARGETS))
@_SETTINGS
@given(data=st.data())
@with_regressions
def test_broken_file_is_read_or_refused(name: str, data) -> None:
    broken = data if isinstance(data, bytes) else mutate(data.draw, seed_of(name), TARGETS[name].kind)
    run_target(name, broken)


# -- the OFAC legacy set: four files read together -------------------------------------------------

_OFAC_SET = "us_ofac_sdn/full_2021-07-07"


def _ofac_set() -> dict[str, bytes]:
    if "ofac-set" not in _seeds:
        sdn = csv_sample(_shared(f"{_OFAC_SET}/sdn.csv.gz"), header=False, count=25)
        ids = {line.split(b",", 1)[0] for line in sdn.splitlines()}
        keep = lambda row: bool(row) and row[0].encode() in ids  # noqa: E731
        _seeds["ofac-set"] = {
            "sdn": sdn,
            "add": csv_sample(_shared(f"{_OFAC_SET}/add.csv.gz"), header=False, keep=keep),
            "alt": csv_sample(_shared(f"{_OFAC_SET}/alt.csv.gz"), header=False, keep=keep),
            "comments": csv_sample(_shared(f"{_OFAC_SET}/sdn_comments.csv.gz"), header=False,
                                   keep=lambda row: True),
        }
    return _seeds["ofac-set"]


def test_real_ofac_set_parses() -> None:
    parsed = ofac.parse_legacy(_ofac_set())
    assert parsed.entities and any(e.addresses for e in parsed.entities) and any(len(e.names) > 1 for e in parsed.entities)


@_SETTINGS
@given(data=st.data())
def test_broken_ofac_set_is_read_or_refused(data) -> None:
    files = dict(_ofac_set())
    for key in data.draw(st.lists(st.sampled_from(sorted(files)), min_size=1, max_size=2, unique=True)):
        if data.draw(st.booleans(), label=f"drop {key}") and key != "sdn":
            del files[key]
        else:
            files[key] = mutate(data.draw, files[key], "csv")
    try:
        parsed = ofac.parse_legacy(files)
    except SourceFormatError:
        return
    check_parsed(parsed, "ofac_sdn", files["sdn"])


# -- the batch readers -----------------------------------------------------------------------------
#
# clearway.batch.readers: opening a file either gives a reader or raises InputError / ColumnError
# (the CLI and the web page turn those into one line); reading it then never raises for a bad row
# (the row carries its problem) and stops with InputError only when the file itself turns out to be
# unreadable part-way. A run resumed after k records reads exactly the rows after them.

_DEV = TESTS_DIR.parent / "eval" / "dev.jsonl"


def _dev_queries() -> list[dict]:
    lines = _DEV.read_bytes().splitlines()
    step = max(1, len(lines) // 30)
    return [orjson.loads(x) for x in lines[::step][:30]]


def reader_seeds() -> dict[str, bytes]:
    """The labelled evaluation queries, as a partner list in each text format."""
    if "readers" not in _seeds:
        import csv
        import io

        qs = _dev_queries()
        rows = [["id", "name", "country", "schema"]] + [
            [q["id"], q["query"]["name"], q["query"].get("country", ""), q["query"].get("schema", "")] for q in qs]
        out = {}
        for fmt, delim in (("csv", ","), ("tsv", "\t")):
            buf = io.StringIO()
            csv.writer(buf, delimiter=delim, lineterminator="\n").writerows(rows)
            out[fmt] = buf.getvalue().encode("utf-8")
        out["jsonl"] = b"".join(orjson.dumps({"id": q["id"], "query": q["query"]}) + b"\n" for q in qs)
        _seeds["readers"] = out
    return _seeds["readers"]


def _cells(draw, rows: list[list[str]]) -> list[list]:
    """Spreadsheet cells of many types in place of some texts."""
    import datetime as dt

    values = st.one_of(st.none(), st.integers(-(2 ** 63), 2 ** 63 - 1), st.floats(allow_nan=False), st.booleans(),
                       st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2200, 1, 1)),
                       st.text(max_size=30), st.sampled_from(["=1/0", "=A1", "#N/A", " ", "華為技術有限公司"]))
    rng, pool = random.Random(draw(st.integers(0, 2 ** 32 - 1))), draw(st.lists(values, min_size=1, max_size=6))
    return [[rng.choice(pool) if rng.random() < 0.2 else c for c in r] for r in rows]


def _xlsx_bytes(rows: list[list]) -> bytes:
    import io

    import openpyxl
    from openpyxl.utils.exceptions import IllegalCharacterError

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        try:
            ws.append(r)
        except (IllegalCharacterError, ValueError, TypeError):  # what Excel cannot hold either
            ws.append([c if not isinstance(c, str) else "".join(ch for ch in c if ch >= " ") for c in r][:16384])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _parquet_bytes(draw, rows: list[list]) -> bytes:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    header = [str(h) if h is not None else "" for h in rows[0]] if rows else ["name"]
    header = [h or f"c{i}" for i, h in enumerate(header)]
    header = [h if header.index(h) == i else f"{h}{i}" for i, h in enumerate(header)]
    body = rows[1:]
    cols = {}
    for j, h in enumerate(header):
        col = [r[j] if j < len(r) else None for r in body]
        kind = draw(st.sampled_from(["str", "int", "binary", "null"]))
        if kind == "int":
            col = [len(str(v)) if v is not None else None for v in col]
        elif kind == "binary":
            col = [str(v).encode("utf-8", "surrogatepass") if v is not None else None for v in col]
        elif kind == "null":
            col = [None] * len(col)
        else:
            col = [str(v) if v is not None else None for v in col]
        cols[h] = col
    buf = io.BytesIO()
    pq.write_table(pa.table(cols), buf, row_group_size=draw(st.integers(1, 12)))
    return buf.getvalue()


def _rows_of(data: bytes, delimiter: str) -> list[list[str]]:
    import csv
    import io

    text = data.decode("utf-8", errors="replace").replace("\x00", "")
    try:
        return [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)] or [["name"]]
    except csv.Error:
        return [["name"], [text[:100]]]


def read_everything(path: Path, fmt: str, given: dict, size: int, skip: int = 0) -> list[tuple] | None:
    """(line, values, problem, end_record) of every row, one chunk at a time; None when the file
    cannot be opened (InputError / ColumnError)."""
    from clearway.batch.columns import ColumnError
    from clearway.batch.readers import InputError, open_reader

    try:
        reader = open_reader(path, fmt, given)
    except (InputError, ColumnError) as exc:
        assert str(exc).strip()
        return None
    out: list[tuple] = []
    last_end = skip
    try:
        assert reader.mapping.name is not None and reader.columns
        for chunk in reader.chunks(size, skip=skip):
            assert len(chunk.lines) == len(chunk.values) == len(chunk.problems) <= size
            assert chunk.start_record == last_end <= chunk.end_record
            last_end = chunk.end_record
            for line, values, problem in zip(chunk.lines, chunk.values, chunk.problems):
                assert len(values) == 5 and all(v is None or isinstance(v, str) for v in values)
                assert problem is None or (isinstance(problem, str) and problem)
                assert not out or line > out[-1][0]
                out.append((line, values, problem, chunk.end_record))
    except InputError as exc:  # unreadable part-way (a corrupt Parquet page, a broken workbook)
        assert str(exc).strip()
        out.append(("unreadable",))
    finally:
        reader.close()
    return out


_GIVEN = st.one_of(st.just({}), st.fixed_dictionaries({}, optional={
    "name": st.sampled_from(["name", "NAME", "2", "名称", "missing", "", "²", "٣"]),
    "country": st.sampled_from(["country", "", "x", "3"]),
    "id": st.sampled_from(["id", "", "1"]),
}))


# A column asked for by a 1-based number written in a digit int() cannot read (ValueError).
SUPERSCRIPT_COLUMN = {"given": {"name": "²"}}


@_SETTINGS
@given(fmt=st.sampled_from(["csv", "tsv", "jsonl", "xlsx", "parquet"]), data=st.data())
@example(fmt="csv", data=SUPERSCRIPT_COLUMN)
@example(fmt="tsv", data={"given": {"name": "9" * 5000}})
def test_batch_reader_reads_or_refuses_and_resumes_exactly(tmp_path_factory, fmt: str, data) -> None:
    seeds = reader_seeds()
    if isinstance(data, dict):  # an explicit example: the unbroken file, columns asked for by name
        raw, given, size = seeds[fmt], data["given"], 3
    else:
        draw = data.draw
        given, size = draw(_GIVEN), draw(st.integers(1, 9))
        if fmt in ("csv", "tsv", "jsonl"):
            raw = mutate(draw, seeds[fmt], {"jsonl": "bytes"}.get(fmt, fmt))
        else:
            rows = _cells(draw, _rows_of(mutate(draw, seeds["csv"], "csv"), ","))
            raw = _xlsx_bytes(rows) if fmt == "xlsx" else _parquet_bytes(draw, rows)
            if draw(st.booleans()):  # and the file itself damaged
                raw = mutate(draw, raw, "bytes")
    path = tmp_path_factory.mktemp("reader") / f"partners.{fmt}"
    path.write_bytes(raw)
    full = read_everything(path, fmt, given, 1)
    if full is None or (full and full[-1] == ("unreadable",)):
        return
    # Resuming after k records reads exactly the rows after them.
    last = full[-1][3] if full else 0
    k = last // 2 if isinstance(data, dict) else data.draw(st.integers(0, last))
    resumed = read_everything(path, fmt, given, max(1, size), skip=k)
    assert resumed is not None
    assert [r[:3] for r in resumed] == [r[:3] for r in full if r[3] > k]


def _member_span(raw: bytes, member: str) -> tuple[int, int]:
    """Where a zip member's compressed bytes lie in the archive."""
    import io
    import zipfile

    info = zipfile.ZipFile(io.BytesIO(raw)).getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    return start, start + info.compress_size


def _damaged_copies(raw: bytes, start: int, end: int, n: int = 40) -> list[bytes]:
    out = []
    for k in range(n):
        b = bytearray(raw)
        b[start + (end - start) * k // n] ^= 0xA5
        out.append(bytes(b))
    return out


def test_damaged_workbook_and_parquet_are_refused_in_one_line(tmp_path) -> None:
    # Damage past the header once escaped the readers: xml ParseError, zlib.error and BadZipFile
    # from openpyxl's streaming reader, OSError, ArrowInvalid and UnicodeDecodeError from pyarrow.
    rows = [["id", "name", "country"]] + [[str(i), f"Huawei Technologies {i} 华为技术有限公司", "CN"] for i in range(300)]
    xlsx = _xlsx_bytes(rows)
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table({h: [r[j] for r in rows[1:]] for j, h in enumerate(rows[0])}), buf, row_group_size=50)
    parquet = buf.getvalue()
    cases = [("xlsx", b) for b in _damaged_copies(xlsx, *_member_span(xlsx, "xl/worksheets/sheet1.xml"))]
    cases += [("parquet", b) for b in _damaged_copies(parquet, 4, len(parquet) - 8)]
    outcomes = {"unopened": 0, "unreadable": 0, "read": 0}
    for i, (fmt, raw) in enumerate(cases):
        path = tmp_path / f"damaged-{i}.{fmt}"
        path.write_bytes(raw)
        got = read_everything(path, fmt, {}, 50)
        outcomes["unopened" if got is None else "unreadable" if got and got[-1] == ("unreadable",) else "read"] += 1
    assert outcomes["unreadable"] > 10, outcomes  # the damage is met part-way, and reported


# -- the case file ---------------------------------------------------------------------------------
#
# clearway.cases.spec: a case file (YAML or JSON) becomes a CaseSpec or raises CaseFileError; a
# spec read back from its own stored form is the same spec.

_CASES = sorted((TESTS_DIR.parent / "examples" / "cases").glob("*.yaml")) + sorted((FIXTURES / "cases").glob("*.yaml"))


def _billion_laughs(levels: int = 9) -> bytes:
    lines = ['a0: &a0 ["lol"]'] + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels + 1)]
    lines.append(f"title: *a{levels}\nactivities: [publish-openly]\nparties: [{{name: x, role: lead}}]")
    return "\n".join(lines).encode()


@_SETTINGS
@given(case=st.sampled_from([p.name for p in _CASES]), data=st.data())
@example(case="genomics.yaml", data=_billion_laughs())  # a few hundred bytes that expand to 387M values
@example(case="genomics.yaml", data=b"- " * 3000 + b"x")  # RecursionError in the YAML reader
def test_case_file_is_read_or_refused(tmp_path_factory, case: str, data) -> None:
    from clearway.cases.spec import CaseFileError, CaseSpec, parse_case, read_case_file

    src = next(p for p in _CASES if p.name == case)
    if isinstance(data, bytes):
        raw = data
    else:
        import yaml

        try:
            doc = yaml.safe_load(src.read_text(encoding="utf-8"))
        except yaml.YAMLError:  # a fixture that is broken already
            doc = None
        if doc is None or data.draw(st.booleans()):
            raw = mutate(data.draw, src.read_bytes(), "bytes")
        else:  # the same case as JSON, its structure broken
            raw = mutate(data.draw, json.dumps(doc, default=str, ensure_ascii=False).encode(), "json")
    path = tmp_path_factory.mktemp("case") / case
    path.write_bytes(raw)
    try:
        spec = read_case_file(path)
    except CaseFileError as exc:
        assert str(exc).strip() and "\n" not in str(exc), repr(str(exc))  # a reason, on one line
        return
    assert isinstance(spec, CaseSpec) and spec.parties and spec.activities and spec.title
    stored = json.loads(json.dumps(spec.to_dict(), ensure_ascii=False))
    assert parse_case(stored) == spec
