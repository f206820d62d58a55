"""The release form's testing vocabulary: signed-in people, form values, real images and PDFs."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from pypdf import PdfWriter

from pressroom.accounts import Account
from tests.conftest import DATA, AuthActions, csrf_token_in

PAYLOADS = sorted((DATA / "editor" / "payloads").glob("*.txt"))
NEW = "/admin/communiques/nouveau"


def png_bytes(width: int = 40, height: int = 30) -> bytes:
    """A real PNG image."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (0, 0, 145)).save(buffer, "PNG")
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    """A real one-page PDF."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def form_values(**changes: Any) -> dict[str, Any]:
    """What a person fills in for a plain new release."""
    values: dict[str, Any] = {
        "title": "La DINUM ouvre un nouveau service",
        "category": "Communiqué de presse",
        "category_new": "",
        "date": "2026-12-01T10:30",
        "tags": ["numérique", "services publics"],
        "chapeau": "Un **chapeau** court.",
        "body": "Le corps du communiqué.\n\n- un\n- deux\n",
        "image_alt": "",
        "contact_card": "",
        "contact_name": "Camille Martin",
        "contact_tel": "01 00 00 00 01\n06 00 00 00 01",
        "contact_email": "camille.martin@example.org",
        "lang": "fr",
    }
    values.update(changes)
    return values


class Person:
    """A signed-in person of the back office with their own browser (test client)."""

    def __init__(self, client: FlaskClient, account: Account) -> None:
        self.client = client
        self.account = account

    def token(self, path: str = NEW) -> str:
        return csrf_token_in(self.client.get(path).get_data(as_text=True))

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """POST with the CSRF token of the page (the form itself, or the list)."""
        payload = dict(data or {})
        payload.setdefault("csrf_token", self.token("/admin/"))
        return self.client.post(path, data=payload, **kwargs)

    def create(self, **changes: Any) -> Any:
        return self.post(NEW, form_values(**changes), content_type="multipart/form-data")

    def edit_page(self, slug: str) -> str:
        response = self.client.get(f"/admin/communiques/{slug}/")
        assert response.status_code == 200, response.get_data(as_text=True)
        return str(response.get_data(as_text=True))


def version_in(html: str) -> str:
    """The file version the edit form carries."""
    import re

    found = re.search(r'name="version" value="([0-9a-f]*)"', html)
    assert found, "no version in the form"
    return found.group(1)


@pytest.fixture
def person(app: Flask, make_account: Callable[..., Account]) -> Callable[[str], Person]:
    """``person("editor")``: a new account of that role, signed in in its own client."""

    def make(role: str, email: str | None = None) -> Person:
        account = make_account(role, email)
        client = app.test_client()
        AuthActions(client).login(account.email)
        return Person(client, account)

    return make


@pytest.fixture
def editor(person: Callable[[str], Person]) -> Person:
    return person("editor")


@pytest.fixture
def publisher(person: Callable[[str], Person]) -> Person:
    return person("publisher")


def release_file(root: Path, slug: str) -> Path:
    """The file of a release created by the form (``releases/YYYY-MM-DD-<slug>.md``)."""
    found = sorted((root / "releases").glob(f"*-{slug}.md"))
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def client_of_public(app: Flask) -> Callable[[str], str]:
    """What an anonymous visitor gets at a path: the page's text, or its status code."""

    def get(path: str) -> str:
        response = app.test_client().get(path)
        return (
            response.get_data(as_text=True)
            if response.status_code == 200
            else str(response.status_code)
        )

    return get
