"""Reset and invitation links: signed, expiring, and bound to the password they replace.

The token carries the account's password stamp, so once a password is set through it (or in
any other way) the link stops working: a link works once. Links are sent by email through the
outbox adapter.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any, Literal

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from pressroom import audit
from pressroom.accounts import (
    Account,
    AccountError,
    check_password,
    find_account,
    set_password,
    to_account,
)
from pressroom.config import Site
from pressroom.db import Database, Session
from pressroom.i18n import gettext
from pressroom.mail.outbox import deliver
from pressroom.models.accounts import User

RESET_LINK_AGE = timedelta(hours=1)
INVITATION_LINK_AGE = timedelta(days=3)
LinkPurpose = Literal["reset", "invitation"]


class LinkError(AccountError):
    """A reset or invitation link that is forged, expired or already used."""


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="pressroom.accounts.link")


def make_link_token(secret: str, account: Account, purpose: LinkPurpose = "reset") -> str:
    """The token of a reset or invitation link for this account as it is now."""
    return _serializer(secret).dumps({"u": account.id, "s": account.password_stamp, "p": purpose})


def _link_user(session: Session, secret: str, token: str) -> User:
    invalid = LinkError("This link is not valid, or it has already been used.")
    try:
        payload, signed_at = _serializer(secret).loads(
            token,
            max_age=int(INVITATION_LINK_AGE.total_seconds()),
            return_timestamp=True,
        )
    except SignatureExpired:
        raise LinkError("This link has expired; ask for a new one.") from None
    except BadSignature:
        raise invalid from None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        raise invalid
    max_age = RESET_LINK_AGE if payload.get("p") == "reset" else INVITATION_LINK_AGE
    if datetime.now(UTC) - signed_at > max_age:
        raise LinkError("This link has expired; ask for a new one.")
    user = session.get(User, payload["u"])
    if user is None or not user.active or to_account(user).password_stamp != payload.get("s"):
        raise invalid
    return user


def check_link(database: Database, secret: str, token: str) -> Account:
    """The account a link is for, if it can still be used; else ``LinkError``."""
    with database.session() as session:
        return to_account(_link_user(session, secret, token))


def reset_password(database: Database, secret: str, token: str, password: str) -> Account:
    """Set the password a valid link asks for; the link cannot be used again."""
    check_password(password)
    with database.session() as session:
        user = _link_user(session, secret, token)
        set_password(user, password)
        account = to_account(user)
        audit.add(session, account, audit.Action.ACCOUNT_PASSWORD_RESET, user.email)
        return account


def link_message(site: Site, account: Account, link: str, purpose: LinkPurpose) -> EmailMessage:
    """The email carrying a reset or invitation link, in the site's language."""
    lang = site.settings.language

    def _(text: str, **params: Any) -> str:
        return gettext(lang, text).format(**params)

    message = EmailMessage()
    message["To"] = account.email
    message["From"] = site.settings.sender
    if purpose == "reset":
        message["Subject"] = _("Resetting your password – {site}", site=site.settings.name)
        lines = [
            _(
                "Someone, probably you, asked to reset the password of {email}.",
                email=account.email,
            ),
            _("To choose a new password, open this link within an hour:"),
            "",
            link,
            "",
            _("If you did not ask for it, ignore this message: your password stays as it is."),
        ]
    else:
        message["Subject"] = _("Your account – {site}", site=site.settings.name)
        lines = [
            _("An account was created for {email} in the back office.", email=account.email),
            _("To choose your password, open this link within three days:"),
            "",
            link,
        ]
    message.set_content("\n".join(lines) + "\n")
    return message


def request_password_reset(
    database: Database, site: Site, secret: str, email: str, link_for: Callable[[str], str]
) -> None:
    """Email a reset link if the address has an active account; say nothing either way."""
    account = find_account(database, email)
    if account is None or not account.active:
        return
    link = link_for(make_link_token(secret, account, "reset"))
    deliver(site, link_message(site, account, link, "reset"))
    audit.record(database, None, audit.Action.ACCOUNT_PASSWORD_RESET_REQUESTED, account.email)


def send_invitation(
    database: Database,
    site: Site,
    secret: str,
    account: Account,
    link_for: Callable[[str], str],
    actor: audit.Actor | str,
) -> None:
    """Email a new account the link to choose its password."""
    link = link_for(make_link_token(secret, account, "invitation"))
    deliver(site, link_message(site, account, link, "invitation"))
    audit.record(database, actor, audit.Action.ACCOUNT_INVITED, account.email)
