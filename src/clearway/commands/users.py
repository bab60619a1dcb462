"""``clearway users …``: people who sign in to the web pages with a username and password."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer
from rich.table import Table

users_app = typer.Typer(
    help=("Create, list and disable the people who sign in to the web pages (API keys sign in too).\n\n"
          "Example: clearway users create --username alice --role reviewer"),
    no_args_is_help=True, add_completion=False,
)

DbOpt = Annotated[Optional[str], typer.Option("--db", help="Database URL (default: CLEARWAY_DB, else clearway.db in the data directory).", show_default=False)]


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")


def _cli():
    from .. import cli

    return cli


def _password(from_stdin: bool) -> str:
    """The new password: one line of standard input, or typed twice at a prompt (never echoed)."""
    cli = _cli()
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise cli.CliError("--password-stdin: no password on standard input")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise cli.CliError("no terminal to type a password: pipe it in with --password-stdin")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("create")
def create_cmd(
    username: Annotated[str, typer.Option("--username", "-u", help="The sign-in name (letters, digits, . _ @ -; case-insensitive).")],
    role: Annotated[str, typer.Option("--role", "-r", help="viewer (lists, landscape, cases), analyst (+ search, batch, new cases), reviewer (+ adjudicate, comment), admin.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input instead of a prompt.")] = False,
    db: DbOpt = None,
) -> None:
    """Create a user. The password (at least 10 characters) is asked twice, or read from standard
    input; only a salted scrypt hash is kept."""
    cli = _cli()

    def run():
        from ..store.users import UserError, create_user

        store = cli._store(db)
        password = _password(password_stdin)
        try:
            user = create_user(store, username, role, password)
        except UserError as exc:
            raise cli.CliError(str(exc)) from exc
        store.append("users", cli._actor(), {"action": "create", "user_id": user.id, "username": user.username,
                                             "role": user.role})
        cli.err.print(f"Created {user.role} user {user.username} ({user.id}).", highlight=False, markup=False)

    cli._run(run)


@users_app.command("password")
def password_cmd(
    username: Annotated[str, typer.Option("--username", "-u", help="The user whose password to change.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")] = False,
    db: DbOpt = None,
) -> None:
    """Set a new password for a user."""
    cli = _cli()

    def run():
        from ..store.users import UserError, set_password

        store = cli._store(db)
        password = _password(password_stdin)
        try:
            user = set_password(store, username, password)
        except UserError as exc:
            raise cli.CliError(str(exc)) from exc
        store.append("users", cli._actor(), {"action": "password", "user_id": user.id, "username": user.username})
        cli.err.print(f"Password of {user.username} changed.", highlight=False, markup=False)

    cli._run(run)


@users_app.command("list")
def list_cmd(db: DbOpt = None, as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False) -> None:
    """Every user: id, username, role, created, disabled."""
    cli = _cli()

    def run():
        from ..store.users import list_users

        rows = list_users(cli._store(db))
        if as_json:
            cli._print_json([{"id": u.id, "username": u.username, "role": u.role, "created_at": u.created_at,
                              "disabled_at": u.disabled_at} for u in rows])
            return
        t = Table(title="Users")
        for col in ("id", "username", "role", "created", "disabled"):
            t.add_column(col)
        for u in rows:
            t.add_row(u.id, u.username, u.role, u.created_at[:19], (u.disabled_at or "")[:19])
        cli.out.print(t)

    cli._run(run)


@users_app.command("disable")
def disable_cmd(username: Annotated[str, typer.Argument(help="The user to disable.")], db: DbOpt = None) -> None:
    """Disable a user: their sessions end at their next request and they can no longer sign in."""
    cli = _cli()

    def run():
        from ..store.users import UserError, disable_user

        store = cli._store(db)
        try:
            user = disable_user(store, username)
        except UserError as exc:
            raise cli.CliError(str(exc)) from exc
        store.append("users", cli._actor(), {"action": "disable", "user_id": user.id, "username": user.username})
        cli.out.print(f"disabled {user.username} at {user.disabled_at}", highlight=False)

    cli._run(run)
