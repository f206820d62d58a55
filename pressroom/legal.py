"""The pages a French public site must have (legal notice, personal data, accessibility).

They are Markdown files in the site's ``pages/`` folder, so the press office writes them like its
releases; each ``pages/<name>.md`` is published at ``/<name>/`` and linked in the footer. A title
comes from the front matter's ``title``, else from the first ``# Heading`` line.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from pressroom.config import Site
from pressroom.yaml_front import FrontMatterError, parse_front_matter

# Listed first, in this order, in the footer; any other page follows by name.
KNOWN_PAGES = ("mentions-legales", "donnees-personnelles", "accessibilite")
MAX_PAGE_BYTES = 512 * 1024


@dataclass(frozen=True)
class LegalPage:
    """One Markdown page of the site, ready to render."""

    name: str
    url: str
    title: str
    html: str
    path: Path
    version: tuple[int, int]


def pages_dir(site: Site) -> Path:
    return site.root / "pages"


def _sort_key(path: Path) -> tuple[int, str]:
    name = path.stem
    return (KNOWN_PAGES.index(name) if name in KNOWN_PAGES else len(KNOWN_PAGES), name)


def read_page(path: Path, version: tuple[int, int], lang: str) -> LegalPage:
    """Parse one page; a page that cannot be read is shown as text rather than refused."""
    text = path.read_bytes()[:MAX_PAGE_BYTES].decode("utf-8", "replace").replace("\r\n", "\n")
    title = ""
    body = text
    if text.startswith("---"):
        try:
            front = parse_front_matter(text)
        except FrontMatterError:
            front = None
        if front is not None:
            body = front.body
            value = front.metadata.get("title")
            title = value.strip() if isinstance(value, str) else ""
    if not title:
        lines = body.lstrip("\n").split("\n", 1)
        if lines[0].startswith("# "):
            title = lines[0][2:].strip()
            body = lines[1] if len(lines) > 1 else ""
    title = title or path.stem.replace("-", " ").capitalize()
    # Imported here: a build loads the Markdown renderer while its workers read the releases.
    from pressroom.markdown import render_markdown

    html = render_markdown(body, lang=lang).html
    return LegalPage(path.stem, f"/{path.stem}/", title, html, path, version)


class LegalPages:
    """A site's pages, re-read only when a file changes (one ``stat`` per page per call)."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self._lock = threading.Lock()
        self._pages: dict[Path, LegalPage] = {}

    def load(self) -> tuple[LegalPage, ...]:
        folder = pages_dir(self.site)
        if not folder.is_dir():
            return ()
        found: list[LegalPage] = []
        with self._lock:
            for path in sorted(folder.glob("*.md"), key=_sort_key):
                if path.name.startswith(".") or not path.is_file():
                    continue
                stat = path.stat()
                version = (stat.st_mtime_ns, stat.st_size)
                page = self._pages.get(path)
                if page is None or page.version != version:
                    page = read_page(path, version, self.site.settings.language)
                    self._pages[path] = page
                found.append(page)
        return tuple(found)

    def find(self, url: str) -> LegalPage | None:
        return next((p for p in self.load() if p.url == url), None)
