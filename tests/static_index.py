"""Reading the export's search index back, as ``static/search.js`` does, for tests."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from pressroom.search_static import shard_file

INDEX = "espace-presse/recherche/index"


def _load(out: Path, name: str) -> Any:
    return json.loads((out / INDEX / name).read_bytes())


def shown_rows(out: Path) -> list[list[str]]:
    """What each release's result shows (url, title, date, category, summary), in index order."""
    parts = sorted((out / INDEX).glob("docs-*.json"), key=lambda p: int(p.stem.split("-")[1]))
    return [row for part in parts for row in json.loads(part.read_bytes())]


def holding(out: Path, word: str, in_title: bool = False) -> list[str]:
    """The URLs of the releases having ``word`` (in their title), as the index says."""
    keys = _load(out, "keys.json")["keys"]
    if word[:2] not in keys:
        return []
    assert keys[word[:2]] == shard_file(word[:2])
    deltas = _load(out, keys[word[:2]])["t" if in_title else "w"].get(word, [])
    rows = shown_rows(out)
    return [rows[n][0] for n in itertools.accumulate(deltas)]
