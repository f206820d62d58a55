"""The Release model: what each front matter form of the corpus becomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pressroom.config import Settings
from pressroom.errors import ReleaseError
from pressroom.release import Attachment, Image, Release, parse_release, upload_name

CASES = Path(__file__).parent / "data" / "releases"
PARIS = ZoneInfo("Europe/Paris")


def read(name: str) -> tuple[Release, list[str]]:
    text = (CASES / name).read_text(encoding="utf-8")
    release, warnings = parse_release(text, f"releases/{name}", Settings())
    return release, [str(w) for w in warnings]


def test_date_only_is_midnight_in_the_site_zone() -> None:
    release, _ = read("date-only.md")
    assert release.date == datetime(2018, 7, 2, tzinfo=PARIS)


def test_zulu_date_is_utc() -> None:
    release, _ = read("date-zulu.md")
    assert release.date == datetime(2019, 3, 1, 9, 30, tzinfo=UTC)


def test_naive_datetime_is_in_the_site_zone() -> None:
    release, _ = read("date-naive.md")
    assert release.date.utcoffset() == timedelta(hours=2)
    assert release.date.hour == 14


def test_offset_date_keeps_its_offset() -> None:
    text = "---\ntitle: x\ndate: 2021-11-18 11:07:00 +01:00\n---\n"
    release, _ = parse_release(text, "releases/x.md", Settings())
    assert release.date == datetime(2021, 11, 18, 11, 7, tzinfo=timezone(timedelta(hours=1)))


def test_split_image_items_are_merged() -> None:
    release, _ = read("split-image-items.md")
    assert release.images == (
        Image("/uploads/banniere.jpg", "Une bannière"),
        Image("/uploads/second.png", "Second visuel"),
    )


def test_legacy_keys_give_chapeau_image_and_file() -> None:
    release, _ = read("legacy-keys.md")
    assert release.chapeau == "Le chapeau à l’ancienne."
    assert release.images == (Image("uploads/ancienne-image.jpeg", ""),)
    assert [f.url for f in release.files] == ["/uploads/cp_ancien.pdf"]


def test_unknown_keys_are_kept_untouched() -> None:
    release, _ = read("legacy-keys.md")
    assert release.metadata["position"] == 3
    assert "Key" in release.metadata
    multi, _ = read("multiline-title-draft.md")
    assert multi.metadata["unknown-key"] == {"nested": [1, 2]}


def test_file_items_accept_file_lien_and_capital_file() -> None:
    release, warnings = read("file-variants.md")
    assert release.files == (
        Attachment("/uploads/a.pdf", "Télécharger A"),
        Attachment("/uploads/b.pdf", "Télécharger B"),
        Attachment("/uploads/c.pdf", "Télécharger le communiqué de presse"),
    )
    assert any("names no file" in w for w in warnings)


def test_contact_name_is_stripped_and_mail_is_an_alias() -> None:
    release, _ = read("contact-variants.md")
    assert release.contact is not None
    assert release.contact.name == "Jeanne Martin"
    assert release.contact.phones == ("01 02 03 04 05",)
    assert release.contact.email == "jeanne.martin@example.org"


def test_empty_contact_falls_back_to_site_default() -> None:
    release, _ = read("contact-mail-null.md")
    assert release.contact is None
    default = Settings().press_contact
    assert release.contact_or(default) is default


def test_multiline_title_is_collapsed_and_fields_are_read() -> None:
    release, _ = read("multiline-title-draft.md")
    assert release.title == "Un titre sur deux lignes"
    assert release.category == "Dossier de presse"
    assert release.tags == ("numérique", "État")
    assert release.published is False
    assert release.language == "en"


def test_nfd_title_and_body_are_nfc() -> None:
    release, _ = read("nfd-title.md")
    assert release.title == "Titre décomposé"
    assert "décomposé" in release.body


def test_string_published_and_scalar_tags_are_coerced_with_warnings() -> None:
    release, warnings = read("published-string.md")
    assert release.published is False
    assert release.tags == ("seul-mot-clé",)
    assert any(":4: warning: published" in w for w in warnings)
    assert any(":5: warning: tags should be a list" in w for w in warnings)


def test_slug_key_wins_over_file_name() -> None:
    release, _ = read("slug-key.md")
    assert release.slug == "Mon-slug-à-moi"
    assert release.url == "/espace-presse/Mon-slug-à-moi/"


def test_permalink_is_the_url() -> None:
    release, _ = read("permalink-key.md")
    assert release.url == "/espace-presse/ailleurs/"


def test_category_defaults_to_the_site_one() -> None:
    release, _ = read("date-only.md")
    assert release.category == "Communiqué de presse"


def test_draft_and_embargo_status() -> None:
    draft, _ = read("multiline-title-draft.md")
    when = draft.date
    assert draft.status(when + timedelta(days=1)) == "draft"
    release, _ = read("date-only.md")
    assert release.status(release.date - timedelta(seconds=1)) == "scheduled"
    assert release.status(release.date) == "published"
    assert release.is_public(release.date)


@pytest.mark.parametrize(
    ("text", "line", "keyword"),
    [
        ("no front matter\n", 1, "no front matter"),
        ("---\ndate: 2020-01-01\n---\n", 1, "missing title"),
        ("---\ntitle: [a, b]\ndate: 2020-01-01\n---\n", 2, "title must be text"),
        ("---\ntitle: x\ndate: demain\n---\n", 3, "is not a date"),
        ("---\ntitle: x\ndate: 2021-02-30\n---\n", 3, "is not a date"),
        ("---\ntitle: x\n\ndate: 2020-01-01\ntags: {a: 1}\n---\n", 5, "tags must be a list"),
        ("---\ntitle: x\ndate: 2020-01-01\nfoo: [\n---\n", 5, "YAML syntax"),
    ],
)
def test_unreadable_front_matter_names_the_line(text: str, line: int, keyword: str) -> None:
    with pytest.raises(ReleaseError) as caught:
        parse_release(text, "releases/bad.md", Settings())
    assert caught.value.problem.line == line
    assert keyword in caught.value.problem.message


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/uploads/a.pdf", "a.pdf"),
        ("uploads/2021/b%20c.png", "2021/b c.png"),
        ("/uploads/../../etc/passwd", None),
        ("/uploads/", None),
        ("https://example.org/uploads/x.png", None),
        ("/assets/x.png", None),
    ],
)
def test_upload_name_accepts_only_paths_inside_uploads(url: str, name: str | None) -> None:
    assert upload_name(url) == name
