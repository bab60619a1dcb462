"""An interrupted batch resumes from its checkpoint: every row exactly once, the same bytes as an
uninterrupted run. The interruption is the testing hook CLEARWAY_BATCH_STOP_AFTER / stop_after,
which stops like a crash: after the checkpoint, with one more chunk already written past it."""

from __future__ import annotations

import pytest

from clearway.batch import BatchInterrupted, BatchOptions, run_batch
from clearway.batch.checkpoint import Checkpoint
from clearway.snapshot import DEFAULT_SNAPSHOT

from batch_support import write_csv

CHUNK = 40


def _files(out):
    stem = out.with_suffix("")
    return [out, stem.with_name(stem.name + ".matches.jsonl"), stem.with_name(stem.name + ".rejects.csv")]


@pytest.fixture
def src(tmp_path, name_rows):
    rows = [[str(i), n, c, t] for i, (n, c, t) in enumerate(name_rows, 1)]
    rows.insert(57, ["bad", "", "CN", ""])  # a rejected row inside a chunk
    return write_csv(tmp_path / "in.csv", ["id", "name", "country", "type"], rows)


def _opts(src, out, **kw):
    return BatchOptions(input=src, output=out, workers=kw.pop("workers", 1), snapshot=DEFAULT_SNAPSHOT,
                        chunk_rows=CHUNK, **kw)


def test_resume_after_interruption_gives_every_row_once(tmp_path, src, batch_screener):
    ref = tmp_path / "ref.csv"
    ref_summary = run_batch(_opts(src, ref))
    out = tmp_path / "out.csv"
    with pytest.raises(BatchInterrupted) as exc:
        run_batch(_opts(src, out, stop_after=3))
    cp = Checkpoint.load(tmp_path / "out.checkpoint.json")
    assert cp.records_done == 3 * CHUNK and cp.chunks_done == 3
    assert exc.value.summary.counts["rows"] == 3 * CHUNK
    # The chunk after the checkpoint was written, as a crash could leave it: it must be cut.
    assert out.stat().st_size > cp.offsets["body"]
    s = run_batch(_opts(src, out, resume=True))
    assert s.resumed
    for a, b in zip(_files(ref), _files(out)):
        assert a.read_bytes() == b.read_bytes(), a.name
    # Names screened again after the resume (the cache starts empty) are counted as sent, not as rows.
    assert {k: v for k, v in s.counts.items() if k != "unique"} == \
        {k: v for k, v in ref_summary.counts.items() if k != "unique"}
    assert not (tmp_path / "out.checkpoint.json").exists()


def test_many_interruptions(tmp_path, src, batch_screener):
    ref = tmp_path / "ref.csv"
    run_batch(_opts(src, ref))
    out = tmp_path / "out.csv"
    runs = 0
    resume = False
    while True:
        runs += 1
        try:
            run_batch(_opts(src, out, stop_after=2, resume=resume))
            break
        except BatchInterrupted:
            resume = True
    assert runs >= 5
    for a, b in zip(_files(ref), _files(out)):
        assert a.read_bytes() == b.read_bytes(), a.name


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_resume_spooled_formats(tmp_path, src, batch_screener, fmt):
    ref = tmp_path / f"ref.{fmt}"
    run_batch(_opts(src, ref))
    out = tmp_path / f"out.{fmt}"
    with pytest.raises(BatchInterrupted):
        run_batch(_opts(src, out, stop_after=4))
    assert (tmp_path / "out.partial").exists() and not out.exists()
    run_batch(_opts(src, out, resume=True))
    if fmt == "parquet":
        import pyarrow.parquet as pq

        assert pq.read_table(out).equals(pq.read_table(ref))
    else:
        import openpyxl

        def cells(p):
            return list(openpyxl.load_workbook(p, read_only=True).worksheets[0].iter_rows(values_only=True))

        assert cells(out) == cells(ref)
    assert _files(out)[1].read_bytes() == _files(ref)[1].read_bytes()
    assert not (tmp_path / "out.partial").exists()


def test_resume_refuses_a_changed_input(tmp_path, src, batch_screener):
    from clearway.batch.checkpoint import CheckpointError

    out = tmp_path / "out.csv"
    with pytest.raises(BatchInterrupted):
        run_batch(_opts(src, out, stop_after=1))
    src.write_bytes(src.read_bytes() + b"999,Another Name Ltd,,\n")
    with pytest.raises(CheckpointError, match="input file changed"):
        run_batch(_opts(src, out, resume=True))
    # Without --resume the interrupted run is not silently thrown away either.
    from clearway.batch import BatchError

    with pytest.raises(BatchError, match="--resume"):
        run_batch(_opts(src, out))
