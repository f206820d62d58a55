"""``pressroom contacts``: import exit codes and output, export, lists."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pressroom.cli import cli
from pressroom.config import Site

DATA = Path(__file__).resolve().parent / "data" / "contacts"


@pytest.fixture
def site(make_site: Callable[..., Site]) -> Site:
    site = make_site()
    site.contacts_dir.mkdir()
    return site


def run(runner: CliRunner, site: Site, *args: str) -> Result:
    return runner.invoke(cli, ["--site", str(site.root), "contacts", *args])


def test_import_that_writes_exits_0_and_lists_refused_rows(runner: CliRunner, site: Site) -> None:
    result = run(
        runner, site, "import", str(DATA / "invalid-duplicate-formula.csv"), "--list", "presse"
    )
    assert result.exit_code == 0, result.output
    assert "à ajouter : 3, à mettre à jour : 0, inchangées : 0, refusées : 5" in result.output
    assert "ligne 4 (CLAIRE.MARTIN@example.com) : refusée : doublon de la ligne 2" in result.output
    assert "contacts/presse.csv écrit : 3 contacts." in result.output
    assert (site.contacts_dir / "presse.csv").is_file()


def test_import_with_every_row_refused_exits_1_and_writes_nothing(
    runner: CliRunner, site: Site
) -> None:
    result = run(runner, site, "import", str(DATA / "all-invalid.csv"), "--list", "presse")
    assert result.exit_code == 1
    assert "ligne 2 (nobody) : refusée : adresse invalide" in result.output
    assert "Rien n’a pu être importé" in result.output
    assert not (site.contacts_dir / "presse.csv").exists()


def test_import_of_a_file_without_email_column_exits_1_with_the_reason(
    runner: CliRunner, site: Site
) -> None:
    result = run(runner, site, "import", str(DATA / "no-email-column.csv"), "--list", "presse")
    assert result.exit_code == 1
    assert "pas de colonne d’adresse électronique" in result.output
    assert "Traceback" not in result.output
    assert list(site.contacts_dir.iterdir()) == []


def test_import_of_a_header_only_file_exits_1(runner: CliRunner, site: Site) -> None:
    result = run(runner, site, "import", str(DATA / "header-only.csv"), "--list", "presse")
    assert result.exit_code == 1


def test_dry_run_prints_the_preview_and_writes_nothing(runner: CliRunner, site: Site) -> None:
    result = run(
        runner,
        site,
        "import",
        str(DATA / "excel-fr-cp1252-semicolon.csv"),
        "--list",
        "presse",
        "--dry-run",
        "-v",
    )
    assert result.exit_code == 0
    assert "Windows-1252, séparateur ';'" in result.output
    assert "ligne 3 (F.Dupre@example.com) : ajout" in result.output
    assert "Essai à blanc" in result.output
    assert list(site.contacts_dir.iterdir()) == []


def test_import_into_an_invalid_list_name_exits_1(runner: CliRunner, site: Site) -> None:
    result = run(runner, site, "import", str(DATA / "utf8-bom-comma.csv"), "--list", "../x")
    assert result.exit_code == 1
    assert "n’est pas un nom de liste valide" in result.output


def test_export_writes_a_neutralised_file(runner: CliRunner, site: Site, tmp_path: Path) -> None:
    run(runner, site, "import", str(DATA / "invalid-duplicate-formula.csv"), "--list", "presse")
    out = tmp_path / "export.csv"
    result = run(runner, site, "export", "--list", "presse", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "'=HYPERLINK(" in out.read_text(encoding="utf-8-sig")


def test_export_to_standard_output(runner: CliRunner, site: Site) -> None:
    shutil.copyfile(DATA / "list-journalistes.csv", site.contacts_dir / "presse.csv")
    result = run(runner, site, "export", "--list", "presse", "--delimiter", ",")
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbfemail,first_name,")


def test_export_of_a_missing_list_exits_1(runner: CliRunner, site: Site) -> None:
    result = run(runner, site, "export", "--list", "absent")
    assert result.exit_code == 1
    assert "aucune liste de contacts ne s’appelle « absent »" in result.output


def test_lists_shows_names_and_counts(runner: CliRunner, site: Site) -> None:
    shutil.copyfile(DATA / "list-journalistes.csv", site.contacts_dir / "presse.csv")
    shutil.copyfile(DATA / "list-one-contact.csv", site.contacts_dir / "amis.csv")
    result = run(runner, site, "lists")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["amis\t1", "presse\t2"]


def test_import_shows_the_problems_of_the_list_it_updates(runner: CliRunner, site: Site) -> None:
    shutil.copyfile(DATA / "list-with-problems.csv", site.contacts_dir / "presse.csv")
    result = run(runner, site, "import", str(DATA / "utf8-bom-comma.csv"), "--list", "presse")
    assert result.exit_code == 0
    assert "contacts/presse.csv:3: error: pas d’adresse électronique valide" in result.output


def test_an_english_sites_import_speaks_english(
    runner: CliRunner, make_site: Callable[..., Site]
) -> None:
    site = make_site(settings='[site]\nlanguage = "en"\n')
    site.contacts_dir.mkdir()
    result = run(runner, site, "import", str(DATA / "all-invalid.csv"), "--list", "presse")
    assert "row 2 (nobody): refused: invalid address: An email address must have an @-sign." in (
        result.output
    )
    assert "Nothing could be imported; the list was not changed." in result.output


def test_an_english_sites_refusal_is_in_english(
    runner: CliRunner, make_site: Callable[..., Site]
) -> None:
    site = make_site(settings='[site]\nlanguage = "en"\n')
    site.contacts_dir.mkdir()
    result = run(runner, site, "import", str(DATA / "no-email-column.csv"), "--list", "presse")
    assert result.exit_code == 1
    assert "no-email-column.csv: no email column." in result.output


def test_lists_says_a_lists_problems_in_the_tools_form_in_french(
    runner: CliRunner, site: Site
) -> None:
    shutil.copyfile(DATA / "list-with-problems.csv", site.contacts_dir / "presse.csv")
    result = run(runner, site, "lists")
    assert "  contacts/presse.csv:1: warning: colonnes inconnues ignorées : twitter" in (
        result.stderr.splitlines()
    )


def test_lists_says_a_lists_problems_in_the_tools_form_in_english_on_an_english_site(
    runner: CliRunner, make_site: Callable[..., Site]
) -> None:
    site = make_site(settings='[site]\nlanguage = "en"\n')
    site.contacts_dir.mkdir()
    shutil.copyfile(DATA / "list-with-problems.csv", site.contacts_dir / "presse.csv")
    result = run(runner, site, "lists")
    assert "  contacts/presse.csv:1: warning: unknown columns ignored: twitter" in (
        result.stderr.splitlines()
    )
