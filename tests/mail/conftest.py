"""A real SMTP server on loopback (aiosmtpd), well-behaved or faulty, and the seed's email.

The faulty server answers 4xx to some messages, drops the connection every N messages and
stalls on others: what the campaign engine's fault tests send through.
"""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from pressroom.config import Site, load_site
from pressroom.mail.smtp import SmtpSettings
from pressroom.render.context import ReleaseView, release_view
from pressroom.store import load_catalog

MAIL_DATA = Path(__file__).resolve().parents[1] / "data" / "mail"
SEED_SLUG = "numerique-letat-recrute-300-postes-lors-de-son-forum-de-lemploi-tech"
SITE_URL = "https://presse.example.org"


@dataclass(frozen=True)
class Received:
    """One message as the server took it: envelope and raw bytes."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes

    def parse(self) -> EmailMessage:
        message = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message


@dataclass
class CollectingHandler:
    """Accepts everything, except recipients in ``reject`` (550), and keeps each message."""

    reject: frozenset[str] = frozenset()
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.reject:
            return "550 5.1.1 <" + address + ">: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        with self.lock:
            self.received.append(
                Received(str(envelope.mail_from), tuple(envelope.rcpt_tos), bytes(content))
            )
            number = len(self.received)
        return f"250 2.0.0 Ok: queued as Q{number:05d}"


@dataclass
class FaultyHandler(CollectingHandler):
    """Counts DATA commands: every ``temp_fail_every``-th gets 451, every ``drop_every``-th
    loses the connection before any reply, every ``stall_every``-th never gets an answer."""

    temp_fail_every: int = 0
    drop_every: int = 0
    stall_every: int = 0
    attempts: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            self.attempts += 1
            attempt = self.attempts
        if self.drop_every and attempt % self.drop_every == 0:
            assert server.transport is not None
            server.transport.close()
            return "421 4.4.2 connection dropped by the test server"
        if self.stall_every and attempt % self.stall_every == 0:
            # Never answers in time; the controller cancels this at shutdown.
            await asyncio.Event().wait()
        if self.temp_fail_every and attempt % self.temp_fail_every == 0:
            return "451 4.3.0 Temporary failure, try again later"
        return await super().handle_DATA(server, session, envelope)


@dataclass
class SmtpServer:
    """A running server: where it listens and what it received."""

    handler: CollectingHandler
    port: int

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def settings(self, timeout: float = 5.0) -> SmtpSettings:
        return SmtpSettings(server="127.0.0.1", port=self.port, timeout=timeout)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def start_smtp_server() -> Iterator[Callable[[CollectingHandler], SmtpServer]]:
    """Start aiosmtpd servers with the given handlers; all are stopped after the test."""
    controllers: list[Controller] = []

    def start(handler: CollectingHandler) -> SmtpServer:
        port = _free_port()
        controller = Controller(
            handler, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True, decode_data=False
        )
        controller.start()
        controllers.append(controller)
        return SmtpServer(handler, port)

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def smtp_server(start_smtp_server: Callable[[CollectingHandler], SmtpServer]) -> SmtpServer:
    """A well-behaved SMTP server on 127.0.0.1 that keeps every message."""
    return start_smtp_server(CollectingHandler())


@pytest.fixture
def faulty_smtp_server(
    start_smtp_server: Callable[[CollectingHandler], SmtpServer],
) -> Callable[..., SmtpServer]:
    """``faulty_smtp_server(temp_fail_every=3, drop_every=100, stall_every=0, reject=())``."""

    def start(**options: Any) -> SmtpServer:
        reject = frozenset(a.lower() for a in options.pop("reject", ()))
        return start_smtp_server(FaultyHandler(reject=reject, **options))

    return start


@pytest.fixture
def mail_site(demo_site: Site) -> Site:
    """The demo site with a public https address, as a site that sends mail has."""
    settings = demo_site.root / "pressroom.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        text.replace('base_url = "http://127.0.0.1:5000"', f'base_url = "{SITE_URL}"'),
        encoding="utf-8",
    )
    site = load_site(demo_site.root)
    assert site.settings.base_url == SITE_URL
    return site


@pytest.fixture
def seed_view(mail_site: Site) -> ReleaseView:
    """The seed communiqué as every medium sees it."""
    return release_view(mail_site, load_catalog(mail_site).get(SEED_SLUG))


@pytest.fixture
def seed_pdf() -> tuple[str, bytes]:
    """A real (one-page) PDF standing in for the rendered communiqué."""
    return ("CP_NUMERIQUE_L_ETAT_RECRUTE.pdf", (MAIL_DATA / "communique.pdf").read_bytes())


@dataclass(frozen=True)
class GeneratedKey:
    """A DKIM key made for the test, and the DNS TXT record that publishes it."""

    pem_path: Path
    dns_record: bytes


@pytest.fixture(scope="session")
def dkim_test_key(tmp_path_factory: pytest.TempPathFactory) -> GeneratedKey:
    """A fresh RSA key (openssl), never one from the repository."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed (Debian package: openssl)")
    folder = tmp_path_factory.mktemp("dkim")
    pem = folder / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(pem), "2048"], check=True, capture_output=True)
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(pem), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout

    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    return GeneratedKey(pem, record)
