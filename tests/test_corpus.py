"""The real communiqués load as Jekyll published them: same title, date, URL and category.

``tests/data/corpus_expectations.tsv`` was written from the files themselves (their raw YAML,
Jekyll 4's "pretty" slug rule, the site's default category), not from pressroom's output, so
a regression in the reader shows up here as a row that no longer matches.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from pressroom.cli import cli
from pressroom.config import Settings, Site
from pressroom.release import Release, parse_release
from pressroom.store import decode_release
from tests.conftest import CORPUS, DATA, corpus_files

EXPECTATIONS = DATA / "corpus_expectations.tsv"
COMMUNIQUES = "numerique-gouv/communiques"
DUPLICATES = "numerique-gouv/duplicates"


@dataclass(frozen=True)
class Expected:
    """One row of the expectations: what Jekyll made of one corpus file."""

    path: str
    title: str
    date: datetime
    slug: str
    category: str
    url: str


def _expectations() -> list[Expected]:
    with EXPECTATIONS.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            Expected(
                path=row["path"],
                title=row["title"],
                date=datetime.fromisoformat(row["date"]),
                slug=row["slug"],
                category=row["category"],
                url=row["url"],
            )
            for row in rows
        ]


EXPECTED = _expectations()


def _read(relative_path: str) -> Release:
    """Parse one corpus file as it would sit in a site's ``releases/`` with default settings."""
    source = CORPUS / relative_path
    shown = f"releases/{source.name}"
    text, _ = decode_release(source.read_bytes(), shown)
    release, _ = parse_release(text, shown, Settings())
    return release


@pytest.fixture
def site_of(make_site: Callable[..., Site], corpus: Path) -> Callable[..., Path]:
    """A site whose ``releases/`` holds the given corpus folders (sub-folders kept apart)."""

    def make(*folders: str) -> Path:
        root = make_site([]).root
        for folder in folders:
            target = root / "releases" / Path(folder).name
            target.mkdir(exist_ok=True)
            for path in corpus_files(folder):
                shutil.copyfile(path, target / path.name)
        return root

    return make


def _check(root: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["--site", str(root), "check"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout.splitlines()


def test_expectations_cover_every_release_file_of_the_corpus(corpus: Path) -> None:
    files = corpus_files("seed-communique.md", COMMUNIQUES, DUPLICATES, "numerique-gouv/other")
    listed = sorted(e.path for e in EXPECTED)
    assert listed == sorted(p.relative_to(corpus).as_posix() for p in files)
    assert len(listed) == 1 + 81 + 3 + 14


@pytest.mark.parametrize("expected", EXPECTED, ids=[e.path.rsplit("/", 1)[-1] for e in EXPECTED])
def test_corpus_release_matches_what_jekyll_published(corpus: Path, expected: Expected) -> None:
    release = _read(expected.path)
    assert (release.title, release.slug, release.category, release.url) == (
        expected.title,
        expected.slug,
        expected.category,
        expected.url,
    )
    # Same instant and same offset as the file says (naive dates in Europe/Paris).
    assert release.date == expected.date
    assert release.date.utcoffset() == expected.date.utcoffset()


def test_communiques_folder_checks_without_error(site_of: Callable[..., Path]) -> None:
    code, lines = _check(site_of(COMMUNIQUES))
    assert [line for line in lines if ": error: " in line] == []
    assert code == 0


def test_seed_site_checks_without_error(site_of: Callable[..., Path]) -> None:
    code, lines = _check(site_of("seed-communique.md"))
    assert [line for line in lines if ": error: " in line] == []
    assert code == 0


def test_old_copies_in_duplicates_are_duplicate_url_errors_naming_both_files(
    site_of: Callable[..., Path],
) -> None:
    code, lines = _check(site_of(COMMUNIQUES, DUPLICATES))
    errors = [line for line in lines if ": error: " in line]
    assert code == 1
    by_url = {e.url: e for e in EXPECTED if e.path.startswith(COMMUNIQUES)}
    duplicates = [e for e in EXPECTED if e.path.startswith(DUPLICATES)]
    assert len(errors) == len(duplicates) == 3
    for duplicate in duplicates:
        original = by_url[duplicate.url]
        both = (
            f"releases/communiques/{Path(original.path).name}",
            f"releases/duplicates/{Path(duplicate.path).name}",
        )
        naming_both = [e for e in errors if "duplicate" in e and all(name in e for name in both)]
        assert len(naming_both) == 1, (both, errors)
