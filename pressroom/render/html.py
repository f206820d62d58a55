"""The one HTML rendering path: a release through the site's Jinja2 templates, per medium.

``page`` is the newsroom page (and the static export), ``print`` the HTML WeasyPrint turns
into the PDF, ``mail`` the HTML part of the email. Each medium's template extends its own
layout but includes the same ``partials/release_content.html``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from pressroom.config import Site
from pressroom.i18n import base_language, translations
from pressroom.render.context import ReleaseView, release_view

Medium = Literal["page", "print", "mail"]
MEDIA: tuple[Medium, ...] = ("page", "print", "mail")


@cache
def _environment(theme_dirs: tuple[Path, ...]) -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in theme_dirs]),
        autoescape=select_autoescape(["html", "xml", "svg"], default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def template_environment(site: Site) -> Environment:
    """The Jinja2 environment of a site: its own templates first, then the shipped theme."""
    return _environment(site.theme_dirs)


def render_template(site: Site, template_name: str, lang: str, **context: Any) -> str:
    """Render any theme template in an interface language (French unless told otherwise)."""
    env = template_environment(site)
    template = env.get_template(template_name)
    trans = translations(lang)
    # Bind translations per call, not per environment: two languages may render concurrently.
    return template.render(
        gettext=trans.ugettext,
        ngettext=trans.ungettext,
        _=trans.ugettext,
        lang=base_language(lang),
        settings=site.settings,
        **context,
    )


def render_release(
    site: Site, view_or_release: ReleaseView | Any, medium: Medium, **extra: Any
) -> str:
    """Render a release for one medium; the page, PDF and email all come through here."""
    view = (
        view_or_release
        if isinstance(view_or_release, ReleaseView)
        else release_view(site, view_or_release)
    )
    return render_template(site, f"{medium}/release.html", view.lang, view=view, **extra)
