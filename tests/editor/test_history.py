"""Going back: the trash folder, revisions in the database or in git, restoring one."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask

from pressroom.config import Site
from pressroom.store import load_catalog
from tests.editor.conftest import Person, form_values, release_file, version_in

SLUG = "la-dinum-ouvre-un-nouveau-service"
BASE = f"/admin/communiques/{SLUG}/"


def test_deleted_release_goes_to_the_trash_folder(editor: Person, demo_site: Site) -> None:
    editor.create()
    path = release_file(demo_site.root, SLUG)
    data = path.read_bytes()
    editor.post(BASE + "supprimer")
    assert not path.exists()
    trashed = list((demo_site.root / "releases" / ".trash").iterdir())
    assert [p.read_bytes() for p in trashed] == [data]
    assert load_catalog(demo_site).find_slug(SLUG) is None


def test_trashed_release_can_be_restored(editor: Person, demo_site: Site) -> None:
    editor.create()
    path = release_file(demo_site.root, SLUG)
    data = path.read_bytes()
    editor.post(BASE + "supprimer")
    html = editor.client.get("/admin/communiques/corbeille/").get_data(as_text=True)
    assert "La DINUM ouvre un nouveau service" in html
    name = next((demo_site.root / "releases" / ".trash").iterdir()).name
    response = editor.post(f"/admin/communiques/corbeille/{name}/restaurer")
    assert response.headers["Location"] == BASE
    assert path.read_bytes() == data


def test_editor_cannot_trash_a_published_release(editor: Person, demo_site: Site) -> None:
    release = next(r for r in load_catalog(demo_site).releases if r.published)
    editor.post(f"/admin/communiques/{release.slug}/supprimer")
    assert (demo_site.root / release.path).is_file()


def test_every_save_is_a_revision_with_its_author(editor: Person) -> None:
    editor.create()
    version = version_in(editor.edit_page(SLUG))
    editor.post(BASE, form_values(title="Deuxième titre", version=version))
    html = editor.client.get(BASE + "revisions/").get_data(as_text=True)
    assert html.count("editor@example.org") >= 2
    assert "Création" in html and "Enregistrement" in html


def test_revision_diff_is_escaped(editor: Person) -> None:
    editor.create(title="Titre <b>gras</b>")
    slug = "titre-b-gras-b"
    version = version_in(editor.edit_page(slug))
    editor.post(f"/admin/communiques/{slug}/", form_values(title="Sans balise", version=version))
    page = editor.client.get(f"/admin/communiques/{slug}/revisions/1/").get_data(as_text=True)
    assert "Titre &lt;b&gt;gras&lt;/b&gt;" in page
    assert "<b>gras</b>" not in page


def test_restoring_a_revision_brings_the_old_text_back(editor: Person, demo_site: Site) -> None:
    editor.create()
    path = release_file(demo_site.root, SLUG)
    first = path.read_bytes()
    version = version_in(editor.edit_page(SLUG))
    editor.post(BASE, form_values(title="Deuxième titre", version=version))
    current = version_in(editor.edit_page(SLUG))
    editor.post(BASE + "revisions/1/restaurer", {"version": current})
    assert path.read_bytes() == first


def test_restoring_an_old_published_revision_keeps_an_editors_draft_unpublished(
    editor: Person, publisher: Person, demo_site: Site, app: Flask
) -> None:
    publisher.create()
    path = release_file(demo_site.root, SLUG)
    version = version_in(publisher.edit_page(SLUG))
    publisher.post(BASE + "publier", {"version": version})
    publisher.post(BASE + "depublier")
    current = version_in(editor.edit_page(SLUG))
    editor.post(BASE + "revisions/2/restaurer", {"version": current})
    assert "published: false" in path.read_text(encoding="utf-8")


@pytest.fixture
def git_site(demo_site: Site) -> Site:
    """The demo site as a git repository, as a press office keeps it."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    run = ["git", "-C", str(demo_site.root)]
    subprocess.run([*run, "init", "--quiet"], check=True)
    subprocess.run([*run, "add", "--all"], check=True)
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.org"]
    subprocess.run([*run, *identity, "commit", "--quiet", "-m", "Site"], check=True)
    return demo_site


def _log(root: Path, *args: str) -> str:
    command = ["git", "-C", str(root), "log", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def test_save_in_a_git_site_is_a_commit_by_the_account(git_site: Site, editor: Person) -> None:
    editor.create()
    log = _log(git_site.root, "--format=%ae|%s")
    assert log.splitlines()[0] == "editor@example.org|create: La DINUM ouvre un nouveau service"


def test_git_commit_leaves_other_staged_work_alone(git_site: Site, editor: Person) -> None:
    other = git_site.root / "notes.txt"
    other.write_text("pas encore prêt\n", encoding="utf-8")
    subprocess.run(["git", "-C", str(git_site.root), "add", "notes.txt"], check=True)
    editor.create()
    assert "notes.txt" not in _log(git_site.root, "-1", "--name-only")
    status = subprocess.run(
        ["git", "-C", str(git_site.root), "status", "--porcelain"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "A  notes.txt" in status


def test_git_revisions_can_be_listed_and_restored(git_site: Site, editor: Person) -> None:
    editor.create()
    path = release_file(git_site.root, SLUG)
    first = path.read_bytes()
    version = version_in(editor.edit_page(SLUG))
    editor.post(BASE, form_values(title="Deuxième titre", version=version))
    commit = _log(git_site.root, "--format=%H", "--", str(path)).split()[-1]
    html = editor.client.get(BASE + "revisions/").get_data(as_text=True)
    assert commit in html
    current = version_in(editor.edit_page(SLUG))
    editor.post(BASE + f"revisions/{commit}/restaurer", {"version": current})
    assert path.read_bytes() == first
    assert _log(git_site.root, "-1", "--format=%s").startswith("restore: ")
