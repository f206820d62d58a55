"""The testing vocabulary of pressroom, as in Flask's tutorial: sites, app, client, runner."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from pressroom import accounts
from pressroom.accounts import Account
from pressroom.config import Site, load_site
from pressroom.db import Database, ensure_database
from pressroom.web import create_app

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


def _corpus_dir() -> Path:
    env = os.environ.get("PRESSROOM_CORPUS")
    if env:
        return Path(env)
    return REPO.parent / "shared" / "corpus"


CORPUS = _corpus_dir()


def corpus_files(*folders: str) -> list[Path]:
    """Release files of the corpus (``.md``/``.markdown``), in a stable order."""
    found: list[Path] = []
    for folder in folders:
        base = CORPUS / folder
        if base.is_file():
            found.append(base)
        elif base.is_dir():
            found += sorted(p for p in base.iterdir() if p.suffix in (".md", ".markdown"))
    return found


@pytest.fixture
def corpus() -> Path:
    """The real communiqués in ``shared/corpus`` (skips when the checkout lacks them)."""
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS} (set PRESSROOM_CORPUS)")
    return CORPUS


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Site]:
    """Build a site folder from release files (paths or {name: text}) and settings text."""

    def make(
        files: list[Path] | dict[str, str | bytes] | None = None,
        settings: str = "",
        name: str = "site",
    ) -> Site:
        root = tmp_path / name
        (root / "releases" / "uploads").mkdir(parents=True, exist_ok=True)
        if settings:
            (root / "pressroom.toml").write_text(settings, encoding="utf-8")
        if isinstance(files, dict):
            for file_name, content in files.items():
                target = root / "releases" / file_name
                target.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(content, bytes):
                    target.write_bytes(content)
                else:
                    target.write_text(content, encoding="utf-8")
        else:
            for path in files or []:
                shutil.copyfile(path, root / "releases" / path.name)
        return load_site(root)

    return make


@pytest.fixture
def demo_site(tmp_path: Path) -> Site:
    """A copy of the repository's demo site, safe to modify."""
    root = tmp_path / "demo"
    root.mkdir()
    shutil.copytree(REPO / "releases", root / "releases")
    shutil.copyfile(REPO / "pressroom.toml", root / "pressroom.toml")
    if (REPO / "contacts").is_dir():
        shutil.copytree(REPO / "contacts", root / "contacts")
    return load_site(root)


@pytest.fixture
def app(demo_site: Site) -> Iterator[Flask]:
    """The web app on a copy of the demo site."""
    app = create_app(demo_site, {"TESTING": True, "SECRET_KEY": "test"})
    yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner() -> CliRunner:
    """Runs ``pressroom`` commands in-process (pass ``--site`` explicitly)."""
    return CliRunner()


# Accounts and the database: the back office's vocabulary, for any test that needs a signed-in
# person. The password is long enough for the account rules.

TEST_PASSWORD = "correct horse battery staple"
POSTGRES_URL = os.environ.get(
    "PRESSROOM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def csrf_token_in(html: str) -> str:
    """The CSRF token of the first form of a page."""
    import re

    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


@pytest.fixture
def database(demo_site: Site) -> Database:
    """The demo site's database (SQLite in its instance/, or PRESSROOM_DATABASE_URL), migrated."""
    return ensure_database(demo_site)


@pytest.fixture
def make_account(database: Database) -> Callable[..., Account]:
    """Create an account: ``make_account("publisher")`` is publisher@example.org."""

    def make(
        role: str = "editor", email: str | None = None, password: str = TEST_PASSWORD
    ) -> Account:
        return accounts.add_user(database, email or f"{role}@example.org", role, password)

    return make


class AuthActions:
    """Signing in and out through the real forms, CSRF token included."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def token(self, path: str = "/connexion") -> str:
        page = self.client.get(path, follow_redirects=True)
        return csrf_token_in(page.get_data(as_text=True))

    def login(self, email: str, password: str = TEST_PASSWORD) -> Any:
        data = {"email": email, "password": password, "csrf_token": self.token()}
        return self.client.post("/connexion", data=data)

    def logout(self) -> Any:
        return self.client.post("/deconnexion", data={"csrf_token": self.token("/admin/")})


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema on the PostgreSQL at 127.0.0.1 (mark tests ``services``); dropped after."""
    import uuid

    psycopg = pytest.importorskip("psycopg")
    from sqlalchemy import make_url

    from pressroom.db import forget_databases

    url = make_url(POSTGRES_URL)
    schema = f"pressroom_test_{uuid.uuid4().hex[:12]}"
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = psycopg.connect(dsn, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {url.render_as_string()}: {exc}")
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        test_url = url.update_query_dict({"options": f"-csearch_path={schema}"})
        rendered = test_url.render_as_string(hide_password=False)
        try:
            yield rendered
        finally:
            forget_databases(rendered)
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="session")
def corpus_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Site, Path]:
    """The corpus site and its static export, built once for the tests that only read them."""
    from pressroom.build import build_site
    from tests.newsroom_sites import CORPUS_RELEASES, corpus_site

    if not CORPUS_RELEASES.is_dir():
        pytest.skip("corpus not available")
    site = corpus_site(tmp_path_factory.mktemp("corpus"))
    out = tmp_path_factory.mktemp("export")
    build_site(site, out, pdf=False)
    return site, out


@pytest.fixture(scope="session")
def static_server(corpus_export: tuple[Site, Path]) -> Iterator[str]:
    """The corpus export served as any static web server would serve it."""
    from tests.servers import serving_files

    with serving_files(corpus_export[1]) as base:
        yield base
