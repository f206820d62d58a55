"""The release's email as built, parsed back with Python's ``email`` package (no SMTP here)."""

from __future__ import annotations

import email
import email.policy
import re
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import dkim
import pytest
import time_machine

from pressroom.config import PressContact, Site
from pressroom.mail.dkim import DkimKey, dkim_sign, load_dkim_key
from pressroom.mail.headers import InvalidAddressError, MailError
from pressroom.mail.message import (
    MailOptions,
    Outgoing,
    Recipient,
    build_message,
    delivery_from_verp,
    prepare_mail,
)
from pressroom.mail.tokens import InvalidTokenError, read_unsubscribe_token, unsubscribe_token
from pressroom.render.context import ReleaseView, release_view
from pressroom.store import load_catalog

from .conftest import MAIL_DATA, SITE_URL, GeneratedKey

BEFORE = datetime(2021, 11, 17, 9, 0, tzinfo=UTC)  # the day before the seed's date
AFTER = datetime(2021, 12, 1, 9, 0, tzinfo=UTC)
JEANNE = Recipient("jeanne.martin@example.com", "Jeanne Martin")
EXPECTED_HEADERS = {
    "subject",
    "from",
    "to",
    "reply-to",
    "date",
    "message-id",
    "list-id",
    "list-unsubscribe",
    "list-unsubscribe-post",
    "mime-version",
    "content-type",
}


def parsed(outgoing: Outgoing) -> EmailMessage:
    message = email.message_from_bytes(outgoing.as_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def build(
    site: Site,
    view: ReleaseView,
    recipient: Recipient = JEANNE,
    token: str | None = "TOKEN123",
    **options: object,
) -> EmailMessage:
    outgoing = build_message(
        site,
        view,
        recipient,
        MailOptions(**options),  # type: ignore[arg-type]
        delivery_id="d42",
        unsubscribe_token=token,
    )
    return parsed(outgoing)


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def attachments(message: EmailMessage) -> dict[str, bytes]:
    return {
        str(part.get_filename()): bytes(part.get_content()) for part in message.iter_attachments()
    }


def view_of(site: Site, data_file: str) -> ReleaseView:
    shutil.copyfile(MAIL_DATA / data_file, site.releases_dir / data_file)
    catalog = load_catalog(site)
    release = next(r for r in catalog.releases if r.path.endswith(data_file))
    return release_view(site, release)


@time_machine.travel(AFTER, tick=False)
def test_subject_follows_the_default_pattern(mail_site: Site, seed_view: ReleaseView) -> None:
    message = build(mail_site, seed_view)
    assert message["Subject"] == (
        "[Communiqué de presse] Numérique : l’état recrute 300 postes lors de son forum "
        "de l’emploi tech"
    )


def test_subject_pattern_with_an_unknown_placeholder_is_refused(
    mail_site: Site, seed_view: ReleaseView
) -> None:
    with pytest.raises(MailError, match=r"unknown \{titre\}"):
        build(mail_site, seed_view, subject_pattern="{titre}")


def test_from_is_the_site_sender_named_after_the_press_contact(
    mail_site: Site, seed_view: ReleaseView
) -> None:
    sender = build(mail_site, seed_view)["From"]
    assert sender.addresses[0].display_name == "Floriane Beaudron"
    assert sender.addresses[0].addr_spec == "presse@example.org"


def test_reply_to_is_the_press_contact(mail_site: Site, seed_view: ReleaseView) -> None:
    reply_to = build(mail_site, seed_view)["Reply-To"]
    assert reply_to.addresses[0].addr_spec == "floriane.beaudron@modernisation.gouv.fr"


def test_greeting_names_the_recipient_in_both_parts(
    mail_site: Site, seed_view: ReleaseView
) -> None:
    message = build(mail_site, seed_view)
    assert "Bonjour Jeanne Martin," in text_of(message)
    assert "Bonjour Jeanne Martin," in html_of(message)


def test_greeting_without_a_name_is_madame_monsieur(
    mail_site: Site, seed_view: ReleaseView
) -> None:
    message = build(mail_site, seed_view, Recipient("redaction@example.com"))
    assert "Madame, Monsieur," in text_of(message)
    assert "Madame, Monsieur," in html_of(message)


def test_english_release_is_greeted_in_english(mail_site: Site) -> None:
    catalog = load_catalog(mail_site)
    release = next(r for r in catalog.releases if r.slug.startswith("tchap"))
    view = release_view(mail_site, replace(release, language="en"))
    assert "Hello Jeanne Martin," in text_of(build(mail_site, view))


def test_press_contact_block_is_the_signature(mail_site: Site, seed_view: ReleaseView) -> None:
    text = text_of(build(mail_site, seed_view))
    signature = text.split("\n-- \n", 1)[1]
    assert signature.startswith("Contact presse\nFloriane Beaudron\n01 71 21 12 50\n")


def test_message_id_is_on_the_site_domain(mail_site: Site, seed_view: ReleaseView) -> None:
    message_id = build(mail_site, seed_view)["Message-ID"]
    assert re.fullmatch(r"<[^<>@\s]+@presse\.example\.org>", message_id)


def test_message_id_falls_back_to_the_sender_domain_on_a_local_site(
    demo_site: Site,
) -> None:
    view = release_view(demo_site, load_catalog(demo_site).releases[0])
    assert build(demo_site, view)["Message-ID"].endswith("@example.org>")


def test_list_headers_offer_https_and_mailto_with_one_click(
    mail_site: Site, seed_view: ReleaseView
) -> None:
    message = build(mail_site, seed_view, list_id="Journalistes", list_name="Journalistes")
    assert message["List-Id"] == "Journalistes <journalistes.presse.example.org>"
    assert message["List-Unsubscribe"] == (
        f"<{SITE_URL}/desabonnement/TOKEN123>, "
        "<mailto:presse@example.org?subject=unsubscribe%20TOKEN123>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_long_unsubscribe_token_stays_a_readable_url(
    mail_site: Site, seed_view: ReleaseView
) -> None:
    token = unsubscribe_token("secret", "jeanne.martin@example.com", "journalistes")
    raw = build(mail_site, seed_view, token=token)
    assert f"<{SITE_URL}/desabonnement/{token}>" in raw["List-Unsubscribe"]
    assert "=?" not in str(raw.get("List-Unsubscribe"))


def test_unsubscribe_link_is_in_both_parts(mail_site: Site, seed_view: ReleaseView) -> None:
    message = build(mail_site, seed_view)
    assert f"{SITE_URL}/desabonnement/TOKEN123" in text_of(message)
    assert f'href="{SITE_URL}/desabonnement/TOKEN123"' in html_of(message)


def test_test_send_without_token_has_no_unsubscribe(
    mail_site: Site, seed_view: ReleaseView
) -> None:
    message = build(mail_site, seed_view, token=None)
    assert "List-Unsubscribe" not in message
    assert "desabonnement" not in text_of(message) + html_of(message)
    assert "PRESSROOM" not in text_of(message) + html_of(message)


@time_machine.travel(BEFORE, tick=False)
def test_embargo_banner_is_in_subject_text_and_html(
    mail_site: Site, seed_view: ReleaseView
) -> None:
    banner = "Sous embargo jusqu'au jeudi 18 novembre 2021 à 11 h 07"
    message = build(mail_site, seed_view)
    assert message["Subject"].startswith(f"[{banner}] [Communiqué de presse]")
    assert banner in text_of(message)
    assert banner in html_of(message)


@time_machine.travel(AFTER, tick=False)
def test_no_embargo_banner_once_public(mail_site: Site, seed_view: ReleaseView) -> None:
    message = build(mail_site, seed_view)
    assert "embargo" not in message["Subject"] + text_of(message) + html_of(message)


@time_machine.travel(BEFORE, tick=False)
def test_pdf_is_attached_under_embargo_even_when_links_are_preferred(
    mail_site: Site, seed_view: ReleaseView, seed_pdf: tuple[str, bytes]
) -> None:
    message = build(mail_site, seed_view, pdf=seed_pdf, link_pdf=True)
    assert attachments(message) == {seed_pdf[0]: seed_pdf[1]}
    assert ".pdf" not in re.sub(r"\(en pièce jointe\s*: [^)]*\)", "", text_of(message))


@time_machine.travel(AFTER, tick=False)
def test_pdf_is_linked_when_public_and_links_are_preferred(
    mail_site: Site, seed_view: ReleaseView, seed_pdf: tuple[str, bytes]
) -> None:
    message = build(mail_site, seed_view, pdf=seed_pdf, link_pdf=True)
    assert attachments(message) == {}
    url = f"{SITE_URL}{seed_view.release.url}{seed_pdf[0]}"
    assert url in text_of(message)
    assert f'href="{url}"' in html_of(message)


@time_machine.travel(AFTER, tick=False)
def test_pdf_is_attached_by_default(
    mail_site: Site, seed_view: ReleaseView, seed_pdf: tuple[str, bytes]
) -> None:
    message = build(mail_site, seed_view, pdf=seed_pdf)
    assert message.get_content_type() == "multipart/mixed"
    body = next(iter(message.iter_parts()))
    assert body.get_content_type() == "multipart/alternative"
    assert attachments(message)[seed_pdf[0]] == seed_pdf[1]


def _with_upload(site: Site, seed_pdf: tuple[str, bytes]) -> ReleaseView:
    (site.uploads_dir / "CP_NUMERIQUE_L_ETAT_RECRUTE.pdf").write_bytes(seed_pdf[1])
    release = load_catalog(site).get(
        "numerique-letat-recrute-300-postes-lors-de-son-forum-de-lemploi-tech"
    )
    return release_view(site, release)


@time_machine.travel(AFTER, tick=False)
def test_release_files_are_linked_with_absolute_urls(
    mail_site: Site, seed_pdf: tuple[str, bytes]
) -> None:
    message = build(mail_site, _with_upload(mail_site, seed_pdf))
    url = f"{SITE_URL}/uploads/CP_NUMERIQUE_L_ETAT_RECRUTE.pdf"
    assert f"Télécharger le communiqué de presse\u00a0: {url}" in text_of(message)
    assert attachments(message) == {}


@time_machine.travel(BEFORE, tick=False)
def test_release_files_are_attached_under_embargo(
    mail_site: Site, seed_pdf: tuple[str, bytes]
) -> None:
    message = build(mail_site, _with_upload(mail_site, seed_pdf))
    assert attachments(message) == {"CP_NUMERIQUE_L_ETAT_RECRUTE.pdf": seed_pdf[1]}
    assert "/uploads/" not in text_of(message)


def test_html_part_has_css_inlined_in_a_600px_column(
    mail_site: Site, seed_view: ReleaseView
) -> None:
    html = html_of(build(mail_site, seed_view))
    assert "<style" not in html
    assert re.search(r'class="mail" style="[^"]*max-width: 600px', html)
    assert "<table" not in html


def test_html_part_has_no_root_relative_link(mail_site: Site, seed_view: ReleaseView) -> None:
    html = html_of(build(mail_site, seed_view))
    assert not re.search(r'(?:href|src)="/', html)


def test_text_part_lists_links_and_wraps_lines(mail_site: Site, seed_view: ReleaseView) -> None:
    text = text_of(build(mail_site, seed_view))
    assert "[En savoir plus et consulter le programme complet][1]" in text
    assert "[1]: https://www.numerique.gouv.fr/agenda/forum-emploi-tech-etat-2021/" in text
    assert "dans le cadre du [programme\nTECH.GOUV][2]" in text
    long_lines = [line for line in text.splitlines() if len(line) > 76 and "://" not in line]
    assert long_lines == []


def test_text_part_keeps_no_break_spaces_before_punctuation(
    mail_site: Site, seed_view: ReleaseView
) -> None:
    text = text_of(build(mail_site, seed_view))
    assert "apprécié\u202f?" in text
    assert not re.search(r"^[?!:;]", text, re.MULTILINE)


def _header_names(message: EmailMessage) -> set[str]:
    return {name.lower() for name in message}


def test_title_with_a_newline_adds_no_header(mail_site: Site) -> None:
    message = build(mail_site, view_of(mail_site, "header-injection.md"))
    assert _header_names(message) == EXPECTED_HEADERS
    assert (
        message["Subject"]
        == "[Communiqué de presse Cc: y@example.org] Objet anodin Bcc: x@example.org"
    )


@pytest.mark.parametrize(
    "field",
    ["title", "category", "contact name", "recipient name", "list name", "token"],
)
def test_newline_in_any_field_adds_no_header(mail_site: Site, field: str) -> None:
    view = view_of(mail_site, "header-injection.md")
    evil = "Texte\r\nBcc: x@example.org\r\n\r\n<b>corps</b>"
    release = view.release
    recipient, options, token = JEANNE, MailOptions(), "TOKEN"
    if field == "title":
        release = replace(release, title=evil)
    elif field == "category":
        release = replace(release, category=evil)
    elif field == "contact name":
        release = replace(release, contact=PressContact(evil, (), "presse@example.org"))
    elif field == "recipient name":
        recipient = Recipient("jeanne.martin@example.com", evil)
    elif field == "list name":
        options = MailOptions(list_name=evil)
    else:
        token = evil
    outgoing = build_message(
        mail_site,
        release_view(mail_site, release),
        recipient,
        options,
        delivery_id="d1",
        unsubscribe_token=token,
    )
    head = outgoing.as_bytes().split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in head
    assert _header_names(parsed(outgoing)) == EXPECTED_HEADERS


@pytest.mark.parametrize(
    "address",
    [
        "jeanne@example.com\r\nBcc: x@example.org",
        "jeanne@example.com\nBcc: x@example.org",
        "Jeanne <jeanne@example.com>, x@example.org",
        "jeanne@example.com,x@example.org",
        "",
    ],
)
def test_recipient_address_that_is_not_one_address_is_refused(
    mail_site: Site, seed_view: ReleaseView, address: str
) -> None:
    with pytest.raises(InvalidAddressError):
        build(mail_site, seed_view, Recipient(address))


def test_press_contact_with_a_bad_address_names_the_release(mail_site: Site) -> None:
    view = view_of(mail_site, "header-injection.md")
    release = replace(view.release, contact=PressContact("X", (), "presse@example.org\r\nBcc: y"))
    with pytest.raises(InvalidAddressError, match=r"header-injection\.md: press contact"):
        prepare_mail(mail_site, release_view(mail_site, release))


class _ActiveContent(HTMLParser):
    """Collects whatever in an HTML document could run script."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed", "svg", "form"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}")
            if value and "javascript:" in value.replace(" ", "").lower():
                self.found.append(f"{tag} {name}={value}")


def test_script_payloads_are_inert_in_the_html_part(mail_site: Site) -> None:
    html = html_of(build(mail_site, view_of(mail_site, "script-payloads.md")))
    checker = _ActiveContent()
    checker.feed(html)
    assert checker.found == []
    assert '&lt;script&gt;alert("title")&lt;/script&gt;' in html


def test_unicode_local_part_is_sent_with_smtputf8(mail_site: Site, seed_view: ReleaseView) -> None:
    outgoing = build_message(mail_site, seed_view, Recipient("jérôme@exemple.fr"), delivery_id="d7")
    assert outgoing.envelope.smtputf8
    assert outgoing.envelope.rcpt_to == ("jérôme@exemple.fr",)
    assert "\r\nTo: jérôme@exemple.fr\r\n".encode() in outgoing.as_bytes()


def test_unicode_domain_is_sent_as_punycode(mail_site: Site, seed_view: ReleaseView) -> None:
    outgoing = build_message(
        mail_site, seed_view, Recipient("anne@bücher.example"), delivery_id="d8"
    )
    assert not outgoing.envelope.smtputf8
    assert outgoing.envelope.rcpt_to == ("anne@xn--bcher-kva.example",)


def test_envelope_sender_names_the_delivery(mail_site: Site, seed_view: ReleaseView) -> None:
    outgoing = build_message(mail_site, seed_view, JEANNE, delivery_id="c3-r981")
    assert outgoing.envelope.mail_from == "bounces+c3-r981@example.org"
    assert delivery_from_verp("<bounces+c3-r981@example.org>") == "c3-r981"
    assert delivery_from_verp("postmaster@example.org") is None


def test_unsubscribe_token_names_address_and_list() -> None:
    token = unsubscribe_token("s3cret", "Jeanne.Martin@Example.com", "journalistes")
    assert read_unsubscribe_token("s3cret", token) == ("jeanne.martin@example.com", "journalistes")


def test_unsubscribe_token_signed_with_another_secret_is_refused() -> None:
    token = unsubscribe_token("s3cret", "jeanne@example.com", "journalistes")
    with pytest.raises(InvalidTokenError):
        read_unsubscribe_token("another", token)


def _signed(
    site: Site, view: ReleaseView, key: GeneratedKey, *, domain: str = "example.org"
) -> bytes:
    outgoing = build_message(site, view, JEANNE, delivery_id="d9", unsubscribe_token="T0K")
    dkim_key = load_dkim_key(
        {"PRESSROOM_DKIM_KEY": str(key.pem_path), "PRESSROOM_DKIM_SELECTOR": "pressroom"},
        default_domain=domain,
    )
    assert isinstance(dkim_key, DkimKey)
    return dkim_sign(outgoing.as_bytes(), dkim_key)


def _dns(key: GeneratedKey):  # type: ignore[no-untyped-def]
    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return key.dns_record if name == b"pressroom._domainkey.example.org." else None

    return lookup


def test_dkim_signature_verifies(
    mail_site: Site, seed_view: ReleaseView, dkim_test_key: GeneratedKey
) -> None:
    data = _signed(mail_site, seed_view, dkim_test_key)
    assert dkim.verify(data, dnsfunc=_dns(dkim_test_key))


def test_dkim_signature_covers_list_unsubscribe(
    mail_site: Site, seed_view: ReleaseView, dkim_test_key: GeneratedKey
) -> None:
    data = _signed(mail_site, seed_view, dkim_test_key)
    signature = data.split(b"\r\n\r\n", 1)[0].split(b"\r\nFrom:", 1)[0]
    signed = re.sub(rb"\s", b"", signature.split(b"h=", 1)[1].split(b";", 1)[0]).lower()
    for name in (b"from", b"to", b"subject", b"date", b"message-id", b"list-unsubscribe-post"):
        assert name in signed.split(b":")
    tampered = data.replace(b"/desabonnement/T0K", b"/desabonnement/EVIL")
    assert not dkim.verify(tampered, dnsfunc=_dns(dkim_test_key))


def test_dkim_key_without_selector_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MailError, match="PRESSROOM_DKIM_SELECTOR"):
        load_dkim_key({"PRESSROOM_DKIM_KEY": str(tmp_path / "k.pem")}, "example.org")


def test_wire_bytes_are_what_the_email_package_writes(
    mail_site: Site, seed_view: ReleaseView, seed_pdf: tuple[str, bytes]
) -> None:
    outgoing = build_message(
        mail_site, seed_view, JEANNE, MailOptions(pdf=seed_pdf), delivery_id="d1"
    )
    assert outgoing.as_bytes() == outgoing.message.as_bytes()


@time_machine.travel(BEFORE, tick=False)
def test_an_upload_named_like_the_pdf_is_not_attached_twice(
    mail_site: Site, seed_view: ReleaseView, seed_pdf: tuple[str, bytes]
) -> None:
    message = build(mail_site, seed_view, pdf=seed_pdf)
    names = [part.get_filename() for part in message.iter_attachments()]
    assert names.count(seed_pdf[0]) == 1
