"""SpamAssassin (Debian's, offline with ``-L``) must not take the seed communiqué for spam."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from pressroom.config import Site
from pressroom.mail.message import MailOptions, Recipient, build_message
from pressroom.mail.tokens import unsubscribe_token
from pressroom.render.context import ReleaseView

pytestmark = pytest.mark.skipif(
    shutil.which("spamassassin") is None,
    reason="SpamAssassin is not installed (Debian: apt-get install -y spamassassin)",
)
SCORE = re.compile(rb"^X-Spam-Status: \w+, score=(-?\d+(?:\.\d+)?)", re.MULTILINE)
MOMENTS = {
    "under embargo": datetime(2021, 11, 17, 9, 0, tzinfo=UTC),
    "public": datetime(2021, 12, 1, 9, 0, tzinfo=UTC),
}


def spam_score(message: bytes, home: Path) -> tuple[float, str]:
    """Run SpamAssassin offline on one message; its score and its report."""
    # A home of its own: no user_prefs or Bayes database is read from, or written to, root's.
    home.mkdir(exist_ok=True)
    env = {**os.environ, "HOME": str(home)}
    run = subprocess.run(
        ["spamassassin", "-L", "-t", "--cf=bayes_auto_learn 0"],
        input=message,
        capture_output=True,
        env=env,
        check=True,
        timeout=120,
    )
    match = SCORE.search(run.stdout)
    assert match, run.stdout[:2000]
    report = run.stdout.decode("utf-8", "replace").split("Content analysis details", 1)[-1]
    return float(match.group(1)), report


@pytest.mark.parametrize("moment", sorted(MOMENTS))
def test_seed_message_scores_under_two(
    mail_site: Site,
    seed_view: ReleaseView,
    seed_pdf: tuple[str, bytes],
    tmp_path: Path,
    moment: str,
) -> None:
    recipient = Recipient("jeanne.martin@example.com", "Jeanne Martin")
    with time_machine.travel(MOMENTS[moment], tick=False):
        outgoing = build_message(
            mail_site,
            seed_view,
            recipient,
            MailOptions(list_id="journalistes", list_name="Journalistes", pdf=seed_pdf),
            delivery_id="c1-1",
            unsubscribe_token=unsubscribe_token("secret", recipient.email, "journalistes"),
        )
    score, report = spam_score(outgoing.as_bytes(), tmp_path / "home")
    assert score < 2, report
