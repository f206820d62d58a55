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


_ScalarNode, _SequenceNode, _MappingNode = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode


_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_MERGE = "tag:yaml.org,2002:merge"
_VALUE = "tag:yaml.org,2002:value"

# Implicit resolvers by first character, without timestamps (a "wildcard" list, key None,
# would apply to every scalar: the safe loader has none, so ``_Loader.resolve`` ignores it).
_RESOLVERS: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
assert None not in _RESOLVERS and not yaml.SafeLoader.yaml_path_resolvers


class _Loader(_SafeBase):  # type: ignore[valid-type,misc]
    """Safe loader that leaves timestamps as text: dates are parsed by pressroom, once.

    LibYAML calls ``resolve`` (and the path-resolver hooks) back in Python for every node:
    these versions do what PyYAML's do for a loader without path or wildcard resolvers.
    """

    yaml_implicit_resolvers = _RESOLVERS

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        if kind is _ScalarNode:
            if implicit[0]:  # a plain scalar (value is a str): its first character decides
                resolvers = _RESOLVERS.get(value[:1])
                if resolvers is not None:
                    for tag, regexp in resolvers:
                        if regexp.match(value):
                            return tag
            return _STR
        return _SEQ if kind is _SequenceNode else _MAP

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


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


class _Inexact(Exception):
    """A node whose value only PyYAML's constructor makes right (merge key, explicit tag...)."""


_SCALARS = yaml.constructor.SafeConstructor()  # its int and float readers keep no state
_BOOLS = yaml.constructor.SafeConstructor.bool_values


def _scalar(node: yaml.ScalarNode) -> Any:
    """What the safe constructor makes of a resolved scalar, or ``_Inexact``."""
    tag = node.tag
    if tag == _STR:
        return node.value
    if tag == _NULL:
        return None
    if tag == _BOOL:
        value = _BOOLS.get(node.value.lower())
        if value is None:
            raise _Inexact
        return value
    try:
        if tag == _INT:
            return _SCALARS.construct_yaml_int(node)
        if tag == _FLOAT:
            return _SCALARS.construct_yaml_float(node)
    except Exception:  # the constructor says how it fails, on the slow road
        raise _Inexact from None
    raise _Inexact


def _build(node: yaml.Node, memo: dict[int, tuple[int, Any]], depth: int) -> tuple[int, Any]:
    """``_expanded_size`` and the safe constructor in one walk: (expanded size, value).

    Nodes are visited, counted and checked in the very order ``_expanded_size`` does, so the
    same ``FrontMatterError`` comes out; ``_Inexact`` stops the walk at the first node the
    constructor must make (the caller then takes the exact, slower road). An alias is the
    same node, so it gives the same object, as with the constructor.
    """
    if depth > MAX_DEPTH:
        raise FrontMatterError(node.start_mark.line + 1, "front matter is nested too deeply")
    known = memo.get(id(node))
    if known is not None:
        return known
    size = 1
    value: Any
    if type(node) is _ScalarNode:
        value = _scalar(node)
    elif type(node) is _SequenceNode and node.tag == _SEQ:
        value = []
        inner = depth + 1
        for child in node.value:
            if type(child) is _ScalarNode and inner <= MAX_DEPTH:
                size += 1
                value.append(child.value if child.tag == _STR else _scalar(child))
            else:
                child_size, child_value = _build(child, memo, inner)
                size += child_size
                value.append(child_value)
    elif type(node) is _MappingNode and node.tag == _MAP:
        value = {}
        inner = depth + 1
        for key_node, value_node in node.value:
            if type(key_node) is not _ScalarNode:
                raise _Inexact  # a key that is a list or a mapping (unhashable)
            if inner > MAX_DEPTH:
                _build(key_node, memo, inner)  # raises, as ``_expanded_size`` would
            # A merge key ('<<') or a '=' key is not a str: the constructor handles those.
            key = key_node.value if key_node.tag == _STR else _scalar(key_node)
            if type(value_node) is _ScalarNode:
                size += 2
                value[key] = value_node.value if value_node.tag == _STR else _scalar(value_node)
            else:
                child_size, child_value = _build(value_node, memo, inner)
                size += 1 + child_size
                value[key] = child_value
    else:
        raise _Inexact
    result = (size, value)
    memo[id(node)] = result
    if size > MAX_EXPANDED_NODES:
        raise FrontMatterError(
            node.start_mark.line + 1, "front matter expands to too many values (alias bomb?)"
        )
    return result


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
        try:
            exact = False
            data = _build(node, {}, 0)[1]
        except _Inexact:
            exact = True
            _expanded_size(node, {})
        key_lines: dict[str, int] = {}
        if isinstance(node, yaml.MappingNode):
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    key_lines.setdefault(str(key_node.value), key_node.start_mark.line + offset)
        if exact:
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
