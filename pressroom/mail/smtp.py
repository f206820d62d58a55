"""Sending a batch of messages over one SMTP connection, and the outbox when there is no server.

Why smtplib and not Flask-Mail: a campaign needs three things Flask-Mail does not give. A socket
timeout (a stalled relay would hang a worker for ever), the server's reply to each message (the
delivery record keeps "250 2.0.0 Ok: queued as ..." or the refusal, to tell temporary from
permanent), and a hook to DKIM-sign the exact bytes sent. The settings keep Flask-Mail's names
(``PRESSROOM_MAIL_SERVER``...) so one configuration serves both.
"""

from __future__ import annotations

import functools
import itertools
import re
import smtplib
import ssl
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pressroom.config import Site
from pressroom.errors import ConfigError
from pressroom.mail.dkim import DkimKey, dkim_sign
from pressroom.mail.headers import MailError
from pressroom.mail.message import Sendable
from pressroom.mail.outbox import write_eml

Status = Literal["sent", "temporary", "permanent"]
DEFAULT_TIMEOUT = 30.0
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
# What smtplib dot-stuffs (RFC 5321 4.5.2): a dot at the start of a line.
_LINE_START_DOT = re.compile(rb"(?m)^\.")


class MailServerError(MailError):
    """The SMTP server could not be reached or refused the login: nothing of the batch was sent."""


@dataclass(frozen=True)
class SmtpSettings:
    """Flask-Mail's settings, read from ``PRESSROOM_MAIL_*`` (or a Flask config's ``MAIL_*``)."""

    server: str = ""
    port: int = 25
    use_tls: bool = False
    use_ssl: bool = False
    username: str = ""
    password: str = field(default="", repr=False)
    default_sender: str = ""
    timeout: float = DEFAULT_TIMEOUT

    @property
    def configured(self) -> bool:
        return bool(self.server)


def _get(config: Mapping[str, Any], name: str) -> Any:
    # os.environ holds PRESSROOM_MAIL_SERVER; Flask's from_prefixed_env() strips the prefix.
    for key in (f"PRESSROOM_{name}", name):
        if key in config:
            return config[key]
    return None


def _flag(config: Mapping[str, Any], name: str) -> bool:
    value = _get(config, name)
    if isinstance(value, bool) or value is None:
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ConfigError(
        "PRESSROOM_{name} must be true or false, not {value!r}", name=name, value=str(value)
    )


def _number(config: Mapping[str, Any], name: str, default: float) -> float:
    value = _get(config, name)
    if value is None or value == "":
        return float(default)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(
            "PRESSROOM_{name} must be a number, not {value!r}", name=name, value=str(value)
        ) from None
    if number <= 0:
        raise ConfigError(
            "PRESSROOM_{name} must be positive, not {value!r}", name=name, value=str(value)
        )
    return number


def smtp_settings(config: Mapping[str, Any]) -> SmtpSettings:
    """Read the SMTP settings from ``os.environ`` or a Flask config; no server means outbox."""
    use_ssl = _flag(config, "MAIL_USE_SSL")
    use_tls = _flag(config, "MAIL_USE_TLS")
    if use_ssl and use_tls:
        raise ConfigError("PRESSROOM_MAIL_USE_SSL and PRESSROOM_MAIL_USE_TLS exclude each other")
    port = _number(config, "MAIL_PORT", 465 if use_ssl else 25)
    if not port.is_integer() or not 0 < port < 65536:
        raise ConfigError("PRESSROOM_MAIL_PORT must be a port number, not {port}", port=f"{port:g}")
    return SmtpSettings(
        server=str(_get(config, "MAIL_SERVER") or "").strip(),
        port=int(port),
        use_tls=use_tls,
        use_ssl=use_ssl,
        username=str(_get(config, "MAIL_USERNAME") or ""),
        password=str(_get(config, "MAIL_PASSWORD") or ""),
        default_sender=str(_get(config, "MAIL_DEFAULT_SENDER") or ""),
        timeout=_number(config, "MAIL_TIMEOUT", DEFAULT_TIMEOUT),
    )


@dataclass(frozen=True)
class SendResult:
    """What became of one message: the server's reply, or the error that stopped it."""

    delivery_id: str
    message_id: str
    status: Status
    code: int | None = None
    reply: str = ""
    error: str = ""  # exception class name when no reply came (disconnect, timeout)

    @property
    def sent(self) -> bool:
        return self.status == "sent"


def _result(
    outgoing: Sendable, status: Status, code: int | None = None, reply: str = "", error: str = ""
) -> SendResult:
    return SendResult(
        delivery_id=outgoing.envelope.delivery_id,
        message_id=outgoing.message_id,
        status=status,
        code=code,
        reply=reply,
        error=error,
    )


def _status(code: int) -> Status:
    if 200 <= code < 400:
        return "sent"
    return "temporary" if 400 <= code < 500 else "permanent"


def _text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One context per process: loading the system's CA certificates took 60 ms, paid at
    every connection (one per batch) even with no TLS at all."""
    return ssl.create_default_context()


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    """Open, secure and log in; any failure is a ``MailServerError`` naming the server."""
    where = f"{settings.server}:{settings.port}"
    connection: smtplib.SMTP | None = None
    try:
        if settings.use_ssl:
            connection = smtplib.SMTP_SSL(
                settings.server, settings.port, timeout=settings.timeout, context=_tls_context()
            )
        else:
            connection = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
        connection.ehlo_or_helo_if_needed()
        if settings.use_tls:
            connection.starttls(context=_tls_context())
            connection.ehlo()
        if settings.username:
            connection.login(settings.username, settings.password)
    except smtplib.SMTPAuthenticationError as exc:
        _close(connection)
        raise MailServerError(
            "{server} refused the login: {reply}", server=where, reply=_text(exc.smtp_error)
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        _close(connection)
        reason = _text(str(exc)) or type(exc).__name__
        raise MailServerError(
            "cannot talk to the mail server {server}: {reason}", server=where, reason=reason
        ) from None
    return connection


def _close(connection: smtplib.SMTP | None) -> None:
    if connection is None:
        return
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()


def _send_one(connection: smtplib.SMTP, outgoing: Sendable, data: bytes) -> SendResult:
    """MAIL, RCPT, DATA by hand: ``sendmail`` would throw the final reply away."""
    envelope = outgoing.envelope
    options: list[str] = []
    if envelope.smtputf8:
        if not connection.has_extn("smtputf8"):
            return _result(outgoing, "permanent", reply="server lacks SMTPUTF8")
        options.append("SMTPUTF8")
    code, reply = connection.mail(envelope.mail_from, options)
    if code != 250:
        connection.rset()
        return _result(outgoing, _status(code), code=code, reply=_text(reply))
    accepted = 0
    refusal: tuple[int, bytes] | None = None
    for address in envelope.rcpt_to:
        code, reply = connection.rcpt(address)
        if code in (250, 251):
            accepted += 1
        elif refusal is None:
            refusal = (code, reply)
    if not accepted:
        connection.rset()
        code, reply = refusal or (554, b"no recipient")
        return _result(outgoing, _status(code), code=code, reply=_text(reply))
    code, reply = _data(connection, data)
    if code != 250:
        connection.rset()
    return _result(outgoing, _status(code), code=code, reply=_text(reply))


def _data(connection: smtplib.SMTP, data: bytes) -> tuple[int, bytes]:
    """``SMTP.data`` for bytes, without its regular-expression pass over the whole message
    (half a millisecond for 100 kB): a line starting with a dot is rare (base64 has none), so
    the bytes are searched for one first and dot-stuffed as smtplib does only when found."""
    code, reply = connection.docmd("data")
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    if data.startswith(b".") or b"\n." in data:
        data = _LINE_START_DOT.sub(b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    connection.send(data + b".\r\n")
    return connection.getreply()


def send_batch(
    settings: SmtpSettings, batch: Iterable[Sendable], dkim_key: DkimKey | None = None
) -> list[SendResult]:
    """Send messages over one connection; one result per message, in order.

    A 4xx reply, a dropped connection or a timeout is ``temporary`` (retry later); a 5xx is
    ``permanent``. Once the connection is lost, the rest of the batch is not attempted and
    comes back ``temporary``. Raises ``MailServerError`` when nothing could be sent at all.
    """
    return list(send_each(settings, batch, dkim_key))


def send_each(
    settings: SmtpSettings, batch: Iterable[Sendable], dkim_key: DkimKey | None = None
) -> Iterator[SendResult]:
    """``send_batch`` one message at a time: each result is yielded as soon as the server
    answered, and ``batch`` is read lazily. The campaign engine records each reply before the
    next message goes out (a crash then resends at most the message in flight), and can hold
    the next message back for its rate limit. The connection opens at the first message."""
    iterator = iter(batch)
    first = next(iterator, None)
    if first is None:
        return
    connection: smtplib.SMTP | None = _connect(settings)
    try:
        for outgoing in itertools.chain((first,), iterator):
            if connection is None:
                yield _result(outgoing, "temporary", error="NotAttempted")
                continue
            data = outgoing.as_bytes()
            if dkim_key is not None:
                data = dkim_sign(data, dkim_key)
            try:
                result = _send_one(connection, outgoing, data)
            except smtplib.SMTPResponseException as exc:
                # Raised when the server answers 421 and hangs up, among others.
                status = _status(exc.smtp_code)
                result = _result(
                    outgoing,
                    "temporary" if exc.smtp_code == 421 else status,
                    code=exc.smtp_code,
                    reply=_text(exc.smtp_error),
                    error=type(exc).__name__,
                )
                connection = _still_usable(connection)
            except (smtplib.SMTPException, OSError) as exc:
                # Disconnects and timeouts: the message may or may not have arrived; the
                # delivery stays pending and is retried (RFC 5321 §6.1 accepts the duplicate).
                result = _result(outgoing, "temporary", error=type(exc).__name__)
                connection.close()
                connection = None
            yield result
    finally:
        _close(connection)


def _still_usable(connection: smtplib.SMTP) -> smtplib.SMTP | None:
    """After an error reply, reset the transaction; a server that hung up is let go."""
    try:
        connection.rset()
    except (smtplib.SMTPException, OSError):
        connection.close()
        return None
    return connection


def write_outbox(site: Site, batch: Iterable[Sendable]) -> list[SendResult]:
    """With no SMTP server configured: each message as an ``.eml`` file in ``instance/outbox/``.

    DKIM is left out there: nothing leaves the machine, and a signature proves nothing on disk.
    """
    results = []
    for outgoing in batch:
        path = write_eml(site, outgoing.message)
        reply = f"written to {path.relative_to(site.root)}"
        results.append(_result(outgoing, "sent", reply=reply))
    return results


def deliver_batch(
    site: Site,
    settings: SmtpSettings,
    batch: Iterable[Sendable],
    dkim_key: DkimKey | None = None,
) -> list[SendResult]:
    """Send over SMTP when a server is configured, else write to the outbox."""
    if settings.configured:
        return send_batch(settings, batch, dkim_key)
    return write_outbox(site, batch)
