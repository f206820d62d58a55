"""The README cannot rot (Datasette's rule): what it documents, the command line has.

Every ``pressroom ...`` line of the README's "Commands" section names commands that exist and
options that their ``--help`` shows; every command of ``pressroom`` explains itself in
``--help``; and the README starts with the two commands that CI and newcomers rely on.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from pressroom.cli import LAZY_COMMANDS, cli
from tests.conftest import REPO

README = REPO / "README.md"


def _section(title: str) -> str:
    """The text of one ``## title`` section of the README."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def _documented_lines() -> list[str]:
    """``pressroom`` lines of the Commands section's code blocks, without their comments."""
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", _section("Commands"), re.M | re.S)
    lines = []
    for block in blocks:
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] == "pressroom":
                lines.append(shlex.join(words))
    return lines


def _split(line: str) -> tuple[list[str], list[str]]:
    """A documented line as (command path, options used), ``--site DIR`` left out."""
    words = shlex.split(line)[1:]
    if words[:1] == ["--site"]:
        words = words[2:]
    path: list[str] = []
    options: list[str] = []
    group: click.Command = cli
    for word in words:
        if word.startswith("-"):
            options.append(word.split("=", 1)[0])
        elif isinstance(group, click.Group) and not options and word.isidentifier():
            sub = _sub(group, word)
            if sub is not None:
                path.append(word)
                group = sub
    return path, options


def _sub(group: click.Group, name: str) -> click.Command | None:
    """A sub-command by name, without FlaskGroup's loading of the app to look further."""
    if group is cli:  # pressroom's lazy commands, then Flask's own (routes, shell)
        return cli.get_command(click.Context(cli), name)
    return click.Group.get_command(group, click.Context(group), name)


def _names(group: click.Group) -> list[str]:
    names = click.Group.list_commands(group, click.Context(group))
    return sorted({*names, *LAZY_COMMANDS}) if group is cli else names


def _help(site: Path, path: list[str]) -> str:
    result = CliRunner().invoke(cli, ["--site", str(site), *path, "--help"])
    assert result.exit_code == 0, result.output
    return result.output


def _all_commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """pressroom's own commands and sub-commands (Flask's and plugins' are theirs to document)."""
    found = []
    for name in _names(group):
        command = _sub(group, name)
        if command is None or command.hidden:
            continue
        if not getattr(command.callback, "__module__", "").startswith("pressroom."):
            continue
        found.append((*path, name))
        if isinstance(command, click.Group):
            found += _all_commands(command, (*path, name))
    return found


DOCUMENTED = _documented_lines()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty site for ``--help`` (listing commands loads the app, which writes instance/)."""
    root = tmp_path_factory.mktemp("site")
    (root / "releases").mkdir()
    return root


def test_readme_starts_with_the_serve_and_test_commands() -> None:
    lines = [line for line in README.read_text(encoding="utf-8").splitlines()[:4] if line]
    assert lines[0].startswith("```")
    assert lines[1].startswith("make serve")
    assert lines[2].startswith("make test")


def test_ci_runs_the_readme_test_command() -> None:
    run = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in run.splitlines() if line and not line.startswith("#")]
    assert commands[-1] == "make test"


def test_readme_documents_commands() -> None:
    assert len(DOCUMENTED) >= 3


@pytest.mark.parametrize("line", DOCUMENTED)
def test_documented_command_exists(site: Path, line: str) -> None:
    path, _ = _split(line)
    assert path, f"{line!r} names no pressroom command"
    parent = _help(site, path[:-1])
    assert re.search(rf"^\s+{re.escape(path[-1])}\s", parent, re.M), (line, parent)


@pytest.mark.parametrize("line", DOCUMENTED)
def test_documented_options_exist(site: Path, line: str) -> None:
    path, options = _split(line)
    top = _help(site, [])
    shown = _help(site, path)
    for option in options:
        assert re.search(rf"(?<![\w-]){re.escape(option)}\b", shown + top), (line, option)


@pytest.mark.parametrize("path", _all_commands(cli), ids=" ".join)
def test_every_command_has_help(site: Path, path: tuple[str, ...]) -> None:
    command: click.Command | None = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = _sub(command, name)
    assert command is not None
    assert (command.help or command.short_help or "").strip(), f"pressroom {' '.join(path)}"
    assert _help(site, list(path))


def test_readme_names_files_that_exist() -> None:
    for name in ("Makefile", "scripts/install-system-packages", ".ci/run", "pyproject.toml"):
        assert (REPO / name).is_file(), name
    assert Path(REPO / "scripts" / "install-system-packages").stat().st_mode & 0o111
