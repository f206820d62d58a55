"""Release files on disk: finding, decoding, caching parsed results, and writing atomically.

Pelican's rule holds here: one bad file is reported with its path and skipped, never fatal to
the others. Parsed releases are cached per (mtime, size), so a server or an incremental build
re-reads only the files that changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pressroom.config import Site
from pressroom.errors import ConflictError, NotFoundError, Problem, ReleaseError
from pressroom.frontmatter_edit import FrontMatterEditError, set_body, update_front_matter
from pressroom.release import Release, parse_release, upload_name

if TYPE_CHECKING:
    from pressroom.buildcache import ReleaseCache

RELEASE_SUFFIXES = (".md", ".markdown")
MAX_RELEASE_BYTES = 2 * 1024 * 1024
# Folders under releases/ that hold no releases.
SKIPPED_DIRS = frozenset({"uploads", ".trash", "trash"})


@dataclass(frozen=True)
class FileVersion:
    """What a file was when it was read, to refuse a save over someone else's newer one."""

    sha256: str

    @classmethod
    def of(cls, data: bytes) -> FileVersion:
        return cls(hashlib.sha256(data).hexdigest())


@dataclass(frozen=True)
class Catalog:
    """Every release of a site that could be read, newest first, and what was wrong."""

    releases: tuple[Release, ...]
    problems: tuple[Problem, ...]

    def find_url(self, url: str) -> Release | None:
        return next((r for r in self.releases if r.url == url), None)

    def find_slug(self, slug: str) -> Release | None:
        """The release with this slug (case-sensitive, as URLs are)."""
        return next((r for r in self.releases if r.slug == slug), None)

    def get(self, slug: str) -> Release:
        release = self.find_slug(slug)
        if release is None:
            raise NotFoundError("no release with the slug {slug!r}", slug=slug)
        return release

    def public(self, now: datetime) -> list[Release]:
        """Releases a visitor may see at ``now``: neither drafts nor under embargo."""
        return [r for r in self.releases if r.is_public(now)]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


Version = tuple[int, int]  # a file's (mtime_ns, size): a new value means it changed


def scan_releases(folder: str) -> tuple[list[tuple[str, Version]], list[tuple[str, int]]]:
    """The release files under ``folder`` with their versions, in ``Path`` order, and every
    folder looked into with its mtime (a file created, removed or renamed in it changes it).

    ``os.scandir`` gives names and types without a ``Path`` per file: a server checks its
    releases often and a no-change rebuild starts here, so it is kept cheap.
    """
    files: list[tuple[str, Version]] = []
    folders: list[tuple[str, int]] = []

    def walk(path: str) -> None:
        try:
            # The folder's time is taken before its listing: a change made meanwhile is
            # seen as a new time at the next check.
            folders.append((path, os.stat(path).st_mtime_ns))
            found = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError:
            return
        for item in found:
            name = item.name
            if name.startswith("."):
                continue
            try:
                if item.is_dir():
                    if name not in SKIPPED_DIRS:
                        walk(item.path)
                elif name.endswith(RELEASE_SUFFIXES):
                    stat = item.stat()
                    files.append((item.path, (stat.st_mtime_ns, stat.st_size)))
            except OSError:
                continue

    walk(folder)
    return files, folders


def release_files(site: Site) -> Iterator[Path]:
    """Release files under ``releases/``; other extensions (``.old``...) are not releases."""
    for path, _version in scan_releases(str(site.releases_dir))[0]:
        yield Path(path)


def relative(site: Site, path: Path | str) -> str:
    """A path as shown to people: relative to the site, with forward slashes."""
    if isinstance(path, str):
        # A plain path as ``os.scandir`` gives it under the site: its tail, with no ``Path``
        # made (a thousand of them are a noticeable share of a cold parse).
        root = str(site.root)
        if path.startswith(root) and path[len(root) : len(root) + 1] == "/" and _plain(path):
            return path[len(root) + 1 :]
        path = Path(path)
    try:
        return path.relative_to(site.root).as_posix()
    except ValueError:
        return path.as_posix()


def _plain(path: str) -> bool:
    """Whether ``Path`` would leave this absolute path's text as it is (nothing to tidy)."""
    return (
        path.startswith("/")
        and not path.startswith("//")
        and "//" not in path
        and "/./" not in path
        and not path.endswith(("/", "/."))
    )


def decode_release(data: bytes, shown: str) -> tuple[str, list[Problem]]:
    """Bytes to text, refusing what is not UTF-8 text with a message that says where."""
    if len(data) > MAX_RELEASE_BYTES:
        raise ReleaseError(
            shown, 1, "file too large ({size} bytes) for a release", size=str(len(data))
        )
    if b"\x00" in data:
        raise ReleaseError(shown, 1, "binary file, not a Markdown text")
    warnings: list[Problem] = []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        warnings.append(Problem.of(shown, 1, "warning", "byte order mark (BOM) at start; ignored"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        raise ReleaseError(
            shown, line, "not UTF-8 (byte 0x{byte}); save the file as UTF-8", byte=f"{byte:02X}"
        ) from None
    if b"\r" in data:  # a scan of the bytes spares two of the text on most files
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, warnings


def _reason(exc: OSError) -> str:
    """What the system said about a file (``Permission denied``)."""
    return exc.strerror or str(exc)


def read_release(
    site: Site, path: Path | str, *, check_uploads: bool = True
) -> tuple[Release, list[Problem]]:
    """Read and parse one release file; raises ``ReleaseError`` naming the file.

    ``check_uploads=False`` leaves out the warnings for missing uploads, which depend on the
    uploads folder rather than on the file (a cache of parsed files checks them itself).
    """
    shown = relative(site, path)
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as exc:
        raise ReleaseError(shown, 1, "cannot read: {reason}", reason=_reason(exc)) from None
    text, warnings = decode_release(data, shown)
    release, more = parse_release(text, shown, site.settings)
    if not check_uploads:
        return release, warnings + more
    return release, warnings + more + upload_problems(site, release)


class Uploads:
    """Which of a site's uploads exist, asked once per name while reading many files.

    A thousand releases name the same hundred images and PDFs; one ``stat`` each is enough
    for one pass (a new pass, a new ``Uploads``: files come and go between builds).
    """

    def __init__(self, site: Site) -> None:
        self.folder = str(site.uploads_dir)
        self._known: dict[str, bool] = {}

    def has(self, name: str) -> bool:
        known = self._known.get(name)
        if known is None:
            known = self._known[name] = os.path.isfile(os.path.join(self.folder, name))
        return known


def uploads_stamp(site: Site) -> tuple[tuple[str, int], ...]:
    """The time of every folder under ``uploads/``: a file added to or removed from one
    changes it, so warnings about missing uploads are checked again only then. (The walk is
    ``scan_releases``'s, which notes each folder's time as it goes.)"""
    return tuple(scan_releases(str(site.uploads_dir))[1])


def upload_problems(site: Site, release: Release, uploads: Uploads | None = None) -> list[Problem]:
    """Warnings for images and attachments the site does not have (a page must not link them)."""
    problems: list[Problem] = []
    if not release.images and not release.files:
        return problems
    wanted = [("une-ou-diaporama", i.src, "image") for i in release.images]
    wanted += [("files", f.url, "attachment") for f in release.files]
    if uploads is None:
        uploads = Uploads(site)
    for key, url, kind in wanted:
        line = release.key_lines.get(key) or release.key_lines.get("image") or 1
        if url.startswith(("http://", "https://", "mailto:")):
            continue
        name = upload_name(url)
        if name is None:
            problems.append(
                Problem(release.path, line, "warning", f"{kind} {url!r} is not under /uploads/")
            )
        elif not uploads.has(name):
            problems.append(Problem(release.path, line, "warning", f"missing {kind} {url}"))
    return problems


# How stale a server's catalog may be. A file saved by renaming (pressroom's own saves, most
# editors, git) changes its folder's time, which every request checks; a file rewritten in
# place does not, and is seen at the next full check, at most this many seconds later.
RECHECK_SECONDS = 2.0
# File times come from a coarse clock (a few ms): a folder changed within this margin of a
# full check may change again with the same time, so the next request checks in full.
_RACY_NS = 50_000_000


# A load that read at least this many files (a server's first, on a big site) leaves what it
# read in ``instance/`` for the next start, which then reads only the files changed meanwhile.
SAVE_AFTER_READING = 100


class ReleaseStore:
    """Loads a site's releases, re-parsing only files whose (mtime, size) changed.

    ``load`` checks every file; ``current`` (what public pages ask, at every request) checks
    only the folders' times between full checks: at 5,000 releases a full check costs about
    25 ms, a folder check a few microseconds.

    The parsing is ``buildcache.ReleaseCache``'s, as in a static build. With ``persist`` (the
    web app's store) it starts from the parsed files that a build or an earlier server left in
    ``instance/``, and leaves them there after reading many: a server restarted on 5,000
    releases then reads them in a fraction of a second instead of several seconds.
    """

    def __init__(
        self, site: Site, recheck: float = RECHECK_SECONDS, *, persist: bool = False
    ) -> None:
        self.site = site
        self.recheck = recheck
        self.persist = persist
        self._lock = threading.Lock()
        self._releases: ReleaseCache | None = None
        self._catalog: Catalog | None = None
        self._folders: tuple[tuple[str, int], ...] = ()
        self._checked = 0.0  # time.monotonic() of the last full check
        self._trusted = False  # whether the folders' times can tell a change since then

    def current(self) -> Catalog:
        """The catalog, checked in full only if a folder changed or ``recheck`` seconds passed."""
        with self._lock:
            if (
                self._catalog is not None
                and self._trusted
                and time.monotonic() - self._checked < self.recheck
                and all(_mtime(folder) == known for folder, known in self._folders)
            ):
                return self._catalog
        return self.load()

    def load(self) -> Catalog:
        """The current catalog; cheap when nothing changed (one ``stat`` per file)."""
        with self._lock:
            started = time.time_ns()
            checked = time.monotonic()
            files, folders = scan_releases(str(self.site.releases_dir))
            self._folders = tuple(folders)
            self._checked = checked
            self._trusted = all(mtime < started - _RACY_NS for _, mtime in folders)
            releases = self._parsed_releases()
            self._catalog = releases.catalog(files)
            if self.persist and len(releases.changed) >= SAVE_AFTER_READING:
                releases.save()
            releases.drop_bytes()
            return self._catalog

    @property
    def read(self) -> list[str]:
        """The files the last ``load`` read: all at first (but those kept in ``instance/``
        when persisting), then those changed since."""
        return self._releases.changed if self._releases is not None else []

    def words_of(self, release: Release) -> tuple[str, str] | None:
        """The search words worked out when this release's file was read (``index_words``),
        if this store read it."""
        releases = self._releases
        return releases.words_of(release) if releases is not None else None

    def _parsed_releases(self) -> ReleaseCache:
        if self._releases is None:
            # buildcache builds on this module's reading and scanning: imported at first use.
            from pressroom.buildcache import ReleaseCache

            site = self.site
            self._releases = (
                ReleaseCache.load(site, parallel=False)
                if self.persist
                else ReleaseCache(site, parallel=False, savable=False)
            )
        return self._releases


def _mtime(folder: str) -> int | None:
    try:
        return os.stat(folder).st_mtime_ns
    except OSError:
        return None


def build_catalog(entries: Sequence[tuple[Path | str, Release | None, list[Problem]]]) -> Catalog:
    """Assemble parsed files, refusing every file whose URL another file already claims."""
    problems: list[Problem] = []
    claimed: dict[str, Release] = {}
    releases: list[Release] = []
    for _path, release, found in entries:
        problems.extend(found)
        if release is None:
            continue
        first = claimed.get(release.url)
        if first is not None:
            problems.append(
                Problem(
                    release.path,
                    release.key_lines.get("slug", 1),
                    "error",
                    f"duplicate URL {release.url}: {first.path} and {release.path} both claim it",
                )
            )
            continue
        claimed[release.url] = release
        releases.append(release)
    releases.sort(key=lambda r: (r.date, r.path), reverse=True)
    return Catalog(tuple(releases), tuple(problems))


def load_catalog(site: Site) -> Catalog:
    """Load every release of a site once (the CLI's way; the web keeps a ``ReleaseStore``)."""
    return ReleaseStore(site).load()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_atomic(
    path: Path, data: bytes, expected: FileVersion | None = None, *, create_only: bool = False
) -> FileVersion:
    """Replace a file all at once (temp file, fsync, rename): a crash leaves the old one whole.

    With ``expected``, refuse if the file on disk is no longer the version that was read; with
    ``create_only``, refuse (``ConflictError``) if the file exists, even if it appears meanwhile.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if expected is not None:
        try:
            current = FileVersion.of(path.read_bytes())
        except FileNotFoundError:
            current = None
        if current != expected:
            raise ConflictError(
                "{file} was changed by someone else since you opened it", file=path.name
            )
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private; keep the mode the file had, else the usual one.
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if create_only:
            os.link(tmp, path)  # fails if the name exists, unlike a rename
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except FileExistsError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ConflictError(
            "{path} was created by someone else meanwhile", path=path.name
        ) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return FileVersion.of(data)


def save_release(
    site: Site,
    path: Path,
    changes: Mapping[str, Any],
    body: str | None = None,
    expected: FileVersion | None = None,
) -> FileVersion:
    """Write changed fields back to a release file with a minimal diff, atomically.

    An unchanged release is not rewritten at all; a change that would make the file
    unreadable is refused before anything touches the disk; a file changed by someone else
    since ``expected`` was read raises ``ConflictError``.
    """
    shown = relative(site, path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReleaseError(shown, 1, "cannot read: {reason}", reason=_reason(exc)) from None
    if expected is not None and FileVersion.of(data) != expected:
        raise ConflictError("{file} was changed by someone else since you opened it", file=shown)
    # Decode without normalising: a BOM or CRLF line ends stay as the author's tools wrote them.
    try:
        original = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ReleaseError(shown, 1, "not UTF-8; cannot save over it") from None
    try:
        text = update_front_matter(original, changes)
        if body is not None:
            text = set_body(text, body)
    except FrontMatterEditError as exc:
        raise ReleaseError(shown, exc.line or 1, exc.message, **exc.params) from None
    if text == original:
        return FileVersion.of(data)
    normalised, _ = decode_release(text.encode("utf-8"), shown)
    parse_release(normalised, shown, site.settings)  # raises ReleaseError: nothing written
    return write_atomic(path, text.encode("utf-8"), expected=FileVersion.of(data))
