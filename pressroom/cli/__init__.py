"""The ``pressroom`` command: a click group over the same services the web app uses.

It is a Flask CLI group, so ``pressroom routes`` and ``pressroom shell`` work as in any Flask
project; ``--site DIR`` (or ``PRESSROOM_SITE``) selects the site for every command.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo

from pressroom.cli.context import current_site

# Commands are imported when run, not at start-up: `pressroom build` should not pay for
# SQLAlchemy, nor `pressroom check` for WeasyPrint. Name → "module:attribute".
LAZY_COMMANDS = {
    "bounces": "pressroom.cli.bounces:bounces",
    "build": "pressroom.cli.build:build",
    "campaigns": "pressroom.cli.campaigns:campaigns",
    "check": "pressroom.cli.check:check",
    "contacts": "pressroom.cli.contacts:contacts",
    "db": "pressroom.cli.database:database",
    "init": "pressroom.cli.site:init",
    "pdf": "pressroom.cli.pdf:pdf",
    "send": "pressroom.cli.send:send",
    "serve": "pressroom.cli.serve:serve",
    "user": "pressroom.cli.user:user",
    "worker": "pressroom.cli.worker:worker",
}


class PressroomGroup(FlaskGroup):
    """Flask's CLI group (``routes``, ``shell``...) with pressroom's commands loaded lazily."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = LAZY_COMMANDS.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module_name, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command


def _create_app() -> Flask:
    from pressroom.web import create_app

    return create_app(current_site())


def _remember_site(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    info = ctx.ensure_object(ScriptInfo)
    info.data["site"] = value


@click.group(
    cls=PressroomGroup,
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
