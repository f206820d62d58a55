"""Unsubscribe tokens: the proof, inside a link, that its holder received the message.

RFC 8058's one-click POST carries no cookie and no CSRF token; the signed token in its URL is
the only proof, so it is signed with the deployment's secret and bound to one list. It never
expires: an unsubscribe link in a years-old message must still work.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

from pressroom.errors import ConfigError, PressroomError

_SALT = "pressroom.unsubscribe.v1"


class InvalidTokenError(PressroomError):
    """An unsubscribe link whose token was not made by this site (mistyped or forged)."""


def _serializer(secret: str | bytes) -> URLSafeSerializer:
    if not secret:
        raise ConfigError("no secret key set (PRESSROOM_SECRET_KEY): cannot sign links")
    return URLSafeSerializer(secret, salt=_SALT)


def unsubscribe_token(secret: str | bytes, email: str, list_id: str) -> str:
    """A URL-safe token naming an address and a list, signed with ``secret``."""
    token = _serializer(secret).dumps([email.strip().lower(), list_id])
    return token if isinstance(token, str) else token.decode("ascii")


def read_unsubscribe_token(secret: str | bytes, token: str) -> tuple[str, str]:
    """The (address, list id) a token names; ``InvalidTokenError`` if it was not ours."""
    try:
        value = _serializer(secret).loads(token)
    except BadSignature:
        raise InvalidTokenError(
            "this unsubscribe link is not valid (mistyped or altered)"
        ) from None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(part, str) for part in value)
    ):
        raise InvalidTokenError("this unsubscribe link is not valid (unexpected content)")
    return value[0], value[1]
