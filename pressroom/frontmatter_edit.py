"""Writing a release's front matter back by changing only the lines of the keys that changed.

Re-dumping a whole front matter reorders keys, refolds long lines and requotes values, so every
save would be a noisy diff in the site's git history. Instead the YAML is composed only to learn
which lines each top-level key occupies; a changed key's lines are replaced by a freshly dumped
``key: value`` block and every other byte (comments, blank lines, unknown keys, body, newline
convention, BOM) is copied through. Every result is read back and compared with the intended
metadata before it is returned, so a value can never spill out of its key.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from itertools import accumulate
from typing import Any, Final

import yaml

from pressroom.errors import PressroomError, localize
from pressroom.yaml_front import FrontMatterError, parse_front_matter, split_front_matter

DELETE: Final = object()
"""Sentinel value in ``changes``: remove this key from the front matter."""

_BOM = "\ufeff"
# python-frontmatter's boundary (``^-{3,}\s*$``), applied to one line without its "\n".
_FENCE = re.compile(r"-{3,}\s*")
_LINE_BREAKS = re.compile(r"\r\n|\r")
# Characters a literal block or a plain scalar would write raw; escaped in double quotes instead,
# because editors and str.splitlines() treat them as line ends.
_RAW_BREAKS = ("\r", "\x85", "\u2028", "\u2029")
_STR_TAG = "tag:yaml.org,2002:str"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class FrontMatterEditError(PressroomError):
    """The front matter cannot be edited safely; the text was not changed."""

    def __init__(self, message: str, line: int | None = None, **params: str) -> None:
        super().__init__(message, terms=(), **params)
        if line:
            self.args = (f"line {line}: {self.args[0]}",)
        self.line = line

    def localized(self, lang: str) -> str:
        """The message in an interface language, after its line (``line 3: ...``)."""
        said = super().localized(lang)
        if not self.line:
            return said
        return localize(lang, "line {line}: {message}", {"line": str(self.line), "message": said})


@dataclass(frozen=True)
class _File:
    """A release's text cut at its fences; joining the parts gives the text back exactly."""

    bom: str
    newline: str
    opening: str  # the opening '---' line with its line break
    yaml_lines: list[str]  # each with its line break
    closing: str  # the closing '---' line, with its line break unless the file ends there
    body: str

    def join(self, yaml_lines: list[str] | None = None, body: str | None = None) -> str:
        """The text again, with new YAML lines or a new body where given."""
        lines = self.yaml_lines if yaml_lines is None else yaml_lines
        body = self.body if body is None else body
        closing = self.closing
        if body and not closing.endswith("\n"):
            closing += self.newline
        return self.bom + self.opening + "".join(lines) + closing + body


def _lines(text: str) -> list[str]:
    """Lines with their ends, cut at "\\n" only (unlike str.splitlines(), as YAML files are)."""
    pieces = text.split("\n")
    return [piece + "\n" for piece in pieces[:-1]] + ([pieces[-1]] if pieces[-1] else [])


def _split(text: str) -> _File:
    """Cut the text where python-frontmatter (hence ``parse_front_matter``) cuts it."""
    bom = _BOM if text.startswith(_BOM) else ""
    lines = _lines(text[len(bom) :])
    is_fence = [bool(_FENCE.fullmatch(line.rstrip("\n"))) for line in lines]
    close = is_fence.index(True, 1) if is_fence[:1] == [True] and any(is_fence[1:]) else 0
    if not close:
        raise FrontMatterEditError(
            "no front matter: the file must start with a '---' line, "
            "and another '---' line must end the YAML"
        )
    return _File(
        bom=bom,
        newline="\r\n" if lines[0].endswith("\r\n") else "\n",
        opening=lines[0],
        yaml_lines=lines[1:close],
        closing=lines[close],
        body="".join(lines[close + 1 :]),
    )


def _metadata(text: str) -> dict[str, Any]:
    """The metadata exactly as the release reader sees it (timestamps stay text)."""
    try:
        return parse_front_matter(text.removeprefix(_BOM)).metadata
    except FrontMatterError as exc:
        raise FrontMatterEditError(exc.message, exc.line, **exc.params) from None


class _Spans:
    """Which lines of the YAML each top-level key occupies: ``name -> [(start, stop)]``."""

    def __init__(self, yaml_lines: list[str]) -> None:
        self.lines = yaml_lines
        self.starts = [0, *accumulate(len(line) for line in yaml_lines)]
        self.by_key: dict[str, list[tuple[int, int]]] = {}
        self.indent = 0
        loader = yaml.SafeLoader("".join(yaml_lines))
        try:
            root = loader.get_single_node()
            if root is None:
                return
            if not isinstance(root, yaml.MappingNode) or root.flow_style:
                raise FrontMatterEditError(
                    "the front matter must be 'key: value' lines to be edited", 2
                )
            pairs = root.value
            heads = [self._line(key.start_mark.index) for key, _ in pairs]
            heads.append(len(yaml_lines))
            self.indent = pairs[0][0].start_mark.column if pairs else 0
            seen: set[int] = set()
            for i, (key, value) in enumerate(pairs):
                start, stop = heads[i], heads[i + 1]
                last = max(start, self._last(key, seen), self._last(value, seen))
                # Blank and comment lines before the next key are left to it.
                while stop - 1 > last and _is_filler(yaml_lines[stop - 1]):
                    stop -= 1
                self.by_key.setdefault(self._name(loader, key), []).append((start, stop))
        except yaml.YAMLError as exc:
            raise FrontMatterEditError("YAML: {reason}", reason=str(exc)) from None
        finally:
            loader.dispose()

    def _line(self, index: int) -> int:
        """0-based line of a character index (marks' own line counts also break at U+2028)."""
        return bisect.bisect_right(self.starts, index) - 1

    @staticmethod
    def _name(loader: yaml.SafeLoader, node: yaml.Node) -> str:
        """The key as ``parse_front_matter`` names it: ``str`` of the key, dates left as text."""
        if isinstance(node, yaml.ScalarNode) and node.tag in (_STR_TAG, _TIMESTAMP_TAG, _MERGE_TAG):
            return str(node.value)
        return str(loader.construct_object(node, deep=True))

    def _last(self, node: yaml.Node, seen: set[int]) -> int:
        """Last line holding content of ``node`` (lines that only look like comments included)."""
        if id(node) in seen:  # an alias: its lines are those of its anchor, counted already
            return -1
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            first = self._line(node.start_mark.index)
            last = self._line(max(node.end_mark.index - 1, node.start_mark.index))
            if node.style in ("|", ">"):
                # The scanner swallows the blank lines after a block scalar; only keep-chomped
                # ones ("|+") are part of the value.
                kept = len(node.value) - len(node.value.rstrip("\n")) - 1
                end = last
                while end > first and not self.lines[end].strip():
                    end -= 1
                last = min(last, end + max(kept, 0))
            return last
        if isinstance(node, yaml.CollectionNode) and node.flow_style:
            return self._line(node.end_mark.index - 1)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        return max((self._last(child, seen) for child in children), default=-1)


def _is_filler(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


class _Dumper(yaml.SafeDumper):
    """Jekyll-style YAML: block lists at the key's indentation, unicode as is, no anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style: str | None = None
    if any(ch in data for ch in _RAW_BREAKS):
        style = '"'
    elif "\n" in data and not data.endswith("\n\n") and data != "\n":
        # A literal "|-" block reads like the corpus; a value ending in blank lines would need
        # "|+", which could swallow the blank line that follows, so those go double-quoted.
        style = "|"
    return dumper.represent_scalar(_STR_TAG, data, style=style)


def _represent_datetime(dumper: yaml.SafeDumper, data: datetime) -> yaml.ScalarNode:
    """The corpus's own form, ``2021-11-18 11:07:00 +01:00``, which Jekyll reads as a time."""
    text = data.replace(tzinfo=None).isoformat(sep=" ")
    offset = data.utcoffset()
    if offset is not None:
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        text += f" {sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return dumper.represent_scalar(_TIMESTAMP_TAG, text)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(datetime, _represent_datetime)


def _plain(value: Any) -> Any:
    """Mappings and sequences as dicts and lists, the only containers the dumper should see."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _dump(metadata: Mapping[str, Any]) -> str:
    try:
        text: str = yaml.dump(
            _plain(metadata),
            Dumper=_Dumper,
            allow_unicode=True,
            sort_keys=False,
            default_flow_style=False,
        )
    except yaml.representer.RepresenterError as exc:
        kind = type(exc.args[-1]).__name__
        raise FrontMatterEditError(
            "cannot write a value of type {kind} in the front matter: only text, numbers, "
            "true/false, dates, lists and groups of 'key: value' lines",
            kind=kind,
        ) from None
    except RecursionError:
        raise FrontMatterEditError("a front matter value contains itself") from None
    return text


def _key_block(key: str, value: Any, indent: int, newline: str) -> list[str]:
    margin = " " * indent
    lines = _dump({key: value}).split("\n")[:-1]  # the dump ends with its line break
    return [(margin + line if line else line) + newline for line in lines]


def _as_timestamp(text: str) -> date | None:
    if not yaml.SafeLoader.timestamp_regexp.match(text):
        return None
    node = yaml.ScalarNode(_TIMESTAMP_TAG, text)
    stamp: date = yaml.SafeLoader("").construct_yaml_timestamp(node)
    return stamp


def _same(current: Any, new: Any) -> bool:
    """Whether a value read from the file already says what ``new`` says, so needs no rewrite."""
    if isinstance(new, bool) or isinstance(current, bool):
        return type(new) is type(current) and new == current
    if isinstance(new, date) and isinstance(current, str):
        stamp = _as_timestamp(current.strip())
        return stamp is not None and type(stamp) is type(new) and stamp == new
    if isinstance(new, Mapping):
        return (
            isinstance(current, dict)
            and len(current) == len(new)
            and all(key in current and _same(current[key], item) for key, item in new.items())
        )
    if isinstance(new, list | tuple):
        return (
            isinstance(current, list)
            and len(current) == len(new)
            and all(_same(old, item) for old, item in zip(current, new, strict=True))
        )
    if isinstance(new, float) and isinstance(current, float) and math.isnan(new):
        return math.isnan(current)
    return bool(current == new)


def _check(text: str, expected: Mapping[str, Any]) -> None:
    """Read the result back: a value that spilled out of its key would show up here."""
    try:
        written = _metadata(text)
    except FrontMatterEditError as exc:
        raise FrontMatterEditError(
            "the edited front matter would not be readable ({reason}); nothing was written",
            reason=str(exc),
        ) from None
    if written.keys() != expected.keys() or not all(
        _same(written[key], value) for key, value in expected.items()
    ):
        wrong = sorted(
            key
            for key in written.keys() | expected.keys()
            if key not in written or key not in expected or not _same(written[key], expected[key])
        )
        raise FrontMatterEditError(
            "the edited front matter would not read back as intended ({keys}); nothing was written",
            keys=", ".join(wrong),
        )


def update_front_matter(text: str, changes: Mapping[str, Any]) -> str:
    """Return the file text with only the changed top-level keys rewritten.

    A key whose new value equals the one in the file keeps its lines byte for byte; a changed key
    gets a fresh block in place; a new key goes at the end of the front matter; ``DELETE`` removes.
    """
    parts = _split(text)
    metadata = _metadata(text)
    spans = _Spans(parts.yaml_lines)
    edits: list[tuple[int, int, list[str]]] = []
    appended: list[str] = []
    expected = dict(metadata)
    for key, value in changes.items():
        places = spans.by_key.get(key, [])
        if value is DELETE:
            edits += [(start, stop, []) for start, stop in places]
            expected.pop(key, None)
            continue
        if key in metadata and _same(metadata[key], value):
            continue
        expected[key] = value
        block = _key_block(key, value, spans.indent, parts.newline)
        if not places:
            appended += block
            continue
        # With duplicate keys the last one is the one readers see: it takes the new value.
        edits += [(start, stop, []) for start, stop in places[:-1]]
        edits.append((*places[-1], block))
    if not edits and not appended:
        return text
    lines = list(parts.yaml_lines)
    for start, stop, block in sorted(edits, key=lambda edit: edit[0], reverse=True):
        lines[start:stop] = block
    result = parts.join(lines + appended)
    _check(result, expected)
    return result


def _with_newline(body: str, newline: str) -> str:
    return _LINE_BREAKS.sub("\n", body).replace("\n", newline)


def set_body(text: str, body: str) -> str:
    """Replace the body after the closing ``---`` line; the front matter stays byte for byte.

    ``body`` is everything after that line's line break; its newlines follow the file's own.
    The body as the release reader reports it (python-frontmatter's cut, which may differ by a
    leading blank line) also counts as unchanged, so re-saving what was read rewrites nothing.
    """
    parts = _split(text)
    new_body = _with_newline(body, parts.newline)
    if new_body == parts.body:
        return text
    as_read = split_front_matter(text.removeprefix(_BOM))
    if as_read is not None and new_body == as_read[1]:
        return text
    return parts.join(body=new_body)


def new_release_text(metadata: Mapping[str, Any], body: str) -> str:
    """A fresh release file: Jekyll-style YAML with keys in the given order, then ``body``."""
    entries = {key: value for key, value in metadata.items() if value is not DELETE}
    text = "---\n" + (_dump(entries) if entries else "") + "---\n" + _with_newline(body, "\n")
    _check(text, entries)
    return text
