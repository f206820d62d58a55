"""Alembic's entry: our models' metadata and the site's URL, with no ``alembic.ini``.

``pressroom.db`` passes the URL (and usually an open, locked connection) as attributes of the
configuration; SQLite gets batch mode so that later migrations can alter tables.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection, create_engine
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

from pressroom.models import Base

config = context.config
target_metadata = Base.metadata


def render_item(kind: str, obj: Any, _context: AutogenContext) -> str | Literal[False]:
    """Write our column types as the plain SQLAlchemy type they store, so that a migration
    never imports pressroom's code (which will have changed by the time it runs again)."""
    if kind == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Print the SQL instead of running it (``--sql``)."""
    context.configure(
        url=config.attributes["url"],
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate through the connection we were given, else one of our own."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    engine = create_engine(config.attributes["url"], poolclass=NullPool)
    with engine.connect() as own:
        _configure(own)
        own.commit()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
