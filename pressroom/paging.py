"""Counting pages: listings, back-office tables and reports page the same way."""

from __future__ import annotations


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` items fill at ``per_page`` a page; an empty list is one page."""
    return max(1, -(-total // per_page))
