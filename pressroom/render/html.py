"""The one HTML rendering path: a release through the site's Jinja2 templates, per medium.

``page`` is the newsroom page (and the static export), ``print`` the HTML WeasyPrint turns
into the PDF, ``mail`` the HTML part of the email. Each medium's template extends its own
layout but includes the same ``partials/release_content.html``.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Literal

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    nodes,
    select_autoescape,
)
from jinja2.ext import Extension
from jinja2.parser import Parser
from markupsafe import Markup

from pressroom.config import Site
from pressroom.errors import PressroomError
from pressroom.i18n import base_language, translations
from pressroom.render.context import ReleaseView, release_view

Medium = Literal["page", "print", "mail"]
MEDIA: tuple[Medium, ...] = ("page", "print", "mail")


class FragmentCache(Extension):
    """``{% cache store, key, ... %}…{% endcache %}``: the block is rendered once per key.

    A static build shows the same fragments on hundreds of pages (a listing's filters, a
    release's entry in every listing holding it); ``store`` is the build's dict (``None``:
    render every time, as the server does, which caches whole pages instead). The key must
    name all the fragment depends on.
    """

    tags = {"cache"}  # noqa: RUF012 - the attribute Jinja reads, a set by its API

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        args = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            args.append(parser.parse_expression())
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        call = self.call_method("_fragment", [nodes.List(args)])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _fragment(self, args: list[Any], caller: Callable[[], str]) -> str:
        store, *key = args
        if store is None:
            return caller()
        found: str | None = store.get(tuple(key))
        if found is None:
            found = store[tuple(key)] = Markup(caller())
        return found


@cache
def _environment(theme_dirs: tuple[Path, ...]) -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in theme_dirs]),
        autoescape=select_autoescape(["html", "xml", "svg"], default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n", FragmentCache],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def template_environment(site: Site) -> Environment:
    """The Jinja2 environment of a site: its own templates first, then the shipped theme."""
    return _environment(site.theme_dirs)


class TemplateProblem(PressroomError):
    """A theme template cannot be rendered: a site's own templates are input like its releases,
    so a mistake in one is reported at its file and line, never as a traceback."""


def _where(site: Site, exc: TemplateError, name: str) -> tuple[str, str]:
    """The template file and line at fault, relative to the site when it is the site's own."""
    path, line = "", "?"
    if isinstance(exc, TemplateSyntaxError) and exc.filename:
        path, line = exc.filename, str(exc.lineno)
    else:  # a runtime error: the innermost frame Jinja mapped back to a template file
        roots = tuple(str(root) for root in site.theme_dirs)
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename.startswith(roots):
                path, line = frame.filename, str(frame.lineno)
    if not path:
        return name, line
    shown = Path(path)
    if shown.is_relative_to(site.root):
        shown = shown.relative_to(site.root)
    return shown.as_posix(), line


def render_template(site: Site, template_name: str, lang: str, **context: Any) -> str:
    """Render any theme template in an interface language (French unless told otherwise)."""
    env = template_environment(site)
    trans = translations(lang)
    try:
        template = env.get_template(template_name)
        # Bind translations per call, not per environment: two languages may render at once.
        return template.render(
            gettext=trans.ugettext,
            ngettext=trans.ungettext,
            _=trans.ugettext,
            lang=base_language(lang),
            settings=site.settings,
            **context,
        )
    except TemplateError as exc:
        path, line = _where(site, exc, template_name)
        raise TemplateProblem(
            "{path}:{line}: the template cannot be rendered: {reason}",
            path=path,
            line=line,
            reason=exc.message or type(exc).__name__,
        ) from None


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
