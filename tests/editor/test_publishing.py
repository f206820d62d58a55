"""Approval of one exact version, publish now, schedule under embargo, unpublish."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask

from pressroom.config import Site
from pressroom.release import Release
from pressroom.store import load_catalog
from tests.editor.conftest import Person, form_values, release_file, version_in
from tests.editor.form_reader import values_of_form

SLUG = "la-dinum-ouvre-un-nouveau-service"
BASE = f"/admin/communiques/{SLUG}/"
CLOCK = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _release(app: Flask) -> Release:
    site: Site = app.extensions["pressroom.site"]
    return load_catalog(site).get(SLUG)


def _drafted(editor: Person, app: Flask) -> None:
    app.config["TEST_NOW"] = CLOCK
    assert editor.create(date="2026-12-01T09:00").status_code == 302


def test_editors_version_needs_a_publishers_approval(
    editor: Person, publisher: Person, app: Flask
) -> None:
    _drafted(editor, app)
    html = publisher.edit_page(SLUG)
    assert "un éditeur ou une éditrice doit l’approuver" in html
    response = publisher.post(BASE + "publier", {"version": version_in(html)})
    assert response.status_code == 302
    assert "doit d’abord l’approuver" in publisher.edit_page(SLUG)
    assert not _release(app).published


def test_approved_version_can_be_published(editor: Person, publisher: Person, app: Flask) -> None:
    _drafted(editor, app)
    version = version_in(publisher.edit_page(SLUG))
    publisher.post(BASE + "approuver", {"version": version})
    assert "Cette version est approuvée par publisher@example.org" in publisher.edit_page(SLUG)
    publisher.post(BASE + "publier", {"version": version})
    assert _release(app).published


def test_an_edit_after_approval_needs_a_new_approval(
    editor: Person, publisher: Person, app: Flask
) -> None:
    _drafted(editor, app)
    version = version_in(publisher.edit_page(SLUG))
    publisher.post(BASE + "approuver", {"version": version})
    editor.post(BASE, form_values(title="Changé après approbation", version=version))
    html = publisher.edit_page(SLUG)
    assert "doit l’approuver avant" in html
    assert "Approuver cette version" in html


def test_approval_of_an_outdated_version_is_refused(
    editor: Person, publisher: Person, app: Flask
) -> None:
    _drafted(editor, app)
    old = version_in(publisher.edit_page(SLUG))
    editor.post(BASE, form_values(title="Nouvelle version", version=old))
    publisher.post(BASE + "approuver", {"version": old})
    assert "Quelqu’un d’autre a modifié ce communiqué" in publisher.edit_page(SLUG)


def test_publishers_own_version_needs_no_approval(publisher: Person, app: Flask) -> None:
    app.config["TEST_NOW"] = CLOCK
    publisher.create(date="2026-12-01T09:00")
    html = publisher.edit_page(SLUG)
    assert "Approuver cette version" not in html
    publisher.post(BASE + "publier", {"version": version_in(html)})
    assert _release(app).published


def test_scheduled_release_is_404_until_its_minute_then_public(
    editor: Person, publisher: Person, app: Flask, demo_site: Site
) -> None:
    _drafted(editor, app)
    version = version_in(publisher.edit_page(SLUG))
    publisher.post(BASE + "approuver", {"version": version})
    publisher.post(BASE + "programmer", {"version": version, "at": "2026-12-01T10:01"})
    text = release_file(demo_site.root, SLUG).read_text(encoding="utf-8")
    assert "date: 2026-12-01 10:01:00 +01:00" in text and "published: true" in text
    visitor = app.test_client()
    url = f"/espace-presse/{SLUG}/"
    assert visitor.get(url).status_code == 404
    app.config["TEST_NOW"] = CLOCK + timedelta(minutes=1)  # 10:01 in Paris
    assert visitor.get(url).status_code == 200


def test_scheduling_in_the_past_is_refused(editor: Person, publisher: Person, app: Flask) -> None:
    _drafted(editor, app)
    version = version_in(publisher.edit_page(SLUG))
    publisher.post(BASE + "approuver", {"version": version})
    publisher.post(BASE + "programmer", {"version": version, "at": "2026-12-01T09:59"})
    assert "Choisissez un moment à venir" in publisher.edit_page(SLUG)


def test_unpublished_release_leaves_the_newsroom(publisher: Person, app: Flask) -> None:
    site: Site = app.extensions["pressroom.site"]
    release = next(r for r in load_catalog(site).releases if r.published)
    visitor = app.test_client()
    assert visitor.get(release.url).status_code == 200
    publisher.post(f"/admin/communiques/{release.slug}/depublier")
    assert visitor.get(release.url).status_code == 404


def test_new_slug_of_a_published_release_redirects_from_the_old_url(
    publisher: Person, app: Flask
) -> None:
    site: Site = app.extensions["pressroom.site"]
    release = next(r for r in load_catalog(site).releases if r.published and r.date.year > 2019)
    values = values_of_form(publisher.edit_page(release.slug)) | {"slug": "nouvelle-adresse"}
    assert publisher.post(f"/admin/communiques/{release.slug}/", values).status_code == 302
    visitor = app.test_client()
    moved = visitor.get(release.url)
    assert moved.status_code == 301
    assert moved.headers["Location"].endswith("/espace-presse/nouvelle-adresse/")
    assert visitor.get("/espace-presse/nouvelle-adresse/").status_code == 200
