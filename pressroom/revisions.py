"""Every save of a release kept as a revision: a git commit when ``releases/`` is in a git
repository, else the file's text in the database; a diff between two texts; who wrote what.

Whatever holds the text, the database also records who wrote each version (path, content hash,
account and role): approvals and the list of releases read that record, and it is the same
with or without git. A git commit that fails (no repository any more, a broken index) does not
lose the revision: its text then goes to the database, and the failure is logged.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from filelock import FileLock

from pressroom.accounts import Account
from pressroom.config import Site
from pressroom.db import Database
from pressroom.errors import NotFoundError, PressroomError
from pressroom.models.revisions import (
    Revision,
    latest_authors,
    revision_of_version,
    revisions_of,
)
from pressroom.store import FileVersion, relative

logger = logging.getLogger(__name__)

GIT_TIMEOUT = 30
_COMMIT_ID = re.compile(r"^[0-9a-f]{7,64}$")
# What a commit says about itself in `git log`: hash, author date, author email, subject.
_LOG_FORMAT = "%H%x1f%aI%x1f%ae%x1f%s"
DiffKind = Literal["context", "added", "removed", "hunk"]


class RevisionError(PressroomError):
    """A revision cannot be read back (unknown id, git failing)."""


@dataclass(frozen=True)
class RevisionInfo:
    """One past version of a release as the history page lists it."""

    id: str  # a database row number, or a git commit hash
    at: datetime
    author: str
    action: str


@dataclass(frozen=True)
class DiffLine:
    """One line of a diff: its kind decides its colour and its sign for screen readers."""

    kind: DiffKind
    text: str


@dataclass(frozen=True)
class VersionAuthor:
    """Who wrote one exact version of a file through pressroom."""

    email: str
    role: str
    at: datetime


def _git(root: Path, *args: str, site: Site | None = None) -> str:
    """Run git in ``root`` (never through a shell); raises ``RevisionError`` with its words."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            env=env,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RevisionError("git {command}: {reason}", command=args[0], reason=str(exc)) from None
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().splitlines()
        reason = message[-1] if message else "failed"
        raise RevisionError(
            "git {command}: {reason}", terms=("reason",), command=args[0], reason=reason
        )
    return done.stdout


def git_root(site: Site) -> Path | None:
    """The top of the git repository ``releases/`` belongs to, or None if it is in none."""
    if not site.releases_dir.is_dir():
        return None
    try:
        top = _git(site.releases_dir, "rev-parse", "--show-toplevel").strip()
    except RevisionError:
        return None
    return Path(top) if top else None


def _commit(site: Site, root: Path, paths: list[Path], author: Account | None, message: str) -> str:
    """Commit exactly ``paths`` (other staged work of the repository is left alone)."""
    email = author.email if author else site.settings.sender
    identity = ["-c", "user.name=pressroom", "-c", f"user.email={site.settings.sender}"]
    names = [str(p) for p in paths]
    lock = FileLock(str(site.ensure_instance() / "git.lock"), timeout=GIT_TIMEOUT)
    with lock:
        _git(root, "add", "--all", "--", *names)
        _git(
            root,
            *identity,
            "commit",
            "--quiet",
            "--no-verify",
            "--no-gpg-sign",
            f"--author={email} <{email}>",
            "--message",
            message,
            "--only",
            "--",
            *names,
        )
        return _git(root, "rev-parse", "HEAD").strip()


def record(
    database: Database,
    site: Site,
    path: Path,
    data: bytes | None,
    author: Account | None,
    action: str,
    message: str,
    *,
    also: tuple[Path, ...] = (),
) -> None:
    """Keep the version of ``path`` just written (``data``; None when the file was removed).

    ``also`` are other paths the same change touched (the old place of a moved file), so that
    one commit holds the whole change.
    """
    commit: str | None = None
    root = git_root(site)
    if root is not None:
        try:
            commit = _commit(site, root, [path, *also], author, message)
        except RevisionError as exc:
            logger.warning("%s: revision kept in the database: %s", relative(site, path), exc)
    content = None if commit or data is None else data.decode("utf-8", errors="replace")
    with database.session() as session:
        session.add(
            Revision(
                path=relative(site, path),
                sha256=FileVersion.of(data).sha256 if data is not None else "",
                author_id=author.id if author else None,
                author=author.email if author else "",
                author_role=author.role if author else "",
                action=action[:32],
                content=content,
                git_commit=commit,
            )
        )


def record_author(
    database: Database,
    site: Site,
    path: Path,
    version: FileVersion,
    author: Account | None,
    action: str,
) -> None:
    """Remember who wrote a version that is not kept as a revision (an autosave)."""
    with database.session() as session:
        session.add(
            Revision(
                path=relative(site, path),
                sha256=version.sha256,
                author_id=author.id if author else None,
                author=author.email if author else "",
                author_role=author.role if author else "",
                action=action[:32],
            )
        )


def version_author(database: Database, site: Site, path: Path) -> VersionAuthor | None:
    """Who wrote the file as it is now, if pressroom wrote this exact version."""
    try:
        version = FileVersion.of(path.read_bytes())
    except OSError:
        return None
    with database.session() as session:
        row = revision_of_version(session, relative(site, path), version.sha256)
        return VersionAuthor(row.author, row.author_role, row.at) if row else None


def last_authors(database: Database, paths: list[str]) -> dict[str, str]:
    """Who made the last change recorded for each release file (for the list of releases)."""
    with database.session() as session:
        return latest_authors(session, paths)


def history(database: Database, site: Site, path: Path) -> list[RevisionInfo]:
    """Past versions of a release, newest first: git's log of the file, else the database's."""
    root = git_root(site)
    if root is not None:
        try:
            return _git_history(root, path)
        except RevisionError as exc:
            logger.warning("%s: git log failed: %s", relative(site, path), exc)
    with database.session() as session:
        return [
            RevisionInfo(str(row.id), row.at, row.author, row.action)
            for row in revisions_of(session, relative(site, path))
            if row.content is not None
        ]


def _git_history(root: Path, path: Path) -> list[RevisionInfo]:
    out = _git(root, "log", f"--format={_LOG_FORMAT}", "--", str(path))
    found = []
    for line in out.splitlines():
        parts = line.split("\x1f")
        if len(parts) != 4:
            continue
        commit, when, email, subject = parts
        at = datetime.fromisoformat(when).astimezone(UTC)
        # pressroom's own commits say "action: title"; others keep their whole subject.
        action = subject.partition(": ")[0] if ": " in subject else subject
        found.append(RevisionInfo(commit, at, email, action))
    return found


def revision_text(database: Database, site: Site, path: Path, revision_id: str) -> str:
    """The text of one past version of a release, from git or from the database."""
    shown = relative(site, path)
    root = git_root(site)
    if root is not None and _COMMIT_ID.match(revision_id):
        inside = path.resolve().relative_to(root.resolve()).as_posix()
        try:
            return _git(root, "show", f"{revision_id}:{inside}")
        except RevisionError:
            raise _no_revision(shown, revision_id) from None
    if not revision_id.isdigit():
        raise _no_revision(shown, revision_id)
    with database.session() as session:
        row = session.get(Revision, int(revision_id))
        if row is None or row.path != shown or row.content is None:
            raise _no_revision(shown, revision_id)
        return row.content


def _no_revision(shown: str, revision_id: str) -> NotFoundError:
    return NotFoundError("{file}: no revision {id}", file=shown, id=revision_id)


def diff(old: str, new: str, old_label: str, new_label: str) -> list[DiffLine]:
    """A unified diff of two texts as lines to render (escaped by the template, never raw)."""
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), old_label, new_label, lineterm="", n=3
    )
    out: list[DiffLine] = []
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            out.append(DiffLine("hunk", line))
        elif line.startswith("+"):
            out.append(DiffLine("added", line[1:]))
        elif line.startswith("-"):
            out.append(DiffLine("removed", line[1:]))
        else:
            out.append(DiffLine("context", line[1:]))
    return out
