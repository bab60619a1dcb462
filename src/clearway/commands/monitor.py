"""``clearway update``, ``diff``, ``watch …`` and ``alerts``: the live-list commands.

Thin commands over :mod:`clearway.monitor`; the shared helpers (errors, store, output) come from
:mod:`clearway.cli`, imported inside each command.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

watch_app = typer.Typer(help=("The watchlist: partners re-screened after every list update; changes become alerts.\n\n"
                              "Example: clearway watch add \"Beijing Nuodian Keji Youxian Gongsi\" --country CN"),
                        no_args_is_help=True, add_completion=False)

_DbOpt = Annotated[Optional[str], typer.Option("--db", help="Database URL (default: CLEARWAY_DB, else clearway.db in the data directory).", show_default=False)]
_JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON.")]
_STATUS_STYLE = {"new": "bold green", "unchanged": "dim", "not modified": "dim", "refused": "bold yellow",
                 "failed": "bold red"}


def register(app: typer.Typer) -> None:
    app.command("update")(update_cmd)
    app.command("diff")(diff_cmd)
    app.add_typer(watch_app, name="watch")
    app.command("alerts")(alerts_cmd)


def _cli():
    from .. import cli

    return cli


# ---------------------------------------------------------------- update


def _parse_sources(items: list[str]) -> dict[str, str]:
    from ..monitor.publishers import PUBLISHERS

    cli = _cli()
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if name not in PUBLISHERS:
            raise cli.CliError(f"--source {item!r}: unknown source {name!r} (known: {', '.join(PUBLISHERS)})")
        value = value.strip() if sep else PUBLISHERS[name].url
        if not value:
            raise cli.CliError(f"--source {item!r}: give an address or a path after '='")
        out[name] = value
    return out


def _progress_factory(progress):
    tasks: dict[str, int] = {}

    def factory(source: str):
        def report(received: int, total: int | None) -> None:
            if source not in tasks:
                tasks[source] = progress.add_task(source, total=total)
            progress.update(tasks[source], completed=received, total=total)
        return report
    return factory


def _print_update(report, cli) -> None:
    from rich.markup import escape

    out = cli.out
    for o in report.outcomes:
        style = _STATUS_STYLE.get(o.status, "")
        line = f"[{style}]{o.status:<12}[/] [bold]{o.source:<13}[/] "
        if o.status == "new" and o.version is not None:
            line += f"{o.version.id}  {escape(o.message)}"
            if o.changes:
                c = o.changes
                line += f" (+{c['added']:,} −{c['removed']:,} ~{c['changed']:,} since {o.previous})"
        else:
            line += escape(o.message or "")
        out.print(line + f"  [dim]{o.seconds:.1f} s[/]", highlight=False)
        for w in o.warnings:
            out.print(f"             [yellow]warning:[/] {escape(w)}", highlight=False)
    if report.error:
        out.print(f"[bold red]error:[/] {escape(report.error)}", highlight=False)
    if report.pointer:
        p = report.pointer
        out.print(f"Swapped in {p['snapshot']} ({p['entities']:,} entities). A running `clearway serve` "
                  "picks it up within CLEARWAY_RELOAD_SECONDS, without a restart.", highlight=False)
    elif all(o.ok for o in report.outcomes):
        out.print("Nothing new: the live lists stay.", highlight=False)
    else:
        out.print("Nothing was swapped in: the live lists stay as they were.", highlight=False)
    _print_rescreen(report.rescreen, cli)


def _print_rescreen(rs, cli) -> None:
    if rs is None:
        return
    out = cli.out
    if rs.screened:
        n = len(rs.alerts)
        out.print(f"Re-screened {rs.screened:,} of {rs.targets:,} watched target(s): {n} alert(s)"
                  + (" — see `clearway alerts`" if n else ""), highlight=False)
        for a in rs.alerts:
            out.print(f"  [bold]{a.kind}[/] {a.target_name} → {a.party} "
                      f"[{', '.join(a.detail.get('lists_after') or a.detail.get('lists_before') or [])}]",
                      highlight=False, markup=True)
    for s in rs.skipped:
        out.print(f"[yellow]warning:[/] {s}", highlight=False)
    if rs.webhook:
        out.print(f"webhook: {rs.webhook}", highlight=False)


def update_cmd(
    source: Annotated[Optional[list[str]], typer.Option("--source", "-s", help="NAME=URL_OR_PATH: fetch only these sources, from there (repeatable). NAME alone: from its publisher. Default: every default publisher (see --sources).", show_default=False)] = None,
    accept_shrink: Annotated[bool, typer.Option("--accept-shrink", help="Accept a list that lost more than CLEARWAY_MAX_SHRINK percent of its entries.")] = False,
    rollback: Annotated[Optional[str], typer.Option("--rollback", help="Return SOURCE (csl, dod_1260h…) to the version live before the current one.", show_default=False)] = None,
    schedule: Annotated[Optional[str], typer.Option("--schedule", help="Keep running: update every INTERVAL (30m, 6h, 1d) until stopped.", show_default=False)] = None,
    timeout: Annotated[Optional[float], typer.Option("--timeout", min=0.1, help="Seconds to wait for a publisher (default: CLEARWAY_FETCH_TIMEOUT).", show_default=False)] = None,
    retries: Annotated[Optional[int], typer.Option("--retries", min=0, max=10, help="Retries of a failed download (default: CLEARWAY_FETCH_RETRIES).", show_default=False)] = None,
    no_rescreen: Annotated[bool, typer.Option("--no-rescreen", help="Do not re-screen the watchlist after the update.")] = False,
    list_sources: Annotated[bool, typer.Option("--sources", help="List the known sources and their publishers' addresses, and exit.")] = False,
    as_json: _JsonOpt = False,
    db: _DbOpt = None,
) -> None:
    """Fetch the lists from their official publishers, validate them, and swap the good ones in.

    Each download is checked before it is used (format, schema, record counts: a list that
    shrinks by more than 20% is refused unless --accept-shrink) and stored beside the older
    versions; a failed, truncated, corrupt or suspicious download never replaces a good version.
    After a swap the watchlist is re-screened and changes become alerts. Exit status 1 when a
    source failed or was refused (the others are still applied).

    \b
    Unattended, every 6 hours:
      clearway update --schedule 6h
    or from cron:
      17 */6 * * *  clearway update >> ~/clearway-update.log 2>&1
    """
    cli = _cli()

    def once() -> int:
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

        from .. import settings
        from ..monitor.fetch import MiB, FetchOptions
        from ..monitor.update import run_update
        from ..monitor.versions import default_store

        sources = _parse_sources(source or []) or None
        options = FetchOptions(
            timeout=timeout if timeout is not None else settings.get_float("fetch_timeout"),
            retries=retries if retries is not None else settings.get_int("fetch_retries"),
            max_bytes=int(settings.get_float("max_download_mb") * MiB))
        store = cli._store(db)
        vs = default_store()
        with Progress(TextColumn("{task.description:<13}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                      console=cli.err, transient=True, disable=not cli.err.is_terminal or as_json) as progress:
            report = run_update(vs, sources, accept_shrink=accept_shrink,
                                max_shrink=settings.get_float("max_shrink") / 100.0, options=options,
                                progress=_progress_factory(progress), store=store, actor=cli._actor(),
                                rescreen=not no_rescreen, webhook_url=settings.get("webhook_url"),
                                webhook_secret=settings.get("webhook_secret"))
        if as_json:
            cli._print_json(report.to_dict())
        else:
            _print_update(report, cli)
        return 0 if report.ok else 1

    def run():
        from ..monitor.publishers import PUBLISHERS
        from ..monitor.update import parse_interval
        from ..monitor.versions import VersionStoreError

        if list_sources:
            if as_json:
                cli._print_json([{"source": p.source, "title": p.title, "url": p.url, "default": p.default}
                                 for p in PUBLISHERS.values()])
                return 0
            t = Table(title="Known sources")
            for col in ("source", "publisher", "address", "default"):
                t.add_column(col, overflow="fold")
            for p in PUBLISHERS.values():
                t.add_row(p.source, p.title, p.url, "yes" if p.default else "no")
            cli.out.print(t)
            return 0
        if rollback:
            if source or schedule:
                raise cli.CliError("--rollback cannot be combined with --source or --schedule")
            return _rollback(rollback, as_json, no_rescreen, db)
        if schedule:
            try:
                interval = parse_interval(schedule)
            except ValueError as exc:
                raise cli.CliError(str(exc)) from None
            cli.err.print(f"Updating every {schedule}; stop with Ctrl-C.", highlight=False)
            try:
                while True:
                    started = time.monotonic()
                    try:
                        once()
                    except (cli.CliError, VersionStoreError, OSError) as exc:
                        cli.err.print(f"update failed: {exc}", highlight=False, markup=False)
                    except Exception as exc:  # keep the schedule going; say what happened
                        cli.err.print(f"update failed: {type(exc).__name__}: {exc}", highlight=False, markup=False)
                    sys.stdout.flush()
                    time.sleep(max(1.0, interval - (time.monotonic() - started)))
            except KeyboardInterrupt:
                return 0
        try:
            return once()
        except VersionStoreError as exc:
            raise cli.CliError(str(exc)) from None
        except OSError as exc:  # the data directory is not writable, the disk is full…
            raise cli.CliError(f"cannot update the lists in the data directory: {exc}") from None

    code = cli._run(run)
    if code:
        raise typer.Exit(code)


def _rollback(source_name: str, as_json: bool, no_rescreen: bool, db: Optional[str]) -> int:
    from .. import settings
    from ..monitor.update import rescreen_if_stale
    from ..monitor.versions import VersionStoreError, default_store

    cli = _cli()
    store = cli._store(db)
    vs = default_store()
    try:
        with vs.lock():
            before = vs.live_versions().get(source_name, "")
            pointer = vs.rollback(source_name)
    except VersionStoreError as exc:
        raise cli.CliError(str(exc)) from None
    after = pointer["sources"][source_name]
    store.append("list_rollback", cli._actor(), {"source": source_name, "from": before, "to": after,
                                                 "snapshot": pointer["snapshot"]})
    rs = None if no_rescreen else rescreen_if_stale(vs, store, actor=cli._actor(),
                                                    webhook_url=settings.get("webhook_url"),
                                                    webhook_secret=settings.get("webhook_secret"))
    if as_json:
        cli._print_json({"source": source_name, "from": before, "to": after, "snapshot": pointer["snapshot"],
                         "alerts": [a.to_dict() for a in (rs.alerts if rs else [])]})
    else:
        cli.out.print(f"Rolled {source_name} back: {before} → {after} (live now: {pointer['snapshot']}). "
                      f"An update will not apply {before} again.", highlight=False)
        _print_rescreen(rs, cli)
    return 0


# ---------------------------------------------------------------- diff


def _resolve_list(name: str, list_opt: Optional[str], vs) -> tuple[str, Optional[str]]:
    """(source, list code filter) for the LIST argument: a source name or a list code."""
    from ..lists import LISTS
    from ..monitor.publishers import PUBLISHERS
    from ..snapshot import read_snapshot_doc

    cli = _cli()
    code = list_opt.upper() if list_opt else None
    if code is not None and code not in LISTS:
        raise cli.CliError(f"unknown list code {list_opt!r} (see `clearway lists`)")
    if name in PUBLISHERS or name in vs.live_versions():
        return name, code
    if name.upper() in LISTS:
        code = name.upper()
        doc = read_snapshot_doc(vs.current_snapshot())
        by_version = {f"{v['source']}@{v['published'] or 'undated'}#{v['content_hash'][:12]}": v["source"]
                      for v in doc.get("versions", ())}
        sources = sorted({by_version.get(lst.get("version", ""), "") for e in doc.get("entities", ())
                          for lst in e["listings"] if lst.get("list") == code} - {""})
        if not sources:
            raise cli.CliError(f"no live list carries {code}")
        if len(sources) > 1:
            raise cli.CliError(f"{code} comes from several sources ({', '.join(sources)}): "
                               f"name one, e.g. `clearway diff {sources[0]} --list {code}`")
        return sources[0], code
    raise cli.CliError(f"unknown list or source {name!r} (sources: {', '.join(PUBLISHERS)}; list codes: see `clearway lists`)")


def _load_side(vs, source: str, ref: str):
    """(ListVersion, entities) for a version reference or a publisher file."""
    from ..monitor.fetch import FetchError, FetchOptions, read_local
    from ..monitor.publishers import publisher
    from ..monitor.update import published_date
    from ..monitor.validate import Refused, validate

    cli = _cli()
    path = Path(ref).expanduser()
    if path.is_file():
        try:
            got = read_local(str(path), FetchOptions())
            checked = validate(publisher(source), got.data, published=published_date(str(path), got))
        except (FetchError, Refused) as exc:
            raise cli.CliError(f"{path}: {exc}") from None
        return checked.parsed.version, checked.parsed.entities
    info = vs.find(source, ref)
    return info.version, vs.entities(info)


def diff_cmd(
    list_name: Annotated[str, typer.Argument(metavar="LIST", help="A source (csl, dod_1260h, cn_sanctions…) or a list code (EL, 1260H…).")],
    old: Annotated[Optional[str], typer.Argument(help="Older version: id, publisher date, hash prefix, or a publisher file. Default: the second newest.", show_default=False)] = None,
    new: Annotated[Optional[str], typer.Argument(help="Newer version (same forms). Default: the newest.", show_default=False)] = None,
    list_code: Annotated[Optional[str], typer.Option("--list", "-l", help="Only entries on this list code.", show_default=False)] = None,
    as_json: _JsonOpt = False,
    markdown: Annotated[bool, typer.Option("--markdown", "--md", help="Markdown, e.g. for a newsletter.")] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=0, help="Entries shown per section in the table and Markdown (0: all; JSON has all).")] = 50,
    versions: Annotated[bool, typer.Option("--versions", help="List the known versions of LIST and exit.")] = False,
) -> None:
    """Entries added, removed and changed (which fields) between two versions of a list.

    With the bundled data alone, `clearway diff csl` compares the 2022 and the 2026 Consolidated
    Screening Lists; after updates, the two newest stored versions. Two publisher files work too:

    \b
      clearway diff ofac_sdn sdn_2024-05-02.csv.gz sdn_2024-05-03.csv.gz
    """
    cli = _cli()

    def run():
        from ..monitor.diff import diff_entities
        from ..monitor.versions import VersionStoreError, default_store

        if as_json and markdown:
            raise cli.CliError("give --json or --markdown, not both")
        vs = default_store()
        try:
            source, code = _resolve_list(list_name, list_code, vs)
            if versions:
                _print_versions(vs, source, as_json)
                return
            if (old is None) != (new is None):
                raise cli.CliError("give both OLD and NEW, or neither (the two newest versions)")
            if old is None:
                cat = vs.catalogue(source)
                if len(cat) < 2:
                    raise cli.CliError(f"{source} has {len(cat)} known version(s); a diff needs two "
                                       "(run `clearway update`, or give two publisher files)")
                a = cat[-2].version, vs.entities(cat[-2])
                b = cat[-1].version, vs.entities(cat[-1])
            else:
                a = _load_side(vs, source, old)
                b = _load_side(vs, source, new)
        except VersionStoreError as exc:
            raise cli.CliError(str(exc)) from None
        d = diff_entities(a[1], b[1], source=source, old_version=a[0], new_version=b[0], list_code=code)
        if as_json:
            cli._print_json(d.to_dict())
        elif markdown:
            sys.stdout.write(d.to_markdown(limit=limit or None))
            sys.stdout.flush()
        else:
            _print_diff(d, limit, cli)

    cli._run(run)


def _print_versions(vs, source: str, as_json: bool) -> None:
    cli = _cli()
    live = vs.live_versions().get(source)
    infos = vs.catalogue(source)
    if as_json:
        cli._print_json([{**i.to_dict(), "live": i.id == live} for i in infos])
        return
    t = Table(title=f"Known versions of {source} (oldest first)")
    for col in ("version", "published", "origin", "entities", "stored", "live"):
        t.add_column(col, overflow="fold")
    for i in infos:
        t.add_row(i.id, i.version.published or "undated", i.origin,
                  f"{sum(i.counts.values()):,}" if i.counts else (f"{i.version.records:,}" if i.version.records else ""),
                  i.stored_at, "yes" if i.id == live else "")
    cli.out.print(t)


def _print_diff(d, limit: int, cli) -> None:
    from rich.markup import escape

    from ..monitor.diff import describe, entry_line

    out = cli.out
    o, n = d.old_version, d.new_version
    out.print(f"[bold]{d.source}{' · ' + d.list_code if d.list_code else ''}[/]: {o.id} → {n.id}", highlight=False)
    out.print(f"{len(d.added):,} added, {len(d.removed):,} removed, {len(d.changed):,} changed, "
              f"{d.unchanged:,} unchanged (entries: one per list an entity is on)", highlight=False)
    summary = d.summary()
    if summary:
        t = Table(title="By list")
        for col in ("list", "added", "removed", "changed"):
            t.add_column(col, justify="left" if col == "list" else "right")
        for code, c in summary.items():
            t.add_row(code, f"{c['added']:,}", f"{c['removed']:,}", f"{c['changed']:,}")
        out.print(t)

    def section(title: str, items, render) -> None:
        if not items:
            return
        shown = items if not limit else items[:limit]
        t = Table(title=f"{title} ({len(items):,})", show_lines=False)
        t.add_column("entry", overflow="fold", ratio=3)
        t.add_column("details", overflow="fold", ratio=5)
        for x in shown:
            t.add_row(*render(x))
        out.print(t)
        if len(items) > len(shown):
            out.print(f"… and {len(items) - len(shown):,} more (--limit 0 shows all; --json has all)", highlight=False)

    section("Added", d.added, lambda x: (escape(x.name), escape(entry_line(x))))
    section("Removed", d.removed, lambda x: (escape(x.name), escape(entry_line(x))))
    section("Changed", d.changed, lambda c: (f"{escape(c.new.name)} ({c.new.code})",
                                             "\n".join(escape(describe(x)) for x in c.changes)))
    if d.not_compared:
        out.print(f"Not compared (only one of the two versions carries them): {', '.join(d.not_compared)}",
                  highlight=False)


# ---------------------------------------------------------------- watch


def _hits_text(result) -> str:
    if not result.matches:
        return "no hit"
    return "; ".join(f"{m.name} [{', '.join(m.lists) or 'formerly: ' + ', '.join(m.former_lists)}] {m.score:.2f}"
                     for m in result.matches)


@watch_app.command("add")
def watch_add(
    name: Annotated[str, typer.Argument(help="The partner's name, in any script.")],
    country: Annotated[Optional[str], typer.Option("--country", "-c", help="ISO-2 country (CN, US…).")] = None,
    schema: Annotated[Optional[str], typer.Option("--schema", "-s", help="Person or Organization.")] = None,
    birth_date: Annotated[Optional[str], typer.Option("--birth-date", help="YYYY or YYYY-MM-DD, for a person.")] = None,
    note: Annotated[str, typer.Option("--note", help="Why this partner is watched (your reference).")] = "",
    as_json: _JsonOpt = False,
    db: _DbOpt = None,
) -> None:
    """Add a partner to the watchlist and screen it now (its result is the baseline for alerts)."""
    cli = _cli()

    def run():
        from ..monitor.watch import Target, screen_target, watch_query
        from ..screen import Query
        from ..store import monitor as mdb

        q = Query(name, country=country, schema=schema, birth_date=birth_date).validate()
        store = cli._store(db)
        existing = mdb.find_watch(store, q.name, q.country, q.schema)
        if existing is not None:
            raise cli.CliError(f"already on the watchlist as {existing.id} ({existing.name})")
        sc = cli._screener(None)
        entry = mdb.add_watch(store, q.name, actor=cli._actor(), country=q.country, schema=q.schema,
                              birth_date=q.birth_date, note=note)
        result = screen_target(sc, store, Target("watch", entry.id, watch_query(entry)), actor=cli._actor())
        if as_json:
            cli._print_json({**entry.to_dict(), "result": result.to_dict()})
            return
        cli.out.print(f"Watching {entry.id}: {entry.name} — now: {_hits_text(result)}", highlight=False, markup=False)

    cli._run(run)


@watch_app.command("import")
def watch_import(
    path: Annotated[Path, typer.Argument(help="CSV (id,name,country,schema) or JSONL ({\"name\", \"country\"?, \"schema\"?}), as for `clearway screen --input`.")],
    fmt: Annotated[Optional[str], typer.Option("--format", help="csv or jsonl (default: from the extension).")] = None,
    as_json: _JsonOpt = False,
    db: _DbOpt = None,
) -> None:
    """Add every row of a file to the watchlist (rows already on it are skipped) and screen them."""
    cli = _cli()

    def run():
        from ..monitor.watch import summarize, watch_query
        from ..screen import Query, QueryError
        from ..service import screen_and_record
        from ..store import monitor as mdb

        rows = list(cli._read_queries(path, fmt))
        store = cli._store(db)
        added, skipped, bad = [], 0, 0
        for lineno, q, problem in rows:
            if q is None:
                bad += 1
                cli.err.print(f"line {lineno}: skipped: {problem}", highlight=False, markup=False)
                continue
            try:
                query = Query(str(q.get("name") or ""), country=q.get("country"), schema=q.get("schema"),
                              birth_date=q.get("birth_date")).validate()
            except QueryError as exc:
                bad += 1
                cli.err.print(f"line {lineno}: skipped: {exc}", highlight=False, markup=False)
                continue
            if mdb.find_watch(store, query.name, query.country, query.schema) is not None:
                skipped += 1
                continue
            added.append(mdb.add_watch(store, query.name, actor=cli._actor(), country=query.country,
                                       schema=query.schema, birth_date=query.birth_date))
        hits = 0
        if added:
            sc = cli._screener(None)
            versions = [v.id for v in sc.versions]
            for start in range(0, len(added), 200):
                chunk = added[start:start + 200]
                results = screen_and_record(sc, store, [watch_query(e) for e in chunk], actor=cli._actor(),
                                            channel="watch-import")
                for e, r in zip(chunk, results):
                    mdb.save_baseline(store, "watch", e.id, summarize(r), versions)
                    hits += bool(r.matches)
        if as_json:
            cli._print_json({"added": [e.to_dict() for e in added], "already_watched": skipped, "bad_rows": bad,
                             "with_hits": hits})
        else:
            cli.out.print(f"Added {len(added):,} to the watchlist ({hits:,} with a hit now); "
                          f"{skipped:,} already watched; {bad:,} rows skipped.", highlight=False)
        if bad and not added and not skipped:
            raise typer.Exit(2)

    cli._run(run)


@watch_app.command("list")
def watch_list(as_json: _JsonOpt = False, db: _DbOpt = None) -> None:
    """Every watched partner with its hits at the last screening."""
    cli = _cli()

    def run():
        from ..store import monitor as mdb

        store = cli._store(db)
        entries = mdb.list_watch(store)
        rows = []
        for e in entries:
            base = mdb.get_baseline(store, "watch", e.id)
            hits = base[0] if base else []
            rows.append({**e.to_dict(), "hits": [{"id": h["id"], "name": h["name"], "lists": h["lists"],
                                                  "score": h["score"]} for h in hits],
                         "screened_against": base[1] if base else []})
        if as_json:
            cli._print_json(rows)
            return
        t = Table(title=f"Watchlist ({len(rows):,})")
        for col in ("id", "name", "country", "hits at last screening", "note", "added"):
            t.add_column(col, overflow="fold")
        for r in rows:
            hits = "\n".join(f"{h['name']} [{', '.join(h['lists'])}]" for h in r["hits"]) or "—"
            t.add_row(r["id"], r["name"], r["country"] or "", hits, r["note"], r["added_at"][:19])
        cli.out.print(t)

    cli._run(run)


@watch_app.command("remove")
def watch_remove(entry_id: Annotated[str, typer.Argument(help="The entry id (from `clearway watch list`).")],
                 db: _DbOpt = None) -> None:
    """Stop watching a partner (its alerts stay)."""
    cli = _cli()

    def run():
        from ..store import monitor as mdb

        try:
            e = mdb.remove_watch(cli._store(db), entry_id, actor=cli._actor())
        except mdb.UnknownWatchError as exc:
            raise cli.CliError(str(exc)) from None
        cli.out.print(f"removed {e.id}: {e.name}", highlight=False, markup=False)

    cli._run(run)


# ---------------------------------------------------------------- alerts


def alerts_cmd(
    since: Annotated[Optional[str], typer.Option("--since", help="Only alerts at or after this ISO date/time.", show_default=False)] = None,
    kind: Annotated[Optional[str], typer.Option("--kind", help="new_hit, hit_gone or listing_changed.", show_default=False)] = None,
    target: Annotated[Optional[str], typer.Option("--target", help="Only alerts of this watchlist entry (or case) id.", show_default=False)] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=100000, help="At most this many, newest first.")] = 50,
    as_json: _JsonOpt = False,
    db: _DbOpt = None,
) -> None:
    """Alerts raised by list updates: a watched partner newly listed, no longer listed, or listed differently."""
    cli = _cli()

    def run():
        from datetime import datetime

        from ..store import monitor as mdb

        if kind and kind not in mdb.ALERT_KINDS:
            raise cli.CliError(f"unknown alert kind {kind!r} (use {', '.join(mdb.ALERT_KINDS)})")
        if since:
            try:
                datetime.fromisoformat(since)
            except ValueError:
                raise cli.CliError(f"--since must be an ISO date or date-time, got {since!r}") from None
        alerts = mdb.list_alerts(cli._store(db), since=since, kind=kind, target_id=target, limit=limit)
        if as_json:
            cli._print_json([a.to_dict() for a in alerts])
            return
        if not alerts:
            cli.out.print("No alerts.", highlight=False)
            return
        t = Table(title=f"Alerts ({len(alerts):,}, newest first)")
        for col in ("#", "at", "kind", "watched", "listed party", "lists before → after", "what changed"):
            t.add_column(col, overflow="fold")
        for a in alerts:
            d = a.detail
            changed = "; ".join(f"{c['list']} {c['field']}: {c['before'] or '—'} → {c['after'] or '—'}"
                                for c in d.get("changes", ()))[:300]
            t.add_row(str(a.id), a.at[:19].replace("T", " "), a.kind, f"{a.target_name} ({a.target_id})", a.party,
                      f"{', '.join(d.get('lists_before') or []) or '—'} → {', '.join(d.get('lists_after') or []) or '—'}",
                      changed)
        cli.out.print(t)

    cli._run(run)
