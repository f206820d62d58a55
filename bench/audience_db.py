"""Benchmark: an audience of 100,000 addresses with 10,000 suppressions read from the database.

What the back office's audience page and a campaign do (``pressroom.audience_db``): read the
list file, load the suppressed hashes and the confirmed subscribers from the database, combine.
Goal (issue 6): under 1 s. Run by hand; figures go in the README:

    .venv/bin/python bench/audience_db.py [--rows 100000] [--suppressed 10000]
        [--subscribers 0] [--database-url postgresql+psycopg://...]

Without ``--database-url``, SQLite in a temporary site's ``instance/``. With a PostgreSQL URL,
use a scratch database: the tables are filled and left there.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy import insert

from pressroom.audience import compute_audience
from pressroom.audience_db import AudienceChoice, build_audience, subscribers_as_list
from pressroom.config import load_site
from pressroom.contacts import Contact, ContactList, address_hash, read_list, write_list
from pressroom.db import ensure_database
from pressroom.models.subscribers import Subscriber, Suppression
from pressroom.suppression import suppressed_hashes

T = TypeVar("T")
BEATS = ["numérique", "santé", "économie", "culture", "sport", "europe", "emploi"]


def timed(label: str, action: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - start
    print(f"{label:<56} {elapsed:7.3f} s")
    return result, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--suppressed", type=int, default=10_000)
    parser.add_argument("--subscribers", type=int, default=0, help="confirmed subscribers too")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "contacts").mkdir()
        site = load_site(root)
        rng = random.Random(6)
        contacts = [
            Contact(
                email=f"contact{i}@redaction{i % 500}.example.com",
                last_name=f"Nom{i}",
                beats=tuple(rng.sample(BEATS, 2)),
            )
            for i in range(args.rows)
        ]
        write_list(site, ContactList("presse"), contacts)
        database = ensure_database(site, args.database_url)
        print(f"{database.dialect}: {args.rows} listed, {args.suppressed} suppressed")
        chosen = rng.sample([c.email for c in contacts], args.suppressed)
        with database.session() as session:
            session.execute(
                insert(Suppression),
                [{"address_hash": address_hash(a), "reason": "hard-bounce"} for a in chosen],
            )
            if args.subscribers:
                session.execute(
                    insert(Subscriber),
                    [
                        {"email": f"abonne{i}@example.org", "status": "confirmed", "topics": []}
                        for i in range(args.subscribers)
                    ],
                )

        topics = ("all",) if args.subscribers else ()
        choice = AudienceChoice(lists=("presse",), topics=topics)
        # Where the time goes: the list file (pressroom.contacts), then the database.
        listed, _ = timed("  read the list file (100,000 rows)", lambda: read_list(site, "presse"))
        hashes, _ = timed("  load the suppressed hashes", lambda: suppressed_hashes(database))
        people, _ = timed(
            "  load the confirmed subscribers", lambda: subscribers_as_list(database, topics)
        )
        timed(
            "  combine: duplicates and suppressions",
            lambda: compute_audience([listed, people], (), hashes),
        )
        times = []
        for run in range(args.runs):
            result, elapsed = timed(
                f"audience: list file + database, run {run + 1} ({'cold' if run == 0 else 'warm'})",
                lambda: build_audience(site, database, choice),
            )
            times.append(elapsed)
        expected = args.rows - args.suppressed + args.subscribers
        assert result.count == expected, (result.count, expected)
        beat = AudienceChoice(lists=("presse",), beats=("santé",))
        timed("audience: beat filter + suppressions", lambda: build_audience(site, database, beat))
        database.dispose()

    print(f"{result.count} addresses; best {min(times):.3f} s, worst {max(times):.3f} s")
    print(f"goal audience < 1 s: {'met' if max(times) < 1 else 'MISSED'}")


if __name__ == "__main__":
    main()
