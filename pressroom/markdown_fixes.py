"""Repairs applied to the token stream: links missing their scheme, French spacing.

Both work on markdown-it tokens rather than on the finished HTML, so that URLs, code and
attributes are never touched by the typography and every repaired link is reported with its line
(raw HTML tags are the one place an `href` is found by pattern, inside its own token).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markdown_it.token import Token

NARROW_NBSP = "\u202f"

_SPACES = "[ \u00a0\u202f]"
# Only spaces the author typed are narrowed: `11:07` and `http://` have none before the colon.
_BEFORE_PUNCT = re.compile(rf"(?<=\S){_SPACES}+(?=[;:!?])")
_AFTER_OPEN_GUILLEMET = re.compile(rf"«{_SPACES}*(?=[^\s«»])")
_BEFORE_CLOSE_GUILLEMET = re.compile(rf"(?<=[^\s«»]){_SPACES}*»")

_DOUBLED_SCHEME = re.compile(r"(?:https?:?/+)+(https?(?::/*|/+).*)\Z", re.IGNORECASE | re.DOTALL)
_LOOSE_SCHEME = re.compile(r"(https?)(:?)(/*)([^/].*)\Z", re.IGNORECASE | re.DOTALL)
_HOST = re.compile(r"[\w-]+(?:\.[\w-]+)+(?:[:/?#]|\Z)")
_WWW = re.compile(r"www\.[\w-]+\.[\w.-]+", re.IGNORECASE)
# A bare domain only counts as external when its last label is a TLD a release would cite;
# `rapport.pdf` or `page.html` stay relative.
_BARE_DOMAIN = re.compile(
    r"[\w-]+(?:\.[\w-]+)*\.(?:fr|com|org|net|eu|io|info|int|gov|edu)(?:[/?#]|\Z)",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\Z")
_HTML_HREF = re.compile(r"""(\bhref\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


@dataclass(frozen=True)
class LinkFix:
    """A link rewritten to what its author plainly meant, with the reason to show them."""

    href: str
    message: str


def fix_href(href: str) -> LinkFix | None:
    """Repair a scheme-less or mangled-scheme address; None when the link is fine or unclear."""
    stripped = href.strip()
    doubled = _DOUBLED_SCHEME.match(stripped)
    if doubled is not None and doubled.group(1) != stripped:
        fixed = _normalise_scheme(doubled.group(1)) or doubled.group(1)
        return LinkFix(fixed, f"link '{href}' repeats its scheme; rendered as {fixed}")
    loose = _normalise_scheme(stripped)
    if loose is not None and loose != stripped:
        return LinkFix(loose, f"link '{href}' has a malformed scheme; rendered as {loose}")
    if _EMAIL.match(stripped):
        fixed = f"mailto:{stripped}"
        return LinkFix(fixed, f"link '{href}' is an email address; rendered as {fixed}")
    if _WWW.match(stripped) or _BARE_DOMAIN.match(stripped):
        fixed = f"https://{stripped}"
        return LinkFix(fixed, f"link '{href}' has no scheme; rendered as {fixed}")
    return None


def _normalise_scheme(href: str) -> str | None:
    """`https:/x.fr`, `https//x.fr`, `https:///x.fr` → `https://x.fr`; None if not http(s)."""
    match = _LOOSE_SCHEME.match(href)
    if match is None:
        return None
    scheme, colon, slashes, rest = match.groups()
    if colon == ":" and slashes == "//":
        return href
    # Without a colon, `http/page.html` could be a relative path: demand `//` then.
    if (colon or len(slashes) >= 2) and _HOST.match(rest):
        return f"{scheme.lower()}://{rest}"
    return None


def fix_links(
    children: Sequence[Token], first_line: int, report: Callable[[int, str], None]
) -> None:
    """Fix Markdown and raw-HTML links of one inline run; `first_line` is 1-based."""
    line = first_line
    for child in children:
        if child.type == "link_open":
            href = str(child.attrGet("href") or "")
            fix = fix_href(href)
            if fix is not None:
                child.attrSet("href", fix.href)
                report(line, fix.message)
        elif child.type == "html_inline":
            child.content = fix_html_links(child.content, line, report)
        line += _newlines(child)


def fix_html_links(html: str, first_line: int, report: Callable[[int, str], None]) -> str:
    """Same repairs inside raw HTML, which reaches the page just as links written in Markdown."""

    def repair(match: re.Match[str]) -> str:
        href = match.group(2) if match.group(2) is not None else match.group(3)
        fix = fix_href(href)
        if fix is None:
            return match.group(0)
        report(first_line + html.count("\n", 0, match.start()), fix.message)
        return f'{match.group(1)}"{fix.href}"'

    return _HTML_HREF.sub(repair, html)


def _newlines(token: Token) -> int:
    if token.type in ("softbreak", "hardbreak"):
        return 1
    return token.content.count("\n")


def french_spacing(children: Sequence[Token]) -> None:
    """Put narrow no-break spaces where French typesetting wants them, in visible text only."""
    # Each run of visible characters, in order, with whether we may rewrite it; the neighbours
    # give the context across `**`, links and breaks.
    runs: list[tuple[Token | None, str]] = []
    in_autolink = False
    for child in children:
        if child.type == "link_open":
            in_autolink = child.markup == "autolink"
        elif child.type == "link_close":
            in_autolink = False
        elif child.type == "text" and child.content:
            runs.append((None if in_autolink else child, child.content))
        elif child.type == "code_inline":
            runs.append((None, child.content or "x"))
        elif child.type in ("softbreak", "hardbreak"):
            runs.append((None, "\n"))
        elif child.type == "image":
            runs.append((None, "\ufffc"))
    for index, (token, content) in enumerate(runs):
        if token is None:
            continue
        before = runs[index - 1][1][-1] if index > 0 else "\n"
        after = runs[index + 1][1][0] if index + 1 < len(runs) else "\n"
        token.content = _space_french(before, content, after)


# What the three rules look for: a punctuation mark to space before, or a guillemet.
_FRENCH_MARKS = frozenset(";:!?«»")
# Each rule with the marks its pattern cannot match without (spaces change, marks stay).
_FRENCH_RULES = (
    (frozenset(";:!?"), _BEFORE_PUNCT, NARROW_NBSP),
    (frozenset("«"), _AFTER_OPEN_GUILLEMET, "«" + NARROW_NBSP),
    (frozenset("»"), _BEFORE_CLOSE_GUILLEMET, NARROW_NBSP + "»"),
)


def _space_french(before: str, content: str, after: str) -> str:
    # Most runs hold no mark: each rule needs one in the run or, for `;:!?`, just after it.
    if after not in _FRENCH_MARKS and _FRENCH_MARKS.isdisjoint(content):
        return content
    text = before + content + after
    for marks, pattern, replacement in _FRENCH_RULES:
        if marks.isdisjoint(text):  # the rule's pattern needs one of them: nothing to do
            continue
        end = len(text) - len(after)
        text = pattern.sub(_guarded(replacement, len(before), end), text)
    return text[len(before) : len(text) - len(after)]


def _guarded(replacement: str, start: int, end: int) -> Callable[[re.Match[str]], str]:
    """Replace only within the token's own text: the context characters belong to neighbours."""

    def replace(match: re.Match[str]) -> str:
        if match.start() < start or match.end() > end:
            return match.group(0)
        return replacement

    return replace
