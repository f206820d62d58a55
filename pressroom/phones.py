"""Press contacts' phone numbers as links a phone anywhere can dial.

Press officers write numbers as the French do (``01 71 21 12 50``, ``06.10.60.41.19``,
``+33 (0)1 71 21 12 50``). A ``tel:`` link to the national form does not reach France from
abroad, so links carry the international form (RFC 3966), worked out by ``phonenumbers``
(Google's libphonenumber) in the country of the site's time zone; the page shows the number
as written.
"""

from __future__ import annotations

import re
from functools import lru_cache

from babel.core import get_global

# What a dialled short number may hold (``3939``, ``112``): no letters, no second number.
_DIALLABLE = re.compile(r"\+?[\d\s.()-]+")


def phone_region(timezone: str) -> str | None:
    """The country whose national numbers the site writes: its time zone's (CLDR's table)."""
    region = get_global("zone_territories").get(timezone)
    return region if isinstance(region, str) else None


def load_numbering_plan(timezone: str) -> None:
    """Import phonenumbers and load the site's country's numbering plan now: a static build
    does it once before forking its page workers, which would each load them again."""
    import phonenumbers

    region = phone_region(timezone)
    if region:
        phonenumbers.PhoneMetadata.metadata_for_region(region)


@lru_cache(maxsize=1024)
def tel_uri(phone: str, timezone: str) -> str | None:
    """``tel:+33171211250`` for ``01 71 21 12 50`` on a site in Europe/Paris; the digits as
    written for a short number; None for a text that is no number (``01… / 06…``), which a
    page then shows without a link."""
    import phonenumbers  # 30 ms to import: only once a page shows a phone

    try:
        number = phonenumbers.parse(phone, phone_region(timezone))
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_possible_number(number):
        return "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if _DIALLABLE.fullmatch(phone.strip()):
        return "tel:" + re.sub(r"[^\d+]", "", phone)
    return None
