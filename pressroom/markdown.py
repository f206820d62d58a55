"""Markdown communiqués → sanitised HTML, the one conversion the page, PDF and email share.

CommonMark (with tables and strikethrough) plus what the Jekyll corpus needs of kramdown: IALs
(see `markdown_ial`), scheme-less links repaired with a warning, and French spacing. Raw HTML is
allowed in releases, so everything is passed through nh3 last: the output is safe for `|safe`.
"""

from __future__ import annotations

import html as html_lib
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, lru_cache
from html.parser import HTMLParser
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common import normalize_url
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from pressroom.markdown_fixes import fix_links, french_spacing
from pressroom.markdown_ial import ALLOWED_CLASSES, ial_plugin

__all__ = [
    "ALLOWED_CLASSES",
    "LinkWarning",
    "Rendered",
    "plain_text",
    "render_markdown",
    "rendered_ahead",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinkWarning:
    """A link we rewrote, so the press officer can correct the source."""

    line: int
    message: str


@dataclass(frozen=True)
class Rendered:
    """Sanitised HTML of a Markdown text, and what had to be repaired in it."""

    html: str
    warnings: tuple[LinkWarning, ...]

    @cached_property
    def text(self) -> str:
        """``plain_text(html)``, worked out once: listings, feeds and metadata all ask for it."""
        return _collapsed(_sanitised_text(self.html))


def _names(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


# Tags that may carry a class: any block an IAL can style, plus the corpus's raw HTML.
_CLASSED_TAGS = _names(
    "p div span a blockquote ul ol li h1 h2 h3 h4 h5 h6 table thead tbody tr th td "
    "figure figcaption img strong em b i"
)
# h1 stays: headings keep the level the author wrote, the page template handles the outline.
_TAGS = _CLASSED_TAGS | _names("br u s del hr sup sub abbr code pre tfoot caption colgroup col")
_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "title"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "style", "scope"},
    "ol": {"start"},
}

# Built once: nh3 compiles its rules when a Cleaner is made.
_CLEANER = nh3.Cleaner(
    tags=set(_TAGS),
    clean_content_tags={"script", "style"},
    attributes=_ATTRIBUTES,
    # ammonia cannot add `rel` only where `target` is: every link gets it, harmless elsewhere.
    link_rel="noopener noreferrer",
    tag_attribute_values={"a": {"target": {"_blank"}}},
    url_schemes={"http", "https", "mailto", "tel"},
    allowed_classes={tag: set(ALLOWED_CLASSES) for tag in _CLASSED_TAGS},
    # Tables align columns with `style`; nothing else of a style attribute survives.
    filter_style_properties={"text-align"},
)

_WARNINGS_KEY = "pressroom_link_warnings"
_FRENCH_KEY = "pressroom_french"


def _repair(state: StateCore) -> None:
    """Core rule: fix links and French spacing once inline tokens exist."""
    warnings: list[LinkWarning] = state.env[_WARNINGS_KEY]

    def report(line: int, message: str) -> None:
        warnings.append(LinkWarning(line, message))

    # HTML blocks still raw here are code, scripts or comments: left exactly as written.
    for token in state.tokens:
        if token.type == "inline" and token.children:
            fix_links(token.children, token.map[0] + 1 if token.map else 1, report)
            if state.env[_FRENCH_KEY]:
                french_spacing(token.children)


# Blocks whose text is not prose: code, scripts, comments, declarations stay raw.
_VERBATIM_HTML = re.compile(r"\s*<(?:script|pre|style|textarea|!|\?)", re.IGNORECASE)
# Lenient on purpose: the corpus has tags markdown-it's inline HTML rule rejects
# (`style='a'b: c'`); nh3 makes sense of them later.
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")


def _split_tags(html: str) -> list[tuple[bool, str]]:
    """Cut raw HTML into (is_markup, piece), in one pass so hostile input stays linear."""
    pieces: list[tuple[bool, str]] = []
    text_start = pos = 0
    while (pos := html.find("<", pos)) >= 0:
        if html.startswith("<!--", pos):
            # Like a browser, an unclosed comment hides everything after it.
            end = html.find("-->", pos + 4)
            end = len(html) if end < 0 else end + 3
        else:
            match = _HTML_TAG.match(html, pos)
            if match is None:
                pos += 1
                continue
            end = match.end()
        if pos > text_start:
            pieces.append((False, html[text_start:pos]))
        pieces.append((True, html[pos:end]))
        text_start = pos = end
    if text_start < len(html):
        pieces.append((False, html[text_start:]))
    return pieces


def _markdown_in_html(state: StateCore) -> None:
    """Core rule: read Markdown between the tags of raw HTML blocks, as kramdown sites do.

    Authors wrote `<div class="encadre">… [un lien](…) …` and saw a link; CommonMark would
    print the brackets. Each text run between tags is parsed inline; tags pass through.
    """
    md = state.md
    for token in state.tokens:
        if token.type != "html_block" or _VERBATIM_HTML.match(token.content):
            continue
        children: list[Token] = []
        for is_markup, piece in _split_tags(token.content):
            if is_markup:
                tag = Token("html_inline", "", 0)
                tag.content = piece
                children.append(tag)
            else:
                # A fresh list each time: inline post-processing walks all it is given.
                children.extend(md.inline.parse(piece, md, state.env, []))
        token.type = "inline"
        token.children = children


# A site's releases link the same addresses again and again (its own pages, its ministry's):
# markdown-it parses, re-encodes and checks each one each time, pure functions of the address.
_normalize_link = lru_cache(maxsize=8192)(normalize_url.normalizeLink)
_validate_link = lru_cache(maxsize=8192)(normalize_url.validateLink)


class _Parser(MarkdownIt):
    """markdown-it remembering its link normalisation (its documented override points)."""

    def normalizeLink(self, url: str) -> str:
        return _normalize_link(url)

    def validateLink(self, url: str) -> bool:
        return _validate_link(url)


def _build_parser() -> MarkdownIt:
    md = _Parser("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.use(ial_plugin)
    # Before text_join, which folds the entities of these new inline runs into their text.
    md.core.ruler.after("inline", "pressroom_markdown_in_html", _markdown_in_html)
    md.core.ruler.push("pressroom_repair", _repair)
    return md


_PARSER = _build_parser()
# Lone surrogates (from `surrogateescape` decoding) cannot cross into nh3's Rust.
_SURROGATES = re.compile("[\ud800-\udfff]")


# Texts a static build rendered ahead, in worker processes, by (text, French or not).
_AHEAD: dict[tuple[str, bool], Rendered] = {}


def _is_french(lang: str) -> bool:
    return lang.lower().startswith("fr")


@contextmanager
def rendered_ahead(results: Iterable[tuple[str, str, Rendered]]) -> Iterator[None]:
    """Within the block, ``render_markdown`` answers these (text, lang) pairs with their result.

    A static build renders every release once, spread over worker processes, before its pages
    (which show each release several times: page, listings, feeds) are made from the results.
    """
    _AHEAD.update(((text, _is_french(lang)), rendered) for text, lang, rendered in results)
    try:
        yield
    finally:
        _AHEAD.clear()


def render_markdown(text: str, *, lang: str = "fr") -> Rendered:
    """Render a release's Markdown to HTML safe to insert as is; never raises on bad input."""
    if _AHEAD:
        known = _AHEAD.get((text, _is_french(lang)))
        if known is not None:
            return known
    source = unicodedata.normalize("NFC", _SURROGATES.sub("\ufffd", text))
    env: dict[str, Any] = {_WARNINGS_KEY: [], _FRENCH_KEY: _is_french(lang)}
    try:
        raw = _PARSER.render(source, env)
    except Exception:
        # A page must still come out of a release our extensions choke on; the log says why.
        logger.exception("Markdown rendering failed; falling back to escaped text")
        raw = "".join(
            f"<p>{html_lib.escape(part)}</p>" for part in source.split("\n\n") if part.strip()
        )
        return Rendered(_CLEANER.clean(raw), ())
    return Rendered(_CLEANER.clean(raw), tuple(env[_WARNINGS_KEY]))


# Where one block ends and the next begins, the text needs a space between them.
_BLOCK_TAGS = _names(
    "p div br li ul ol blockquote h1 h2 h3 h4 h5 h6 tr td th table figure figcaption hr pre "
    "thead tbody tfoot caption dl dt dd section article header footer"
)
_HIDDEN_TAGS = frozenset({"script", "style", "template", "head", "title"})
_WHITESPACE = re.compile(r"\s{2,}|[^\S \u00a0\u202f]")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _collapsed(text: str) -> str:
    # A lone no-break space is typography (« Paris : »), not layout: it stays; any other run
    # of white space becomes one space.
    return _WHITESPACE.sub(" ", text).strip()


def plain_text(html: str) -> str:
    """Visible text of rendered HTML, for search, emails' text part and meta descriptions."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return _collapsed("".join(collector.parts))


# nh3 writes HTML that needs no parser: double-quoted attributes, no comment, every `<` and
# `&` of text escaped, and none of the hidden elements (it drops script and style whole).
_SANITISED_TAG = re.compile(r'<(/?)([A-Za-z][^\s/>]*)(?:[^">]|"[^"]*")*>')


def _sanitised_text(html: str) -> str:
    """What ``_TextCollector`` collects, for nh3's output only, without HTMLParser's cost."""
    parts: list[str] = []
    start = 0
    for tag in _SANITISED_TAG.finditer(html):
        if tag.start() > start:
            parts.append(html_lib.unescape(html[start : tag.start()]))
        if tag[2].lower() in _BLOCK_TAGS:
            parts.append(" ")
        start = tag.end()
    parts.append(html_lib.unescape(html[start:]))
    return "".join(parts)
