"""``pressroom user``: accounts from a terminal."""

from __future__ import annotations

from collections.abc import Callable

from click.testing import CliRunner

from pressroom import accounts
from pressroom.cli import cli
from pressroom.config import Site
from pressroom.db import ensure_database
from tests.conftest import TEST_PASSWORD


def test_add_reads_one_line_of_stdin(runner: CliRunner, make_site: Callable[..., Site]) -> None:
    site = make_site()
    result = runner.invoke(
        cli,
        [
            "--site",
            str(site.root),
            "user",
            "add",
            "a@example.org",
            "--role",
            "editor",
            "--password-stdin",
        ],
        input=TEST_PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "compte créé pour a@example.org (editor)" in result.output
    assert accounts.authenticate(ensure_database(site), "a@example.org", TEST_PASSWORD)


def test_add_an_existing_address_exits_1(runner: CliRunner, make_site: Callable[..., Site]) -> None:
    site = make_site()
    args = ["--site", str(site.root), "user", "add", "a@example.org", "--password-stdin"]
    runner.invoke(cli, args, input=TEST_PASSWORD + "\n")
    again = ["--site", str(site.root), "user", "add", "A@example.org", "--password-stdin"]
    result = runner.invoke(cli, again, input=TEST_PASSWORD + "\n")
    assert result.exit_code == 1
    assert "Error: a@example.org a déjà un compte." in result.output


def test_add_refuses_an_unknown_role(runner: CliRunner, make_site: Callable[..., Site]) -> None:
    site = make_site()
    args = ["--site", str(site.root), "user", "add", "a@example.org", "--role", "boss"]
    result = runner.invoke(cli, [*args, "--password-stdin"], input=TEST_PASSWORD + "\n")
    assert result.exit_code == 2
    assert "'boss' is not one of 'editor', 'publisher', 'admin'" in result.output


def test_add_refuses_an_invalid_address_before_asking(
    runner: CliRunner, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    result = runner.invoke(cli, ["--site", str(site.root), "user", "add", "not-an-address"])
    assert result.exit_code == 1
    assert "not-an-address : cette adresse électronique n’est pas valide." in result.output
    assert "Mot de passe" not in result.output


def test_add_prompts_twice_for_a_hidden_password(
    runner: CliRunner, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    typed = f"{TEST_PASSWORD}\n{TEST_PASSWORD}\n"
    args = ["--site", str(site.root), "user", "add", "a@example.org", "--role", "admin"]
    result = runner.invoke(cli, args, input=typed)
    assert result.exit_code == 0, result.output
    assert TEST_PASSWORD not in result.output
    assert accounts.find_account(ensure_database(site), "a@example.org").role == "admin"  # type: ignore[union-attr]


def test_a_short_password_exits_1(runner: CliRunner, make_site: Callable[..., Site]) -> None:
    site = make_site()
    args = ["--site", str(site.root), "user", "add", "a@example.org", "--password-stdin"]
    result = runner.invoke(cli, args, input="short\n")
    assert result.exit_code == 1
    assert "au moins 10 caractères" in result.output


def test_passwd_changes_the_password(runner: CliRunner, make_site: Callable[..., Site]) -> None:
    site = make_site()
    accounts.add_user(ensure_database(site), "a@example.org", "editor", TEST_PASSWORD)
    args = ["--site", str(site.root), "user", "passwd", "a@example.org", "--password-stdin"]
    result = runner.invoke(cli, args, input="a brand new passphrase\n")
    assert result.exit_code == 0, result.output
    assert "mot de passe changé pour a@example.org" in result.output
    assert accounts.authenticate(ensure_database(site), "a@example.org", "a brand new passphrase")


def test_passwd_for_an_unknown_address_exits_1(
    runner: CliRunner, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    args = ["--site", str(site.root), "user", "passwd", "x@example.org", "--password-stdin"]
    result = runner.invoke(cli, args, input=TEST_PASSWORD + "\n")
    assert result.exit_code == 1
    assert "x@example.org n’a pas de compte." in result.output


def test_list_shows_addresses_and_roles(runner: CliRunner, make_site: Callable[..., Site]) -> None:
    site = make_site()
    accounts.add_user(ensure_database(site), "b@example.org", "publisher", TEST_PASSWORD)
    accounts.add_user(ensure_database(site), "a@example.org", "editor", TEST_PASSWORD)
    result = runner.invoke(cli, ["--site", str(site.root), "user", "list"])
    assert result.output.splitlines() == [
        "a@example.org\teditor\tactif\t-",
        "b@example.org\tpublisher\tactif\t-",
    ]


def test_an_english_site_says_what_user_did_in_english(
    runner: CliRunner, make_site: Callable[..., Site]
) -> None:
    site = make_site(settings='[site]\nlanguage = "en"\n')
    root = ["--site", str(site.root), "user"]
    added = runner.invoke(
        cli, [*root, "add", "a@example.org", "--password-stdin"], input=TEST_PASSWORD + "\n"
    )
    changed = runner.invoke(
        cli, [*root, "passwd", "a@example.org", "--password-stdin"], input="a brand new one\n"
    )
    listed = runner.invoke(cli, [*root, "list"])
    assert "added a@example.org (editor)" in added.output
    assert "password changed for a@example.org" in changed.output
    assert listed.output.splitlines() == ["a@example.org\teditor\tactive\t-"]
