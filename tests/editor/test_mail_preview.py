"""The back office's email preview: headers, attachments and text read from the built message."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime

from flask import Flask

from pressroom.config import Site
from pressroom.store import load_catalog
from tests.conftest import REPO
from tests.editor.conftest import Person, pdf_bytes

SEED = "2021-11-18-numerique-letat-recrute-300-postes-lors-de-son-forum-de-lemploi-tech.md"
DATA = REPO / "tests" / "data" / "previews"
BEFORE_EMBARGO = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
HOSTILE = "<img src=x onerror=alert(1)>.pdf"
ATTACHMENT = re.compile(r'<li><span class="file-name">([^<]*)</span> \(([^)]*)\)</li>')


def _slug(site: Site, file_name: str) -> str:
    return next(r.slug for r in load_catalog(site).releases if r.path.endswith(file_name))


def _preview(editor: Person, slug: str, query: str = "") -> str:
    response = editor.client.get(f"/admin/communiques/{slug}/apercu/courriel{query}")
    assert response.status_code == 200, response.text
    return str(response.text)


def _header(html: str, label: str) -> str:
    found = re.search(rf'<th scope="row">{label}</th><td>([^<]*)</td>', html)
    assert found, f"no {label} row"
    return found.group(1)


def _hostile_release(site: Site, app: Flask) -> str:
    shutil.copyfile(DATA / "hostile-file-name.md", site.root / "releases" / "hostile.md")
    site.uploads_dir.mkdir(parents=True, exist_ok=True)
    (site.uploads_dir / HOSTILE).write_bytes(pdf_bytes())
    app.config["TEST_NOW"] = BEFORE_EMBARGO
    return _slug(site, "hostile.md")


def test_seed_release_preview_lists_its_pdf_with_a_size(editor: Person, demo_site: Site) -> None:
    html = _preview(editor, _slug(demo_site, SEED))
    attached = ATTACHMENT.findall(html)
    assert len(attached) == 1
    name, size = attached[0]
    assert name.endswith(".pdf") and re.fullmatch(r"[\d  ,]+\xa0(o|ko|Mo)", size), attached


def test_seed_release_preview_shows_the_subject_from_and_reply_to(
    editor: Person, demo_site: Site
) -> None:
    html = _preview(editor, _slug(demo_site, SEED))
    assert "état recrute 300 postes" in _header(html, "Objet")
    assert "@" in _header(html, "De")
    assert "floriane.beaudron@" in _header(html, "Répondre à")
    assert _header(html, "À") == "Camille Exemple &lt;journaliste@example.org&gt;"


def test_seed_release_preview_can_show_the_pdf_linked(editor: Person, demo_site: Site) -> None:
    html = _preview(editor, _slug(demo_site, SEED), "?pdf=lien")
    assert ATTACHMENT.findall(html) == [] and "Aucune pièce jointe" in html


def test_preview_under_embargo_has_the_banner_in_the_subject_and_the_pdf_attached(
    editor: Person, demo_site: Site, app: Flask
) -> None:
    slug = _hostile_release(demo_site, app)
    html = _preview(editor, slug, "?pdf=lien")
    assert _header(html, "Objet").startswith("[Sous embargo jusqu&#39;au mardi 1er décembre 2026")
    names = [name for name, _ in ATTACHMENT.findall(html)]
    assert len(names) == 2 and names[0].endswith(".pdf")


def test_hostile_attachment_name_is_escaped(editor: Person, demo_site: Site, app: Flask) -> None:
    html = _preview(editor, _hostile_release(demo_site, app))
    sizes = dict(ATTACHMENT.findall(html))
    written = (demo_site.uploads_dir / HOSTILE).stat().st_size  # a few hundred bytes
    assert sizes["&lt;img src=x onerror=alert(1)&gt;.pdf"] == f"{written}\xa0o"
    assert "<img src=x" not in html


def test_text_part_is_shown_in_a_details_block(editor: Person, demo_site: Site) -> None:
    html = _preview(editor, _slug(demo_site, SEED))
    details = re.search(
        r"<details>\s*<summary>Version texte</summary>\s*<pre[^>]*>(.*?)</pre>", html, re.S
    )
    assert details and "Camille Exemple" in details.group(1)


def test_preview_speaks_english_when_chosen(editor: Person, demo_site: Site) -> None:
    editor.post("/langue", {"lang": "en", "next": "/admin/"})
    html = _preview(editor, _slug(demo_site, SEED))
    assert "floriane.beaudron@" in _header(html, "Reply to")
    assert "Camille Exemple" in _header(html, "To") and "<caption>Headers and attachments" in html
