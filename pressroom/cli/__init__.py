"""The ``pressroom`` command: a click group over the same services the web app uses.

Flask's commands are there too, so ``pressroom routes`` and ``pressroom shell`` work as in any
Flask project; ``--site DIR`` (or ``PRESSROOM_SITE``) selects the site for every command.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import os
import sys
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pressroom.cli.context import SITE_KEY, current_site, ends_quickly

if TYPE_CHECKING:
    from flask import Flask
    from flask.cli import FlaskGroup

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


class PressroomGroup(click.Group):
    """pressroom's commands, loaded lazily, then Flask's (``routes``, ``shell``, plugins').

    Flask's group is made only when one of its commands is asked for: importing Flask costs
    more than a whole incremental ``pressroom build``.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(_flask_group(ctx).list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = LAZY_COMMANDS.get(cmd_name)
        if target is None:
            return _flask_group(ctx).get_command(ctx, cmd_name)
        module_name, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command


@cache
def _flask_commands() -> FlaskGroup:
    from flask.cli import FlaskGroup

    return FlaskGroup(
        create_app=_create_app, add_version_option=False, load_dotenv=False, set_debug_flag=False
    )


def _flask_group(ctx: click.Context) -> FlaskGroup:
    """Flask's group, with the ``ScriptInfo`` its commands look for in the context."""
    from flask.cli import ScriptInfo

    # What FlaskGroup.make_context would do, had it made this context.
    os.environ["FLASK_RUN_FROM_CLI"] = "true"
    if not isinstance(ctx.obj, ScriptInfo):
        ctx.obj = ScriptInfo(
            create_app=_create_app, set_debug_flag=False, load_dotenv_defaults=False
        )
    return _flask_commands()


def _create_app() -> Flask:
    from pressroom.web import create_app

    return create_app(current_site())


def _remember_site(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    ctx.meta[SITE_KEY] = value


@click.group(
    cls=PressroomGroup,
    context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "FLASK"},
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
    """Console entry point.

    Objects still alive when the command ends are left out of the garbage collection Python
    runs at exit (registered first, this runs after every other exit function): that pass
    over a built site's releases and pages took 40 ms of a 1.2 s build, to free memory the
    process hands back anyway. Everything is still finalised as usual, except after a
    command that asked to end quickly (``end_quickly``): its process ends once the output
    is flushed and the exit functions have run, without freeing its objects one by one.
    """
    atexit.register(gc.freeze)
    try:
        cli.main(prog_name="pressroom")
    except SystemExit as end:
        status = 0 if end.code is None else end.code  # click's; a text would be printed
        # Another thread still running would be waited for by a normal exit, not cut short.
        if not ends_quickly() or threading.active_count() > 1 or not isinstance(status, int):
            raise
        try:
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:  # None: the process was started with it closed
                    stream.flush()
        except OSError:  # a closed pipe, a full disk: the normal exit says so
            raise end from None
        atexit._run_exitfuncs()
        os._exit(status)
