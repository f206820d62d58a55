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
    assert "3 to add, 0 to update, 0 unchanged, 5 refused" in result.output
    assert "row 4 (CLAIRE.MARTIN@example.com): refused: duplicate of row 2" in result.output
    assert "Wrote contacts/presse.csv: 3 contact(s)." in result.output
    assert (site.contacts_dir / "presse.csv").is_file()


def test_import_with_every_row_refused_exits_1_and_writes_nothing(
    runner: CliRunner, site: Site
) -> None:
    result = run(runner, site, "import", str(DATA / "all-invalid.csv"), "--list", "presse")
    assert result.exit_code == 1
    assert "row 2 (nobody): refused: invalid address" in result.output
    assert "Nothing could be imported" in result.output
    assert not (site.contacts_dir / "presse.csv").exists()


def test_import_of_a_file_without_email_column_exits_1_with_the_reason(
    runner: CliRunner, site: Site
) -> None:
    result = run(runner, site, "import", str(DATA / "no-email-column.csv"), "--list", "presse")
    assert result.exit_code == 1
    assert "no email column" in result.output
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
    assert "Windows-1252, ';'-separated" in result.output
    assert "row 3 (F.Dupre@example.com): add" in result.output
    assert "Dry run" in result.output
    assert list(site.contacts_dir.iterdir()) == []


def test_import_into_an_invalid_list_name_exits_1(runner: CliRunner, site: Site) -> None:
    result = run(runner, site, "import", str(DATA / "utf8-bom-comma.csv"), "--list", "../x")
    assert result.exit_code == 1
    assert "not a valid list name" in result.output


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
    assert "no contact list named 'absent'" in result.output


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
    assert "contacts/presse.csv:3: error: no valid email address" in result.output
