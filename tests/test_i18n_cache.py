"""Compiled interface catalogues are kept, and made again when a ``.po`` file changes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pressroom import i18n


@pytest.fixture
def translations_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    copy = tmp_path / "translations"
    shutil.copytree(i18n.TRANSLATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(i18n, "TRANSLATIONS_DIR", copy)
    i18n.translations.cache_clear()
    yield copy
    i18n.translations.cache_clear()


def test_second_process_reads_the_kept_catalogue(
    translations_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert i18n.gettext("fr", "Sign in") == "Connexion"
    assert len(list((translations_dir / "__pycache__").glob("fr-*.mo"))) == 1
    i18n.translations.cache_clear()

    def no_compiling(sources: list[Path], code: str) -> bytes:
        raise AssertionError("compiled again")

    monkeypatch.setattr(i18n, "_compile", no_compiling)
    assert i18n.gettext("fr", "Sign in") == "Connexion"
    assert i18n.ngettext("fr", "%(num)s press release", "%(num)s press releases", 2).endswith(
        "communiqués"
    )


def test_changed_po_file_is_compiled_again(translations_dir: Path) -> None:
    assert i18n.gettext("fr", "Sign in") == "Connexion"
    po = translations_dir / "fr" / "LC_MESSAGES" / "admin.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "Connexion"', 'msgstr "Se connecter"', 1), encoding="utf-8")
    i18n.translations.cache_clear()
    assert i18n.gettext("fr", "Sign in") == "Se connecter"
    assert len(list((translations_dir / "__pycache__").glob("fr-*.mo"))) == 1


def test_unwritable_install_still_translates(translations_dir: Path) -> None:
    # A file where the cache folder would go: nothing can be written there, even by root.
    (translations_dir / "__pycache__").write_bytes(b"")
    assert i18n.gettext("fr", "Sign in") == "Connexion"
    assert (translations_dir / "__pycache__").read_bytes() == b""
