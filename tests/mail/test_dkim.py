"""Signing: the signature ``dkim_sign`` computes without dkimpy's slow steps is dkimpy's own."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import dkim
import pytest
import time_machine
from dkim.canonicalization import Relaxed

from pressroom.config import Site
from pressroom.mail.dkim import SIGNED_HEADERS, DkimKey, _relaxed_body, dkim_sign
from pressroom.mail.message import MailOptions, Recipient, prepare_mail
from pressroom.mail.template import message_template
from pressroom.render.context import ReleaseView

from .conftest import MAIL_DATA, GeneratedKey

NOW = datetime(2021, 12, 1, 9, 30, tzinfo=UTC)
BODIES = sorted((MAIL_DATA / "dkim-bodies").glob("*.txt"))


@pytest.fixture
def campaign_message(mail_site: Site, seed_view: ReleaseView, seed_pdf: tuple[str, bytes]) -> bytes:
    """One recipient's seed communiqué, PDF attached, as the campaign engine sends it."""
    prepared = prepare_mail(mail_site, seed_view, MailOptions(pdf=seed_pdf, now=NOW))
    filled = message_template(prepared).fill(
        Recipient("j0@example.com", "Prénom0 Nom0"), delivery_id="7-45", unsubscribe_token="T0K"
    )
    return filled.as_bytes()


def _key(generated: GeneratedKey) -> DkimKey:
    return DkimKey("pressroom", "example.org", generated.pem_path.read_bytes())


def _dkimpy_signed(data: bytes, key: DkimKey) -> bytes:
    signature = dkim.sign(
        data,
        key.selector.encode("ascii"),
        key.domain.encode("ascii"),
        key.private_key,
        canonicalize=(b"relaxed", b"relaxed"),
        include_headers=[name.encode("ascii") for name in SIGNED_HEADERS],
    )
    return bytes(signature) + data


@pytest.mark.parametrize("line_end", [b"\r\n", b"\n"], ids=["crlf", "bare-lf"])
@time_machine.travel(NOW, tick=False)
def test_signature_equals_dkimpys_for_the_same_bytes_and_second(
    campaign_message: bytes, dkim_test_key: GeneratedKey, line_end: bytes
) -> None:
    data = campaign_message.replace(b"\r\n", line_end)
    key = _key(dkim_test_key)
    assert dkim_sign(data, key) == _dkimpy_signed(data, key)


def test_signed_campaign_message_verifies(
    campaign_message: bytes, dkim_test_key: GeneratedKey
) -> None:
    def dns(name: bytes, timeout: int = 5) -> bytes | None:
        return dkim_test_key.dns_record if name == b"pressroom._domainkey.example.org." else None

    assert dkim.verify(dkim_sign(campaign_message, _key(dkim_test_key)), dnsfunc=dns)


@pytest.mark.parametrize("path", BODIES, ids=[path.stem for path in BODIES])
def test_relaxed_body_is_dkimpys(path: Path) -> None:
    body = path.read_bytes().replace(b"\n", b"\r\n")
    assert _relaxed_body(body) == Relaxed.canonicalize_body(body)


def test_relaxed_body_of_an_empty_body_is_dkimpys() -> None:
    assert _relaxed_body(b"") == Relaxed.canonicalize_body(b"")
