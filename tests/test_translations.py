"""Every interface sentence the code and the templates use has its French.

The interface is French by default: an English message id the catalogue lacks would show in
English on a French site. Babel extracts the ids as ``pybabel extract`` would, with the
functions that take the language or the site first (``gettext(lang, message)``...).
"""

from __future__ import annotations

import warnings
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

from pressroom.i18n import translations

REPO = Path(__file__).resolve().parents[1]
KEYWORDS = {
    **DEFAULT_KEYWORDS,  # templates: _(), gettext(), ngettext()
    "gettext": (2,),  # gettext(lang, message)
    "ngettext": (2, 3),  # ngettext(lang, singular, plural, count)
    "counted": (2, 3),
    "localize": (2,),  # localize(lang, message, params)
    "say": (2,),  # say(site, message, **params)
}
SOURCES = {
    "pressroom": [("**.py", "python")],
    "templates": [("**.html", "jinja2"), ("**.txt", "jinja2")],
}
JINJA = {"extensions": "jinja2.ext.i18n"}


def _message_ids() -> list[tuple[str, object]]:
    """(file:line, message id) of every extracted message; a plural's id is its singular."""
    found = []
    for folder, method_map in SOURCES.items():
        options = {pattern: JINJA for pattern, method in method_map if method == "jinja2"}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # f-strings passed as parameters, not messages
            extracted = list(extract_from_dir(REPO / folder, method_map, options, KEYWORDS))
        for filename, line, message, _comments, _context in extracted:
            ids = message if isinstance(message, tuple) else (message,)
            plural = len(ids) > 1 and bool(ids[1])
            found.append((f"{folder}/{filename}:{line}", (ids[0], 0) if plural else ids[0]))
    return found


def test_the_code_and_templates_use_hundreds_of_messages() -> None:
    """The extraction itself works: a broken keyword list would find nothing to miss."""
    assert len(_message_ids()) > 500


def test_every_message_has_its_french() -> None:
    catalogue = translations("fr")._catalog  # type: ignore[attr-defined]
    missing = [f"{where}: {key!r}" for where, key in _message_ids() if key not in catalogue]
    assert missing == []
