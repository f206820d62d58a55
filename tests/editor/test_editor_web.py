"""The release form over HTTP: create, errors next to their field, save, conflicts, autosave."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from pressroom.check import check_site
from pressroom.config import Site
from pressroom.store import load_catalog
from tests.conftest import REPO
from tests.editor.conftest import (
    NEW,
    Person,
    form_values,
    pdf_bytes,
    png_bytes,
    release_file,
    version_in,
)
from tests.editor.form_reader import values_of_form

SLUG = "la-dinum-ouvre-un-nouveau-service"
DEMO_RELEASES = sorted(
    p.name for p in (REPO / "releases").glob("*.*") if p.suffix in (".md", ".markdown")
)


def test_new_release_form_offers_categories_tags_and_press_officers(editor: Person) -> None:
    html = editor.client.get(NEW).get_data(as_text=True)
    assert '<label for="title">Titre' in html
    assert '<option value="Communiqué de presse" selected>' in html
    assert '<datalist id="tag-suggestions">' in html and 'value="recrutement"' in html
    assert "Camille Martin, attachée de presse" in html
    assert 'type="datetime-local"' in html


def test_creating_writes_a_draft_in_the_corpus_key_order(editor: Person, demo_site: Site) -> None:
    response = editor.create()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/communiques/{SLUG}/"
    text = release_file(demo_site.root, SLUG).read_text(encoding="utf-8")
    assert release_file(demo_site.root, SLUG).name == f"2026-12-01-{SLUG}.md"
    keys = [line.split(":")[0] for line in text.split("---")[1].splitlines() if line[:1].isalpha()]
    assert keys == [
        "title", "date", "categories", "tags", "chapeau-text", "contact-presse", "lang", "published"
    ]  # fmt: skip
    assert "date: 2026-12-01 10:30:00 +01:00" in text
    assert "published: false" in text


def test_created_release_passes_pressroom_check(editor: Person, demo_site: Site) -> None:
    editor.create()
    problems = [p for p in check_site(demo_site) if SLUG in p.path]
    assert [p for p in problems if p.severity == "error"] == []


def test_missing_title_is_shown_next_to_the_field_in_french(editor: Person) -> None:
    response = editor.create(title="  ")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<span class="error" id="title-error">Donnez un titre au communiqué.</span>' in html
    assert 'aria-describedby="title-error" aria-invalid="true"' in html


def test_values_typed_stay_in_the_form_after_an_error(editor: Person) -> None:
    html = editor.create(title="", chapeau="Mon chapeau à garder").get_data(as_text=True)
    assert "Mon chapeau à garder</textarea>" in html


def test_image_without_alternative_text_is_refused(editor: Person, demo_site: Site) -> None:
    data = form_values(image_upload=(io.BytesIO(png_bytes()), "Visuel.PNG"))
    response = editor.post(NEW, data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="image_alt-error"' in html and "texte alternatif" in html
    # The upload is kept for the next try: no need to choose the file again.
    assert 'name="image_url" value="/uploads/2026/visuel.png"' in html or "/uploads/" in html
    assert not list((demo_site.root / "releases").glob(f"*{SLUG}*"))


def test_image_and_attachment_go_to_uploads_of_the_year(editor: Person, demo_site: Site) -> None:
    data = form_values(
        image_alt="Le logo bleu",
        image_upload=(io.BytesIO(png_bytes()), "Mon Visuel été.png"),
        attachments=[(io.BytesIO(pdf_bytes()), "CP final.pdf")],
    )
    assert editor.post(NEW, data, content_type="multipart/form-data").status_code == 302
    release = load_catalog(demo_site).get(SLUG)
    assert release.images[0].alt == "Le logo bleu"
    image = demo_site.root / "releases" / release.images[0].src.lstrip("/")
    assert image.is_file() and image.parent.name.isdigit()
    assert release.files[0].url.endswith("/cp-final.pdf")
    assert release.files[0].name == "CP final"


def test_saving_changes_only_the_changed_lines(editor: Person, demo_site: Site) -> None:
    editor.create()
    path = release_file(demo_site.root, SLUG)
    before = path.read_text(encoding="utf-8").splitlines()
    html = editor.edit_page(SLUG)
    values = form_values(title="Un autre titre", slug=SLUG, version=version_in(html))
    response = editor.post(f"/admin/communiques/{SLUG}/", values)
    assert response.status_code == 302
    after = path.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [(before[1], "title: Un autre titre")]


@pytest.mark.parametrize("index", range(len(DEMO_RELEASES)), ids=DEMO_RELEASES)
def test_corpus_release_saved_unchanged_is_byte_identical(
    publisher: Person, demo_site: Site, index: int
) -> None:
    release = next(
        r for r in load_catalog(demo_site).releases if r.path.endswith(DEMO_RELEASES[index])
    )
    path = demo_site.root / release.path
    before = path.read_bytes()
    html = publisher.edit_page(release.slug)
    values = values_of_form(html)
    response = publisher.post(f"/admin/communiques/{release.slug}/", values)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert path.read_bytes() == before


def test_second_save_of_the_same_version_gets_the_conflict_page(
    person: Callable[..., Person], demo_site: Site
) -> None:
    first, second = person("editor"), person("editor", "other@example.org")
    first.create()
    path = release_file(demo_site.root, SLUG)
    version = version_in(first.edit_page(SLUG))
    ok = first.post(f"/admin/communiques/{SLUG}/", form_values(title="Titre A", version=version))
    assert ok.status_code == 302
    saved = path.read_bytes()
    late = second.post(f"/admin/communiques/{SLUG}/", form_values(title="Titre B", version=version))
    html = late.get_data(as_text=True)
    assert late.status_code == 409
    assert "Quelqu’un d’autre a enregistré ce communiqué" in html
    assert "title: Titre A" in html and "title: Titre B" in html
    assert path.read_bytes() == saved


def test_autosave_of_a_draft_writes_its_file(editor: Person, demo_site: Site) -> None:
    editor.create()
    version = version_in(editor.edit_page(SLUG))
    values = form_values(body="Texte tapé avant de fermer le navigateur.\n", version=version)
    answer = editor.post(f"/admin/communiques/{SLUG}/autosave", values).get_json()
    assert answer["where"] == "file" and answer["version"] != version
    text = release_file(demo_site.root, SLUG).read_text(encoding="utf-8")
    assert "Texte tapé avant de fermer le navigateur." in text


def test_autosave_of_a_new_release_comes_back_in_the_form(editor: Person) -> None:
    values = form_values(title="Brouillon jamais enregistré")
    answer = editor.post("/admin/communiques/autosave", values).get_json()
    assert answer["where"] == "pending"
    html = editor.client.get(NEW).get_data(as_text=True)
    assert 'value="Brouillon jamais enregistré"' in html
    assert "Votre communiqué non enregistré" in html


def test_autosave_of_a_published_release_leaves_the_public_page_alone(
    publisher: Person, demo_site: Site, client_of_public: Callable[[str], str]
) -> None:
    release = next(r for r in load_catalog(demo_site).releases if r.published)
    path = demo_site.root / release.path
    before = path.read_bytes()
    page = client_of_public(release.url)
    html = publisher.edit_page(release.slug)
    values = values_of_form(html) | {"body": "Changement pas encore enregistré"}
    answer = publisher.post(f"/admin/communiques/{release.slug}/autosave", values).get_json()
    assert answer["where"] == "pending"
    assert path.read_bytes() == before
    assert client_of_public(release.url) == page
    assert "Changement pas encore enregistré" in publisher.edit_page(release.slug)


def test_editor_cannot_save_over_a_published_release(editor: Person, demo_site: Site) -> None:
    release = next(r for r in load_catalog(demo_site).releases if r.published)
    before = (demo_site.root / release.path).read_bytes()
    html = editor.edit_page(release.slug)
    values = values_of_form(html) | {"title": "Modifié par un rédacteur"}
    response = editor.post(f"/admin/communiques/{release.slug}/", values)
    assert response.status_code == 403
    assert "seul un éditeur ou une éditrice peut le modifier" in response.get_data(as_text=True)
    assert (demo_site.root / release.path).read_bytes() == before


def test_editor_cannot_publish(editor: Person) -> None:
    editor.create()
    version = version_in(editor.edit_page(SLUG))
    response = editor.post(f"/admin/communiques/{SLUG}/publier", {"version": version})
    assert response.status_code == 403


def test_previews_of_the_saved_release_answer(editor: Person) -> None:
    editor.create()
    page = editor.client.get(f"/admin/communiques/{SLUG}/apercu/page")
    assert page.status_code == 200 and "La DINUM ouvre un nouveau service" in page.text
    mail = editor.client.get(f"/admin/communiques/{SLUG}/apercu/courriel")
    assert mail.status_code == 200 and "journaliste@example.org" in mail.text
    pdf = editor.client.get(f"/admin/communiques/{SLUG}/apercu/pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")


def test_preview_of_unsaved_values_writes_nothing(editor: Person, demo_site: Site) -> None:
    before = sorted(p.name for p in (demo_site.root / "releases").iterdir())
    response = editor.post("/admin/communiques/apercu/page", form_values(title="Jamais écrit"))
    assert response.status_code == 200 and "Jamais écrit" in response.text
    assert sorted(p.name for p in (demo_site.root / "releases").iterdir()) == before


def test_draft_uploads_are_served_to_the_back_office_only(
    editor: Person, demo_site: Site, client_of_public: Callable[[str], str]
) -> None:
    data = form_values(image_alt="Logo", image_upload=(io.BytesIO(png_bytes()), "logo.png"))
    editor.post(NEW, data, content_type="multipart/form-data")
    src = load_catalog(demo_site).get(SLUG).images[0].src
    name = src.removeprefix("/uploads/")
    assert editor.client.get(f"/admin/communiques/televersements/{name}").status_code == 200
    assert client_of_public(src) == "404"


def test_dashboard_links_each_release_to_its_form(editor: Person) -> None:
    editor.create()
    html = editor.client.get("/admin/").get_data(as_text=True)
    assert f'href="/admin/communiques/{SLUG}/"' in html
    assert "editor@example.org" in html
