"""``pressroom db``: the database's schema (it is also brought up to date on first use)."""

from __future__ import annotations

import click

from pressroom import db
from pressroom.cli.context import current_site, refusal, say
from pressroom.errors import PressroomError


@click.group("db")
def database() -> None:
    """The database: SQLite in instance/, or PRESSROOM_DATABASE_URL."""


@database.command()
def upgrade() -> None:
    """Bring the database to the newest schema (creating it if needed)."""
    site = current_site()
    try:
        found = db.ensure_database(site)
        db.upgrade(found)
    except PressroomError as exc:
        raise refusal(site, exc) from None
    click.echo(say(site, "database up to date: {url}", url=db.safe_url(found.url)))


@database.command()
@click.option("--message", "-m", required=True, help="What the migration changes.")
def revision(message: str) -> None:
    """For developers: write a migration from the difference between models and database."""
    from alembic import command

    site = current_site()
    try:
        found = db.ensure_database(site)
    except PressroomError as exc:
        raise refusal(site, exc) from None
    command.revision(db.alembic_config(found.url), message=message, autogenerate=True)
