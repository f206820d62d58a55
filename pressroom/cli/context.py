"""What every command shares: the site chosen with ``--site``."""

from __future__ import annotations

import click
from flask.cli import ScriptInfo

from pressroom.config import Site, load_site
from pressroom.errors import PressroomError


def current_site() -> Site:
    """The site chosen with ``--site`` (or ``PRESSROOM_SITE``) for the running command."""
    info = click.get_current_context().find_object(ScriptInfo)
    root = info.data.get("site") if info else None
    try:
        return load_site(root)
    except PressroomError as exc:
        raise click.ClickException(str(exc)) from None
