"""The ``pressroom`` command: a click group over the same services the web app uses.

It is a Flask CLI group, so ``pressroom routes`` and ``pressroom shell`` work as in any Flask
project; ``--site DIR`` (or ``PRESSROOM_SITE``) selects the site for every command.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo

from pressroom.cli.build import build
from pressroom.cli.check import check
from pressroom.cli.contacts import contacts
from pressroom.cli.context import current_site
from pressroom.cli.database import database
from pressroom.cli.pdf import pdf
from pressroom.cli.serve import serve
from pressroom.cli.site import init
from pressroom.cli.user import user


def _create_app() -> Flask:
    from pressroom.web import create_app

    return create_app(current_site())


def _remember_site(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    info = ctx.ensure_object(ScriptInfo)
    info.data["site"] = value


@click.group(
    cls=FlaskGroup,
    create_app=_create_app,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--site",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="PRESSROOM_SITE",
    callback=_remember_site,
    expose_value=False,
    is_eager=True,
    help="The site folder (default: PRESSROOM_SITE, else the current folder).",
)
@click.version_option(package_name="pressroom")
def cli() -> None:
    """pressroom: publish communiqués as pages and PDFs, and email them to journalists."""


def main() -> None:
    """Console entry point."""
    cli.main(prog_name="pressroom")


for command in (check, serve, init):
    cli.add_command(command)
cli.add_command(build)
cli.add_command(contacts)
cli.add_command(user)
cli.add_command(database)
cli.add_command(pdf)
