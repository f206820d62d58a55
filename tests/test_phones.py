"""Press contacts' phone links: the international form, dialable from abroad."""

from __future__ import annotations

import pytest

from pressroom.phones import phone_region, tel_uri


@pytest.mark.parametrize(
    ("written", "link"),
    [
        ("01 71 21 12 50", "tel:+33171211250"),
        ("06.10.60.41.19", "tel:+33610604119"),
        ("01-71-21-12-50", "tel:+33171211250"),
        ("+33 (0)1 71 21 12 50", "tel:+33171211250"),  # the national 0 dropped, not dialled
        ("+32 2 123 45 67", "tel:+3221234567"),  # another country's number stays its own
        ("3939", "tel:3939"),  # a short number, dialled as written
        ("01 71 21 12 50 / 06 10 60 41 19", None),  # two numbers: no single link
        ("standard du ministère", None),
    ],
)
def test_a_french_site_links_numbers_in_international_form(written: str, link: str | None) -> None:
    assert tel_uri(written, "Europe/Paris") == link


def test_national_numbers_are_read_in_the_time_zone_s_country() -> None:
    assert phone_region("Europe/Brussels") == "BE"
    assert tel_uri("02 123 45 67", "Europe/Brussels") == "tel:+3221234567"


def test_a_zone_of_no_country_keeps_the_digits_as_written() -> None:
    assert phone_region("UTC") is None
    assert tel_uri("01 71 21 12 50", "UTC") == "tel:0171211250"
