"""The two bodies of a release's email: HTML through the one rendering path, and plain text.

The HTML part is ``render_release(site, view, "mail")`` (the same partial as the page and the
PDF) with its CSS inlined for mail clients that drop ``<style>``; the text part is
``templates/mail/release.txt`` around the same sanitised HTML turned into Markdown-like text.
Both are rendered once per campaign: per-recipient text (greeting, unsubscribe link) is put in
afterwards in place of unguessable markers, see ``pressroom.mail.message``.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import css_inline
import html2text
from babel.dates import format_date, format_time

from pressroom.config import Site
from pressroom.i18n import base_language, gettext
from pressroom.render.context import ReleaseView, long_date
from pressroom.render.html import render_release, render_template

TEXT_WIDTH = 72
# Root-relative links of the release (``/uploads/...``) mean nothing in a mailbox.
_RELATIVE_URL = re.compile(r'(\s(?:href|src)=")/(?!/)')
# No stylesheet is ever fetched: a site template linking one must not make us call out.
_INLINER = css_inline.CSSInliner(
    load_remote_stylesheets=False, keep_link_tags=False, keep_at_rules=True
)
_BLANK_LINES = re.compile(r"\n{3,}")
_REFERENCE = re.compile(r"^\s*\[\d+\]: ")
_LIST_ITEM = re.compile(r"^\s*(?:[*+-]|\d+\.) ")
_NO_BREAK_SPACES = "\u00a0\u202f\u2007"
_STAND_INS = "\ue000\ue001\ue002"
_PROTECT_SPACES = str.maketrans(_NO_BREAK_SPACES, _STAND_INS)
_RESTORE_SPACES = str.maketrans(_STAND_INS, _NO_BREAK_SPACES)


@dataclass(frozen=True)
class Download:
    """A file offered with the message: linked (``url``) or attached (``attached`` is True)."""

    label: str
    filename: str
    url: str = ""
    attached: bool = False


@dataclass(frozen=True)
class BodyContext:
    """What the mail templates read besides the release view; the same for both parts."""

    subject: str
    embargo: str
    greeting: str
    page_url: str
    downloads: tuple[Download, ...]
    list_name: str
    unsubscribe_url: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "embargo": self.embargo,
            "greeting": self.greeting,
            "page_url": self.page_url,
            "downloads": self.downloads,
            "list_name": self.list_name,
            "unsubscribe_url": self.unsubscribe_url,
        }


def absolute_url(base_url: str, path: str) -> str:
    """``/espace-presse/x/`` on the site's public address."""
    if path.startswith(("http://", "https://")):
        return path
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def embargo_text(when: datetime, site: Site, lang: str) -> str:
    """``Sous embargo jusqu'au jeudi 18 novembre 2021 à 11 h 07``, in the release's language."""
    code = base_language(lang)
    local = when.astimezone(site.settings.zone)
    template = gettext(code, "Under embargo until %(weekday)s %(date)s at %(time)s")
    return template % {
        "weekday": format_date(local, "EEEE", locale=code),
        "date": long_date(local, code),
        # Time formats differ by language ("11 h 07", "11:07"): the pattern is translated.
        "time": format_time(local, gettext(code, "HH:mm"), locale=code),
    }


def greeting(name: str, lang: str) -> str:
    """``Bonjour Jeanne Martin,``, or ``Madame, Monsieur,`` when the name is not known."""
    if name:
        return gettext(lang, "Hello %(name)s,") % {"name": name}
    return gettext(lang, "Dear Sir or Madam,")


def render_html(site: Site, view: ReleaseView, context: BodyContext) -> str:
    """The HTML part: the mail medium of the one rendering path, links absolute, CSS inlined."""
    html = render_release(site, view, "mail", **context.as_dict())
    html = _RELATIVE_URL.sub(lambda m: m.group(1) + site.settings.base_url.rstrip("/") + "/", html)
    return _INLINER.inline(html)


def html_to_text(html: str, base_url: str) -> str:
    """Sanitised HTML as wrapped Markdown-like text, its links listed at the end."""
    # Wrapping is ours (see wrap_text): html2text's breaks URLs and compound words at hyphens.
    converter = html2text.HTML2Text(baseurl=base_url.rstrip("/") + "/", bodywidth=0)
    converter.inline_links = False
    converter.ignore_images = True
    converter.unicode_snob = True
    # With emphasis marks on, html2text eats the space before a link or bold inside italics
    # ("cadre du[programme]"): words matter more than asterisks.
    converter.ignore_emphasis = True
    # html2text folds every Unicode space into " ", so French's no-break spaces before ? ! : ;
    # would become line breaks; private-use stand-ins carry them through unchanged.
    protected = html.translate(_PROTECT_SPACES)
    text = converter.handle(protected).translate(_RESTORE_SPACES)
    return _BLANK_LINES.sub("\n\n", wrap_text(text)).strip("\n")


def wrap_text(text: str, width: int = TEXT_WIDTH) -> str:
    """Wrap at spaces only (never inside ``Île-de-France`` or a URL), keeping list indents."""
    lines: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width or _REFERENCE.match(line):
            lines.append(line)
            continue
        item = _LIST_ITEM.match(line)
        indent = " " * len(item.group(0)) if item else ("> " if line.startswith("> ") else "")
        lines += textwrap.wrap(
            line,
            width,
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
        )
    return "\n".join(lines)


def render_text(site: Site, view: ReleaseView, context: BodyContext) -> str:
    """The plain-text part, from ``templates/mail/release.txt``; lines end with CRLF later."""
    text = html_to_text(view.chapeau_html + view.body_html, site.settings.base_url)
    rendered = render_template(
        site, "mail/release.txt", view.lang, view=view, text=text, **context.as_dict()
    )
    lines = [line.rstrip() for line in rendered.splitlines()]
    # Keep the signature separator's trailing space ("-- "): mail clients look for it.
    lines = ["-- " if line == "--" else line for line in lines]
    return "\n".join(lines).strip("\n") + "\n"
