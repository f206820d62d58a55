"""``pressroom check``, ``build``, ``bounces``, ``serve`` and ``worker`` speak the site's language
(``[site] language``).

``check`` keeps the line editors and CI parse, ``path:line: error|warning: message``, on a
French site too: only the message is French.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pressroom.cli import cli
from pressroom.config import Site
from tests.campaigns.workers import pressroom_command, stop
from tests.conftest import DATA
from tests.mail.conftest import _free_port

ENGLISH = '[site]\nlanguage = "en"\n'
NO_FRONT_MATTER = DATA / "hostile" / "no-front-matter.md"
GOOD = DATA / "hostile" / "crlf.md"


def run(site: Site, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--site", str(site.root), *args])


@pytest.fixture
def french(make_site: Callable[..., Site]) -> Site:
    return make_site([NO_FRONT_MATTER, GOOD])


@pytest.fixture
def english(make_site: Callable[..., Site]) -> Site:
    return make_site([NO_FRONT_MATTER, GOOD], settings=ENGLISH)


def test_check_on_a_french_site_says_the_message_in_french_in_the_tools_form(
    french: Site,
) -> None:
    result = run(french, "check")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "releases/no-front-matter.md:1: error: pas d’en-tête YAML : le fichier doit commencer "
        "par une ligne « --- »"
    ]
    assert result.stderr.strip() == "1 erreur, 0 avertissement"


def test_check_on_an_english_site_is_english(english: Site) -> None:
    result = run(english, "check")
    assert result.stdout.splitlines() == [
        "releases/no-front-matter.md:1: error: no front matter: the file must start with a "
        "'---' line"
    ]
    assert result.stderr.strip() == "1 error, 0 warnings"


def test_build_on_a_french_site_reports_in_french(french: Site, tmp_path: Path) -> None:
    result = run(french, "build", "--out", str(tmp_path / "out"), "--no-pdf")
    assert result.exit_code == 0, result.output
    counts = r"\d+ pages écrites, 0 inchangée, \d+ fichiers copiés, 0 PDF fabriqué, 0 supprimé"
    assert re.fullmatch(rf".* : {counts}\n", result.stdout)
    again = run(french, "build", "--out", str(tmp_path / "out"), "--no-pdf")
    counts = r"0 page écrite, \d+ inchangées, 0 fichier copié, 0 PDF fabriqué, 0 supprimé"
    assert re.fullmatch(rf".* : {counts}\n", again.stdout)


def test_build_on_an_english_site_reports_in_english(english: Site, tmp_path: Path) -> None:
    result = run(english, "build", "--out", str(tmp_path / "out"), "--no-pdf")
    assert result.exit_code == 0, result.output
    counts = r"\d+ pages written, 0 unchanged, \d+ files copied, 0 PDFs made, 0 removed"
    assert re.fullmatch(rf".*: {counts}\n", result.stdout)


def test_bounces_refuses_a_bad_address_in_french_on_a_french_site(french: Site) -> None:
    result = run(french, "bounces", "process", "--imap", "https://example.org/INBOX")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: https://example.org/INBOX : ce n’est pas l’adresse d’un dossier IMAP "
        "(imaps://UTILISATEUR@SERVEUR/DOSSIER ou imap://UTILISATEUR@SERVEUR/DOSSIER)\n"
    )


def test_bounces_refuses_a_bad_address_in_english_on_an_english_site(english: Site) -> None:
    result = run(english, "bounces", "process", "--imap", "https://example.org/INBOX")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: https://example.org/INBOX: not an IMAP folder address "
        "(imaps://USER@HOST/FOLDER or imap://USER@HOST/FOLDER)\n"
    )


def _first_lines(site: Site, count: int, *args: str) -> list[str]:
    """The first lines a long-running command (``serve``, ``worker``) prints; then it is
    stopped. A real process: both block in their server or consumer loop."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSROOM_")}
    with subprocess.Popen(
        [pressroom_command(), "--site", str(site.root), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as process:
        try:
            assert process.stdout is not None
            return [process.stdout.readline().decode("utf-8").rstrip("\n") for _ in range(count)]
        finally:
            stop(process)


def _first_line(site: Site, *args: str) -> str:
    return _first_lines(site, 1, *args)[0]


def test_serve_says_where_it_serves_in_french(french: Site) -> None:
    line = _first_line(french, "serve", "--port", str(_free_port()), "--no-worker")
    assert line.startswith(f"pressroom : {french.root} est servi sur http://127.0.0.1:")


def test_serve_says_where_it_serves_in_english_on_an_english_site(english: Site) -> None:
    line = _first_line(english, "serve", "--port", str(_free_port()), "--no-worker")
    assert line.startswith(f"pressroom: serving {english.root} on http://127.0.0.1:")


def test_serve_says_when_the_releases_are_read_and_indexed(french: Site) -> None:
    lines = _first_lines(french, 2, "serve", "--port", str(_free_port()), "--no-worker")
    assert re.fullmatch(r"pressroom : prêt, \d+ communiqués lus et indexés en \d+,\d s", lines[1])


def test_worker_says_it_started_in_french(french: Site) -> None:
    line = _first_line(french, "worker", "--workers", "1")
    assert line == (
        f"pressroom : travailleur pour {french.root} (fils d’exécution : 1) ; "
        "campagnes reprises : 0"
    )


def test_worker_says_it_started_in_english_on_an_english_site(english: Site) -> None:
    line = _first_line(english, "worker", "--workers", "1")
    assert line == f"pressroom: worker for {english.root} (threads: 1); campaigns resumed: 0"
