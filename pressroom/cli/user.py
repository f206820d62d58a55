"""``pressroom user``: accounts of the back office, from a terminal (its operator acts as admin)."""

from __future__ import annotations

import sys

import click

from pressroom import accounts
from pressroom.cli.context import current_site, refusal, say
from pressroom.config import Site
from pressroom.db import Database, ensure_database
from pressroom.errors import PressroomError


def _database(site: Site) -> Database:
    try:
        return ensure_database(site)
    except PressroomError as exc:
        raise refusal(site, exc) from None


def _read_password(site: Site, from_stdin: bool) -> str:
    """One line of standard input, or a hidden prompt asked twice."""
    if from_stdin:
        line = sys.stdin.readline()
        typed = line.rstrip("\r\n")
        if not typed:
            raise click.ClickException(say(site, "--password-stdin: no password on standard input"))
        return typed
    return str(click.prompt(say(site, "Password"), hide_input=True, confirmation_prompt=True))


@click.group()
def user() -> None:
    """Add accounts, change their passwords, list them."""


@user.command("add")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(accounts.ROLES),
    default="editor",
    show_default=True,
    help="editor drafts; publisher also publishes and sends; admin also manages accounts.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from one line of stdin.")
def add(email: str, role: str, password_stdin: bool) -> None:
    """Create an account for EMAIL (an address that has one already is refused)."""
    site = current_site()
    database = _database(site)
    try:
        # Check the address before asking for a password that would be thrown away.
        accounts.normalize_email(email)
        password = _read_password(site, password_stdin)
        account = accounts.add_user(database, email, role, password)
    except PressroomError as exc:
        raise refusal(site, exc) from None
    click.echo(say(site, "added {email} ({role})", email=account.email, role=account.role))


@user.command("passwd")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from one line of stdin.")
def passwd(email: str, password_stdin: bool) -> None:
    """Change the password of EMAIL; its open sessions end."""
    site = current_site()
    database = _database(site)
    try:
        if accounts.find_account(database, email) is None:
            raise accounts.AccountError("{email} has no account.", email=email)
        account = accounts.change_password(database, email, _read_password(site, password_stdin))
    except PressroomError as exc:
        raise refusal(site, exc) from None
    click.echo(say(site, "password changed for {email}", email=account.email))


@user.command("list")
def list_() -> None:
    """List accounts: address, role, state, last login (UTC)."""
    site = current_site()
    for account in accounts.list_accounts(_database(site)):
        state = say(site, "active") if account.active else say(site, "deactivated")
        last = account.last_login_at.strftime("%Y-%m-%d %H:%M") if account.last_login_at else "-"
        click.echo(f"{account.email}\t{account.role}\t{state}\t{last}")
