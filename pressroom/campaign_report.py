"""Reporting on a campaign: where it stands (counts, rate, time left) and the per-recipient
report, as pages for the back office and as a CSV a spreadsheet opens safely."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pressroom.campaigns import get_campaign
from pressroom.contacts_export import neutralise
from pressroom.db import Database
from pressroom.models.campaigns import deliveries_page, iter_deliveries
from pressroom.models.deliveries import sent_since, status_counts

# The window over which the sending rate (and so the time left) is measured.
RATE_WINDOW = timedelta(minutes=2)


@dataclass(frozen=True)
class Progress:
    """Where a campaign stands: counts per status, rate (per minute), seconds left."""

    pending: int
    sending: int
    sent: int
    failed: int
    suppressed: int
    rate_per_minute: float
    seconds_left: float | None

    @property
    def total(self) -> int:
        return self.pending + self.sending + self.sent + self.failed + self.suppressed

    @property
    def finished(self) -> int:
        return self.sent + self.failed + self.suppressed


def progress(database: Database, campaign_id: int, now: datetime | None = None) -> Progress:
    """Counts per status, the rate over the last minutes, and the time left at that rate."""
    now = now or datetime.now(UTC)
    with database.session() as session:
        counts = status_counts(session, campaign_id)
        recent = sent_since(session, campaign_id, now - RATE_WINDOW)
    rate = recent / (RATE_WINDOW.total_seconds() / 60)
    waiting = counts.get("pending", 0) + counts.get("sending", 0)
    seconds_left = waiting / rate * 60 if rate and waiting else (0.0 if not waiting else None)
    return Progress(
        pending=counts.get("pending", 0),
        sending=counts.get("sending", 0),
        sent=counts.get("sent", 0),
        failed=counts.get("failed", 0),
        suppressed=counts.get("suppressed", 0),
        rate_per_minute=rate,
        seconds_left=seconds_left,
    )


REPORT_COLUMNS = (
    "email",
    "name",
    "list",
    "status",
    "attempts",
    "smtp_code",
    "smtp_reply",
    "message_id",
    "sent_at",
)


def report_rows(database: Database, campaign_id: int) -> Iterator[list[str]]:
    """The per-recipient report, header first; every cell neutralised for spreadsheets."""
    yield list(REPORT_COLUMNS)
    with database.session() as session:
        for row in iter_deliveries(session, campaign_id):
            cells = [
                row.address,
                row.name,
                row.source,
                row.status,
                str(row.attempts),
                "" if row.last_code is None else str(row.last_code),
                row.last_reply,
                row.message_id,
                row.sent_at.isoformat() if row.sent_at else "",
            ]
            yield [neutralise(cell) for cell in cells]


def report_page(
    database: Database, campaign_id: int, status: str | None, page: int, per_page: int
) -> list[dict[str, object]]:
    """One page of the per-recipient report for the back office, in planning order."""
    with database.session() as session:
        return [
            {
                "address": row.address,
                "name": row.name,
                "source": row.source,
                "status": row.status,
                "attempts": row.attempts,
                "code": row.last_code,
                "reply": row.last_reply,
                "sent_at": row.sent_at,
            }
            for row in deliveries_page(
                session, campaign_id, status, per_page, (page - 1) * per_page
            )
        ]


def report_csv(database: Database, campaign_id: int, delimiter: str = ";") -> Iterator[bytes]:
    """The report as CSV chunks (UTF-8 with a BOM, CRLF), streamed row by row."""
    get_campaign(database, campaign_id)  # NotFoundError before the first byte
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    first = True
    for cells in report_rows(database, campaign_id):
        writer.writerow(cells)
        chunk = buffer.getvalue().encode("utf-8-sig" if first else "utf-8")
        first = False
        buffer.seek(0)
        buffer.truncate()
        yield chunk
