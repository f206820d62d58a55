"""The database layer: migrations on first use (SQLite, PostgreSQL) agree with the models."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import inspect, text

from pressroom import db
from pressroom.cli import cli
from pressroom.config import Site
from pressroom.errors import PressroomError
from pressroom.models import Base

TABLES = {"users", "audit_log", "alembic_version"}


def _differences(database: db.Database) -> list[object]:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_upgrade_creates_the_tables_in_an_empty_sqlite(make_site: Callable[..., Site]) -> None:
    site = make_site()
    database = db.ensure_database(site)
    assert (site.instance_dir / db.SQLITE_FILE).is_file()
    assert set(inspect(database.engine).get_table_names()) >= TABLES


def test_sqlite_models_and_migrations_agree(make_site: Callable[..., Site]) -> None:
    assert _differences(db.ensure_database(make_site())) == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(make_site: Callable[..., Site]) -> None:
    database = db.ensure_database(make_site())
    with database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 10_000


def test_database_url_comes_from_the_environment(
    make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(db.DATABASE_URL_ENV, "sqlite:////elsewhere/x.sqlite3")
    assert db.database_url(make_site()) == "sqlite:////elsewhere/x.sqlite3"


def test_unreachable_database_is_a_clear_error(make_site: Callable[..., Site]) -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    url = "postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=2"
    with pytest.raises(PressroomError, match=r"cannot set up the database postgresql"):
        db.ensure_database(make_site(), url)


def test_two_processes_starting_at_once_both_find_the_schema(
    make_site: Callable[..., Site],
) -> None:
    site = make_site()
    script = (
        "import sys\n"
        "from pressroom.config import load_site\n"
        "from pressroom.db import ensure_database\n"
        "from sqlalchemy import inspect\n"
        "database = ensure_database(load_site(sys.argv[1]))\n"
        "print(sorted(inspect(database.engine).get_table_names()))\n"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(site.root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [process.communicate(timeout=120) for process in processes]
    for process, (out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
        assert "'users'" in out and "'audit_log'" in out
    with db.ensure_database(site).engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    assert len(versions) == 1


def test_db_upgrade_command_creates_the_database(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    result = CliRunner().invoke(cli, ["--site", str(site), "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "base de données à jour" in result.output
    assert (site / "instance" / db.SQLITE_FILE).is_file()


def test_db_upgrade_says_it_in_english_on_an_english_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "pressroom.toml").write_text('[site]\nlanguage = "en"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--site", str(site), "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "database up to date: sqlite:///" in result.output


@pytest.mark.services
def test_upgrade_creates_the_tables_on_postgresql(
    make_site: Callable[..., Site], postgres_url: str
) -> None:
    database = db.ensure_database(make_site(), postgres_url)
    assert database.dialect == "postgresql"
    assert set(inspect(database.engine).get_table_names()) >= TABLES


@pytest.mark.services
def test_postgresql_models_and_migrations_agree(
    make_site: Callable[..., Site], postgres_url: str
) -> None:
    assert _differences(db.ensure_database(make_site(), postgres_url)) == []
