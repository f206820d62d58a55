"""The sending rate limit, held across every worker: the `limits` library's moving window.

Relays cap how fast a sender may go (per second, per hour); going faster gets 4xx replies or a
blocked account. The windows live in Redis when ``PRESSROOM_REDIS_URL`` is set, so three
workers on three machines share one budget; else in this process's memory (one process, any
number of threads). A worker over the limit waits for the window to move: sending later is
the point, failing is not.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import cast

from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from pressroom.errors import ConfigError
from pressroom.tasks import queue_name

RATE_ENV = "PRESSROOM_SEND_RATE"
# Shortest sleep while the window is full: below this the clock's resolution shows.
MIN_WAIT = 0.002


@dataclass(frozen=True)
class SendRate:
    """``wait()`` before each message: returns at once while under every limit."""

    items: tuple[RateLimitItem, ...]
    limiter: MovingWindowRateLimiter | None
    key: str

    def wait(self) -> float:
        """Block until one more message fits every window; returns the seconds waited."""
        if self.limiter is None:
            return 0.0
        waited = 0.0
        for item in self.items:
            while not self.limiter.hit(item, self.key):
                reset = self.limiter.get_window_stats(item, self.key).reset_time
                pause = max(reset - time.time(), MIN_WAIT)
                time.sleep(pause)
                waited += pause
        return waited


_lock = threading.Lock()
_storages: dict[str, Storage] = {}


def _storage(redis_url: str) -> Storage:
    """One storage per place: the memory one must be shared by all threads to mean anything."""
    url = redis_url or "memory://"
    with _lock:
        found = _storages.get(url)
        if found is None:
            options = {"key_prefix": "pressroom"} if redis_url else {}
            found = cast(Storage, storage_from_string(url, **options))
            _storages[url] = found
        return found


def parse_rate(spec: str) -> tuple[RateLimitItem, ...]:
    """``"20/second; 10000/hour"`` → its limits; a ``ConfigError`` naming the setting."""
    if not spec.strip():
        return ()
    try:
        return tuple(parse_many(spec))
    except ValueError:
        raise ConfigError(
            "{setting}: cannot read {value!r}; write for instance '20/second; 10000/hour'",
            setting=RATE_ENV,
            value=spec,
        ) from None


def send_rate(spec: str, redis_url: str = "") -> SendRate:
    """The rate limit ``spec`` describes (none when empty), shared through ``redis_url``."""
    items = parse_rate(spec)
    if not items:
        return SendRate((), None, "")
    # Per queue: two sites on one Redis each have their own relay budget.
    return SendRate(items, MovingWindowRateLimiter(_storage(redis_url)), f"send:{queue_name()}")
