"""A real IMAP server for the bounce reader's tests: Debian's Dovecot on 127.0.0.1.

One server per test session (``dovecot -F`` as a child process: 0.03-0.15 s to start, 1.2 s
to stop, measured on a shared 2-core machine), with three passwd-file users whose mailboxes
are emptied before each test: ``bounces`` (Dovecot as it is: MOVE, UIDPLUS), ``nomove``
(advertises UIDPLUS but not MOVE) and ``legacy`` (plain IMAP4rev1). Plain IMAP (STARTTLS
offered) and implicit TLS listen on free ports, with a self-signed certificate made by openssl
for 127.0.0.1. Dovecot logs to ``dovecot.log`` in its folder, shown when it fails to start.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pressroom.bounce_imap import quoted_mailbox
from tests.mail.conftest import _free_port

# Not ASCII on purpose: the reader logs in with SASL PLAIN, which carries UTF-8.
PASSWORD = "rebonds-été"
# Dovecot's imap_capability from the user database: what each user's server advertises
# after login (a tab, since passwd-file splits extra fields at spaces; clients split at both).
USERS = {
    "bounces": "",
    "nomove": "userdb_imap_capability=IMAP4rev1\tUIDPLUS",
    "legacy": "userdb_imap_capability=IMAP4rev1",
}

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = {ssl}
{ssl_files}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = {root}/passwd
}}
# Fast: login and mail processes are reused rather than forked per connection, and no
# penalty delays the logins that follow the wrong-password test (the penalty listener is off;
# with it, the next login from 127.0.0.1 waited 4 s). The process limits silence a warning
# about the auth service's client_limit.
default_process_limit = 16
service imap-login {{
  service_count = 0
  {chroot}
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service imap {{
  service_count = 0
  process_limit = 16
}}
service anvil {{
  {chroot}
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


@dataclass(frozen=True)
class Dovecot:
    """The running server: its ports, its certificate (None without openssl), its log."""

    port: int
    tls_port: int
    cert: Path | None
    log: Path

    def url(self, user: str = "bounces", folder: str = "INBOX", *, tls: bool = False) -> str:
        if tls:
            return f"imaps://{user}@127.0.0.1:{self.tls_port}/{folder}"
        return f"imap://{user}@127.0.0.1:{self.port}/{folder}"

    def client(self, user: str = "bounces") -> imaplib.IMAP4:
        """A logged-in plain connection, to set up and look at a mailbox."""
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=5)
        # AUTHENTICATE's answer goes out in two writes: without this, delayed ACKs hold it.
        client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client.authenticate("PLAIN", lambda _: f"\0{user}\0{PASSWORD}".encode())
        return client

    def append(self, user: str, *messages: bytes, folder: str = "INBOX") -> None:
        """Deliver messages as a mail server would (IMAP APPEND, CRLF line ends)."""
        client = self.client(user)
        try:
            for data in messages:
                crlf = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
                status, said = client.append(quoted_mailbox(folder), "", "", crlf)
                assert status == "OK", said
        finally:
            client.logout()

    def folders(self, user: str = "bounces") -> set[str]:
        """The names of the user's folders (modified UTF-7, as the server lists them)."""
        client = self.client(user)
        try:
            return _folders(client)
        finally:
            client.logout()

    def messages(self, user: str = "bounces", folder: str = "INBOX") -> list[tuple[str, str]]:
        """Each message of a folder as ``(subject, flags)``, in order."""
        client = self.client(user)
        try:
            status, count = client.select(quoted_mailbox(folder), readonly=True)
            assert status == "OK", folder
            found = []
            if count[0] != b"0":
                _status, found = client.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        finally:
            client.logout()
        listed = []
        for part in found:
            if isinstance(part, tuple):
                flags = part[0].decode().partition("FLAGS (")[2].partition(")")[0]
                subject = part[1].decode().partition(":")[2].strip()
                listed.append((subject, flags))
        return listed

    def empty(self, user: str) -> None:
        """Delete every folder but INBOX, and every message of INBOX."""
        client = self.client(user)
        try:
            for name in _folders(client) - {"INBOX"}:
                client.delete(f'"{name}"')
            _status, count = client.select("INBOX")
            if count[0] != b"0":
                client.store("1:*", "+FLAGS.SILENT", "(\\Deleted)")
                client.expunge()
        finally:
            client.logout()


def _folders(client: imaplib.IMAP4) -> set[str]:
    _status, listed = client.list()
    return {line.decode().rpartition(' "." ')[2].strip('"') for line in listed}


def _self_signed(folder: Path) -> Path | None:
    """A certificate for 127.0.0.1 and its key (``key.pem``), or None without openssl."""
    if shutil.which("openssl") is None:
        return None
    cert = folder / "cert.pem"
    subprocess.run(
        [
            *(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
            ),
            *("-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
            *("-keyout", str(folder / "key.pem"), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert


def _write_config(root: Path, cert: Path | None, port: int, tls_port: int) -> Path:
    if os.geteuid() == 0:
        # Dovecot drops root: logins run as dovenull, mail as nobody (the package makes the
        # first two users; root may own no mailbox).
        login_user, internal_user, internal_group, chroot = "dovenull", "dovecot", "dovecot", ""
        mail_uid, mail_gid = pwd.getpwnam("nobody").pw_uid, pwd.getpwnam("nobody").pw_gid
    else:
        # Unprivileged, Dovecot runs everything as the current user, and chroots nothing.
        login_user = internal_user = pwd.getpwuid(os.getuid()).pw_name
        internal_group = grp.getgrgid(os.getgid()).gr_name
        chroot = "chroot ="
        mail_uid, mail_gid = os.getuid(), os.getgid()
    lines = []
    for user, extra in USERS.items():
        home = root / "home" / user
        home.mkdir(parents=True)
        os.chown(home, mail_uid, mail_gid)
        lines.append(f"{user}:{PASSWORD}:{mail_uid}:{mail_gid}::{home}::{extra}\n")
    (root / "passwd").write_text("".join(lines), encoding="utf-8")
    ssl_files = f"ssl_cert = <{cert}\nssl_key = <{root / 'key.pem'}" if cert else ""
    config = root / "dovecot.conf"
    config.write_text(
        CONFIG.format(
            root=root,
            ssl="yes" if cert else "no",
            ssl_files=ssl_files,
            login_user=login_user,
            internal_user=internal_user,
            internal_group=internal_group,
            chroot=chroot,
            port=port,
            tls_port=tls_port,
        ),
        encoding="utf-8",
    )
    return config


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _wait_until_listening(process: subprocess.Popen[bytes], server: Dovecot) -> None:
    deadline = time.monotonic() + 15
    while not (_listening(server.port) and _listening(server.tls_port)):
        try:
            # Waiting on the process both paces the polling and notices an early exit.
            process.wait(timeout=0.02)
        except subprocess.TimeoutExpired:
            if time.monotonic() < deadline:
                continue
        log = server.log.read_text() if server.log.exists() else ""
        raise RuntimeError(f"dovecot did not start (exit {process.returncode}):\n{log}")


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[Dovecot]:
    """Dovecot for the whole session; skipped where Debian's dovecot-imapd is not installed."""
    binary = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")
    if binary is None:
        pytest.skip("dovecot is not installed (Debian package: dovecot-imapd)")
    # Not under pytest's temporary folder: it is private to its owner, and the mail processes
    # run as another user when the tests run as root (as in CI).
    root = Path(tempfile.mkdtemp(prefix="pressroom-dovecot-"))
    root.chmod(0o755)
    cert = _self_signed(root)
    port, tls_port = _free_port(), _free_port()
    config = _write_config(root, cert, port, tls_port)
    server = Dovecot(port, tls_port, cert, root / "dovecot.log")
    with server.log.open("ab") as errors:  # doveconf's warnings, before the log is open
        process = subprocess.Popen(
            [binary, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=errors
        )
    try:
        _wait_until_listening(process, server)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=15)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def dovecot(dovecot_server: Dovecot) -> Dovecot:
    """The session's Dovecot with every user's mailbox empty."""
    for user in USERS:
        dovecot_server.empty(user)
    return dovecot_server
