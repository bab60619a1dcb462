"""``clearway batch INPUT -o OUTPUT``: screen every name of a CSV, TSV, Excel, Parquet or JSONL file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def register(app: typer.Typer) -> None:
    app.command("batch")(batch_cmd)


def _cli():
    from .. import cli

    return cli


def _progress_bar(err):
    """A Rich progress bar (rows, names/s, elapsed, ETA) as the batch's progress callback."""
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            return Text("—  names/s" if speed is None else f"{speed:,.0f} names/s", style="cyan")

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(),
                   TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=err,
                   disable=not err.is_terminal, speed_estimate_period=60.0)
    task = bar.add_task("loading lists", total=None)

    def progress(event: str, n: int | None) -> None:
        if event == "total":
            bar.update(task, description="screening", total=n)
        elif event == "advance":
            bar.advance(task, n or 0)
        elif event == "finalize":
            bar.update(task, description="writing output")

    return bar, progress


def batch_cmd(
    input_file: Annotated[Path, typer.Argument(metavar="INPUT", help="A CSV, TSV, Excel (.xlsx), Parquet or JSONL file with a header (JSONL: keys) naming its columns.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write: every input row with the screening columns added. Its extension sets its format (default: the input's).", show_default=False)],
    name_col: Annotated[Optional[str], typer.Option("--name-col", help="Column of the names (default: guessed from the header: name, 名称, 姓名, 单位, 机构 …).", show_default=False)] = None,
    country_col: Annotated[Optional[str], typer.Option("--country-col", help="Column of ISO-2 countries (CN, US; China/中国 are read too). Default: guessed (country, 国家, 地区 …); \"\" for none.", show_default=False)] = None,
    schema_col: Annotated[Optional[str], typer.Option("--schema-col", help="Column of the party type, Person or Organization (个人/机构 are read too). Default: guessed (type, schema, 类型 …); \"\" for none.", show_default=False)] = None,
    id_col: Annotated[Optional[str], typer.Option("--id-col", help="Column of row ids, copied to the matches and rejects files. Default: guessed (id, 编号, 序号 …); \"\" for none.", show_default=False)] = None,
    birth_date_col: Annotated[Optional[str], typer.Option("--birth-date-col", help="Column of dates of birth (YYYY or YYYY-MM-DD). Default: guessed (birth_date, dob, 出生日期); \"\" for none.", show_default=False)] = None,
    matches: Annotated[Optional[Path], typer.Option("--matches", help="Write every match as JSONL here (default: OUTPUT's name with .matches.jsonl).", show_default=False)] = None,
    rejects: Annotated[Optional[Path], typer.Option("--rejects", help="Write bad rows (line, id, reason, name) here (default: OUTPUT's name with .rejects.csv).", show_default=False)] = None,
    fmt: Annotated[Optional[str], typer.Option("--format", help="Input format: csv, tsv, xlsx, parquet or jsonl (default: from the extension).", show_default=False)] = None,
    output_format: Annotated[Optional[str], typer.Option("--output-format", help="Output format (default: OUTPUT's extension, else the input's format).", show_default=False)] = None,
    encoding: Annotated[str, typer.Option("--encoding", help="Text encoding of a CSV, TSV or JSONL input (utf-8, gb18030, big5 …); the output is UTF-8.")] = "utf-8",
    sheet: Annotated[Optional[str], typer.Option("--sheet", help="Worksheet of an Excel input (default: the first).", show_default=False)] = None,
    lists: Annotated[Optional[str], typer.Option("--lists", "-l", help="Only these list codes, comma-separated (EL,MEU,SDN,CN-UEL…).", show_default=False)] = None,
    threshold: Annotated[Optional[float], typer.Option("--threshold", "-t", min=0.0, max=1.0, help="Report matches at or above this score (default: the calibrated threshold).", show_default=False)] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=100, help="At most this many matches per name.")] = 10,
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", min=1, max=256, help="Local worker processes, each loading the lists once (default: one per core; 1: no pool).", show_default=False)] = None,
    dask: Annotated[Optional[str], typer.Option("--dask", help="Screen on a Dask distributed cluster: the scheduler's address (tcp://host:8786). Workers need clearway installed and the same lists.", show_default=False)] = None,
    chunk_rows: Annotated[Optional[int], typer.Option("--chunk-rows", min=1, max=1_000_000, help="Rows per chunk (default: CLEARWAY_BATCH_CHUNK, 1000).", show_default=False)] = None,
    cache_mb: Annotated[Optional[int], typer.Option("--cache-mb", min=0, max=65536, help="Memory for the cache of answers to repeated names (default: CLEARWAY_BATCH_CACHE_MB, 96; 0: none).", show_default=False)] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted run of the same command from its last checkpoint.")] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace existing output files (and forget an interrupted run).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run's summary as JSON.")] = False,
    snapshot: Annotated[Optional[Path], typer.Option("--snapshot", help="Screen against this snapshot file instead of the live lists.", show_default=False)] = None,
    db: Annotated[Optional[str], typer.Option("--db", help="Database URL for the audit record (default: CLEARWAY_DB, else clearway.db in the data directory).", show_default=False)] = None,
) -> None:
    """Screen every name in a file: the same file back with the screening columns, a JSONL of every
    match, a CSV of bad rows, and one audit record for the whole batch.

    Added columns: clearway_status (match, formerly-listed, clear, rejected), clearway_score,
    clearway_best_match, clearway_entity_id, clearway_lists, clearway_match_count,
    clearway_explanation, clearway_explanation_zh. Runs on every local core by default (--workers),
    or on a Dask cluster (--dask). Ctrl-C stops at a checkpoint: run the same command with --resume
    to go on. Names repeated in the file are screened once.

    Example: clearway batch suppliers.xlsx -o suppliers-screened.xlsx
    """
    cli = _cli()

    def run():
        from ..batch import BatchError, BatchInterrupted, BatchOptions, run_batch
        from ..batch.checkpoint import CheckpointError
        from ..batch.columns import ColumnError
        from ..batch.executors import ExecutorError
        from ..batch.readers import InputError
        from ..lists import parse_codes

        codes = parse_codes(lists)
        if snapshot is not None and not snapshot.exists():
            raise cli.CliError(f"snapshot not found: {snapshot}")
        if dask and workers is not None:
            raise cli.CliError("give --workers or --dask, not both (a Dask cluster has its own workers)")
        store = cli._store(db)
        opts = BatchOptions(
            input=input_file, output=output, input_format=fmt, output_format=output_format,
            columns={"name": name_col, "country": country_col, "schema": schema_col, "id": id_col,
                     "birth_date": birth_date_col},
            matches=matches, rejects=rejects, encoding=encoding, sheet=sheet, lists=codes, threshold=threshold,
            limit=limit, snapshot=snapshot, workers=workers, dask=dask, chunk_rows=chunk_rows, cache_mb=cache_mb,
            resume=resume, overwrite=overwrite)
        _check_encoding(cli, encoding)
        bar, progress = _progress_bar(cli.err)
        try:
            with bar:
                summary = run_batch(opts, store=store, actor=cli._actor(), progress=progress)
        except BatchInterrupted as exc:
            c = exc.summary.counts
            cli.err.print(f"interrupted: {c['rows']:,} rows done ({c['rejected']:,} rejected). {exc}",
                          highlight=False, markup=False)
            raise typer.Exit(130)
        except KeyboardInterrupt:
            cli.err.print("interrupted before the first checkpoint; nothing to resume", highlight=False)
            raise typer.Exit(130)
        except (BatchError, CheckpointError, ColumnError, ExecutorError, InputError) as exc:
            raise cli.CliError(str(exc)) from exc
        except OSError as exc:
            raise cli.CliError(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")) from exc
        except Exception as exc:
            from concurrent.futures.process import BrokenProcessPool

            if isinstance(exc, BrokenProcessPool):
                raise cli.CliError("a worker process died (out of memory?); the checkpoint is saved: "
                                   "run the same command with --resume") from exc
            raise
        if as_json:
            cli._print_json(summary.to_dict())
            return
        c = summary.counts
        cli.err.print(
            f"screened {c['screened']:,} names ({c['unique']:,} distinct) in {summary.elapsed_s:,.1f} s, "
            f"{summary.rows_per_s:,.0f} rows/s on {summary.executor}: {c['matched']:,} with matches, "
            f"{c['rejected']:,} rows rejected", highlight=False, markup=False)
        cli.err.print(f"output   {summary.output}\nmatches  {summary.matches}\nrejects  {summary.rejects}"
                      + (f"\naudit record {summary.audit_seq}" if summary.audit_seq is not None else ""),
                      highlight=False, markup=False)

    cli._run(run)


def _check_encoding(cli, encoding: str) -> None:
    import codecs

    try:
        codecs.lookup(encoding)
    except LookupError:
        raise cli.CliError(f"unknown encoding {encoding!r} (use utf-8, gb18030, big5 …)") from None
