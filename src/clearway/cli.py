"""The ``clearway`` command line: thin commands over :class:`clearway.screen.Screener`.

Every command parses its options, makes one library call and shapes the output. Errors a user can
fix (a missing file, an empty name, an unknown list code) end in one line on stderr naming the
problem and exit code 2; nothing ends in a traceback.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import Annotated, Iterator, Optional

import orjson
import typer
from rich.console import Console
from rich.table import Table

from . import __version__
from .lists import LISTS, UnknownListError, parse_codes

app = typer.Typer(
    name="clearway",
    help=(
        "Clearway — restricted-party screening for China–US science and technology cooperation.\n\n"
        "Screen people and organisations written in English, Chinese (simplified or traditional) or "
        "pinyin against the US lists (Entity List, MEU, UVL, DPL, SDN, NS-CMIC, 1260H, §1286, FCC, "
        "UFLPA) and China's lists (Unreliable Entity List, export-control and countermeasure lists), "
        "each match explained. Works offline on the bundled list snapshot.\n\n"
        "Examples:\n\n"
        "  clearway screen \"Huawei Technologies Co., Ltd.\"\n\n"
        "  clearway screen 电子科技大学 --json\n\n"
        "  clearway compare \"Beijing Nuodian Keji Youxian Gongsi\" \"北京诺电科技有限公司\""
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

out = Console(soft_wrap=False)
err = Console(stderr=True, soft_wrap=True)


class CliError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    raise typer.Exit(2)


def _screener(snapshot: Optional[Path]):
    from .screen import Screener
    from .sources.base import SourceFormatError

    if snapshot is not None and not snapshot.exists():
        raise CliError(f"snapshot not found: {snapshot}")
    try:
        if snapshot is None:  # the live lists: the newest `clearway update` swapped in, else the bundle
            from .monitor.versions import current_snapshot_path

            snapshot = current_snapshot_path()
        return Screener.load(snapshot)
    except (OSError, ValueError, RuntimeError, SourceFormatError) as exc:
        raise CliError(f"cannot load the list snapshot: {exc}") from exc


SnapshotOpt = Annotated[Optional[Path], typer.Option("--snapshot", help="Screen against this snapshot file instead of the live lists (the newest `clearway update`, else the bundled snapshot).", show_default=False)]
DbOpt = Annotated[Optional[str], typer.Option("--db", help="Database URL (sqlite:///file.db or postgresql+psycopg://user@host/db). Default: CLEARWAY_DB, else clearway.db in the data directory (CLEARWAY_HOME).", show_default=False)]


def _store(db: Optional[str]):
    from .store import StoreError, open_store

    try:
        return open_store(db)
    except StoreError as exc:
        raise CliError(str(exc)) from exc


def _actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"[:64]
    except Exception:  # no user name in some containers
        return "cli"


def _run(fn):
    """Map user-fixable errors to one-line messages."""
    from .query import QueryError

    try:
        return fn()
    except (CliError, QueryError, UnknownListError) as exc:
        _fail(str(exc))
    except Exception as exc:  # storage failures and the like: one line, never a traceback
        from .store import StoreError
        from .store.store import UnknownKeyError

        from .cases.spec import CaseFileError
        from .vetting.ruleset import RulesError

        if isinstance(exc, (StoreError, UnknownKeyError, CaseFileError, RulesError)):
            _fail(str(exc))
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):
            _fail(f"database error: {str(exc).splitlines()[0]}")
        raise
    except BrokenPipeError:
        raise typer.Exit(0)


def _json(obj) -> str:
    return orjson.dumps(obj, option=orjson.OPT_INDENT_2).decode()


def _print_json(obj) -> None:
    """JSON straight to standard output: never wrapped or styled, whatever the terminal."""
    sys.stdout.write(_json(obj) + "\n")
    sys.stdout.flush()


@app.command("version")
def version_cmd() -> None:
    """Print the Clearway version."""
    out.print(f"clearway {__version__}")


@app.command("lists")
def lists_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable JSON.")] = False,
    snapshot: SnapshotOpt = None,
) -> None:
    """Every loaded list: code, full name, authority, entities, version and as-of date."""

    def run():
        from .inventory import list_inventory

        from .monitor.versions import add_last_checked

        sc = _screener(snapshot)
        rows = add_last_checked(list_inventory(sc.entities, sc.versions))
        if as_json:
            _print_json(rows)
            return
        t = Table(title="Loaded lists", show_lines=False)
        for col, ratio in (("code", 1), ("list", 4), ("authority", 4), ("entities", 1), ("current", 1),
                           ("as of", 2), ("source", 3), ("checked", 2)):
            t.add_column(col, overflow="fold", ratio=ratio, justify="right" if col in ("entities", "current") else "left")
        for r in rows:
            t.add_row(r["code"], f"{r['name']}\n{r['name_zh']}", r["authority"], f"{r['entities']:,}",
                      f"{r['current']:,}", r["as_of"] or "undated",
                      ", ".join(v.split("#")[0] for v in r["versions"]),
                      (r["last_checked"] or "never").replace("T", " ").replace("Z", ""))
        out.print(t)

    _run(run)


def _short(text: str, limit: int = 180) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _print_matches(result) -> None:
    from rich.markup import escape

    q = result.query
    if not result.matches:
        out.print(f"No match at or above {result.threshold:.2f} for “{escape(q.name)}” — 未发现匹配。", highlight=False)
        return
    out.print(f"[bold]{len(result.matches)}[/] match(es) for “{escape(q.name)}” at or above {result.threshold:.2f}:\n",
              highlight=False)
    for n, m in enumerate(result.matches, 1):
        lists = ", ".join(m.lists) if m.lists else "formerly listed: " + ", ".join(m.former_lists)
        out.print(f"[bold]{n}. {m.score:.2f}  {escape(m.name)}[/]  [cyan]\\[{escape(lists)}][/]  [dim]{m.id}[/]",
                  highlight=False)
        out.print(f"   {escape(m.explanation)}", highlight=False)
        seen = set()
        for lv in m.listings:
            if not lv.current or lv.list in seen:
                continue
            seen.add(lv.list)
            parts = [lv.list_name]
            if lv.license_requirement:
                parts.append("licence: " + _short(lv.license_requirement, 140))
            if lv.license_policy:
                parts.append("policy: " + _short(lv.license_policy, 80))
            if not lv.license_requirement:
                parts.append(_short(lv.effect, 160))
            parts.append(_short(lv.federal_register, 60) if lv.federal_register else lv.citation)
            out.print(f"   [cyan]{lv.list}[/] " + escape(" · ".join(p for p in parts if p)), highlight=False)
        out.print()


def _read_queries(path: Path, fmt: Optional[str]) -> Iterator[tuple[int, dict | None, str | None]]:
    """(line number, query dict or None, error or None) for every row of a JSONL or CSV file."""
    if not path.exists():
        raise CliError(f"input file not found: {path}")
    if path.is_dir():
        raise CliError(f"input is a directory, not a file: {path}")
    fmt = (fmt or ("csv" if path.suffix.lower() in (".csv", ".tsv") else "jsonl")).lower()
    if fmt not in ("jsonl", "csv"):
        raise CliError(f"unknown input format {fmt!r} (use jsonl or csv)")
    raw = path.read_bytes()
    if fmt == "jsonl":
        for lineno, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                yield lineno, None, "not valid UTF-8"
                continue
            try:
                row = orjson.loads(text)
            except orjson.JSONDecodeError:
                yield lineno, None, "not valid JSON"
                continue
            if not isinstance(row, dict):
                yield lineno, None, "not a JSON object"
                continue
            q = row.get("query", row)
            if not isinstance(q, dict) or "name" not in q:
                yield lineno, None, "no query name"
                continue
            yield lineno, {"id": row.get("id", str(lineno)), **q}, None
        return
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Keep the good rows: decode what can be decoded, flag the undecodable lines below.
        text = raw.decode("utf-8", errors="replace")
        if "\ufffd" not in text:
            raise CliError(f"cannot decode {path}: {exc}") from exc
    reader = csv.DictReader(io.StringIO(text), delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
    if not reader.fieldnames or "name" not in [f.strip().lower() for f in reader.fieldnames]:
        raise CliError(f"{path}: the CSV needs a header with a 'name' column (id,name,country,schema)")
    for row in reader:
        lineno = reader.line_num
        row = {(k or "").strip().lower(): (v or "") for k, v in row.items()}
        if "\ufffd" in row.get("name", ""):
            yield lineno, None, "not valid UTF-8"
            continue
        yield lineno, {"id": row.get("id") or str(lineno), "name": row.get("name", ""),
                       "country": row.get("country") or None, "schema": row.get("schema") or None}, None


@app.command("screen")
def screen_cmd(
    name: Annotated[Optional[str], typer.Argument(help="The name to screen, in any script: 华为技术有限公司, Huawei Technologies, Huawei Jishu.", show_default=False)] = None,
    country: Annotated[Optional[str], typer.Option("--country", "-c", help="ISO-2 country of the party (CN, US…); a conflict lowers a match's score.")] = None,
    schema: Annotated[Optional[str], typer.Option("--schema", "-s", help="Person or Organization.")] = None,
    birth_date: Annotated[Optional[str], typer.Option("--birth-date", help="Date of birth (YYYY or YYYY-MM-DD) of a person.")] = None,
    lists: Annotated[Optional[str], typer.Option("--lists", "-l", help="Only these list codes, comma-separated (EL,MEU,SDN,CN-UEL…; see `clearway lists`).")] = None,
    threshold: Annotated[Optional[float], typer.Option("--threshold", "-t", min=0.0, max=1.0, help="Report matches at or above this score (default: the calibrated threshold).")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=100, help="At most this many matches per name.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Stable JSON instead of a table.")] = False,
    input_file: Annotated[Optional[Path], typer.Option("--input", "-i", help="Screen every row of a JSONL ({\"id\", \"query\": {\"name\", \"country\"?, \"schema\"?}}) or CSV (id,name,country,schema) file.", show_default=False)] = None,
    fmt: Annotated[Optional[str], typer.Option("--format", help="Input format: jsonl or csv (default: from the file extension).")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write JSONL results here instead of standard output.")] = None,
    snapshot: SnapshotOpt = None,
    db: DbOpt = None,
) -> None:
    """Screen a name (or a file of names) against every loaded list.

    Matches at or above the threshold are shown best first, with the entity, its lists, the
    name form that matched, the score in [0, 1], why it matched, and what the listing means.
    """

    def run():
        from .screen import Query, QueryError

        codes = parse_codes(lists)
        if input_file is None and name is None:
            raise CliError("give a NAME to screen or --input FILE (see clearway screen --help)")
        if input_file is not None and name is not None:
            raise CliError("give either a NAME or --input FILE, not both")
        from .service import screen_and_record

        if input_file is None:
            query = Query(name, country=country, schema=schema, birth_date=birth_date).validate()
            store = _store(db)
            sc = _screener(snapshot)
            result = screen_and_record(sc, store, [query], actor=_actor(), channel="cli", lists=codes,
                                       threshold=threshold, limit=limit)[0]
            if as_json:
                _print_json(result.to_dict())
            else:
                _print_matches(result)
            return
        rows = list(_read_queries(input_file, fmt))
        store = _store(db)
        sc = _screener(snapshot)
        sink = open(output, "wb") if output else sys.stdout.buffer
        bad = 0
        done = 0
        from rich.progress import Progress

        try:
            with Progress(console=err, transient=True, disable=not err.is_terminal) as progress:
                task = progress.add_task("screening", total=len(rows))
                for lineno, q, problem in rows:
                    progress.advance(task)
                    if q is None:
                        bad += 1
                        err.print(f"line {lineno}: skipped: {problem}", highlight=False, markup=False)
                        continue
                    try:
                        one = Query(str(q.get("name") or ""), country=q.get("country"), schema=q.get("schema"),
                                    birth_date=q.get("birth_date"), id=str(q["id"])).validate()
                        res = screen_and_record(sc, store, [one], actor=_actor(), channel="cli-file",
                                                lists=codes, threshold=threshold, limit=limit)[0]
                    except QueryError as exc:
                        bad += 1
                        err.print(f"line {lineno}: skipped: {exc}", highlight=False, markup=False)
                        continue
                    d = res.to_dict()
                    sink.write(orjson.dumps({"id": q["id"], "query": d["query"], "matches": d["matches"]}) + b"\n")
                    done += 1
        finally:
            if output:
                sink.close()
            else:
                sink.flush()
        err.print(f"screened {done:,} names; {bad:,} rows skipped", highlight=False)
        if done == 0 and bad:
            raise typer.Exit(2)

    _run(run)


@app.command("compare")
def compare_cmd(
    name_a: Annotated[str, typer.Argument(help="First name (the query).")],
    name_b: Annotated[str, typer.Argument(help="Second name (the listed name).")],
    schema: Annotated[Optional[str], typer.Option("--schema", "-s", help="Person or Organization.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Score two names against each other and explain the score — for adjudicating a hit."""

    def run():
        from .screen import Query, compare

        sch = Query("x", schema=schema).validate().schema if schema else None
        r = compare(name_a, name_b, schema=sch)
        if as_json:
            _print_json(r)
            return
        verdict = "match" if r.get("match") else "no match"
        out.print(f"[bold]{r['score']:.2f}[/] ({verdict})", highlight=False)
        out.print(r["explanation"], highlight=False, markup=False)
        out.print(r["explanation_zh"], highlight=False, markup=False)

    _run(run)


@app.command("eval")
def eval_cmd(
    gold: Annotated[Path, typer.Argument(help="Labelled queries, one JSON object a line (see eval/README.md).")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every failure.")] = False,
    threshold: Annotated[Optional[float], typer.Option("--threshold", "-t", min=0.0, max=1.0, help="Evaluate at this threshold instead of the default.")] = None,
    snapshot: SnapshotOpt = None,
) -> None:
    """Recall, hit@1 and false-alert rate on a labelled set, overall and per tag."""

    def run():
        from .evaluate import EvalFileError, evaluate, read_cases

        if not gold.exists():
            raise CliError(f"evaluation file not found: {gold}")
        try:
            cases = read_cases(gold.read_bytes())
        except EvalFileError as exc:
            raise CliError(f"{gold}: {exc}") from exc
        sc = _screener(snapshot)
        rep = evaluate(sc, cases, threshold=threshold)
        if as_json:
            d = {"overall": rep.overall, "by_tag": rep.by_tag}
            if verbose:
                d["failures"] = rep.failures
            _print_json(d)
            return
        t = Table(title=f"Matching quality on {gold.name}")
        for col in ("tag", "queries", "recall", "hit@1", "false alerts"):
            t.add_column(col, justify="right" if col != "tag" else "left")

        def fmt(v):
            return "—" if v is None else f"{v:.3f}"

        o = rep.overall
        t.add_row("[bold]overall[/]", str(o["queries"]), fmt(o["recall"]), fmt(o["hit_at_1"]), fmt(o["false_alert_rate"]))
        for tag, f in rep.by_tag.items():
            t.add_row(tag, str(f["queries"]), fmt(f["recall"]), fmt(f["hit_at_1"]), fmt(f["false_alert_rate"]))
        out.print(t)
        if verbose:
            for f in rep.failures:
                got = "; ".join(f"{g['name']} [{','.join(g['lists'])}] {g['score']}" for g in f["got"]) or "nothing"
                out.print(f"{f['id']} {f['problem']}: {f['query']!r} → {got}", highlight=False, markup=False)

    _run(run)


# -- service, keys, audit --------------------------------------------------------------------

@app.command("serve")
def serve_cmd(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, max=64, help="Worker processes (each loads the lists once).")] = 1,
    db: DbOpt = None,
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json, docs at /docs).

    Every endpoint but /healthz and /readyz needs an API key (`clearway keys create`). Several
    instances may share one PostgreSQL database behind a load balancer.
    """

    def run():
        import os

        from .api import serving
        from .settings import db_url

        url = db_url(db)
        store = _store(url)  # fail now, with a clear message, rather than in every worker
        store.close()
        os.environ["CLEARWAY_DB"] = url
        err.print(f"Clearway serving on http://{host}:{port} (docs at /docs), {workers} worker(s)", highlight=False)
        try:
            serving.serve(host, port, workers)
        except OSError as exc:
            raise CliError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc

    _run(run)


keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True, add_completion=False)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option("--role", "-r", help="viewer (lists, entities), analyst (+ screen), reviewer (+ adjudicate), admin (+ keys, updates).")],
    name: Annotated[str, typer.Option("--name", "-n", help="Who or what the key is for.")] = "",
    db: DbOpt = None,
) -> None:
    """Create a key. The key is printed once, alone on the last line; only a salted hash is kept."""

    def run():
        store = _store(db)
        rec, secret = store.create_key(role, name)
        store.append("keys", _actor(), {"action": "create", "key_id": rec.id, "role": rec.role, "name": rec.name})
        err.print(f"Created {rec.role} key {rec.id}{' (' + rec.name + ')' if rec.name else ''}. "
                  "Store it now: it cannot be shown again.", highlight=False, markup=False)
        print(secret)

    _run(run)


@keys_app.command("list")
def keys_list(db: DbOpt = None, as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False) -> None:
    """Every key: id, role, name, created, revoked."""

    def run():
        keys = _store(db).list_keys()
        if as_json:
            _print_json([{"id": k.id, "role": k.role, "name": k.name, "created_at": k.created_at,
                          "revoked_at": k.revoked_at} for k in keys])
            return
        t = Table(title="API keys")
        for col in ("id", "role", "name", "created", "revoked"):
            t.add_column(col)
        for k in keys:
            t.add_row(k.id, k.role, k.name, k.created_at[:19], (k.revoked_at or "")[:19])
        out.print(t)

    _run(run)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key id (from `clearway keys list`).")], db: DbOpt = None) -> None:
    """Revoke a key: requests with it are refused from then on (within seconds on running servers)."""

    def run():
        store = _store(db)
        rec = store.revoke_key(key_id)
        store.append("keys", _actor(), {"action": "revoke", "key_id": rec.id})
        out.print(f"revoked {rec.id} at {rec.revoked_at}", highlight=False)

    _run(run)


audit_app = typer.Typer(help="Verify and export the audit trail.", no_args_is_help=True, add_completion=False)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(db: DbOpt = None, as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False) -> None:
    """Recompute the hash chain; any edited, deleted or cut-off record is reported (exit 1)."""

    def run():
        rep = _store(db).verify()
        if as_json:
            _print_json({"records": rep.records, "ok": rep.ok, "problems": rep.problems})
        elif rep.ok:
            out.print(f"audit trail intact: {rep.records:,} records, chain verified", highlight=False)
        else:
            out.print(f"[bold red]audit trail broken[/] ({rep.records:,} records):", highlight=False)
            for p in rep.problems[:50]:
                out.print(f"  {p}", highlight=False, markup=False)
        if not rep.ok:
            raise typer.Exit(1)

    _run(run)


@audit_app.command("export")
def audit_export(
    since: Annotated[Optional[str], typer.Option("--since", help="Only records at or after this ISO date/time (2026-11-01 or 2026-11-01T12:00).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl or csv.")] = "jsonl",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here instead of standard output.")] = None,
    db: DbOpt = None,
) -> None:
    """Export audit records (with their hashes) as JSONL or CSV."""

    def run():
        from datetime import datetime

        if fmt not in ("jsonl", "csv"):
            raise CliError(f"unknown format {fmt!r} (use jsonl or csv)")
        if since:
            try:
                datetime.fromisoformat(since)
            except ValueError:
                raise CliError(f"--since must be an ISO date or date-time, got {since!r}") from None
        store = _store(db)
        sink = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            if fmt == "jsonl":
                for rec in store.records(since):
                    sink.write(orjson.dumps(rec.to_dict()).decode() + "\n")
            else:
                w = csv.writer(sink)
                w.writerow(["seq", "at", "actor", "kind", "payload", "prev_hash", "hash"])
                for rec in store.records(since):
                    w.writerow([rec.seq, rec.at, rec.actor, rec.kind, orjson.dumps(rec.payload).decode(),
                                rec.prev_hash, rec.hash])
        finally:
            if output:
                sink.close()

    _run(run)


# Command groups that live in their own modules.
from .commands import cases as _cases  # noqa: E402

_cases.register(app)
from .commands import batch as _batch  # noqa: E402

_batch.register(app)

from .commands import monitor as _monitor  # noqa: E402  (update, diff, watch, alerts)

_monitor.register(app)
from .commands import users as _users  # noqa: E402  (web sign-in users)

_users.register(app)


def main() -> None:  # pragma: no cover - console entry
    app()
