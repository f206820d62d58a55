"""Access to the site and its release store from a request."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app

from pressroom.config import Site
from pressroom.store import Catalog, ReleaseStore


def site() -> Site:
    site: Site = current_app.extensions["pressroom.site"]
    return site


def store() -> ReleaseStore:
    store: ReleaseStore = current_app.extensions["pressroom.store"]
    return store


def catalog() -> Catalog:
    """The site's releases as they are on disk (re-read only where files changed).

    Checked cheaply at each request (``ReleaseStore.current``): a release saved by pressroom
    shows at once, a file rewritten in place by another tool within two seconds.
    """
    return store().current()


def now() -> datetime:
    """The time visibility is decided at, checked at each request (tests move the clock).

    Under ``TESTING`` only, ``app.config["TEST_NOW"]`` (an aware datetime) stands for the
    clock: a browser test serving from another thread moves it to lift an embargo.
    """
    config = current_app.config
    if config.get("TESTING") and config.get("TEST_NOW") is not None:
        test_now: datetime = config["TEST_NOW"]
        return test_now
    return datetime.now(UTC)
