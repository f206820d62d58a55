"""Subscribers' vocabulary: the app wired to a real SMTP server (aiosmtpd), and reading back
what it sent (the server's messages or the outbox's ``.eml`` files)."""

from __future__ import annotations

import email
import email.policy
import re
import subprocess
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from pressroom.config import Site
from pressroom.web import create_app
from tests.campaigns.conftest import campaign_site  # noqa: F401  (erasure after campaigns)
from tests.conftest import csrf_token_in
from tests.mail.conftest import (  # noqa: F401  (fixtures re-exported for this folder)
    SmtpServer,
    mail_site,
    smtp_server,
    start_smtp_server,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "subscribers"
SECRET = "test"
_LINK = re.compile(r"https?://\S+?(/(?:abonnement/confirmation|mes-donnees)/\S+)")


@pytest.fixture
def mail_app(demo_site: Site, smtp_server: SmtpServer) -> Flask:  # noqa: F811
    """The web app on the demo site, sending through the test's SMTP server."""
    config = {
        "TESTING": True,
        "SECRET_KEY": SECRET,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server.port,
    }
    return create_app(demo_site, config)


@pytest.fixture
def mail_client(mail_app: Flask) -> FlaskClient:
    return mail_app.test_client()


def link_path(message: EmailMessage) -> str:
    """The path of the one link a notice carries (the test client needs no host)."""
    body = message.get_body(("plain",))
    assert body is not None
    found = _LINK.search(body.get_content())
    assert found, "no link in the message"
    return found.group(1)


def outbox_messages(site: Site) -> list[EmailMessage]:
    """Messages written to the outbox, oldest first."""
    folder = site.instance_dir / "outbox"
    messages = []
    for path in sorted(folder.glob("*.eml")) if folder.is_dir() else []:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        messages.append(message)
    return messages


def post_form(client: FlaskClient, path: str, data: dict[str, object]) -> object:
    """POST a public form through its page, CSRF token included."""
    token = csrf_token_in(client.get(path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


@pytest.fixture
def subscribe_form(client: FlaskClient) -> Callable[..., object]:
    """Subscribe through the real form of ``client``'s app."""

    def send(email_address: str, topics: tuple[str, ...] = (), consent: bool = True) -> object:
        data: dict[str, object] = {"email": email_address, "topics": list(topics)}
        if consent:
            data["consent"] = "yes"
        return post_form(client, "/abonnement/", data)

    return send


def commit_contacts(site: Site) -> str:
    """Put the site in git with its ``contacts/`` committed, as an operator may; the commit's
    short hash."""

    def git(*args: str) -> str:
        command = ["git", "-C", str(site.root), "-c", "user.name=Test"]
        command += ["-c", "user.email=test@example.org", *args]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()

    git("init", "-q")
    git("add", "contacts")
    git("commit", "-q", "-m", "Lists")
    return git("rev-parse", "--short", "HEAD")
