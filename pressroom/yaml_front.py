"""Reading YAML front matter safely: line numbers for messages, no code, no alias bombs.

python-frontmatter splits the file; this loader then builds the metadata with PyYAML's safe
loader, keeping each top-level key's line so problems can name it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from pressroom.errors import PressroomError

# A front matter is a few dozen nodes; anything expanding past this is an alias bomb.
MAX_EXPANDED_NODES = 20_000
MAX_DEPTH = 50
# Flow collections opened back to back, found before PyYAML spends time on them.
_DEEP_FLOW = re.compile(r"[\[{](?:\s*[\[{]){" + str(MAX_DEPTH) + ",}")


class FrontMatterError(PressroomError):
    """The front matter cannot be read; ``line`` is 1-based in the whole file."""

    def __init__(self, line: int, message: str, **params: str) -> None:
        super().__init__(message, terms=(), **params)
        self.line = line


# LibYAML's parser when PyYAML was built with it (ten times faster on a thousand releases).
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeBase):  # type: ignore[valid-type,misc]
    """Safe loader that leaves timestamps as text: dates are parsed by pressroom, once."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}


@dataclass(frozen=True)
class FrontMatter:
    """Metadata as loaded, the line of each top-level key, and the body after the front matter."""

    metadata: dict[str, Any]
    key_lines: dict[str, int]
    body: str
    text: str  # the YAML between the fences, as written
    body_offset: int = 0  # add to a 1-based line of ``body`` to get the file's line


def _expanded_size(node: yaml.Node, memo: dict[int, int], depth: int = 0) -> int:
    if depth > MAX_DEPTH:
        raise FrontMatterError(node.start_mark.line + 1, "front matter is nested too deeply")
    known = memo.get(id(node))
    if known is not None:
        return known
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(child, memo, depth + 1) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            size += _expanded_size(key, memo, depth + 1) + _expanded_size(value, memo, depth + 1)
    memo[id(node)] = size
    if size > MAX_EXPANDED_NODES:
        raise FrontMatterError(
            node.start_mark.line + 1, "front matter expands to too many values (alias bomb?)"
        )
    return size


def split_front_matter(text: str) -> tuple[str, str] | None:
    """Split ``---`` YAML front matter from the body with python-frontmatter; None if absent."""
    handler = YAMLHandler()
    if not handler.detect(text):
        return None
    try:
        fm, body = handler.split(text)
    except ValueError:
        return None
    return fm, body


def parse_front_matter(text: str) -> FrontMatter:
    """Load the front matter of a release's text (already decoded, newlines normalised)."""
    parts = split_front_matter(text)
    if parts is None:
        raise FrontMatterError(1, "no front matter: the file must start with a '---' line")
    fm_text, body = parts
    # python-frontmatter's closing fence may swallow a blank line after it, so count the lines
    # before the body in the text itself rather than assume where the body starts.
    body_offset = text.count("\n", 0, len(text) - len(body))
    # The split text starts with the newline that ends the opening '---' (file line 1), so a
    # 0-based YAML mark plus one is the file's 1-based line.
    offset = 1
    # The pattern needs MAX_DEPTH + 1 brackets: most front matters have none to search for.
    brackets = fm_text.count("[") + fm_text.count("{")
    deep = _DEEP_FLOW.search(fm_text) if brackets > MAX_DEPTH else None
    if deep:
        line = fm_text.count("\n", 0, deep.start()) + offset
        raise FrontMatterError(line, "front matter is nested too deeply")
    loader = _Loader(fm_text)
    try:
        node = loader.get_single_node()
        if node is None:
            return FrontMatter({}, {}, body, fm_text, body_offset)
        _expanded_size(node, {})
        key_lines: dict[str, int] = {}
        if isinstance(node, yaml.MappingNode):
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    key_lines.setdefault(str(key_node.value), key_node.start_mark.line + offset)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + offset if mark else 1
        problem = str(exc.problem or exc.context)
        raise FrontMatterError(line, "YAML syntax: {problem}", problem=problem) from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(1, "YAML: {reason}", reason=str(exc)) from None
    except RecursionError:
        raise FrontMatterError(loader.line + offset, "front matter is nested too deeply") from None
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrontMatterError(2, "front matter must be a mapping of 'key: value' lines")
    metadata = {str(key): value for key, value in data.items()}
    return FrontMatter(metadata, key_lines, body, fm_text, body_offset)
