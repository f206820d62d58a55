"""What every command shares: the site chosen with ``--site``, and its language.

Commands speak the site's interface language (``[site] language``), as its back office does:
refusals through ``refusal``, other sentences through ``say``. A wrong value in the settings
is said in the language the file names, if that much is readable; a missing site folder or a
settings file that is no TOML cannot know it and stays as raised (English).
"""

from __future__ import annotations

import click

from pressroom.config import SettingsError, Site, load_site
from pressroom.errors import PressroomError, localize
from pressroom.i18n import localized_error

SITE_KEY = "pressroom.site"  # in click's context ``meta``, which sub-commands share

# Set by a command that has finished and left nothing to Python's own shutdown (see
# ``pressroom.cli.main``): a process, so a module's state.
_ENDING = {"quick": False}


def end_quickly() -> None:
    """Let the process end without tearing down its modules once this command returns.

    Python's shutdown frees every object one by one, for memory the process hands back
    anyway: from a build's last line to the end of its process, 16–18 ms at a thousand
    releases, 8–9 ms without it (of 0.85 s). Only a command whose files are all written and
    closed by then may ask it.
    """
    _ENDING["quick"] = True


def ends_quickly() -> bool:
    return _ENDING["quick"]


def current_site() -> Site:
    """The site chosen with ``--site`` (or ``PRESSROOM_SITE``) for the running command."""
    root = click.get_current_context().meta.get(SITE_KEY)
    try:
        return load_site(root)
    except SettingsError as exc:
        shown = exc.localized(exc.language) if exc.language else str(exc)
        raise click.ClickException(shown) from None
    except PressroomError as exc:
        raise click.ClickException(str(exc)) from None


def refusal(site: Site, exc: PressroomError) -> click.ClickException:
    """A service's refusal as the terminal shows it, in the site's language."""
    return click.ClickException(localized_error(exc, site.settings.language))


def say(site: Site, message: str, **params: str) -> str:
    """An English interface sentence (a msgid with ``{}`` fields) in the site's language."""
    return localize(site.settings.language, message, params)
