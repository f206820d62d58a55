"""When a scheduled campaign leaves: read as a person types it, checked, and said back.

A press officer thinks in the site's time zone ("2026-12-01 09:30" means Paris time on a Paris
site), so a time without an offset is read in ``site.settings.zone``; ISO forms with an offset
(``2026-12-01T09:30+01:00``, ``...Z``) are taken as they are. The terminal (``pressroom send
--at``) and the back office's ``datetime-local`` field both go through ``parse_send_time``, so
they accept and refuse the same things.
"""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_time

from pressroom.errors import PressroomError
from pressroom.i18n import base_language, gettext
from pressroom.render.context import long_date

# A date and a time at least: a bare date would silently mean midnight.
_DATE_AND_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
MAX_INPUT = 64


class SendTimeError(PressroomError):
    """A send time that cannot be used; ``field`` names the form input at fault."""

    field = "send_at"


def parse_send_time(text: str, zone: ZoneInfo) -> datetime:
    """The moment ``text`` names (ISO date and time; without an offset, in ``zone``), in UTC."""
    value = text.strip()
    if not value:
        raise SendTimeError("Give a date and time, such as 2026-12-01 09:30.")
    parsed: datetime | None = None
    if len(value) <= MAX_INPUT and _DATE_AND_TIME.match(value):
        with contextlib.suppress(ValueError):
            parsed = datetime.fromisoformat(value)
    if parsed is None:
        raise SendTimeError(
            "“{value}” is not a date and time: write it as 2026-12-01 09:30.",
            value=value[:MAX_INPUT],
        )
    if parsed.tzinfo is None:
        local = parsed.replace(tzinfo=zone)
        # Spring forward: 02:30 does not exist on that night, and zoneinfo would shift it.
        if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != parsed:
            raise SendTimeError(
                "{value} does not exist in {zone}: the clocks change that night.",
                value=value,
                zone=zone.key,
            )
        parsed = local
    return parsed.astimezone(UTC)


def check_future(when: datetime, now: datetime) -> None:
    """Refuse a moment that has already come: a campaign cannot leave in the past."""
    if when <= now:
        raise SendTimeError("This moment has passed: choose a date and time to come.")


def send_time_text(when: datetime, zone: ZoneInfo, lang: str) -> str:
    """``1er décembre 2026 à 09:30`` (``December 1, 2026 at 09:30``) in the site's zone."""
    code = base_language(lang)
    local = when.astimezone(zone)
    return gettext(code, "{date} at {time}").format(
        date=long_date(local, code), time=format_time(local, "HH:mm", locale=code)
    )
