"""Kramdown inline attribute lists (`{: .citation}`, `{:target="_blank"}`) for markdown-it.

The corpus was written for Jekyll's kramdown, whose IALs CommonMark would print as text. Block
IALs follow kramdown's rule: on its own line, an IAL ends the paragraph, quote or list above it
and styles that block (or the next one when a blank line separates them). A span IAL styles the
link or emphasis just before it; after plain text kramdown ignores it, and so do we.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

# The classes the newsroom's stylesheets know, collected from the corpus: IALs (citation,
# auteur-citation, encadre, lien-important, text-center, bleue, margin-0) and raw HTML
# (encadre noir, en-tete, lien-important, image-left, image-right, button).
ALLOWED_CLASSES: frozenset[str] = frozenset(
    {
        "auteur-citation",
        "bleue",
        "button",
        "citation",
        "en-tete",
        "encadre",
        "image-left",
        "image-right",
        "lien-important",
        "margin-0",
        "noir",
        "text-center",
    }
)

BLOCK_IAL = "kramdown_ial"
SPAN_IAL = "kramdown_span_ial"

# `{::comment}` and friends are kramdown extensions, not IALs; leave them alone.
_BLOCK_LINE = re.compile(r"\{:(?!:)([^{}\n]*)\}[ \t]*\Z")
_ALD = re.compile(r"\s*[\w-]+:")
_IAL_PART = re.compile(r"""\.([\w-]+)|#[\w-]+|([\w-]+)=(?:"([^"]*)"|'([^']*)'|(\S+))""")
# An IAL is short; bounding the search keeps 10,000 stray `{:` from going quadratic.
_SPAN_MAX = 200
_TARGETS = frozenset({"_blank"})


@dataclass(frozen=True)
class Ial:
    """What an IAL asks for, already cut down to what the newsroom allows."""

    classes: tuple[str, ...]
    target: str | None


def parse_ial(body: str) -> Ial:
    """Keep allowed classes and a `_blank` target; ids and other keys would leak into markup."""
    classes: list[str] = []
    target: str | None = None
    if _ALD.match(body):
        # `{:name: .x}` defines a reusable list, it styles nothing where it stands.
        return Ial((), None)
    for match in _IAL_PART.finditer(body):
        name, key = match.group(1), match.group(2)
        if name is not None and name in ALLOWED_CLASSES and name not in classes:
            classes.append(name)
        elif key is not None:
            value = next((v for v in match.group(3, 4, 5) if v is not None), "")
            if key == "target" and value in _TARGETS:
                target = value
            elif key == "class":
                classes.extend(c for c in value.split() if c in ALLOWED_CLASSES)
    return Ial(tuple(classes), target)


def ial_plugin(md: MarkdownIt) -> None:
    """Teach markdown-it kramdown's IALs; the core rule resolves them once blocks are known."""
    md.block.ruler.before(
        "paragraph",
        BLOCK_IAL,
        _block_ial,
        {"alt": ["paragraph", "blockquote", "list"]},
    )
    md.inline.ruler.push(SPAN_IAL, _span_ial)
    md.core.ruler.before("inline", "kramdown_html_ial", _absorb_html_block_ials)
    md.core.ruler.push("kramdown_ial_apply", _apply)
    md.add_render_rule(BLOCK_IAL, lambda *_: "")
    md.add_render_rule(SPAN_IAL, lambda *_: "")


def _block_ial(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    pos = state.bMarks[start_line] + state.tShift[start_line]
    line = state.src[pos : state.eMarks[start_line]]
    if not line.startswith("{:"):
        return False
    match = _BLOCK_LINE.match(line)
    if match is None:
        return False
    if silent:
        return True
    token = state.push(BLOCK_IAL, "", 0)
    token.map = [start_line, start_line + 1]
    token.meta = {"ial": parse_ial(match.group(1))}
    token.hidden = True
    state.line = start_line + 1
    return True


def _span_ial(state: StateInline, silent: bool) -> bool:
    pos = state.pos
    src = state.src
    if not src.startswith("{:", pos) or src.startswith("{::", pos):
        return False
    end = src.find("}", pos, min(state.posMax, pos + _SPAN_MAX))
    if end < 0 or "\n" in src[pos:end] or "{" in src[pos + 1 : end]:
        return False
    if not silent:
        token = state.push(SPAN_IAL, "", 0)
        token.meta = {"ial": parse_ial(src[pos + 2 : end])}
    state.pos = end + 1
    return True


def _apply(state: StateCore) -> None:
    for token in state.tokens:
        if token.type == "inline" and token.children:
            token.children = _apply_span(token.children)
    state.tokens = _apply_block(state.tokens)


def _opener_of(tokens: Sequence[Token], close_index: int) -> Token | None:
    """The opening token of the block or span that closes at `close_index`."""
    level = tokens[close_index].level
    for index in range(close_index - 1, -1, -1):
        if tokens[index].level == level and tokens[index].nesting == 1:
            return tokens[index]
    return None


def _apply_span(children: Iterable[Token]) -> list[Token]:
    kept: list[Token] = []
    for child in children:
        if child.type != SPAN_IAL:
            kept.append(child)
            continue
        ial: Ial = child.meta["ial"]
        target: Token | None = None
        if kept and kept[-1].nesting == -1:
            target = _opener_of(kept, len(kept) - 1)
        elif kept and kept[-1].type == "image":
            target = kept[-1]
        if target is not None:
            _set_classes(target, ial.classes)
            if ial.target is not None and target.type == "link_open":
                target.attrSet("target", ial.target)
                target.attrSet("rel", "noopener noreferrer")
    return kept


def _apply_block(tokens: list[Token]) -> list[Token]:
    kept: list[Token] = []
    # Block IALs seen without a block right above them wait for the next block of their level.
    waiting: list[Token] = []
    for token in tokens:
        if token.type == BLOCK_IAL:
            previous = _previous_block(kept, token)
            if previous is not None:
                _style_block(previous, token.meta["ial"])
            else:
                waiting.append(token)
            continue
        if waiting and token.nesting >= 0 and token.block:
            ready = [ial for ial in waiting if ial.level == token.level]
            for ial in ready:
                _style_block(token, ial.meta["ial"])
            waiting = [ial for ial in waiting if ial.level < token.level]
        if waiting and token.nesting == -1:
            # A container closed before any block came: its pending IALs have nothing to style.
            waiting = [ial for ial in waiting if ial.level <= token.level]
        kept.append(token)
    return kept


def _previous_block(kept: Sequence[Token], ial: Token) -> Token | None:
    """The block that ends on the line just above the IAL, at the IAL's own level."""
    if not kept or kept[-1].level != ial.level or kept[-1].nesting == 1:
        return None
    block = kept[-1] if kept[-1].nesting == 0 else _opener_of(kept, len(kept) - 1)
    if block is None or block.map is None or ial.map is None:
        return None
    return block if block.map[1] == ial.map[0] else None


def _absorb_html_block_ials(state: StateCore) -> None:
    for token in state.tokens:
        if token.type == "html_block" and "{:" in token.content:
            _absorb_html_ials(token)


def _absorb_html_ials(block: Token) -> None:
    """An HTML block runs to the next blank line, so an IAL written under it lands inside it."""
    kept: list[str] = []
    trailing: list[Ial] = []
    for line in block.content.split("\n"):
        match = _BLOCK_LINE.match(line.strip())
        if match is not None:
            trailing.append(parse_ial(match.group(1)))
            continue
        if line.strip():
            # Only IALs after the last element can be honoured; earlier ones are just dropped.
            trailing = []
        kept.append(line)
    block.content = "\n".join(kept)
    for ial in trailing:
        _style_block(block, ial)


def _style_block(block: Token, ial: Ial) -> None:
    if not ial.classes:
        return
    # Raw HTML has no token attributes to set: wrap it, as the class must reach the page.
    opening, closing = f'<div class="{" ".join(ial.classes)}">\n', "</div>\n"
    if block.type == "html_block":
        block.content = opening + block.content + closing
    elif block.type == "inline" and block.children is not None:
        # Raw HTML whose text the pipeline reads as Markdown arrives as a block-level inline.
        wrapped = [Token("html_inline", "", 0), *block.children, Token("html_inline", "", 0)]
        wrapped[0].content, wrapped[-1].content = opening, closing
        block.children = wrapped
    else:
        _set_classes(block, ial.classes)


def _set_classes(token: Token, classes: Sequence[str]) -> None:
    existing = str(token.attrGet("class") or "").split()
    merged = existing + [c for c in classes if c not in existing]
    if merged:
        token.attrSet("class", " ".join(merged))
