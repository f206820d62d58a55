"""The campaign engine's test vocabulary: the SMTP servers of tests/mail, contact lists of any
size written as real files, and engine settings that retry at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pressroom.config import Site
from pressroom.db import Database, ensure_database
from pressroom.sending import SendSettings
from tests.mail.conftest import (
    SEED_SLUG,
    SITE_URL,
    CollectingHandler,
    FaultyHandler,
    Received,
    SmtpServer,
    faulty_smtp_server,
    mail_site,
    seed_pdf,
    seed_view,
    smtp_server,
    start_smtp_server,
)

__all__ = [
    "SEED_SLUG",
    "SITE_URL",
    "CollectingHandler",
    "FaultyHandler",
    "Received",
    "SmtpServer",
    "faulty_smtp_server",
    "mail_site",
    "seed_pdf",
    "seed_view",
    "smtp_server",
    "start_smtp_server",
]

HEADER = (
    "email,first_name,last_name,outlet,role,beats,phone,language,consent_source,consent_date,notes"
)


def write_list(
    site: Site, name: str, count: int, *, beats: str = "numérique", start: int = 0
) -> Path:
    """``contacts/NAME.csv`` with ``count`` journalists ``j<n>@example.com``."""
    folder = site.root / "contacts"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.csv"
    lines = [HEADER] + [
        f"j{n}@example.com,Prénom{n},Nom{n},Média {n},Journaliste,{beats},,fr,salon,2024-01-01,"
        for n in range(start, start + count)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def campaign_site(mail_site: Site) -> Site:
    """The demo site with a public address and the list ``presse`` of five journalists."""
    write_list(mail_site, "presse", 5)
    return mail_site


@pytest.fixture
def campaign_db(campaign_site: Site) -> Database:
    """The site's database, migrated."""
    return ensure_database(campaign_site)


@pytest.fixture
def engine_settings() -> Callable[..., SendSettings]:
    """``engine_settings(server, **changes)``: send to ``server``, retry at once, short timeout."""

    def make(server: SmtpServer, timeout: float = 5.0, **changes: object) -> SendSettings:
        values: dict[str, object] = {
            "smtp": server.settings(timeout=timeout),
            "retry_delay": 0.0,
            "batch_size": 20,
        }
        values.update(changes)
        return SendSettings(**values)  # type: ignore[arg-type]

    return make


def copies_per_address(received: list[Received]) -> dict[str, int]:
    """How many messages each recipient got, as the server saw them."""
    counts: dict[str, int] = {}
    for message in received:
        for address in message.rcpt_tos:
            counts[address] = counts.get(address, 0) + 1
    return counts
