"""The one exception family: every failure a person can act on is a ``PressroomError``.

Entry points (CLI, views, tasks) catch it and show its message; anything else is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding about one file, printed as ``path:line: severity: message``."""

    path: str
    line: int
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"


class PressroomError(Exception):
    """Base of every error pressroom reports to a person."""


class ConfigError(PressroomError):
    """The site's settings or environment cannot be used."""


class ReleaseError(PressroomError):
    """A release file cannot be read; carries where, so the message names file and line."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.problem = Problem(path, line, "error", message)


class NotFoundError(PressroomError):
    """Something asked for by name (a slug, a list) does not exist."""


class ConflictError(PressroomError):
    """A file changed on disk since it was read: saving would overwrite someone's work."""
