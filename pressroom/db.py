"""The database adapter: engines, sessions and migrations for a site.

SQLite in the site's ``instance/`` by default (nothing to install), PostgreSQL through
``PRESSROOM_DATABASE_URL`` to scale out. The schema is Alembic's: ``ensure_database`` brings a
database to the newest revision on first use, and is safe when several processes start at once
(a file lock for SQLite, an advisory lock for PostgreSQL).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from pressroom.config import Site
from pressroom.errors import ConfigError, PressroomError

DATABASE_URL_ENV = "PRESSROOM_DATABASE_URL"
SQLITE_FILE = "pressroom.sqlite3"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant works, as long as every pressroom process takes the same one.
_PG_MIGRATION_LOCK = 0x70726573
SQLITE_BUSY_TIMEOUT_MS = 10_000

__all__ = ["Database", "DatabaseError", "Session", "database_url", "ensure_database"]


class DatabaseError(PressroomError):
    """The database cannot be reached or brought up to date."""


def database_url(site: Site, configured: str | None = None) -> str:
    """The URL to use: the one configured, else ``PRESSROOM_DATABASE_URL``, else SQLite.

    The web app passes ``app.config["DATABASE_URL"]`` (the same variable, read by Flask);
    the CLI has no app and reads the variable here, so both agree.
    """
    url = configured or os.environ.get(DATABASE_URL_ENV)
    if url:
        return url
    return f"sqlite:///{site.ensure_instance() / SQLITE_FILE}"


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers work while one process writes; SQLite leaves foreign keys off."""
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # A connection per use: opening SQLite is cheap, and nothing stays open across forks.
        engine = create_engine(url, poolclass=NullPool)
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    return create_engine(url, pool_pre_ping=True)


@dataclass(frozen=True)
class Database:
    """One database: its engine and a session factory. Get it with ``ensure_database``."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back if it raises."""
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close pooled connections (tests, and before a process forks)."""
        self.engine.dispose()


_lock = threading.Lock()
_ready: dict[str, Database] = {}


def ensure_database(site: Site, configured_url: str | None = None) -> Database:
    """The site's database, migrated to the newest schema the first time a process asks."""
    url = database_url(site, configured_url)
    with _lock:
        found = _ready.get(url)
        if found is not None:
            return found
        try:
            engine = _engine(url)
        except Exception as exc:  # SQLAlchemy's URL and driver errors have no common base
            raise ConfigError(
                "{setting}: cannot use {url}: {reason}",
                setting=DATABASE_URL_ENV,
                url=safe_url(url),
                reason=str(exc),
            ) from exc
        database = Database(url, engine, sessionmaker(engine, expire_on_commit=False))
        upgrade(database)
        _ready[url] = database
        return database


def forget_databases(url: str | None = None) -> None:
    """Close and forget migrated databases (one URL, or all): tests that drop a schema."""
    with _lock:
        for key in [url] if url else list(_ready):
            database = _ready.pop(key, None)
            if database is not None:
                database.dispose()


def upgrade(database: Database, revision: str = "heads") -> None:
    """Run Alembic's ``upgrade`` on the database, one process at a time."""
    from alembic import command

    try:
        with _migration_lock(database) as connection:
            config = alembic_config(database.url, connection)
            command.upgrade(config, revision)
            connection.commit()
    except PressroomError:
        raise
    except Exception as exc:  # driver errors: unreachable server, read-only file...
        raise DatabaseError(
            "cannot set up the database {url}: {reason}",
            url=safe_url(database.url),
            reason=str(exc),
        ) from exc


def alembic_config(url: str, connection: Connection | None = None) -> Any:
    """Alembic's configuration for our migrations, without an ``alembic.ini`` file."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Passed as attributes, not options: configparser would read a '%' in a password.
    config.attributes["url"] = url
    config.attributes["connection"] = connection
    return config


@contextlib.contextmanager
def _migration_lock(database: Database) -> Iterator[Connection]:
    """A connection that no other process migrates through at the same time."""
    if database.dialect == "sqlite":
        with _file_lock(_sqlite_lock_path(database.url)), database.engine.connect() as connection:
            yield connection
        return
    with database.engine.connect() as connection:
        if database.dialect == "postgresql":
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            connection.commit()
        try:
            yield connection
        finally:
            if database.dialect == "postgresql":
                connection.rollback()
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
                connection.commit()


def _sqlite_lock_path(url: str) -> Path | None:
    name = make_url(url).database
    if not name or name == ":memory:":
        return None
    return Path(name).with_name(Path(name).name + ".migrate-lock")


@contextlib.contextmanager
def _file_lock(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    try:
        import fcntl
    except ImportError:  # not POSIX: SQLite's own locking has to do
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def safe_url(url: str) -> str:
    """The URL without its password, fit for a message."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL shows nothing of itself
        return "(unparsable URL)"
