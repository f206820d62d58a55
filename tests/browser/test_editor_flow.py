"""The release form in Debian's Chromium: an editor writes, previews and saves a release with
an image and an attachment; a publisher approves it and schedules it a minute ahead; the page
is 404 until the test clock passes that minute, then public; ``pressroom check`` accepts it.
axe-core finds no violation on the form."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from pressroom.accounts import Account
from pressroom.cli import cli
from pressroom.config import Site
from pressroom.store import load_catalog
from tests.browser.conftest import axe_violations, sign_in
from tests.editor.conftest import pdf_bytes, png_bytes

pytestmark = pytest.mark.browser
CLOCK = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 in Paris
SLUG = "la-dinum-lance-son-service-de-test"
SEED = "2021-11-18-numerique-letat-recrute-300-postes-lors-de-son-forum-de-lemploi-tech.md"


@pytest.fixture
def clock(app: Flask) -> Flask:
    app.config["TEST_NOW"] = CLOCK
    return app


def _sign_out(page: Any, base: str) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(base + "/connexion")


def _write_release(page: Any, base: str, files: Path) -> None:
    (files / "visuel.png").write_bytes(png_bytes(320, 180))
    (files / "Communiqué final.pdf").write_bytes(pdf_bytes())
    page.goto(base + "/admin/communiques/nouveau")
    page.get_by_label("Titre").fill("La DINUM lance son service de test")
    assert page.get_by_label("Date et heure").input_value() == "2026-12-01T10:00"
    page.get_by_label("Mot-clé 1").fill("numérique")
    page.get_by_label("Chapeau (résumé en gras, Markdown)").fill("Un chapeau **court**.")
    page.get_by_label("Corps du texte (Markdown)").fill("Premier paragraphe.\n\n- un\n- deux\n")
    page.get_by_label("Choisir une image").set_input_files(str(files / "visuel.png"))
    page.get_by_label("Texte alternatif de l’image").fill("Le visuel bleu du service")
    page.get_by_label("Ajouter des pièces jointes").set_input_files(
        str(files / "Communiqué final.pdf")
    )
    page.get_by_label("Un ou une attachée de presse").select_option(index=1)


def test_editor_writes_publisher_schedules_and_the_embargo_lifts(
    live_server: str,
    axe_page: Any,
    clock: Flask,
    make_account: Callable[..., Account],
    demo_site: Site,
    tmp_path: Path,
) -> None:
    make_account("editor")
    make_account("publisher")
    page, base = axe_page, live_server
    sign_in(page, base, "editor@example.org")
    _write_release(page, base, tmp_path)

    # The page preview of the unsaved form opens in a new tab.
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Aperçu de la page").click()
    preview = opened.value
    preview.wait_for_load_state()
    assert preview.get_by_role("heading", name="La DINUM lance son service de test").is_visible()
    preview.close()

    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_url(base + f"/admin/communiques/{SLUG}/")
    assert "Le communiqué est enregistré comme brouillon." in page.content()
    assert axe_violations(page) == []

    pdf = page.request.get(base + f"/admin/communiques/{SLUG}/apercu/pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")
    _sign_out(page, base)

    sign_in(page, base, "publisher@example.org")
    page.goto(base + f"/admin/communiques/{SLUG}/")
    page.get_by_role("button", name="Approuver cette version").click()
    page.wait_for_url(base + f"/admin/communiques/{SLUG}/")
    assert "Cette version est approuvée" in page.content()
    page.get_by_label("Publier le (heure de Paris)").fill("2026-12-01T10:01")
    page.get_by_role("button", name="Programmer").click()
    page.wait_for_url(base + f"/admin/communiques/{SLUG}/")
    assert "Le communiqué est programmé" in page.content()

    public = base + f"/espace-presse/{SLUG}/"
    assert page.request.get(public).status == 404
    clock.config["TEST_NOW"] = CLOCK + timedelta(minutes=1, seconds=30)
    response = page.goto(public)
    assert response is not None and response.status == 200
    assert page.get_by_role("img", name="Le visuel bleu du service").is_visible()
    assert page.get_by_role("link", name="Communiqué final").is_visible()

    checked = CliRunner().invoke(cli, ["--site", str(demo_site.root), "check", "--quiet"])
    assert checked.exit_code == 0, checked.output
    text = next((demo_site.root / "releases").glob(f"*-{SLUG}.md")).read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: La DINUM lance son service de test\n")
    assert "date: 2026-12-01 10:01:00 +01:00" in text and "published: true" in text


def test_new_release_form_has_no_axe_violation(
    live_server: str, axe_page: Any, clock: Flask, make_account: Callable[..., Account]
) -> None:
    make_account("editor")
    sign_in(axe_page, live_server, "editor@example.org")
    axe_page.goto(live_server + "/admin/communiques/nouveau")
    assert axe_violations(axe_page) == []


def test_form_showing_errors_has_no_axe_violation(
    live_server: str, axe_page: Any, clock: Flask, make_account: Callable[..., Account]
) -> None:
    make_account("editor")
    sign_in(axe_page, live_server, "editor@example.org")
    axe_page.goto(live_server + "/admin/communiques/nouveau")
    axe_page.get_by_label("Titre").fill(" ")
    axe_page.get_by_role("button", name="Enregistrer", exact=True).click()
    axe_page.wait_for_selector("#title-error")
    assert axe_violations(axe_page) == []


def test_email_preview_has_no_axe_violation(
    live_server: str,
    axe_page: Any,
    clock: Flask,
    make_account: Callable[..., Account],
    demo_site: Site,
) -> None:
    make_account("editor")
    sign_in(axe_page, live_server, "editor@example.org")
    seed = next(r for r in load_catalog(demo_site).releases if r.path.endswith(SEED))
    axe_page.goto(live_server + f"/admin/communiques/{seed.slug}/apercu/courriel")
    assert axe_page.get_by_role("cell", name=re.compile(r"\.pdf \(.+ ko\)")).is_visible()
    assert axe_violations(axe_page) == []


def test_form_works_without_javascript(
    live_server: str, chromium: Any, clock: Flask, make_account: Callable[..., Account]
) -> None:
    make_account("editor")
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_server, "editor@example.org")
        page.goto(live_server + "/admin/communiques/nouveau")
        page.get_by_label("Titre").fill("Sans JavaScript")
        page.get_by_role("button", name="Enregistrer", exact=True).click()
        page.wait_for_url(live_server + "/admin/communiques/sans-javascript/")
    finally:
        context.close()
