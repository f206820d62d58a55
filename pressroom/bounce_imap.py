"""Bounces read from an IMAP folder: each one applied, then moved to a folder of processed ones.

The order makes a crash harmless: a message leaves the folder only after the transaction that
applied it committed, so a process that dies in between loses nothing, and the next pass finds
that bounce already recorded (``pressroom.bounces.RECORDED``) and only moves it. Messages are
fetched with ``BODY.PEEK`` so that mail which is not a bounce (an auto-reply, a journalist
answering the envelope address) stays unread where it was, for a person to see; it is tagged
with a keyword so that later passes skip it.

Plain IMAP without TLS sends the password in clear, so it is allowed only to this machine.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import ipaddress
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, unquote, urlsplit

from pressroom.bounces import BounceError, BounceReport, process_message
from pressroom.db import Database

Security = Literal["tls", "starttls", "plain"]

IMAP_TIMEOUT = 30.0  # seconds for connecting and for each reply
PROCESSED_FOLDER = "Processed"
NOT_A_BOUNCE = "$PressroomNotBounce"  # the keyword on mail left in place


@dataclass(frozen=True)
class ImapFolder:
    """Where the bounces are: ``imaps://USER@HOST[:993]/FOLDER`` or ``imap://...[:143]``."""

    host: str
    port: int
    username: str
    folder: str
    security: Security

    @property
    def server(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def __str__(self) -> str:
        scheme = "imaps" if self.security == "tls" else "imap"
        return f"{scheme}://{quote(self.username, safe='')}@{self.server}/{self.folder}"


@dataclass
class ImapReport(BounceReport):
    """A pass over an IMAP folder: what was found, and where the messages went."""

    moved: int = 0
    left: int = 0


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def imap_folder(address: str, *, plain: bool = False) -> ImapFolder:
    """Read ``imaps://USER@HOST/FOLDER`` (TLS from the start), ``imap://USER@HOST/FOLDER``
    (STARTTLS required) or, with ``plain``, ``imap://`` without TLS to this machine only."""
    parts = urlsplit(address)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise BounceError(
            "{address}: not an IMAP folder address (imaps://USER@HOST/FOLDER or "
            "imap://USER@HOST/FOLDER)",
            address=address,
        )
    if parts.password is not None:
        shown = address.replace(f":{parts.password}@", ":…@", 1)  # not on the screen either
        raise BounceError(
            "{address}: the password must not be in the address (every user of the machine "
            "can read a command line); set PRESSROOM_BOUNCES_PASSWORD or type it when asked",
            address=shown,
        )
    if not parts.username:
        raise BounceError(
            "{address}: no user name (imaps://USER@HOST/FOLDER or imap://USER@HOST/FOLDER)",
            address=address,
        )
    try:
        port = parts.port
    except ValueError:
        raise BounceError(
            "{address}: the port is not a number from 1 to 65535", address=address
        ) from None
    if parts.query or parts.fragment:
        raise BounceError(
            "{address}: an IMAP folder address has no ?query nor #fragment", address=address
        )
    host = parts.hostname
    security: Security = "tls" if parts.scheme == "imaps" else "starttls"
    if plain:
        if security == "tls":
            raise BounceError("{address}: imaps:// is TLS; plain IMAP is imap://", address=address)
        if not _is_loopback(host):
            raise BounceError(
                "{address}: plain IMAP would send the password in clear to {host}; it is "
                "allowed only to this machine (localhost, 127.0.0.1, ::1)",
                address=address,
                host=host,
            )
        security = "plain"
    return ImapFolder(
        host=host,
        port=port or (993 if security == "tls" else 143),
        username=unquote(parts.username),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        security=security,
    )


def quoted(text: str) -> str:
    """An IMAP quoted string (RFC 3501): backslashes and double quotes escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def quoted_mailbox(name: str) -> str:
    """A folder name as IMAP writes it: modified UTF-7 (RFC 3501, 5.1.3), then quoted, since
    imaplib sends names as they are (``Rebonds traités`` is ``"Rebonds trait&AOk-s"``)."""
    out: list[str] = []
    wide: list[str] = []

    def flush() -> None:
        if wide:
            encoded = base64.b64encode("".join(wide).encode("utf-16-be")).decode("ascii")
            out.append("&" + encoded.rstrip("=").replace("/", ",") + "-")
            wide.clear()

    for char in name:
        if " " <= char <= "~":
            flush()
            out.append("&-" if char == "&" else char)
        else:
            wide.append(char)
    flush()
    return quoted("".join(out))


def _said(data: Sequence[object]) -> str:
    """The server's words in a NO or BAD reply."""
    words = [d.decode("utf-8", "replace") if isinstance(d, bytes) else str(d) for d in data if d]
    return " ".join(words).strip() or "no reason given"


class _Session:
    """One logged-in connection, every command checked: a refusal becomes a ``BounceError``."""

    def __init__(self, where: ImapFolder, client: imaplib.IMAP4) -> None:
        self.where = where
        self.client = client
        self.capabilities: frozenset[str] = frozenset()

    def check(self, reply: tuple[str, Sequence[object]], doing: str) -> Sequence[object]:
        status, data = reply
        if status != "OK":
            raise BounceError(
                "IMAP server {server}: {doing}: {reply}",
                server=self.where.server,
                doing=doing,
                reply=_said(data),
            )
        return data

    def login(self, password: str) -> None:
        user = self.where.username
        try:
            if "AUTH=PLAIN" in self.client.capabilities:
                # SASL PLAIN carries UTF-8; LOGIN (imaplib's) only ASCII.
                secret = f"\0{user}\0{password}".encode()
                self.client.authenticate("PLAIN", lambda _challenge: secret)
            else:
                self.client.login(quoted(user), password)
        except imaplib.IMAP4.error as exc:
            raise BounceError(
                "IMAP server {server} refused the login of {user}: {reason}",
                server=self.where.server,
                user=user,
                reason=str(exc),
            ) from None
        except UnicodeEncodeError:
            raise BounceError(
                "IMAP server {server} takes only ASCII user names and passwords "
                "(it offers no AUTH=PLAIN)",
                server=self.where.server,
            ) from None
        words = self.check(self.client.capability(), "CAPABILITY")
        self.capabilities = frozenset(str(_said(words)).upper().split())

    def select(self) -> None:
        folder = self.where.folder
        status, data = self.client.select(quoted_mailbox(folder))
        if status != "OK":
            raise BounceError(
                "IMAP server {server}: no folder {folder} for {user} ({reply})",
                server=self.where.server,
                folder=repr(folder),
                user=self.where.username,
                reply=_said(data),
            )

    def ensure_folder(self, name: str) -> None:
        listed = self.check(self.client.list('""', quoted_mailbox(name)), f"LIST {name!r}")
        if any(listed):
            return
        status, data = self.client.create(quoted_mailbox(name))
        if status != "OK":
            raise BounceError(
                "IMAP server {server}: cannot create the folder {folder} for processed "
                "bounces ({reply}); name another with --processed-folder",
                server=self.where.server,
                folder=repr(name),
                reply=_said(data),
            )

    def pending(self) -> list[str]:
        found = self.check(
            self.client.uid("SEARCH", "UNDELETED", "UNKEYWORD", NOT_A_BOUNCE), "SEARCH"
        )
        first = found[0] if found else b""
        return first.decode("ascii").split() if isinstance(first, bytes) else []

    def fetch(self, uid: str) -> bytes | None:
        """The message's bytes, or None when another client expunged it meanwhile."""
        data = self.check(self.client.uid("FETCH", uid, "(BODY.PEEK[])"), "FETCH")
        for part in data:
            if isinstance(part, tuple) and isinstance(part[1], bytes):
                return part[1]
        return None

    def move(self, uid: str, target: str) -> None:
        """Move one message; without MOVE (RFC 6851), copy it then flag the original deleted
        (expunged at the end of the pass; later passes skip it until then). A crash between
        the copy and the flag leaves a second copy in ``target``, never a lost bounce."""
        if "MOVE" in self.capabilities:
            self.check(self.client.uid("MOVE", uid, quoted_mailbox(target)), "MOVE")
            return
        self.check(self.client.uid("COPY", uid, quoted_mailbox(target)), "COPY")
        self.check(self.client.uid("STORE", uid, "+FLAGS.SILENT", "(\\Deleted)"), "STORE")

    def leave(self, uid: str) -> None:
        self.check(self.client.uid("STORE", uid, "+FLAGS.SILENT", f"({NOT_A_BOUNCE})"), "STORE")

    def expunge(self, uids: list[str]) -> None:
        """Remove what ``move`` copied: only those messages with UIDPLUS; without it, EXPUNGE
        removes every message flagged deleted, as a mail client's would."""
        if not uids or "MOVE" in self.capabilities:
            return
        if "UIDPLUS" in self.capabilities:
            self.check(self.client.uid("EXPUNGE", ",".join(uids)), "EXPUNGE")
        else:
            self.check(self.client.expunge(), "EXPUNGE")


def _connect(where: ImapFolder, timeout: float) -> imaplib.IMAP4:
    context = ssl.create_default_context()
    client: imaplib.IMAP4
    if where.security == "tls":
        client = imaplib.IMAP4_SSL(where.host, where.port, ssl_context=context, timeout=timeout)
    else:
        client = imaplib.IMAP4(where.host, where.port, timeout=timeout)
    try:
        # imaplib sends AUTHENTICATE's answer in two writes, which delayed ACKs hold 40 ms.
        client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if where.security == "starttls":
            if "STARTTLS" not in client.capabilities:
                raise BounceError(
                    "IMAP server {server} does not offer STARTTLS: use imaps:// if it "
                    "listens with TLS (port 993); the password is never sent in clear",
                    server=where.server,
                )
            client.starttls(ssl_context=context)
    except BaseException:
        client.shutdown()
        raise
    return client


def process_imap(
    database: Database,
    where: ImapFolder,
    password: str,
    *,
    processed: str = PROCESSED_FOLDER,
    timeout: float = IMAP_TIMEOUT,
    progress: Callable[[int, int], None] | None = None,
) -> ImapReport:
    """Every message of the folder not yet read: bounces applied then moved to ``processed``
    (created if missing), other mail left in place. ``progress(done, total)`` follows it."""
    if processed == where.folder:
        raise BounceError(
            "{folder}: the processed bounces need a folder of their own", folder=str(where)
        )
    report = ImapReport()
    try:
        client = _connect(where, timeout)
    except ssl.SSLCertVerificationError as exc:
        raise BounceError(
            "IMAP server {server}: TLS failed: {reason}", server=where.server, reason=str(exc)
        ) from None
    except ssl.SSLError as exc:
        message = (
            "IMAP server {server}: TLS failed (a port that takes STARTTLS is imap://): {reason}"
            if where.security == "tls"
            else "IMAP server {server}: TLS failed: {reason}"
        )
        raise BounceError(message, server=where.server, reason=str(exc)) from None
    except (OSError, imaplib.IMAP4.error) as exc:
        raise BounceError(
            "IMAP server {server} cannot be reached: {reason}", server=where.server, reason=str(exc)
        ) from None
    session = _Session(where, client)
    try:
        session.login(password)
        session.select()
        session.ensure_folder(processed)
        uids = session.pending()
        copied: list[str] = []
        if progress is not None:
            progress(0, len(uids))
        for done, uid in enumerate(uids, start=1):
            data = session.fetch(uid)
            if data is not None:
                if process_message(database, data, report) == "not-bounce":
                    session.leave(uid)
                    report.left += 1
                else:
                    session.move(uid, processed)
                    copied.append(uid)
                    report.moved += 1
            if progress is not None:
                progress(done, len(uids))
        session.expunge(copied)
    except (OSError, imaplib.IMAP4.abort) as exc:
        raise BounceError(
            "IMAP server {server}, folder {folder}: connection lost after {count} messages "
            "(those are recorded; run again for the rest): {reason}",
            server=where.server,
            folder=repr(where.folder),
            count=str(report.messages),
            reason=str(exc),
        ) from None
    except imaplib.IMAP4.error as exc:
        raise BounceError(
            "IMAP server {server}, folder {folder}: {reason}",
            server=where.server,
            folder=repr(where.folder),
            reason=str(exc),
        ) from None
    finally:
        _logout(client)
    return report


def _logout(client: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        client.logout()
