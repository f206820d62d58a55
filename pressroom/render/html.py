"""The one HTML rendering path: a release through the site's Jinja2 templates, per medium.

``page`` is the newsroom page (and the static export), ``print`` the HTML WeasyPrint turns
into the PDF, ``mail`` the HTML part of the email. Each medium's template extends its own
layout but includes the same ``partials/release_content.html``.
"""

from __future__ import annotations

import hashlib
import itertools
import traceback
from collections.abc import Callable, Iterable
from contextvars import ContextVar
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
from jinja2.bccache import Bucket, BytecodeCache, FileSystemBytecodeCache
from jinja2.ext import Extension
from jinja2.parser import Parser

from pressroom.config import Settings, Site
from pressroom.errors import PressroomError
from pressroom.i18n import base_language, format_number, translations
from pressroom.phones import tel_uri
from pressroom.render.context import ReleaseView, release_view

Medium = Literal["page", "print", "mail"]
MEDIA: tuple[Medium, ...] = ("page", "print", "mail")


_fragment_names = itertools.count()


def _fragment_get(store: dict[tuple[Any, ...], str] | None, key: tuple[Any, ...]) -> str | None:
    return None if store is None else store.get(key)


def _fragment_put(html: str, store: dict[tuple[Any, ...], str] | None, key: tuple[Any, ...]) -> str:
    if store is not None:
        store[key] = html
    return html


class FragmentCache(Extension):
    """``{% cache store, key, ... %}…{% endcache %}``: the block is rendered once per key.

    A static build shows the same fragments on hundreds of pages (a listing's filters, a
    release's entry in every listing holding it); ``store`` is the build's dict (``None``:
    render every time, as the server does, which caches whole pages instead). The key must
    name all the fragment depends on.

    The tag compiles to plain template code around two filters: a found fragment costs a
    dict lookup, not the macro and call a ``{% call %}`` block would make on every page.
    """

    tags = {"cache"}  # noqa: RUF012 - the attribute Jinja reads, a set by its API

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["pressroom_fragment_get"] = _fragment_get
        environment.filters["pressroom_fragment_put"] = _fragment_put

    def parse(self, parser: Parser) -> list[nodes.Node]:
        lineno = next(parser.stream).lineno
        store = parser.parse_expression()
        key: list[nodes.Expr] = []
        while parser.stream.skip_if("comma"):
            key.append(parser.parse_expression())
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        # Names of their own per tag (a leading "_" keeps them out of a template's exports),
        # so that a tag inside another's body leaves the outer one's alone.
        number = next(_fragment_names)
        names = [f"_fragment_{part}_{number}" for part in ("store", "key", "html")]

        def load(index: int) -> nodes.Name:
            return nodes.Name(names[index], "load")

        def store_to(index: int) -> nodes.Name:
            return nodes.Name(names[index], "store")

        found = nodes.Filter(load(0), "pressroom_fragment_get", [load(1)], [], None, None)
        kept = nodes.Filter(load(2), "pressroom_fragment_put", [load(0), load(1)], [], None, None)
        missed: list[nodes.Node] = [
            nodes.AssignBlock(store_to(2), None, body),
            nodes.Assign(store_to(2), kept),
        ]
        statements: list[nodes.Node] = [
            nodes.Assign(store_to(0), store),
            nodes.Assign(store_to(1), nodes.Tuple(key, "load")),
            nodes.Assign(store_to(2), found),
            nodes.If(nodes.Test(load(2), "none", [], [], None, None), missed, [], []),
            nodes.Output([load(2)]),
        ]
        for statement in statements:
            statement.set_lineno(lineno)
        return statements


# The static build a render belongs to (its fragment store), ``None`` for the server's renders.
_BUILD: ContextVar[object | None] = ContextVar("pressroom_build", default=None)
# The environment of the static build rendering now: (its fragment store, site, environment).
_pinned: list[tuple[object, Site, Environment]] = []


class _ThemeLoader(FileSystemLoader):
    """A theme folder whose templates are checked for changes once per static build.

    The server notices an edited template at its next render (Jinja's ``auto_reload``); a static
    build would otherwise stat every template file for every one of its thousand pages.
    """

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        # The build this file was last found unchanged in. It holds that build's fragment
        # store until the next build: an identity that cannot be confused with a later one's.
        checked: list[object | None] = [None]

        def fresh() -> bool:
            build = _BUILD.get()
            if build is not None and checked[0] is build:
                return True
            if not uptodate():
                return False
            checked[0] = build
            return True

        return source, filename, fresh


class _BytecodeCache(FileSystemBytecodeCache):
    """Compiled templates kept between processes, as Python keeps its bytecode: compiling the
    page templates costs a build more than rendering a hundred pages.

    Jinja checks each entry against its template's source; the file names carry a digest of
    this module, which decides how templates compile (extensions and options).
    """

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:  # a read-only or vanished temporary folder: compile again next time
            return


def _bytecode_cache() -> BytecodeCache | None:
    digest = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    try:
        kept = _BytecodeCache(pattern=f"pressroom-{digest}-%s.cache")
    except (OSError, RuntimeError):  # Jinja found no private temporary folder
        return None
    try:  # what an earlier version of this module compiled will not be read again
        for old in Path(kept.directory).glob("pressroom-*.cache"):
            if not old.name.startswith(f"pressroom-{digest}-"):
                old.unlink(missing_ok=True)
    except OSError:
        pass
    return kept


@cache
def _environment(theme_dirs: tuple[Path, ...]) -> Environment:
    env = Environment(
        bytecode_cache=_bytecode_cache(),
        loader=ChoiceLoader([_ThemeLoader(str(d)) for d in theme_dirs]),
        autoescape=select_autoescape(["html", "xml", "svg"], default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n", FragmentCache],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = format_number  # {{ count|number(lang) }}
    env.filters["tel_uri"] = _tel_uri  # {{ phone|tel_uri(settings) }}: None if no number
    return env


def _tel_uri(phone: str, settings: Settings) -> str | None:
    return tel_uri(phone, settings.timezone)


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


def _build_environment(site: Site, build: object) -> Environment:
    """The environment for a static build's pages: where its templates are is looked up once.

    ``site.theme_dirs`` asks the file system; the server asks at every render, so that a
    site's new ``templates/`` folder is used without a restart.
    """
    if _pinned:
        pinned_build, pinned_site, env = _pinned[0]
        if pinned_build is build and pinned_site is site:
            return env
    env = template_environment(site)
    _pinned[:] = [(build, site, env)]
    return env


def render_template(site: Site, template_name: str, lang: str, **context: Any) -> str:
    """Render any theme template in an interface language (French unless told otherwise)."""
    chrome = context.get("chrome")
    build = getattr(chrome, "fragments", None)
    if build is None:
        return _render(site, template_environment(site), template_name, lang, context)
    token = _BUILD.set(build)
    try:
        return _render(site, _build_environment(site, build), template_name, lang, context)
    finally:
        _BUILD.reset(token)


def _render(
    site: Site, env: Environment, template_name: str, lang: str, context: dict[str, Any]
) -> str:
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
        raise _problem(site, exc, template_name) from None


def _problem(site: Site, exc: TemplateError, template_name: str) -> TemplateProblem:
    path, line = _where(site, exc, template_name)
    return TemplateProblem(
        "{path}:{line}: the template cannot be rendered: {reason}",
        path=path,
        line=line,
        reason=exc.message or type(exc).__name__,
    )


def compile_templates(site: Site, names: Iterable[str]) -> None:
    """Compile these templates now (a static build, before forking its workers); a mistake
    in one is a ``TemplateProblem`` naming its file and line, as when it is rendered."""
    env = template_environment(site)
    for name in names:
        try:
            env.get_template(name)
        except TemplateError as exc:
            raise _problem(site, exc, name) from None


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
