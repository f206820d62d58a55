"""Script, event-handler and ``javascript:`` payloads typed in every field come out inert: in
the back office, on the public page, in the PDF and in the email."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

from pressroom.config import Site
from pressroom.mail.message import Recipient, build_message
from pressroom.render.context import release_view
from pressroom.render.pdf import render_pdf
from pressroom.store import load_catalog
from tests.editor.conftest import PAYLOADS, Person, form_values, pdf_bytes, png_bytes, version_in
from tests.editor.inert import live_code

pytestmark = pytest.mark.parametrize("payload_file", PAYLOADS, ids=lambda p: p.stem)


def _everywhere(payload: str) -> dict[str, Any]:
    """The payload in every field a person types into."""
    return form_values(
        title=f"Titre {payload}",
        category_new=f"Catégorie {payload}",
        tags=[payload, f"mot {payload}"],
        chapeau=f"Chapeau {payload}",
        body=f'Corps {payload}\n\n[lien]({payload})\n\n<a href="{payload}">html</a>\n',
        image_alt=f"Image {payload}",
        contact_name=f"Contact {payload}",
        contact_tel=payload,
        image_upload=(io.BytesIO(png_bytes()), f"{payload}.png"),
        attachments=[(io.BytesIO(pdf_bytes()), f"{payload}.pdf")],
    )


def _published(publisher: Person, site: Site, payload: str) -> str:
    response = publisher.post(
        "/admin/communiques/nouveau", _everywhere(payload), content_type="multipart/form-data"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    slug = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    version = version_in(publisher.edit_page(slug))
    publisher.post(f"/admin/communiques/{slug}/publier", {"version": version})
    release = load_catalog(site).get(slug)
    assert release.published
    return slug


def test_payloads_are_inert_in_the_back_office(
    publisher: Person, demo_site: Site, payload_file: Path
) -> None:
    slug = _published(publisher, demo_site, payload_file.read_text(encoding="utf-8"))
    base = f"/admin/communiques/{slug}/"
    for path in (
        "/admin/",
        base,
        base + "revisions/",
        base + "revisions/1/",
        base + "apercu/page",
        base + "apercu/courriel",
        "/admin/journal/",
    ):
        response = publisher.client.get(path)
        assert response.status_code in (200, 403), path
        assert live_code(response.get_data(as_text=True)) == [], path


def test_payloads_are_inert_on_the_public_page(
    publisher: Person, demo_site: Site, app: Flask, payload_file: Path
) -> None:
    slug = _published(publisher, demo_site, payload_file.read_text(encoding="utf-8"))
    release = load_catalog(demo_site).get(slug)
    page = app.test_client().get(release.url)
    assert page.status_code == 200
    assert live_code(page.get_data(as_text=True)) == []


def _has_javascript(reader: PdfReader) -> bool:
    seen: set[int] = set()

    def walk(node: Any) -> bool:
        if isinstance(node, IndirectObject):
            if node.idnum in seen:
                return False
            seen.add(node.idnum)
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            if any(key in ("/JS", "/JavaScript") for key in node):
                return True
            return any(walk(value) for value in node.values())
        if isinstance(node, list):
            return any(walk(value) for value in node)
        return False

    return walk(reader.trailer)


def test_payloads_are_text_in_the_pdf(
    publisher: Person, demo_site: Site, payload_file: Path, tmp_path: Path
) -> None:
    payload = payload_file.read_text(encoding="utf-8")
    slug = _published(publisher, demo_site, payload)
    data = render_pdf(demo_site, load_catalog(demo_site).get(slug))
    reader = PdfReader(io.BytesIO(data))
    assert not _has_javascript(reader)
    if shutil.which("pdftotext"):
        pdf = tmp_path / "cp.pdf"
        pdf.write_bytes(data)
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
        assert "".join(f"Titre {payload}".split()) in "".join(text.split())


def test_payloads_are_inert_in_the_email(
    publisher: Person, demo_site: Site, payload_file: Path
) -> None:
    payload = payload_file.read_text(encoding="utf-8")
    slug = _published(publisher, demo_site, payload)
    release = load_catalog(demo_site).get(slug)
    outgoing = build_message(
        demo_site, release_view(demo_site, release), Recipient("j@example.org"), delivery_id="t1"
    )
    html_part = outgoing.message.get_body(("html",))
    text_part = outgoing.message.get_body(("plain",))
    assert html_part is not None and text_part is not None
    assert live_code(html_part.get_content()) == []
    assert f"Titre {payload}" in " ".join(text_part.get_content().split())
