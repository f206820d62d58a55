"""``pressroom check`` on hostile files: one clear line per bad file, never a traceback.

Each file of ``tests/data/hostile/`` is one case. The table below says what ``check`` must
report for it: the line and a word of the message for an error, or that the file loads.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pressroom.config import Site, load_site
from pressroom.store import Catalog, load_catalog
from tests.conftest import DATA, corpus_files

HOSTILE = DATA / "hostile"

# file -> (line, a word of the message) of its one error line.
ERRORS: dict[str, tuple[int, str]] = {
    "no-front-matter.md": (1, "front matter"),
    "yaml-syntax-error.md": (4, "YAML syntax"),
    "python-tag.md": (2, "tag"),
    "alias-bomb.md": (8, "alias bomb"),
    "deep-nesting.md": (4, "nested too deeply"),
    "binary-png.md": (1, "binary"),
    "latin-1.md": (2, "UTF-8"),
    "windows-1252.md": (7, "UTF-8"),
    "title-list.md": (2, "title"),
    "title-missing.md": (1, "missing title"),
    "date-unparsable.md": (3, "not a date"),
    "date-february-30.md": (3, "not a date"),
    "published-maybe.md": (4, "true or false"),
    "tags-mapping.md": (4, "tags must be a list"),
    "contact-string.md": (4, "contact-presse"),
    "huge-3mb.md": (1, "too large"),
    "empty.md": (1, "front matter"),
    "only-dashes.md": (1, "front matter"),
}
# Files that load (with at most warnings), and the word of a warning they must get, if any.
LOADS: dict[str, str | None] = {
    "utf8-bom.md": "BOM",
    "crlf.md": None,
    "header-injection.md": None,
}
PWNED = Path("/tmp/pressroom-hostile-pwned")  # what python-tag.md would create if executed


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """A site whose releases are copies of every hostile file (shared: nothing writes to it)."""
    root = tmp_path_factory.mktemp("hostile")
    (root / "releases").mkdir()
    # In English, the language of the table's words (a French site's lines: test_cli_language).
    (root / "pressroom.toml").write_text('[site]\nlanguage = "en"\n', encoding="utf-8")
    for path in HOSTILE.iterdir():
        shutil.copyfile(path, root / "releases" / path.name)
    return load_site(root)


@pytest.fixture(scope="module")
def catalog(hostile_site: Site) -> Catalog:
    """The hostile site loaded once in-process (deep-nesting.md alone costs half a second)."""
    return load_catalog(hostile_site)


@pytest.fixture(scope="module")
def checked(hostile_site: Site) -> subprocess.CompletedProcess[str]:
    """The real command, run once in a child process, so any traceback would reach stderr."""
    PWNED.unlink(missing_ok=True)
    command = [sys.executable, "-c", "from pressroom.cli import main; main()"]
    return subprocess.run(
        [*command, "--site", str(hostile_site.root), "check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_table_covers_every_hostile_file() -> None:
    assert sorted(ERRORS.keys() | LOADS.keys()) == sorted(p.name for p in HOSTILE.iterdir())


def test_check_prints_one_error_line_per_bad_file(
    checked: subprocess.CompletedProcess[str],
) -> None:
    errors = [line for line in checked.stdout.splitlines() if ": error: " in line]
    assert len(errors) == len(ERRORS), checked.stdout
    for name, (line, word) in ERRORS.items():
        prefix = f"releases/{name}:{line}: error: "
        mine = [e for e in errors if e.startswith(f"releases/{name}:")]
        assert len(mine) == 1, (name, mine)
        assert mine[0].startswith(prefix), (prefix, mine[0])
        assert word.lower() in mine[0].lower(), (word, mine[0])


def test_check_exits_1_without_traceback_on_hostile_files(
    checked: subprocess.CompletedProcess[str],
) -> None:
    assert checked.returncode == 1
    assert "Traceback" not in checked.stdout + checked.stderr
    assert not PWNED.exists()


def test_every_output_line_names_a_file_and_a_line(
    checked: subprocess.CompletedProcess[str],
) -> None:
    for line in checked.stdout.splitlines():
        path, number, severity, _ = line.split(":", 3)
        assert path.startswith("releases/") and number.isdigit(), line
        assert severity.strip() in ("error", "warning"), line


def test_files_that_can_be_read_load_despite_bom_crlf_and_injection(catalog: Catalog) -> None:
    loaded = sorted(r.path.removeprefix("releases/") for r in catalog.releases)
    assert loaded == sorted(LOADS)
    for name, word in LOADS.items():
        warnings = [p for p in catalog.problems if p.path == f"releases/{name}"]
        assert all(p.severity == "warning" for p in warnings)
        if word:
            assert any(word in p.message for p in warnings), (name, warnings)


def test_injected_newline_in_title_is_folded_to_one_line(catalog: Catalog) -> None:
    release = catalog.get("header-injection")
    assert release.title == "Objet anodin Bcc: x@example.org"
    assert "\r" not in release.title and "\n" not in release.title


def test_crlf_file_loads_its_fields_without_carriage_returns(catalog: Catalog) -> None:
    release = catalog.get("crlf")
    assert (release.title, release.category) == ("Fins de ligne Windows", "Communiqué de presse")
    assert "\r" not in release.body


@pytest.mark.parametrize("bad", sorted(ERRORS))
def test_one_bad_file_does_not_stop_a_good_one_from_loading(
    make_site: Callable[..., Site], bad: str
) -> None:
    good = HOSTILE / "crlf.md"
    site = make_site([HOSTILE / bad, good])
    catalog = load_catalog(site)
    assert [r.path for r in catalog.releases] == ["releases/crlf.md"]
    assert [p.path for p in catalog.errors] == [f"releases/{bad}"]


def test_check_leaves_hostile_files_byte_for_byte_as_they_were(
    hostile_site: Site, checked: subprocess.CompletedProcess[str]
) -> None:
    for path in HOSTILE.iterdir():
        copy = hostile_site.releases_dir / path.name
        assert copy.read_bytes() == path.read_bytes(), path.name


def test_hostile_files_among_the_communiques_leave_every_communique_loaded(
    make_site: Callable[..., Site], corpus: Path
) -> None:
    communiques = corpus_files("numerique-gouv/communiques")
    site = make_site([*communiques, *sorted(HOSTILE.iterdir())])
    catalog = load_catalog(site)
    loaded = {r.path for r in catalog.releases}
    assert {f"releases/{p.name}" for p in communiques} <= loaded
    assert len(catalog.errors) == len(ERRORS)
