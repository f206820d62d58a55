"""The static export: the same public site as the server, as files any web server can serve.

Pelican's split: the newsroom says which pages exist (the very URLs the server answers), the
renderers of ``pressroom.pages`` make them, and this writer puts them on disk. Each page has an
input digest; a page whose digest is in the previous build's manifest (and whose file is still
there) is not rendered again, so changing one release rewrites it and the pages listing it.
Files of pages that are no longer public (a release turned back into a draft) are removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING

from pressroom.buildcache import (
    BuildMemory,
    Facts,
    SearchRows,
    digest,
    load_manifest,
    save_manifest,
)
from pressroom.config import Site
from pressroom.errors import PressroomError, Problem
from pressroom.newsroom import STATIC_SEARCH_URL, ListingSpec, Newsroom, href, newsroom_at
from pressroom.parallel import fork_map, forks
from pressroom.pdfsupport import pdf_available, pdf_file_name, pdf_label, render_pdf
from pressroom.release import Release
from pressroom.search_static import static_row
from pressroom.versions import engine_digest

# The page renderers (Jinja, Markdown: 45 ms to import) are imported where they are used: a
# cold build imports them while its workers read the release files (``_load_for_pages``).
if TYPE_CHECKING:
    from pressroom.pages import Chrome, Download, Rendering

logger = logging.getLogger(__name__)
# The export's search index: the files ``static/search.js`` reads, under the search page.
SEARCH_INDEX_URL = STATIC_SEARCH_URL + "index/"
# (done, total, stage): a build reads the release files, makes the PDFs, then writes the pages
# and copies the files, each stage counted from zero.
Progress = Callable[[int, int, str], None]
READING, MAKING_PDFS, WRITING = "reading", "pdfs", "writing"
# A text's Markdown takes about 0.6 ms to render: a few dozen are worth a worker (a fork and
# a pipe, a few milliseconds), where a page or a file read takes a few times less.
AHEAD_MIN_TEXTS = 32


class BuildError(PressroomError):
    """The output folder cannot be used."""


@dataclass(frozen=True)
class Job:
    """One output file: its URL, what it depends on, and how to make it."""

    url: str
    inputs: str
    make: Callable[[], bytes | str]
    # Releases the page shows in full (their page, a feed) or summed up (a listing): a build
    # renders their Markdown once, ahead, instead of once per page showing them.
    full: tuple[Release, ...] = ()
    summed: tuple[Release, ...] = ()
    # Feeds take several times a page's work: made first, they spread evenly over the workers
    # instead of piling up in the last one's batch.
    heavy: bool = False


@dataclass
class BuildReport:
    """What a build did, for the command line to tell."""

    rendered: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    copied: int = 0
    pdfs: int = 0
    warnings: list[str] = field(default_factory=list)
    # The errors of the release files that could not be read: they are not on the site.
    errors: list[Problem] = field(default_factory=list)


@lru_cache(maxsize=65536)  # a watch asks again at every rebuild, for every page
def _output_file(out: str, url: str) -> str | None:
    """``output_path`` as text: a one-shot rebuild asks it for every page, most unchanged."""
    relative = url.lstrip("/")
    if url.endswith("/"):
        relative += "index.html"
    parts = [p for p in relative.split("/") if p and p != "."]
    if not parts or any(p == ".." or "\\" in p or "\x00" in p for p in parts):
        return None
    return os.path.join(out, *parts)


def output_path(out: Path, url: str) -> Path | None:
    """Where a URL's file goes (``/a/`` → ``a/index.html``); None for a URL leaving ``out``."""
    file = _output_file(str(out), url)
    return None if file is None else Path(file)


@contextlib.contextmanager
def _whole(path: str) -> Iterator[str]:
    """A temporary name beside ``path`` to write to, moved to ``path`` once written: a reader
    never sees half a file, and a failed write (a full disk, an interruption) leaves none."""
    folder, name = os.path.split(path)
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{name}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        # A failed write names no file, a failed copy names the temporary one: name ``path``
        # instead (a copy whose source fails names its source, and keeps it).
        if isinstance(exc, OSError) and (exc.filename in (None, tmp) or exc.filename2 == tmp):
            raise OSError(exc.errno, exc.strerror, path) from None
        raise


def _write(path: str, data: bytes) -> None:
    """Write a page whole (with ``os``'s functions on text paths: a cold build writes some
    1,800 files)."""
    with _whole(path) as tmp, open(tmp, "wb") as handle:
        handle.write(data)


def _copy(source: Path, path: Path) -> None:
    """Copy a file as ``_write`` writes one: whole or not at all."""
    with _whole(str(path)) as tmp:
        shutil.copyfile(source, tmp)


def _theme_digest(site: Site) -> str:
    """The version of every template (not ``static/`` nor ``fonts/``: those are copied files)."""
    found = []
    for root in site.theme_dirs:
        for folder, dirs, files in os.walk(root):
            if folder == str(root):
                dirs[:] = [d for d in dirs if d not in ("static", "fonts")]
            dirs.sort()
            for name in sorted(files):
                with contextlib.suppress(OSError):
                    stat = os.stat(os.path.join(folder, name))
                    found.append((folder, name, stat.st_mtime_ns, stat.st_size))
    return digest(found)


def _upload_size(folder: str, name: str, known: dict[str, int | None]) -> int | None:
    """An upload's size (None if the site lacks it), one ``stat`` per name per build."""
    if name not in known:
        try:
            known[name] = os.stat(os.path.join(folder, name)).st_size
        except OSError:
            known[name] = None
    return known[name]


# Feeds are imported when a feed is made: feedgen and its XML stack cost more to import than
# an incremental build that changed no feed spends in all.
def _atom_feed(site: Site, newsroom: Newsroom, spec: ListingSpec) -> bytes:
    from pressroom.feeds import atom_feed

    return atom_feed(site, newsroom, spec)


def _sitemap_xml(site: Site, newsroom: Newsroom, chrome: Chrome) -> bytes:
    from pressroom.feeds import sitemap_xml

    return sitemap_xml(site, newsroom, chrome.legal)


def _robots_txt(site: Site) -> bytes:
    from pressroom.feeds import robots_txt

    return robots_txt(site)


def _redirect_page(target: str) -> str:
    location = href(target)
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        f'<title>{location}</title><link rel="canonical" href="{location}">'
        f'<meta http-equiv="refresh" content="0; url={location}"></head>'
        f'<body><p><a href="{location}">{location}</a></p></body></html>'
    )


def _jobs(
    site: Site,
    newsroom: Newsroom,
    chrome: Chrome,
    pdfs: dict[str, Download],
    common: str,
    facts: Mapping[str, Facts],
) -> Iterator[Job]:
    """Every page of the export with the digest of what it shows.

    Digests are made of cheap keys (a release's file version, what a listing shows of it,
    the navigation once): computing them for every page is what a no-change build costs.
    """
    from pressroom.pages import (
        render_error_page,
        render_legal_page,
        render_listing_page,
        render_release_page,
        render_search_page,
    )

    nav = digest(newsroom.categories, newsroom.tags, newsroom.years)
    sizes: dict[str, int | None] = {}
    uploads_dir = str(site.uploads_dir)
    for release in newsroom.releases:
        terms = newsroom.release_terms(release)
        term_names = tuple((t.slug, t.name) for group in terms for t in group)
        pdf = pdfs.get(release.url)
        known = facts[release.path]
        uploads = sorted((n, _upload_size(uploads_dir, n, sizes)) for n in known.uploads)
        inputs = digest(common, known.digest, term_names, pdf, uploads)
        yield Job(
            release.url,
            inputs,
            partial(render_release_page, site, newsroom, release, chrome, pdf),
            full=(release,),
        )
    for old, target in newsroom.redirects.items():
        yield Job(old, digest(common, target), partial(_redirect_page, target))
    for page in newsroom.listing_pages():
        shown = [facts[r.path].listed for r in page.releases]
        position = (page.spec, page.number, page.count, page.total, page.previous_url)
        yield Job(
            page.url,
            digest(common, position, page.next_url, shown, nav),
            partial(render_listing_page, site, newsroom, page, chrome),
            summed=page.releases,
        )
    for spec in newsroom.feed_specs():
        members = [facts[r.path].digest for r in newsroom.feed_releases(spec)]
        yield Job(
            spec.feed_url or "",
            digest(common, spec, members),
            partial(_atom_feed, site, newsroom, spec),
            full=newsroom.feed_releases(spec),
            heavy=True,
        )
    urls = [r.url for r in newsroom.releases]
    yield Job(
        "/sitemap.xml",
        digest(common, urls, nav, chrome.legal),
        lambda: _sitemap_xml(site, newsroom, chrome),
    )
    yield Job("/robots.txt", digest(common), lambda: _robots_txt(site))
    yield Job(
        "/404.html", digest(common), lambda: render_error_page(site, chrome, 404, "Not Found")
    )
    yield Job("/index.html", digest(common), lambda: _redirect_page("/espace-presse/"))
    yield Job(
        STATIC_SEARCH_URL,
        digest(common),
        lambda: render_search_page(site, newsroom, chrome, "", None),
    )
    for legal in chrome.legal:
        yield Job(
            legal.url,
            digest(common, legal.version),
            partial(render_legal_page, site, chrome, legal),
        )


def _index_rows(
    site: Site, newsroom: Newsroom, lang: str, facts: Mapping[str, Facts], known: SearchRows
) -> list[list[str]]:
    """The export's search index rows, newest first: kept from the last build, else made
    from the words worked out when the file was read and the release's listing entry."""
    from pressroom.pages import entry_of

    rows = {}
    for release in newsroom.releases:
        known_facts = facts[release.path]
        key = known_facts.digest + lang
        row = known.rows.get(key)
        if row is None:
            item = entry_of(site, release, lang)
            row = static_row(release, item.url, item.date_text, item.summary, known_facts.words)
        rows[key] = row
    known.keep(rows)
    return list(rows.values())


def _search_index_kept(
    out: Path,
    old: Mapping[str, dict[str, str]],
    inputs: str,
    manifest: dict[str, dict[str, str]],
    report: BuildReport,
) -> bool:
    """Whether the last build's search index files still hold (same releases, same files on
    disk); if so they are kept in the new manifest as they are."""
    files = {u: d for u, d in old.get("pages", {}).items() if u.startswith(SEARCH_INDEX_URL)}
    if old.get("search", {}).get("inputs") != inputs or not files:
        return False
    if not all(os.path.isfile(_output_file(str(out), url) or "") for url in files):
        return False
    manifest["pages"].update(files)
    report.unchanged += len(files)
    return True


def _write_search_index(
    out: Path,
    files: Mapping[str, bytes],
    old_pages: Mapping[str, str],
    manifest: dict[str, dict[str, str]],
    report: BuildReport,
) -> None:
    """Write the files of the export's search index that changed (a release edited changes
    the files of its words, not the others)."""
    for name, data in files.items():
        url = SEARCH_INDEX_URL + name
        version = hashlib.blake2b(data, digest_size=12).hexdigest()
        manifest["pages"][url] = version
        file = _output_file(str(out), url)
        if file is None:
            continue
        if old_pages.get(url) == version and os.path.isfile(file):
            report.unchanged += 1
        else:
            _write(file, data)
            report.rendered.append(url)


def _assets(site: Site) -> dict[str, Path]:
    """Theme files served at ``/static/`` (``static/`` and ``fonts/``), the site's own first."""
    found: dict[str, Path] = {}
    for root in reversed(site.theme_dirs):  # the shipped theme first, overridden by the site's
        for folder, prefix in (("static", "/static/"), ("fonts", "/static/fonts/")):
            base = root / folder
            for path in sorted(base.rglob("*")) if base.is_dir() else []:
                if path.is_file() and not path.name.startswith("."):
                    found[prefix + path.relative_to(base).as_posix()] = path
    return found


def _copy_jobs(site: Site, newsroom: Newsroom, facts: Mapping[str, Facts]) -> dict[str, Path]:
    """Files copied as they are: the theme's assets and the uploads public releases use."""
    files = _assets(site)
    for name in sorted(set().union(*(facts[r.path].uploads for r in newsroom.releases))):
        source = site.uploads_dir / name
        if source.is_file():
            files["/uploads/" + name] = source
    return files


def build_site(
    site: Site,
    out: Path,
    pdf: bool = True,
    progress: Progress | None = None,
    now: datetime | None = None,
    memory: BuildMemory | None = None,
) -> BuildReport:
    """Write the public site into ``out``; only what changed since the last build is redone.

    ``memory`` is what a long-lived build (``--watch``) keeps between builds; without it, it
    is loaded from the site's ``instance/`` and saved back.

    A file that cannot be written (a full disk, a folder without the right) stops the build
    with a ``BuildError`` naming it; the previous build's record stays, so the next build
    makes again whatever this one did not finish.
    """
    try:
        return _build_site(site, out, pdf, progress, now, memory)
    except OSError as exc:  # here, in a worker, or in the search index: the same stop
        path = exc.filename2 or exc.filename or out  # a copy's second name is its target
        raise BuildError(
            "the build stopped: {path}: {reason}",
            path=os.fsdecode(path) if isinstance(path, str | bytes | os.PathLike) else str(path),
            reason=exc.strerror or type(exc).__name__,
        ) from None


def _build_site(
    site: Site,
    out: Path,
    pdf: bool,
    progress: Progress | None,
    now: datetime | None,
    memory: BuildMemory | None,
) -> BuildReport:
    out = out.resolve()
    if out == site.root.resolve() or site.root.resolve().is_relative_to(out):
        raise BuildError("{path}: the output folder cannot hold the site itself", path=str(out))
    if out.exists() and not out.is_dir():
        raise BuildError("{path}: not a folder", path=str(out))
    out.mkdir(parents=True, exist_ok=True)
    report = BuildReport()
    one_shot = memory is None
    memory = memory or BuildMemory.load(site)
    # While workers read a thousand files, this process loads what the page workers will
    # inherit; a rebuild that reads a few files in-process loads only what its pages need.
    reading = (lambda done, total: progress(done, total, READING)) if progress else None
    catalog = memory.releases.catalog(meanwhile=partial(_load_for_pages, site), progress=reading)
    report.errors.extend(catalog.errors)
    from pressroom.markdown import rendered_ahead
    from pressroom.pages import Chrome, load_page_templates

    facts = memory.releases.facts
    newsroom = newsroom_at(catalog, now or datetime.now(UTC), site.settings.per_page)
    legal = memory.legal.load()
    fonts = any((root / "fonts" / "fonts.css").is_file() for root in site.theme_dirs)
    chrome = Chrome(site.settings.language, STATIC_SEARCH_URL, legal, fonts, None, fragments={})
    old = load_manifest(out)
    old_pages: dict[str, str] = old.get("pages", {})
    common = digest(engine_digest(), _theme_digest(site), site.settings, legal, fonts, pdf)
    manifest: dict[str, dict[str, str]] = {"pages": {}, "files": {}, "pdfs": {}}

    pdfs = _build_pdfs(
        site, out, newsroom, facts, pdf, old.get("pdfs", {}), manifest, report, progress
    )
    jobs = list(_jobs(site, newsroom, chrome, pdfs, common, facts))
    copies = _copy_jobs(site, newsroom, facts)
    total = len(jobs) + len(copies) + 1  # the search index's files count as one step
    pending: list[tuple[Job, str]] = []
    root = str(out)
    for job in jobs:
        file = _output_file(root, job.url)
        if file is None:
            report.warnings.append(f"{job.url}: URL leaves the output folder; not written")
            continue
        manifest["pages"][job.url] = job.inputs
        if old_pages.get(job.url) == job.inputs and os.path.isfile(file):
            report.unchanged += 1
        else:
            pending.append((job, file))
    unchanged = report.unchanged
    if progress:
        progress(unchanged, total, WRITING)
    lang = chrome.ui_lang
    search = digest(common, [facts[r.path].digest for r in newsroom.releases])
    manifest["search"] = {"inputs": search}

    def search_index() -> None:
        """The export's search index, made here while the workers make the pages; then what
        the next build starts from (parsed files, search rows), complete by now."""
        if not _search_index_kept(out, old, search, manifest, report):
            rows = _index_rows(site, newsroom, lang, facts, memory.rows)
            _write_search_index(out, memory.rows.index_files(rows), old_pages, manifest, report)
        if one_shot:
            memory.save()

    with rendered_ahead(_render_ahead([job for job, _ in pending])):
        if forks(len(pending)):
            languages = {lang, *(r.language for r in newsroom.releases)}
            load_page_templates(site, languages, feeds=any(job.heavy for job, _ in pending))
        pending.sort(key=lambda item: not item[0].heavy)
        made = fork_map(
            _make,
            pending,
            meanwhile=search_index,
            progress=(lambda done: progress(unchanged + 1 + done, total, WRITING))
            if progress
            else None,
        )
    report.rendered.extend(made)
    old_files: dict[str, str] = old.get("files", {})
    for number, (url, source) in enumerate(copies.items(), len(jobs) + 2):
        path = output_path(out, url)
        if path is None:
            continue
        stat = source.stat()
        version = f"{source}:{stat.st_mtime_ns}:{stat.st_size}"
        manifest["files"][url] = version
        if old_files.get(url) != version or not path.is_file():
            _copy(source, path)
            report.copied += 1
        if progress:
            progress(number, total, WRITING)
    _remove_stale(out, old, manifest, report)
    save_manifest(out, manifest)
    return report


def _build_pdfs(
    site: Site,
    out: Path,
    newsroom: Newsroom,
    facts: Mapping[str, Facts],
    wanted: bool,
    old: dict[str, str],
    manifest: dict[str, dict[str, str]],
    report: BuildReport,
    progress: Progress | None,
) -> dict[str, Download]:
    """Make the PDFs that changed; return the ones pages may link (they exist)."""
    from pressroom.pages import Download

    if not wanted:
        return {}
    if not pdf_available():
        report.warnings.append("PDF renderer unavailable: PDFs skipped, pages do not link them")
        return {}
    made: dict[str, Download] = {}
    theme = _theme_digest(site)
    releases = newsroom.releases
    for number, release in enumerate(releases, 1):
        name = pdf_file_name(release)
        path = output_path(out, release.url + name) if name else None
        if name is None or path is None:
            continue
        inputs = digest(engine_digest(), theme, site.settings, facts[release.path].digest)
        url = release.url + name
        if old.get(url) != inputs or not path.is_file():
            try:
                data = render_pdf(site, release)
            except PressroomError as exc:
                report.warnings.append(str(exc))
                continue
            if data is None:
                continue
            _write(str(path), data)
            report.pdfs += 1
        manifest["pdfs"][url] = inputs
        label = pdf_label(site.settings.language)
        made[release.url] = Download(url, label, path.stat().st_size)
        if progress:
            progress(number, len(releases), MAKING_PDFS)
    return made


def _load_for_pages(site: Site) -> None:
    """What the page workers of a cold build need (feeds included), in the site's language
    (before the releases are read, their own languages are not known: those are loaded
    before the pages are made)."""
    from pressroom.pages import load_page_templates

    load_page_templates(site, {site.settings.language}, feeds=True)


def _render_ahead(jobs: list[Job]) -> list[Rendering]:
    """The Markdown of every text the pending pages show, each distinct text rendered once,
    over the cores: a release's chapeau and (shown in full) body, then the start of the body
    of those whose chapeau is empty, for their summary.

    The result is a function of the text alone, so releases sharing a text (a chapeau kept
    from one release to the next, a release filed twice) share its rendering, as Jekyll's
    Markdown converter does with its content-keyed cache.
    """
    from pressroom.pages import summary_source

    # By identity: hashing a release hashes all its fields (27 ms for a thousand listings'
    # entries); the jobs keep every release alive, so no identity is reused meanwhile.
    wanted = {id(release): (release, True) for job in jobs for release in job.full}
    for job in jobs:
        for release in job.summed:
            wanted.setdefault(id(release), (release, False))
    first: dict[tuple[str, str], bool] = {}
    for release, full in wanted.values():
        first[release.chapeau, release.language] = True
        if full:
            first.setdefault((release.body, release.language), False)
    todo = [(text, lang, with_text) for (text, lang), with_text in first.items()]
    done = fork_map(_ahead, todo, min_items=AHEAD_MIN_TEXTS)
    known = {(text, lang): rendered for text, lang, rendered in done}
    second: dict[tuple[str, str], bool] = {}
    for release, full in wanted.values():
        if known[release.chapeau, release.language].text:
            continue
        if full:  # the page's summary falls back on the whole body's text
            known[release.body, release.language].text  # noqa: B018 - cached property
        start = (summary_source(release), release.language)
        if start in known:
            known[start].text  # noqa: B018 - cached property
        else:
            second[start] = True
    done += fork_map(_ahead, [(t, lang, True) for t, lang in second], min_items=AHEAD_MIN_TEXTS)
    return done


def _ahead(item: tuple[str, str, bool]) -> Rendering:
    from pressroom.pages import render_ahead

    return render_ahead(*item)


def _make(item: tuple[Job, str]) -> str:
    """Render one page and write it (in a worker process for big builds); gives its URL."""
    job, path = item
    data = job.make()
    _write(path, data.encode("utf-8") if isinstance(data, str) else data)
    return job.url


def _remove_stale(
    out: Path, old: dict[str, dict[str, str]], new: dict[str, dict[str, str]], report: BuildReport
) -> None:
    """Delete what the previous build wrote and this one did not (no longer public)."""
    for section in ("pages", "files", "pdfs"):
        for url in set(old.get(section, {})) - set(new.get(section, {})):
            path = output_path(out, url)
            if path is not None and path.is_file():
                path.unlink()
                report.removed.append(url)
                _prune(path.parent, out)


def _prune(folder: Path, out: Path) -> None:
    """Remove folders left empty, up to the output folder."""
    while folder != out and folder.is_relative_to(out):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
