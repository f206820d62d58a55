"""Counting pages: listings, back-office tables and reports page the same way."""

from __future__ import annotations


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` items fill at ``per_page`` a page; an empty list is one page."""
    return max(1, -(-total // per_page))


def page_window(current: int, count: int, around: int = 2) -> list[int | None]:
    """The page numbers a pager shows: the first, the last, and ``around`` either side of
    ``current``; ``None`` marks a gap.

    Eighty-eight numbers on every page of a long listing help no one (and a screen reader
    reads them all): the ends and the neighbourhood are what readers of a listing jump to.
    """
    shown = {1, count, *range(current - around, current + around + 1)}
    numbers = sorted(n for n in shown if 1 <= n <= count)
    window: list[int | None] = []
    previous = 0
    for number in numbers:
        if number - previous == 2:
            window.append(number - 1)  # a gap of one page is shown as that page
        elif previous and number - previous > 2:
            window.append(None)
        window.append(number)
        previous = number
    return window
