"""What every command shares: the site chosen with ``--site``."""

from __future__ import annotations

import click

from pressroom.config import Site, load_site
from pressroom.errors import PressroomError

SITE_KEY = "pressroom.site"  # in click's context ``meta``, which sub-commands share


def current_site() -> Site:
    """The site chosen with ``--site`` (or ``PRESSROOM_SITE``) for the running command."""
    root = click.get_current_context().meta.get(SITE_KEY)
    try:
        return load_site(root)
    except PressroomError as exc:
        raise click.ClickException(str(exc)) from None
