"""Local processes and a Dask cluster give byte-for-byte the output of one process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from clearway.batch import BatchInterrupted, BatchOptions, run_batch
from clearway.snapshot import DEFAULT_SNAPSHOT

from batch_support import write_csv

CHUNK = 50


def _files(out):
    stem = out.with_suffix("")
    return [out, stem.with_name(stem.name + ".matches.jsonl"), stem.with_name(stem.name + ".rejects.csv")]


@pytest.fixture
def src(tmp_path, name_rows):
    rows = [[str(i), n, c, t] for i, (n, c, t) in enumerate(name_rows, 1)]
    return write_csv(tmp_path / "in.csv", ["id", "name", "country", "type"], rows)


@pytest.fixture
def reference(tmp_path, src, batch_screener):
    ref = tmp_path / "ref.csv"
    run_batch(BatchOptions(input=src, output=ref, workers=1, snapshot=DEFAULT_SNAPSHOT, chunk_rows=CHUNK))
    return ref


def test_local_processes_equal_one_process_even_when_resumed(tmp_path, src, reference):
    out = tmp_path / "par.csv"
    opts = dict(input=src, output=out, workers=2, snapshot=DEFAULT_SNAPSHOT, chunk_rows=CHUNK)
    with pytest.raises(BatchInterrupted):
        run_batch(BatchOptions(**opts, stop_after=3))
    s = run_batch(BatchOptions(**opts, resume=True))
    assert s.executor == "local:2"
    for a, b in zip(_files(reference), _files(out)):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_dask_local_cluster_equals_local_run(tmp_path, src, reference):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  memory_limit=0) as cluster:
        out = tmp_path / "dask.csv"
        s = run_batch(BatchOptions(input=src, output=out, dask=cluster.scheduler_address,
                                   snapshot=DEFAULT_SNAPSHOT, chunk_rows=CHUNK))
        assert s.executor.startswith("dask:")
        # Both workers took chunks, and each loaded the lists once.
        with distributed.Client(cluster.scheduler_address) as client:
            loaded = client.run(lambda: __import__("clearway.batch.worker", fromlist=["_loaded"])._loaded.__len__())
    assert len(loaded) == 2 and all(n == 1 for n in loaded.values())
    for a, b in zip(_files(reference), _files(out)):
        assert a.read_bytes() == b.read_bytes(), a.name


SCREEN_ALL = r"""
import json, sys
from clearway.screen import Query, Screener
sc = Screener.load()
out = []
for name, country in json.loads(sys.stdin.read()):
    out.append(sc.screen(Query(name, country=country or None)).to_dict())
print(json.dumps(out, ensure_ascii=False))
"""


def test_screening_does_not_depend_on_the_hash_seed(name_rows):
    """Processes differ in their string-hash seed; ties between equally good name forms must not."""
    names = [[n, c] for n, c, _t in name_rows] + [["AL-TIKRITI, KAMAL MUSTAFA ADALLAH SULTAN", "CN"]]
    procs = [subprocess.Popen([sys.executable, "-c", SCREEN_ALL], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              env={**os.environ, "PYTHONHASHSEED": seed}) for seed in ("1", "12345")]
    outs = [p.communicate(json.dumps(names).encode(), timeout=300)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert json.loads(outs[0]) == json.loads(outs[1])


def test_the_coordinating_process_does_not_load_the_screening_tables(tmp_path):
    """`clearway batch` reads, deduplicates and writes; the workers screen. The coordinating
    process stays small (no pinyin tables, no numpy, no lists): its memory counts toward the
    batch's whole footprint beside every worker's."""
    src = tmp_path / "names.csv"
    write_csv(src, ["id", "name"], [["1", "Huawei Technologies"], ["2", ""]])
    code = (
        "import sys\n"
        "from clearway.cli import app\n"
        f"args = ['batch', {str(src)!r}, '-o', {str(tmp_path / 'out.csv')!r}, '--workers', '2', '--json']\n"
        "try:\n"
        "    app(args)\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "heavy = sorted(m for m in ('pypinyin', 'numpy', 'clearway.screen', 'clearway.index') if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "CLEARWAY_HOME": str(tmp_path / "home")})
    assert out.returncode == 0, out.stderr[-2000:]
    assert "HEAVY []" in out.stdout, out.stdout[-2000:]
    assert '"matched": 1' in out.stdout or '"matched":1' in out.stdout, out.stdout[-2000:]
