"""Site settings: defaults, overrides from pressroom.toml, and clear refusals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from pressroom.cli import cli
from pressroom.config import Site, load_site, parse_settings
from pressroom.errors import ConfigError


def test_a_site_with_only_releases_uses_defaults(make_site: Callable[..., Site]) -> None:
    site = make_site({})
    assert site.settings.timezone == "Europe/Paris"
    assert site.settings.language == "fr"
    assert site.theme_dirs[-1].joinpath("partials", "release_content.html").is_file()


def test_settings_file_overrides_defaults(make_site: Callable[..., Site]) -> None:
    site = make_site(
        {},
        settings='[site]\nplace = "Lyon"\n[issuer]\nname = "Mairie"\n'
        '[press_contact]\nname = "A"\ntel = "01"\nemail = "a@example.org"\n',
    )
    assert site.settings.place == "Lyon"
    assert site.settings.issuer_name == "Mairie"
    assert site.settings.press_contact.phones == ("01",)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"site": {"nmae": "x"}}, "unknown setting [site] nmae"),
        ({"site": {"per_page": "12"}}, "per_page must be a int"),
        ({"site": {"timezone": "Mars/Olympus"}}, "timezone 'Mars/Olympus' is unknown"),
        ({"issuer": "x"}, "[issuer] must be a table"),
    ],
)
def test_bad_settings_name_the_key(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_settings(data)


def test_settings_syntax_error_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "pressroom.toml").write_text("[site\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"pressroom\.toml"):
        load_site(tmp_path)


def test_site_option_and_environment_select_the_site(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "releases").mkdir()
    (tmp_path / "releases" / "a.md").write_text("no front matter\n", encoding="utf-8")
    result = runner.invoke(cli, ["--site", str(tmp_path), "check"])
    assert result.exit_code == 1
    assert "releases/a.md:1: error: pas d’en-tête YAML" in result.output
    monkeypatch.setenv("PRESSROOM_SITE", str(tmp_path))
    assert runner.invoke(cli, ["check"]).exit_code == 1


def test_missing_site_folder_is_a_clear_error(tmp_path: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--site", str(tmp_path / "absent"), "check"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def test_init_creates_a_site_that_checks_clean(tmp_path: Path, runner: CliRunner) -> None:
    target = tmp_path / "nouveau"
    result = runner.invoke(cli, ["init", str(target), "--name", 'Presse "Ville"'])
    assert result.exit_code == 0, result.output
    site = load_site(target)
    assert site.settings.name == 'Presse "Ville"'
    assert runner.invoke(cli, ["--site", str(target), "check"]).exit_code == 0


def test_init_refuses_an_existing_site(tmp_path: Path, runner: CliRunner) -> None:
    runner.invoke(cli, ["init", str(tmp_path)])
    settings = (tmp_path / "pressroom.toml").read_text(encoding="utf-8")
    result = runner.invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert (tmp_path / "pressroom.toml").read_text(encoding="utf-8") == settings


def test_pdf_variant_comes_from_the_pdf_table(make_site: Callable[..., Site]) -> None:
    site = make_site({}, settings='[pdf]\nvariant = "pdf/a-3b"\n')
    assert site.settings.pdf_variant == "pdf/a-3b"


def _check_with_settings(tmp_path: Path, runner: CliRunner, settings: str) -> str:
    (tmp_path / "pressroom.toml").write_text(settings, encoding="utf-8")
    result = runner.invoke(cli, ["--site", str(tmp_path), "check"])
    assert result.exit_code == 1
    return result.stderr


def test_a_wrong_setting_is_refused_in_french_on_a_french_site(
    tmp_path: Path, runner: CliRunner
) -> None:
    stderr = _check_with_settings(tmp_path, runner, '[site]\nlanguage = "fr"\nnmae = "x"\n')
    assert stderr == "Error: pressroom.toml : réglage inconnu [site] nmae\n"


def test_a_wrong_setting_is_refused_in_english_on_an_english_site(
    tmp_path: Path, runner: CliRunner
) -> None:
    stderr = _check_with_settings(tmp_path, runner, '[site]\nlanguage = "en"\nnmae = "x"\n')
    assert stderr == "Error: pressroom.toml: unknown setting [site] nmae\n"


def test_settings_that_are_no_toml_are_refused_in_english(
    tmp_path: Path, runner: CliRunner
) -> None:
    stderr = _check_with_settings(tmp_path, runner, '[site]\nlanguage = "fr"\n[site\n')
    assert stderr.startswith("Error: pressroom.toml: ")
