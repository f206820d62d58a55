"""The static export: the same public site as the server, as files any web server can serve.

Pelican's split: the newsroom says which pages exist (the very URLs the server answers), the
renderers of ``pressroom.pages`` make them, and this writer puts them on disk. Each page has an
input digest; a page whose digest is in the previous build's manifest (and whose file is still
there) is not rendered again, so changing one release rewrites it and the pages listing it.
Files of pages that are no longer public (a release turned back into a draft) are removed.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path, PurePosixPath

from pressroom.buildcache import (
    cached_catalog,
    digest,
    load_manifest,
    load_rows,
    release_digest,
    save_manifest,
    save_rows,
)
from pressroom.config import Site
from pressroom.errors import PressroomError
from pressroom.feeds import atom_feed, robots_txt, sitemap_xml
from pressroom.legal import LegalPages
from pressroom.newsroom import Newsroom, href, newsroom_at, uploads_used
from pressroom.pages import (
    STATIC_SEARCH_URL,
    Chrome,
    Download,
    entry,
    render_error_page,
    render_legal_page,
    render_listing_page,
    render_release_page,
    render_search_page,
)
from pressroom.parallel import fork_map
from pressroom.pdfsupport import pdf_available, pdf_file_name, render_pdf
from pressroom.release import Release
from pressroom.search import static_index

logger = logging.getLogger(__name__)
Progress = Callable[[int, int, str], None]


class BuildError(PressroomError):
    """The output folder cannot be used."""


@dataclass(frozen=True)
class Job:
    """One output file: its URL, what it depends on, and how to make it."""

    url: str
    inputs: str
    make: Callable[[], bytes | str]


@dataclass
class BuildReport:
    """What a build did, for the command line to tell."""

    rendered: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    copied: int = 0
    pdfs: int = 0
    warnings: list[str] = field(default_factory=list)


def output_path(out: Path, url: str) -> Path | None:
    """Where a URL's file goes (``/a/`` → ``a/index.html``); None for a URL leaving ``out``."""
    relative = url.lstrip("/")
    if url.endswith("/"):
        relative += "index.html"
    parts = PurePosixPath(relative).parts
    if not parts or any(p in ("..", ".") or "\\" in p or "\x00" in p for p in parts):
        return None
    return out.joinpath(*parts)


def _write(path: Path, data: bytes) -> None:
    """Write through a temporary file so a reader never sees half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _theme_digest(site: Site) -> str:
    found = []
    for root in site.theme_dirs:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "static" not in path.parts and "fonts" not in path.parts:
                stat = path.stat()
                found.append((path.as_posix(), stat.st_mtime_ns, stat.st_size))
    return digest(found)


def _release_inputs(release: Release) -> str:
    return release_digest(release)


def _redirect_page(target: str) -> str:
    location = href(target)
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        f'<title>{location}</title><link rel="canonical" href="{location}">'
        f'<meta http-equiv="refresh" content="0; url={location}"></head>'
        f'<body><p><a href="{location}">{location}</a></p></body></html>'
    )


def _jobs(
    site: Site, newsroom: Newsroom, chrome: Chrome, pdfs: dict[str, Download], common: str
) -> Iterator[Job]:
    """Every page of the export with the digest of what it shows."""
    nav = (newsroom.categories, newsroom.tags, newsroom.years)
    for release in newsroom.releases:
        terms = newsroom.release_terms(release)
        term_names = tuple((t.slug, t.name) for group in terms for t in group)
        pdf = pdfs.get(release.url)
        uploads = sorted(
            (n, (site.uploads_dir / n).is_file() and (site.uploads_dir / n).stat().st_size)
            for n in uploads_used(release)
        )

        inputs = digest(common, _release_inputs(release), term_names, pdf, uploads)
        yield Job(
            release.url, inputs, partial(render_release_page, site, newsroom, release, chrome, pdf)
        )
    for old, target in newsroom.redirects.items():
        yield Job(old, digest(common, target), partial(_redirect_page, target))
    for page in newsroom.listing_pages():
        shown = [(r.url, r.title, r.date, r.category, r.chapeau, r.language) for r in page.releases]
        position = (page.spec, page.number, page.count, page.total, page.previous_url)
        yield Job(
            page.url,
            digest(common, position, page.next_url, shown, nav),
            partial(render_listing_page, site, newsroom, page, chrome),
        )
    for spec in newsroom.feed_specs():
        members = [release_digest(r) for r in newsroom.feed_releases(spec)]
        yield Job(
            spec.feed_url or "",
            digest(common, spec, members),
            partial(atom_feed, site, newsroom, spec),
        )
    urls = [r.url for r in newsroom.releases]
    yield Job(
        "/sitemap.xml",
        digest(common, urls, nav, chrome.legal),
        lambda: sitemap_xml(site, newsroom, chrome.legal),
    )
    yield Job("/robots.txt", digest(common), lambda: robots_txt(site))
    yield Job(
        "/404.html", digest(common), lambda: render_error_page(site, chrome, 404, "Not Found")
    )
    yield Job("/index.html", digest(common), lambda: _redirect_page("/espace-presse/"))
    yield Job(
        STATIC_SEARCH_URL,
        digest(common),
        lambda: render_search_page(site, newsroom, chrome, "", None),
    )
    yield Job(
        STATIC_SEARCH_URL + "index.json",
        digest(common, [release_digest(r) for r in newsroom.releases]),
        lambda: _search_json(site, newsroom, chrome.ui_lang),
    )
    for legal in chrome.legal:
        yield Job(
            legal.url,
            digest(common, legal.version),
            partial(render_legal_page, site, chrome, legal),
        )


def _search_json(site: Site, newsroom: Newsroom, lang: str) -> str:
    """The export's search index; each release's row is kept between builds (it is slow)."""
    known = load_rows(site)
    rows = []
    for release in newsroom.releases:
        key = digest(release_digest(release), lang)
        row = known.get(key)
        if row is None:
            item = entry(site, release, lang)
            row = known[key] = static_index([(release, item.url, item.date_text, item.summary)])[0]
        rows.append(row)
    keys = [digest(release_digest(r), lang) for r in newsroom.releases]
    save_rows(site, dict(zip(keys, rows, strict=True)))
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


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


def _copy_jobs(site: Site, newsroom: Newsroom) -> dict[str, Path]:
    """Files copied as they are: the theme's assets and the uploads public releases use."""
    files = _assets(site)
    for name in sorted(set().union(*(uploads_used(r) for r in newsroom.releases))):
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
) -> BuildReport:
    """Write the public site into ``out``; only what changed since the last build is redone."""
    out = out.resolve()
    if out == site.root.resolve() or site.root.resolve().is_relative_to(out):
        raise BuildError(f"{out}: the output folder cannot hold the site itself")
    if out.exists() and not out.is_dir():
        raise BuildError(f"{out}: not a folder")
    out.mkdir(parents=True, exist_ok=True)
    report = BuildReport()
    catalog = cached_catalog(site)
    newsroom = newsroom_at(catalog, now or datetime.now(UTC), site.settings.per_page)
    legal = LegalPages(site).load()
    fonts = any((root / "fonts" / "fonts.css").is_file() for root in site.theme_dirs)
    chrome = Chrome(site.settings.language, STATIC_SEARCH_URL, legal, fonts, None)
    old = load_manifest(out)
    old_pages: dict[str, str] = old.get("pages", {})
    common = digest(_theme_digest(site), site.settings, legal, fonts, pdf)
    manifest: dict[str, dict[str, str]] = {"pages": {}, "files": {}, "pdfs": {}}

    pdfs = _build_pdfs(site, out, newsroom, pdf, old.get("pdfs", {}), manifest, report, progress)
    jobs = list(_jobs(site, newsroom, chrome, pdfs, common))
    copies = _copy_jobs(site, newsroom)
    total = len(jobs) + len(copies)
    pending: list[tuple[Job, Path]] = []
    for job in jobs:
        path = output_path(out, job.url)
        if path is None:
            report.warnings.append(f"{job.url}: URL leaves the output folder; not written")
            continue
        manifest["pages"][job.url] = job.inputs
        if old_pages.get(job.url) == job.inputs and path.is_file():
            report.unchanged += 1
        else:
            pending.append((job, path))
    if progress:
        progress(report.unchanged, total, "")
    for number, url in enumerate(fork_map(_make, pending), report.unchanged + 1):
        report.rendered.append(url)
        if progress:
            progress(number, total, url)
    old_files: dict[str, str] = old.get("files", {})
    for number, (url, source) in enumerate(copies.items(), len(jobs) + 1):
        path = output_path(out, url)
        if path is None:
            continue
        stat = source.stat()
        version = f"{source}:{stat.st_mtime_ns}:{stat.st_size}"
        manifest["files"][url] = version
        if old_files.get(url) != version or not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, path)
            report.copied += 1
        if progress:
            progress(number, total, url)
    _remove_stale(out, old, manifest, report)
    save_manifest(out, manifest)
    return report


def _build_pdfs(
    site: Site,
    out: Path,
    newsroom: Newsroom,
    wanted: bool,
    old: dict[str, str],
    manifest: dict[str, dict[str, str]],
    report: BuildReport,
    progress: Progress | None,
) -> dict[str, Download]:
    """Make the PDFs that changed; return the ones pages may link (they exist)."""
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
        inputs = digest(theme, site.settings, _release_inputs(release))
        url = release.url + name
        if old.get(url) != inputs or not path.is_file():
            try:
                data = render_pdf(site, release)
            except PressroomError as exc:
                report.warnings.append(str(exc))
                continue
            if data is None:
                continue
            _write(path, data)
            report.pdfs += 1
        manifest["pdfs"][url] = inputs
        made[release.url] = Download(url, _pdf_label(site), path.stat().st_size)
        if progress:
            progress(number, len(releases), url)
    return made


def _pdf_label(site: Site) -> str:
    from pressroom.i18n import gettext

    return gettext(site.settings.language, "The press release (PDF)")


def _make(item: tuple[Job, Path]) -> str:
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
