"""The one exception family: every failure a person can act on is a ``PressroomError``.

Entry points (CLI, views, tasks) catch it and show its message; anything else is a bug. A
message is an English msgid with ``{}`` fields, filled from the error's parameters: ``str()``
gives the English (logs, tests), ``localized(lang)`` the interface's language, so the core
never needs to know which interface speaks to whom (nor import Flask to find out).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from pressroom.i18n import gettext

Severity = Literal["error", "warning"]
# How a problem and a release's error say where they are (msgids: French puts spaces).
_PROBLEM = "{path}:{line}: {severity}: {message}"
_AT_LINE = "{path}:{line}: {message}"


def localize(lang: str, msgid: str, params: Mapping[str, str], terms: Iterable[str] = ()) -> str:
    """``msgid`` in an interface language with its ``{}`` fields filled from ``params``; the
    values named in ``terms`` are msgids too. Without params the text is left as it is (an
    English message written out beforehand may hold braces of its own)."""
    text = gettext(lang, msgid) if msgid else ""
    if not params:
        return text
    translated = set(terms)
    values = {k: gettext(lang, v) if k in translated else v for k, v in params.items()}
    return text.format(**values)


@dataclass(frozen=True)
class Message:
    """Something said to a person that is not an error (a row left out, a warning): an English
    msgid and the values of its ``{}`` fields, said in English by ``str()``."""

    msgid: str
    params: tuple[tuple[str, str], ...] = ()
    terms: tuple[str, ...] = ()

    @classmethod
    def of(cls, msgid: str, *, terms: tuple[str, ...] = (), **params: str) -> Message:
        return cls(msgid, tuple(params.items()), terms)

    def __str__(self) -> str:
        return self.msgid.format(**dict(self.params)) if self.params else self.msgid

    def localized(self, lang: str) -> str:
        """The text in an interface language (``fr``, ``en``)."""
        return localize(lang, self.msgid, dict(self.params), self.terms)


@dataclass(frozen=True)
class Problem:
    """One finding about one file, printed as ``path:line: severity: message``.

    ``message`` is English; a problem made with ``Problem.of`` also keeps what it was made from
    (``text``, not compared), so a page or a terminal can say it in its language.
    """

    path: str
    line: int
    severity: Severity
    message: str
    text: Message | None = field(default=None, compare=False)

    @classmethod
    def of(cls, path: str, line: int, severity: Severity, msgid: str, **params: str) -> Problem:
        """A problem whose message is ``msgid`` with its ``{}`` fields filled in."""
        text = Message.of(msgid, terms=(), **params)
        return cls(path, line, severity, str(text), text)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"

    def message_in(self, lang: str) -> str:
        """The message alone in an interface language, without where it is."""
        return self.text.localized(lang) if self.text else gettext(lang, self.message)

    def localized(self, lang: str) -> str:
        """``path:line: severity: message`` in an interface language, for a person to read."""
        where = {"path": self.path, "line": str(self.line), "severity": self.severity}
        return localize(lang, _PROBLEM, {**where, "message": self.message_in(lang)}, ("severity",))

    def for_tools(self, lang: str) -> str:
        """``path:line: error|warning: message`` with only the message translated: editors and
        CI match that prefix (gcc's form), so its spacing and keywords never change."""
        return f"{self.path}:{self.line}: {self.severity}: {self.message_in(lang)}"


class PressroomError(Exception):
    """Base of every error pressroom reports to a person.

    ``message`` is an English msgid whose ``{}`` fields ``params`` fill in; the parameters
    named in ``terms`` are msgids too (a status, a reason) and are translated with it; ``field``
    names the form input at fault, if one is. A message raised already written out (no
    parameters) is shown as it is, translated only if the catalogues know it whole.
    """

    field: str | None = None

    def __init__(
        self,
        message: str = "",
        *,
        field: str | None = None,
        terms: tuple[str, ...] = (),
        **params: str,
    ) -> None:
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.params: Mapping[str, str] = params
        self.terms = terms
        if field is not None:
            self.field = field

    def localized(self, lang: str) -> str:
        """The message in an interface language (``fr``, ``en``)."""
        return localize(lang, self.message, self.params, self.terms)


class ConfigError(PressroomError):
    """The site's settings or environment cannot be used."""


class ReleaseError(PressroomError):
    """A release file cannot be read; carries where, so the message names file and line."""

    def __init__(self, path: str, line: int, message: str, **params: str) -> None:
        super().__init__(message, terms=(), **params)
        self.path = path
        self.line = line
        text = Message.of(message, terms=(), **params)
        self.problem = Problem(path, line, "error", str(text), text)
        self.args = (f"{path}:{line}: {text}",)

    def localized(self, lang: str) -> str:
        """``path:line: message`` in an interface language."""
        where = {"path": self.path, "line": str(self.line), "message": super().localized(lang)}
        return localize(lang, _AT_LINE, where)


class NotFoundError(PressroomError):
    """Something asked for by name (a slug, a list) does not exist."""


class ConflictError(PressroomError):
    """A file changed on disk since it was read: saving would overwrite someone's work."""
