"""The testing vocabulary of pressroom, as in Flask's tutorial: sites, app, client, runner."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from pressroom.config import Site, load_site
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
