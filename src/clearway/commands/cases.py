"""``clearway case …``: vet a proposed collaboration, review its hits, discuss it, file its report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

case_app = typer.Typer(
    help=("Vet a joint project: its parties against every list, its topics and activities against the rules.\n\n"
          "Example: clearway case vet examples/cases/daya-bay.yaml"),
    no_args_is_help=True, add_completion=False,
)

_SEV_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}
_ASSESS_STYLE = {"proceed": "bold green", "proceed-with-conditions": "bold yellow", "legal-review": "bold dark_orange",
                 "do-not-proceed": "bold red"}


def register(app: typer.Typer) -> None:
    app.add_typer(case_app, name="case")
    # Open cases' parties are re-screened by `clearway update` like the watchlist.
    from ..cases import monitoring  # noqa: F401


def _ctx():
    from .. import cli

    return cli


def _print_case(case: dict) -> None:
    from rich.markup import escape

    from ..cases.report import ASSESSMENT_ZH

    cli = _ctx()
    out = cli.out
    v = case["vetting"]
    out.print(f"[bold]{escape(case['title'])}[/]  [dim]{case['id']}[/]", highlight=False)
    out.print(f"Assessment 评估结论: [{_ASSESS_STYLE[v['assessment']]}]{v['assessment']}[/] ({ASSESSMENT_ZH[v['assessment']]})"
              f"   rules {v['rules_version']} · lists {len(v['list_versions'])} versions", highlight=False)
    t = Table(title="Parties 合作方", show_lines=False)
    for col in ("#", "party", "role", "country", "listed on", "hits (entity id · score)"):
        t.add_column(col, overflow="fold")
    for p in v["parties"]:
        lists = sorted({c for h in p["hits"] if not h["cleared"] for c in h["lists"]})
        hits = "\n".join(f"{h['name']} ({h['entity_id']} · {h['score']:.2f})" + (" cleared" if h["cleared"] else "")
                         + (" via affiliation" if h["via"] == "affiliation" else "") for h in p["hits"])
        t.add_row(str(p["index"]), p["party"]["name"], p["party"]["role"], p["party"].get("country", ""),
                  ", ".join(lists) or "—", hits or "—")
    out.print(t)
    out.print("[bold]Findings 审查发现[/]")
    for f in v["findings"]:
        out.print(f"  [{_SEV_STYLE[f['severity']]}]{f['severity']:>8}[/]  {escape(f['title'])} · {escape(f['title_zh'])}  "
                  f"[dim]{f['rule_id']} → {f['assessment']}[/]", highlight=False)
        out.print(f"            {escape(f['text'])}", highlight=False)
        cites = "; ".join(c["text"] for c in f["citations"])
        out.print(f"            [dim]{escape(cites)}[/]", highlight=False)
    if not v["findings"]:
        out.print("  none 无")


def _spec_or_fail(path: Path):
    from ..cases.spec import CaseFileError, read_case_file

    cli = _ctx()
    try:
        return read_case_file(path)
    except CaseFileError as exc:
        raise cli.CliError(str(exc)) from exc


def _get(store, case_id: str):
    from ..store.cases import CaseNotFound, get_case

    cli = _ctx()
    try:
        return get_case(store, case_id)
    except CaseNotFound:
        raise cli.CliError(f"no case with id {case_id!r} (see clearway case list)") from None


DbOpt = Annotated[Optional[str], typer.Option("--db", help="Database URL (default: CLEARWAY_DB, else the data directory's SQLite file).", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="JSON output.")]


@case_app.command("vet")
def vet_cmd(
    file: Annotated[Path, typer.Argument(help="Case file (YAML or JSON; see src/clearway/cases/case.schema.json and examples/cases/).")],
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """Vet a case file and store the case: every party screened, every rule applied, an assessment
    (proceed, proceed-with-conditions, legal-review, do-not-proceed) with the rule behind each finding."""
    cli = _ctx()

    def run():
        from ..cases.service import vet_case

        spec = _spec_or_fail(file)
        store = cli._store(db)
        case = vet_case(spec, cli._screener(None), store, actor=cli._actor())
        if as_json:
            cli._print_json(case)
        else:
            _print_case(case)

    cli._run(run)


@case_app.command("list")
def list_cmd(as_json: JsonOpt = False, db: DbOpt = None,
             status: Annotated[Optional[str], typer.Option("--status", help="open or closed")] = None) -> None:
    """Stored cases, newest first."""
    cli = _ctx()

    def run():
        from ..store.cases import list_cases

        rows = list_cases(cli._store(db), status)
        if as_json:
            cli._print_json(rows)
            return
        t = Table(title="Cases 案件")
        for col in ("id", "title", "assessment", "status", "updated"):
            t.add_column(col, overflow="fold")
        for r in rows:
            t.add_row(r["id"], r["title"], r["assessment"], r["status"], r["updated_at"][:19])
        cli.out.print(t)

    cli._run(run)


@case_app.command("show")
def show_cmd(case_id: Annotated[str, typer.Argument(help="Case id.")], as_json: JsonOpt = False, db: DbOpt = None) -> None:
    """A stored case: parties, hits, findings, decisions, discussion and history."""
    cli = _ctx()

    def run():
        case = _get(cli._store(db), case_id)
        if as_json:
            cli._print_json(case)
        else:
            _print_case(case)

    cli._run(run)


@case_app.command("revet")
def revet_cmd(case_id: Annotated[str, typer.Argument(help="Case id.")], as_json: JsonOpt = False, db: DbOpt = None) -> None:
    """Vet a stored case again: current lists, current rules, reviewers' decisions."""
    cli = _ctx()

    def run():
        from ..cases.service import revet_case

        store = cli._store(db)
        _get(store, case_id)
        case = revet_case(case_id, cli._screener(None), store, actor=cli._actor())
        cli._print_json(case) if as_json else _print_case(case)

    cli._run(run)


@case_app.command("decide")
def decide_cmd(
    case_id: Annotated[str, typer.Argument(help="Case id.")],
    party: Annotated[int, typer.Option("--party", "-p", help="Party number (# in `case show`).")],
    entity: Annotated[str, typer.Option("--entity", "-e", help="Entity id of the hit (from `case show`).")],
    decision: Annotated[str, typer.Option("--decision", "-d", help="true-match, false-positive or needs-information.")],
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why: recorded in the audit trail.")],
    db: DbOpt = None,
) -> None:
    """Adjudicate a screening hit. A false positive is remembered for that party and list entry and
    not raised again until the entry changes."""
    cli = _ctx()

    def run():
        from ..cases.service import adjudicate

        store = cli._store(db)
        _get(store, case_id)
        try:
            rec = adjudicate(store, case_id, party_index=party, entity_id=entity, decision=decision, reason=reason,
                             actor=cli._actor())
        except ValueError as exc:
            raise cli.CliError(str(exc)) from exc
        cli.out.print(f"recorded: {rec['party']} ↔ {rec['listed_name']} → {rec['decision']}", highlight=False)

    cli._run(run)


@case_app.command("comment")
def comment_cmd(case_id: Annotated[str, typer.Argument(help="Case id.")],
                text: Annotated[str, typer.Argument(help="The comment, English or Chinese.")], db: DbOpt = None) -> None:
    """Add to the case's discussion thread (kept in the audit trail)."""
    cli = _ctx()

    def run():
        from ..store.cases import comment

        store = cli._store(db)
        _get(store, case_id)
        try:
            comment(store, case_id, text, cli._actor())
        except ValueError as exc:
            raise cli.CliError(str(exc)) from exc
        cli.out.print("comment added", highlight=False)

    cli._run(run)


@case_app.command("share")
def share_cmd(case_id: Annotated[str, typer.Argument(help="Case id.")],
              role: Annotated[str, typer.Option("--role", help="viewer (read-only) or reviewer (may adjudicate and comment).")] = "viewer",
              name: Annotated[str, typer.Option("--name", help="Who the key is for, e.g. the partner's research office.")] = "",
              db: DbOpt = None) -> None:
    """Share a case: an API key that sees this case only. Printed once, alone on the last line."""
    cli = _ctx()

    def run():
        from ..store.cases import share

        store = cli._store(db)
        _get(store, case_id)
        try:
            rec, secret = share(store, case_id, role, name, cli._actor())
        except ValueError as exc:
            raise cli.CliError(str(exc)) from exc
        cli.err.print(f"Created a {rec['role']} key {rec['key_id']} for case {case_id} only. Store it now.", highlight=False)
        print(secret)

    cli._run(run)


@case_app.command("close")
def close_cmd(case_id: Annotated[str, typer.Argument(help="Case id.")], db: DbOpt = None) -> None:
    """Close a case (closed cases are not re-screened on list updates)."""
    cli = _ctx()

    def run():
        from ..store.cases import CaseNotFound, set_status

        try:
            set_status(cli._store(db), case_id, "closed", cli._actor())
        except CaseNotFound:
            raise cli.CliError(f"no case with id {case_id!r}") from None
        cli.out.print(f"closed {case_id}", highlight=False)

    cli._run(run)


@case_app.command("report")
def report_cmd(
    case_id: Annotated[str, typer.Argument(help="Case id.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="html, pdf or md.")] = "html",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here (default: standard output; required for pdf).")] = None,
    db: DbOpt = None,
) -> None:
    """The report to file: parties, hits and decisions, findings with citations, list versions,
    headings in English and Chinese."""
    cli = _ctx()

    def run():
        from ..cases.report import FORMATS, render

        if fmt not in FORMATS:
            raise cli.CliError(f"unknown format {fmt!r} (use html, pdf or md)")
        if fmt == "pdf" and output is None:
            raise cli.CliError("a PDF report needs --output FILE")
        data = render(_get(cli._store(db), case_id), fmt)
        if output:
            output.write_bytes(data)
            cli.err.print(f"wrote {output} ({len(data):,} bytes)", highlight=False)
        else:
            sys.stdout.buffer.write(data)

    cli._run(run)
