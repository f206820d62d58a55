"""The campaign template: filled per recipient, the same message as built whole by the ``email``
package (parsed back with ``email.parser`` and ``policy.default``), DKIM included."""

from __future__ import annotations

import email
import email.policy
import json
import re
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import EmailMessage
from typing import Any

import dkim
import pytest

from pressroom.config import Site
from pressroom.mail.dkim import dkim_sign, load_dkim_key
from pressroom.mail.headers import MailAddress, address_field, display_name
from pressroom.mail.message import MailOptions, PreparedMail, Recipient, personalise, prepare_mail
from pressroom.mail.template import FilledMessage, message_template
from pressroom.render.context import ReleaseView

from .conftest import MAIL_DATA, GeneratedKey

NOW = datetime(2021, 12, 1, 9, 30, tzinfo=UTC)
TOKEN = "eyJhIjoiYiJ9.c2lnbmF0dXJlLW9mLWEtcmVhbGlzdGljLWxlbmd0aC0xMjM0NTY3ODkw"
TRICKY = json.loads((MAIL_DATA / "tricky-recipients.json").read_text(encoding="utf-8"))
# Cases where the email package's own message is not the reference: "email_package" says why.
AS_EMAIL_PACKAGE = [case for case in TRICKY if "email_package" not in case]
_BOUNDARY = re.compile(r'boundary="[^"]*"')
_MESSAGE_ID = re.compile(r"<\d+\.\d+\.\d+\.([^@>]+@[^>]+)>")


@pytest.fixture
def prepared(mail_site: Site, seed_view: ReleaseView, seed_pdf: tuple[str, bytes]) -> PreparedMail:
    """The seed communiqué with its PDF attached, published (no embargo)."""
    return prepare_mail(mail_site, seed_view, MailOptions(pdf=seed_pdf, now=NOW))


def parsed(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def rfc2047_display_name(data: bytes) -> str:
    """The ``To`` name decoded as RFC 2047 6.2 says: whitespace between two adjacent encoded
    words is dropped. (``policy.default`` keeps a space there, so a long non-ASCII name split
    into several encoded words reads back with a space inside a word, whoever split it.)"""
    head = re.sub(r"\r\n(?=[ \t])", "", data.split(b"\r\n\r\n", 1)[0].decode("utf-8"))
    raw = next(line[3:] for line in head.split("\r\n") if line.startswith("To:"))
    phrase = raw.rpartition("<")[0].strip()
    text = str(make_header(decode_header(phrase))) if phrase else ""
    return text[1:-1] if text[:1] == '"' == text[-1:] else text


def comparable(data: bytes) -> list[Any]:
    """Every part's headers (decoded; random Message-ID digits and boundaries left out, ``To``
    as its address and its RFC 2047 name) and decoded content, in order."""
    found: list[Any] = []
    for part in parsed(data).walk():
        headers = [
            (name, _MESSAGE_ID.sub(r"<\1>", _BOUNDARY.sub("boundary", str(value))))
            if name != "To"
            else (name, value.addresses[0].addr_spec, rfc2047_display_name(data))
            for name, value in part.items()
        ]
        content = None if part.is_multipart() else part.get_content()
        found.append((headers, part.get_content_type(), part.get_filename(), content))
    return found


def both(
    prepared: PreparedMail, recipient: Recipient, token: str | None = TOKEN
) -> tuple[bytes, bytes]:
    """(templated bytes, bytes built whole by ``personalise``) for the same delivery."""
    template = message_template(prepared, unsubscribe=token is not None)
    filled = template.fill(recipient, delivery_id="7-42", unsubscribe_token=token, now=NOW)
    whole = personalise(prepared, recipient, delivery_id="7-42", unsubscribe_token=token, now=NOW)
    return filled.as_bytes(), whole.as_bytes()


@pytest.mark.parametrize("case", AS_EMAIL_PACKAGE, ids=[case["case"] for case in AS_EMAIL_PACKAGE])
def test_templated_message_parses_back_to_the_message_built_whole(
    prepared: PreparedMail, case: dict[str, str]
) -> None:
    templated, whole = both(prepared, Recipient(case["email"], case["name"]))
    assert comparable(templated) == comparable(whole)
    assert rfc2047_display_name(templated) == display_name(case["name"])


def test_name_that_looks_like_encoded_words_is_kept_as_typed(prepared: PreparedMail) -> None:
    name = "=?utf-8?q?Evil?= =?x?b?QQ==?="
    templated, _ = both(prepared, Recipient("ew@example.com", name))
    assert parsed(templated)["To"].addresses[0].display_name == name


@pytest.mark.parametrize("case", TRICKY, ids=[case["case"] for case in TRICKY])
def test_templated_message_adds_no_header_and_keeps_line_ends(
    prepared: PreparedMail, case: dict[str, str]
) -> None:
    templated, _ = both(prepared, Recipient(case["email"], case["name"]))
    head = templated.split(b"\r\n\r\n", 1)[0]
    names = [line.split(b":", 1)[0].lower() for line in head.split(b"\r\n") if line[:1] != b" "]
    assert names == [
        b"subject",
        b"from",
        b"to",
        b"reply-to",
        b"date",
        b"message-id",
        b"list-id",
        b"list-unsubscribe",
        b"list-unsubscribe-post",
        b"mime-version",
        b"content-type",
    ]
    assert b"\n" not in templated.replace(b"\r\n", b"")
    assert b"\r" not in templated.replace(b"\r\n", b"")
    assert max(len(line) for line in templated.split(b"\r\n")) <= 998


@pytest.mark.parametrize("case", TRICKY, ids=[case["case"] for case in TRICKY])
def test_to_header_folds_within_78_with_encoded_words_within_75(
    prepared: PreparedMail, case: dict[str, str]
) -> None:
    templated, _ = both(prepared, Recipient(case["email"], case["name"]))
    head = templated.split(b"\r\n\r\n", 1)[0].decode("utf-8")
    to = re.search(r"^To:.*?(?=\r\n(?! ))", head, re.MULTILINE | re.DOTALL)
    assert to is not None
    assert max(len(line) for line in to.group(0).split("\r\n")) <= 78
    assert all(len(word) <= 75 for word in re.findall(r"=\?[^?]+\?[qQbB]\?[^?]*\?=", to.group(0)))


def test_test_send_template_has_no_unsubscribe_and_matches_the_whole_build(
    prepared: PreparedMail,
) -> None:
    templated, whole = both(prepared, Recipient("j0@example.com", "Prénom0 Nom0"), token=None)
    assert comparable(templated) == comparable(whole)
    assert "List-Unsubscribe" not in parsed(templated)
    assert b"desabonnement" not in templated


def test_greeting_of_a_long_accented_name_keeps_encoded_lines_within_78(
    prepared: PreparedMail,
) -> None:
    name = "Élisabeth-Anne Françoise Hélène " * 6
    templated, _ = both(prepared, Recipient("e@example.com", name))
    body = templated.split(b"\r\n\r\n", 1)[1]
    assert max(len(line) for line in body.split(b"\r\n")) <= 78
    text = parsed(templated).get_body(("plain",))
    assert text is not None
    assert f"Bonjour {' '.join(name.split())}," in text.get_content()


def test_recipient_the_template_cannot_write_gets_the_whole_build_with_smtputf8(
    prepared: PreparedMail,
) -> None:
    filled = message_template(prepared).fill(
        Recipient("jérôme@exemple.fr", "Jérôme"), delivery_id="7-43", unsubscribe_token=TOKEN
    )
    assert not isinstance(filled, FilledMessage)
    assert filled.envelope.smtputf8
    assert filled.envelope.rcpt_to == ("jérôme@exemple.fr",)


def test_filled_message_carries_the_verp_envelope(prepared: PreparedMail) -> None:
    filled = message_template(prepared).fill(
        Recipient("anne@example.com"), delivery_id="7-44", unsubscribe_token=TOKEN
    )
    assert isinstance(filled, FilledMessage)
    assert filled.envelope.mail_from == "bounces+7-44@example.org"
    assert filled.envelope.rcpt_to == ("anne@example.com",)
    assert filled.message_id == parsed(filled.as_bytes())["Message-ID"]


def _dns(key: GeneratedKey):  # type: ignore[no-untyped-def]
    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return key.dns_record if name == b"pressroom._domainkey.example.org." else None

    return lookup


def _signed_template(prepared: PreparedMail, key: GeneratedKey) -> bytes:
    dkim_key = load_dkim_key(
        {"PRESSROOM_DKIM_KEY": str(key.pem_path), "PRESSROOM_DKIM_SELECTOR": "pressroom"},
        default_domain="example.org",
    )
    assert dkim_key is not None
    filled = message_template(prepared).fill(
        Recipient("j0@example.com", "Prénom0 Nom0"), delivery_id="7-45", unsubscribe_token="T0K"
    )
    return dkim_sign(filled.as_bytes(), dkim_key)


def test_dkim_signature_of_a_templated_message_verifies(
    prepared: PreparedMail, dkim_test_key: GeneratedKey
) -> None:
    assert dkim.verify(_signed_template(prepared, dkim_test_key), dnsfunc=_dns(dkim_test_key))


def test_dkim_signature_of_a_templated_message_covers_list_unsubscribe(
    prepared: PreparedMail, dkim_test_key: GeneratedKey
) -> None:
    data = _signed_template(prepared, dkim_test_key)
    tampered = data.replace(b"/desabonnement/T0K", b"/desabonnement/EVIL")
    assert tampered != data
    assert not dkim.verify(tampered, dnsfunc=_dns(dkim_test_key))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Jeanne Martin", "To: Jeanne Martin <j@example.com>"),
        ("", "To: j@example.com"),
        ("Martin, Jeanne", "To: =?utf-8?q?Martin=2C_Jeanne?= <j@example.com>"),
        (
            "Jeanne\r\nBcc: x@example.org",
            "To: =?utf-8?q?Jeanne_Bcc=3A_x=40example=2Eorg?= <j@example.com>",
        ),
    ],
)
def test_address_field_writes_plain_words_or_encoded_words(name: str, expected: str) -> None:
    address = MailAddress("j@example.com", "j@example.com", "example.com")
    assert address_field("To", name, address) == expected
