"""The campaign engine: claim due deliveries, send them over one SMTP connection per batch.

Any number of workers (threads, processes, machines) run ``run_campaign`` on the same campaign
at once: each claims its own batch in one statement (``FOR UPDATE SKIP LOCKED`` on PostgreSQL;
on SQLite the statement holds the database's write lock), sends it, and records every reply in
its own transaction before the next message goes out. So a row is ``sent`` only once the server
accepted it, and a worker killed mid-batch leaves at most the message in flight to be sent
twice; the rest of its claimed rows go back to ``pending`` as soon as another worker on the
same machine sees its process is gone (or, from another machine, when its lease runs out).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pressroom.campaign_mail import CampaignMail, campaign_mail, outgoing_for
from pressroom.config import Site
from pressroom.db import Database, Session, ensure_database
from pressroom.errors import ConfigError, PressroomError
from pressroom.mail.dkim import DkimKey, load_dkim_key
from pressroom.mail.headers import MailError
from pressroom.mail.message import Sendable
from pressroom.mail.smtp import (
    MailServerError,
    SendResult,
    SmtpSettings,
    Status,
    send_each,
    smtp_settings,
    write_outbox,
)
from pressroom.models.campaigns import Campaign
from pressroom.models.deliveries import (
    Claimed,
    Connection,
    campaigns_with_due_work,
    claim_batch,
    finish_if_done,
    next_attempt_at,
    record_result,
    recover_claims,
    refresh_claims,
    release_claims,
    suppressed_in_batch,
)
from pressroom.send_rate import SendRate, send_rate
from pressroom.suppression import suppress_in

log = logging.getLogger(__name__)

__all__ = ["RunOutcome", "SendSettings", "due_campaigns", "run_campaign", "send_settings"]


@dataclass(frozen=True)
class SendSettings:
    """How the engine sends: batch size, retries, lease, rate limit, SMTP server, DKIM key.

    Read from ``PRESSROOM_SEND_*`` (and ``PRESSROOM_MAIL_*``, ``PRESSROOM_DKIM_*``) by
    ``send_settings``; tests build one directly.
    """

    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    batch_size: int = 50
    max_attempts: int = 8
    retry_delay: float = 60.0  # first retry; doubled each time
    max_retry_delay: float = 6 * 3600.0
    lease: float = 600.0  # a claim older than this is another machine's crashed worker
    rate_limit: str = ""  # "20/second; 10000/hour" (the `limits` library's notation)
    redis_url: str = ""
    dkim_key: DkimKey | None = None

    def backoff(self, attempts: int) -> timedelta:
        """How long to wait after the ``attempts``-th temporary failure."""
        seconds = self.retry_delay * (2 ** max(0, attempts - 1))
        return timedelta(seconds=min(seconds, self.max_retry_delay))


def _positive(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError("{name} must be a number, not {value!r}", name=name, value=raw) from None
    if value < 0:
        raise ConfigError("{name} must not be negative, not {value!r}", name=name, value=raw)
    return value


def send_settings(site: Site, environ: Mapping[str, str] | None = None) -> SendSettings:
    """The engine's settings from the environment (``PRESSROOM_SEND_BATCH``, ``_ATTEMPTS``,
    ``_RETRY_DELAY``, ``_LEASE``, ``_RATE``; the mail server's; ``PRESSROOM_REDIS_URL``)."""
    env = os.environ if environ is None else environ
    sender_domain = site.settings.sender.rpartition("@")[2] or "localhost"
    settings = SendSettings(
        smtp=smtp_settings(env),
        batch_size=max(1, int(_positive(env, "PRESSROOM_SEND_BATCH", 50))),
        max_attempts=max(1, int(_positive(env, "PRESSROOM_SEND_ATTEMPTS", 8))),
        retry_delay=_positive(env, "PRESSROOM_SEND_RETRY_DELAY", 60.0),
        lease=_positive(env, "PRESSROOM_SEND_LEASE", 600.0),
        rate_limit=env.get("PRESSROOM_SEND_RATE", "").strip(),
        redis_url=env.get("PRESSROOM_REDIS_URL", "").strip(),
        dkim_key=load_dkim_key(env, default_domain=sender_domain),
    )
    send_rate(settings.rate_limit, settings.redis_url)  # a bad rate fails now, not mid-send
    return settings


@dataclass(frozen=True)
class RunOutcome:
    """What one run of the engine did, and when the campaign next has work due."""

    sent: int = 0
    failed: int = 0
    retried: int = 0
    suppressed: int = 0
    next_attempt: datetime | None = None
    done: bool = False
    more: bool = False  # stopped after ``max_batches`` with rows still due


def worker_name() -> str:
    """Who claims: ``host:pid:thread`` (the pid tells a dead local worker from a live one)."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:128]


@dataclass
class _Tally:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    suppressed: int = 0


def run_campaign(
    site: Site,
    campaign_id: int,
    settings: SendSettings | None = None,
    *,
    database: Database | None = None,
    on_batch: Callable[[], None] | None = None,
    max_batches: int | None = None,
) -> RunOutcome:
    """Send the campaign's due deliveries, batch after batch, until none is due now.

    Stops early when the campaign is paused or cancelled. ``next_attempt`` says when retries
    are due (``None`` when nothing waits, or only other workers' claims).
    """
    settings = settings or send_settings(site)
    database = database or ensure_database(site)
    # One connection for the whole run, each step in its own short transaction: on SQLite,
    # opening a connection per step and closing it (a WAL checkpoint when it is the last one)
    # cost about 6 ms, several times per batch.
    with database.engine.connect() as connection:
        return _run(site, campaign_id, settings, database, connection, on_batch, max_batches)


@contextlib.contextmanager
def _transaction(connection: Connection) -> Iterator[Session]:
    """A unit of work on the run's connection: committed when the block ends."""
    with Session(bind=connection, expire_on_commit=False) as session, session.begin():
        yield session


def _run(
    site: Site,
    campaign_id: int,
    settings: SendSettings,
    database: Database,
    connection: Connection,
    on_batch: Callable[[], None] | None,
    max_batches: int | None,
) -> RunOutcome:
    me = worker_name()
    tally = _Tally()
    mail: CampaignMail | None = None
    rate = send_rate(settings.rate_limit, settings.redis_url)
    batches = 0
    while True:
        now = datetime.now(UTC)
        with _transaction(connection) as session:
            campaign = session.get(Campaign, campaign_id)
            if campaign is None:
                raise PressroomError("Campaign {id} does not exist.", id=str(campaign_id))
            if campaign.status in ("paused", "cancelled", "done"):
                return _outcome(tally, None, campaign.status == "done")
            if campaign.scheduled_at > now:
                return _outcome(tally, campaign.scheduled_at, False)
            if campaign.status == "scheduled":
                campaign.status = "running"
                campaign.started_at = now
            recover_claims(session, campaign_id, now, settings.lease)
        if mail is None:
            mail = campaign_mail(site, database, campaign_id)
        with _transaction(connection) as session:
            batch = claim_batch(session, campaign_id, me, settings.batch_size, now)
        if not batch:
            break
        _send_claimed(site, connection, mail, batch, settings, rate, me, tally)
        batches += 1
        if on_batch is not None:
            on_batch()
        if max_batches is not None and batches >= max_batches:
            return _outcome(tally, None, False, more=True)
    with _transaction(connection) as session:
        done = finish_if_done(session, campaign_id, datetime.now(UTC))
        upcoming = None if done else next_attempt_at(session, campaign_id)
    return _outcome(tally, upcoming, done)


def _outcome(
    tally: _Tally, next_attempt: datetime | None, done: bool, *, more: bool = False
) -> RunOutcome:
    return RunOutcome(
        tally.sent, tally.failed, tally.retried, tally.suppressed, next_attempt, done, more
    )


def _send_claimed(
    site: Site,
    connection: Connection,
    mail: CampaignMail,
    batch: list[Claimed],
    settings: SendSettings,
    rate: SendRate,
    me: str,
    tally: _Tally,
) -> None:
    """Send one claimed batch over one SMTP connection; every reply committed as it comes.

    Each message is filled in the campaign's template just before it goes (a few dozen
    microseconds), then the server's reply is committed before the next one is sent.
    """
    with _transaction(connection) as session:
        blocked = suppressed_in_batch(session, batch, f"campaign {mail.campaign_id}")
    tally.suppressed += len(blocked)
    todo = [claimed for claimed in batch if claimed.id not in blocked]
    claimed_at = time.monotonic()
    by_delivery: dict[str, Claimed] = {}
    reported: set[int] = set()
    recorder = _Recorder(connection, mail, settings, tally)

    def messages() -> Iterator[Sendable]:
        nonlocal claimed_at
        for claimed in todo:
            try:
                built = outgoing_for(mail, claimed)
            except MailError as exc:
                # An address the message builder refuses will never do: permanent.
                recorder.record(claimed, _failure(site, claimed, "permanent", exc))
                reported.add(claimed.id)
                continue
            waited = rate.wait()
            if waited and time.monotonic() - claimed_at > settings.lease / 3:
                # A long wait for the rate limit must not look like a crashed worker.
                recorder.refresh([c.id for c in todo], me)
                claimed_at = time.monotonic()
            by_delivery[built.envelope.delivery_id] = claimed
            yield built

    try:
        for result in _deliver(site, settings, messages()):
            claimed = by_delivery[result.delivery_id]
            recorder.record(claimed, result)
            reported.add(claimed.id)
    except MailServerError as exc:
        # Nothing could be sent (server unreachable, login refused): all wait their turn.
        log.warning("campaign %s: %s", mail.campaign_id, exc)
        for claimed in todo:
            if claimed.id not in reported:
                recorder.record(claimed, _failure(site, claimed, "temporary", exc))
                reported.add(claimed.id)
    finally:
        leftover = [c.id for c in todo if c.id not in reported]
        if leftover:
            recorder.release(leftover, me)


def _failure(site: Site, claimed: Claimed, status: Status, error: PressroomError) -> SendResult:
    """A delivery that failed before any server reply: the report shows why in the site's
    language, as the back office and the terminal that read it speak."""
    reply = error.localized(site.settings.language)[:900]
    return SendResult(claimed.delivery_id, "", status, reply=reply)


def _deliver(site: Site, settings: SendSettings, batch: Iterator[Sendable]) -> Iterator[SendResult]:
    if settings.smtp.configured:
        yield from send_each(settings.smtp, batch, settings.dkim_key)
        return
    for outgoing in batch:  # no server: the outbox, one file per message
        yield from write_outbox(site, [outgoing])


@dataclass
class _Recorder:
    """Commits each reply on the run's connection, one transaction per message, with a
    Core statement built once (``record_result``): through an ORM session, each record cost
    four times as much."""

    connection: Connection
    mail: CampaignMail
    settings: SendSettings
    tally: _Tally

    def record(self, claimed: Claimed, result: SendResult) -> None:
        """Store one reply and commit, before the next message goes out."""
        now = datetime.now(UTC)
        retry_at = None
        if result.status == "temporary" and claimed.attempts < self.settings.max_attempts:
            retry_at = now + self.settings.backoff(claimed.attempts)
        with self.connection.begin():
            status = record_result(
                self.connection,
                claimed.id,
                result.status,
                code=result.code,
                reply=result.reply or result.error,
                message_id=result.message_id,
                now=now,
                retry_at=retry_at,
            )
            if status == "failed" and is_hard_bounce(result.code, result.reply):
                # The session joins this transaction: committed with the row, or not at all.
                with Session(bind=self.connection) as session:
                    source = f"campaign {self.mail.campaign_id}"
                    suppress_in(session, claimed.address, "hard-bounce", source)
        if status == "sent":
            self.tally.sent += 1
        elif status == "pending":
            self.tally.retried += 1
        else:
            self.tally.failed += 1

    def refresh(self, ids: list[int], me: str) -> None:
        with self.connection.begin():
            refresh_claims(self.connection, ids, me, datetime.now(UTC))

    def release(self, ids: list[int], me: str) -> None:
        with self.connection.begin():
            release_claims(self.connection, ids, me)


def is_hard_bounce(code: int | None, reply: str) -> bool:
    """A 5xx reply whose enhanced status is 5.1.x: no such mailbox or domain (RFC 3463)."""
    return code is not None and 500 <= code < 600 and reply.startswith("5.1.")


def due_campaigns(site: Site, database: Database | None = None) -> list[int]:
    """Campaigns with work due now: scheduled ones whose time came, running ones with due
    or abandoned rows."""
    database = database or ensure_database(site)
    with database.session() as session:
        return campaigns_with_due_work(session, datetime.now(UTC))
