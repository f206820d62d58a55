"""DKIM signatures (dkimpy) for outgoing messages, with a key named in the settings.

Large mailbox providers ask bulk senders to sign, and to sign the ``List-Unsubscribe`` headers
so that nobody on the way can swap the unsubscribe link. Signing works on the bytes sent: the
signature is prepended, the message itself is never re-serialised after signing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dkim

from pressroom.mail.headers import MailError

# Oversigning From and the List-Unsubscribe pair: a second copy added on the way breaks the
# signature instead of slipping past it.
SIGNED_HEADERS: tuple[str, ...] = (
    "From",
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "Reply-To",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "List-Unsubscribe-Post",
    "MIME-Version",
    "Content-Type",
)


class DkimError(MailError):
    """The DKIM key cannot be read or used."""


@dataclass(frozen=True)
class DkimKey:
    """A private key, its selector and the domain it signs for (``d=``)."""

    selector: str
    domain: str
    private_key: bytes = field(repr=False)


def _setting(config: Mapping[str, Any], name: str) -> str:
    """``PRESSROOM_DKIM_X`` from os.environ, or ``DKIM_X`` from a Flask config."""
    value = config.get(f"PRESSROOM_{name}", config.get(name))
    return "" if value is None else str(value).strip()


def load_dkim_key(config: Mapping[str, Any], default_domain: str = "") -> DkimKey | None:
    """The key of ``PRESSROOM_DKIM_KEY`` (a PEM file), or None when signing is not set up.

    ``PRESSROOM_DKIM_SELECTOR`` is required with a key; ``PRESSROOM_DKIM_DOMAIN`` defaults to
    the sending address's domain.
    """
    path = _setting(config, "DKIM_KEY")
    if not path:
        return None
    selector = _setting(config, "DKIM_SELECTOR")
    domain = _setting(config, "DKIM_DOMAIN") or default_domain
    if not selector:
        raise DkimError("PRESSROOM_DKIM_KEY is set but PRESSROOM_DKIM_SELECTOR is not")
    if not domain:
        raise DkimError("PRESSROOM_DKIM_KEY is set but PRESSROOM_DKIM_DOMAIN is not")
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise DkimError(
            "PRESSROOM_DKIM_KEY: cannot read {path}: {reason}",
            path=path,
            reason=exc.strerror or str(exc),
        ) from None
    if b"PRIVATE KEY" not in data:
        raise DkimError("PRESSROOM_DKIM_KEY: {path} is not a PEM private key", path=path)
    return DkimKey(selector=selector, domain=domain, private_key=data)


def dkim_sign(message: bytes, key: DkimKey) -> bytes:
    """The message with a ``DKIM-Signature`` header in front (relaxed/relaxed)."""
    # Names absent from the message are signed too (as empty): none can be added on the way.
    headers = [name.encode("ascii") for name in SIGNED_HEADERS]
    try:
        signature = dkim.sign(
            message,
            key.selector.encode("ascii"),
            key.domain.encode("ascii"),
            key.private_key,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=headers,
        )
    except (dkim.DKIMException, ValueError, UnicodeError) as exc:
        raise DkimError(
            "DKIM signing failed (selector {selector!r}): {reason}",
            selector=key.selector,
            reason=str(exc),
        ) from None
    return bytes(signature) + message
