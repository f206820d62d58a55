"""Erasure reaches what campaigns left behind: delivery rows, the outbox, test sends, git.

A campaign goes to the list ``presse`` (j0..j4) with no SMTP server, so every message is an
``.eml`` file in the outbox; then j1 asks to be erased.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, select, text

from pressroom.bounces import process_maildir
from pressroom.cli import cli
from pressroom.config import Site
from pressroom.contacts import address_hash
from pressroom.data_rights import Erasure, erase_person
from pressroom.db import Database, ensure_database
from pressroom.models.campaigns import Campaign, Delivery, add_deliveries, sent_recipients
from pressroom.models.deliveries import mark_bounced, status_counts
from pressroom.models.subscribers import Subscriber
from tests.campaigns.conftest import SEED_SLUG, write_list
from tests.subscribers.conftest import commit_contacts

ERASED = "j1@example.com"
BOUNCES = Path(__file__).resolve().parents[1] / "data" / "campaigns" / "bounces"
ENV = {"PRESSROOM_SECRET_KEY": "test-secret", "PRESSROOM_SEND_RETRY_DELAY": "0"}


def _send(runner: CliRunner, site: Site) -> str:
    """``pressroom send`` the seed release to ``presse``, with no server: into the outbox."""
    result = runner.invoke(
        cli,
        ["--site", str(site.root), "send", SEED_SLUG, "--list", "presse", "--wait"],
        env=ENV,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return result.output


def _outbox_recipients(site: Site) -> list[str]:
    found = []
    for path in sorted((site.instance_dir / "outbox").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        found += [address.addr_spec for address in message["To"].addresses]
    return found


def _every_text_in(database: Database) -> str:
    """Every value of every table, as text: where an erased address must not be."""
    values = []
    with database.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                values += [str(v) for v in row]
    return "\n".join(values).lower()


def _campaign_ids(database: Database) -> list[int]:
    with database.session() as session:
        return list(session.scalars(select(Campaign.id).order_by(Campaign.id)))


def _sent_then_erased(runner: CliRunner, site: Site) -> tuple[Database, Erasure]:
    """Send once, let j1's message bounce (its reply quotes the address), then erase j1."""
    _send(runner, site)
    database = ensure_database(site)
    with database.session() as session:
        session.add(Subscriber(email=ERASED, status="confirmed"))
        row = session.scalars(select(Delivery.id).where(Delivery.address == ERASED)).one()
        mark_bounced(session, row, f"bounce: {ERASED} (550 5.1.1 <{ERASED}>: unknown user)")
    return database, erase_person(site, database, "J1@Example.com", "test")


def test_no_table_holds_the_erased_address(runner: CliRunner, campaign_site: Site) -> None:
    database, erased = _sent_then_erased(runner, campaign_site)
    everything = _every_text_in(database)
    assert ERASED not in everything
    assert f"erased:{address_hash(ERASED)}" in everything
    assert erased.deliveries == 1 and erased.subscriber


def test_the_outbox_keeps_no_message_to_the_erased_address(
    runner: CliRunner, campaign_site: Site
) -> None:
    _database, erased = _sent_then_erased(runner, campaign_site)
    assert erased.outbox_messages == 1
    assert sorted(_outbox_recipients(campaign_site)) == [
        "j0@example.com",
        "j2@example.com",
        "j3@example.com",
        "j4@example.com",
    ]


def test_the_delivery_row_is_anonymised_and_the_counts_kept(
    runner: CliRunner, campaign_site: Site
) -> None:
    _send(runner, campaign_site)
    database = ensure_database(campaign_site)
    [campaign_id] = _campaign_ids(database)
    erase_person(campaign_site, database, ERASED)
    with database.session() as session:
        assert status_counts(session, campaign_id) == {"sent": 5}
        erased = session.scalars(select(Delivery).where(Delivery.address.like("erased:%"))).one()
        assert (erased.address, erased.name) == (f"erased:{address_hash(ERASED)}", "")


def test_a_reimported_address_is_not_mailed_again(runner: CliRunner, campaign_site: Site) -> None:
    _database, _erased = _sent_then_erased(runner, campaign_site)
    write_list(campaign_site, "presse", 7)  # j1 back, by an import of an old spreadsheet
    output = _send(runner, campaign_site)
    assert "2 nouveaux destinataires" in output
    recipients = _outbox_recipients(campaign_site)
    assert ERASED not in recipients
    assert sorted(recipients)[-2:] == ["j5@example.com", "j6@example.com"]


def test_a_bounce_after_erasure_does_not_write_the_address_back(
    runner: CliRunner, campaign_site: Site, tmp_path: Path
) -> None:
    _send(runner, campaign_site)
    database = ensure_database(campaign_site)
    with database.session() as session:
        row = session.scalars(select(Delivery).where(Delivery.address == ERASED)).one()
        delivery = f"{row.campaign_id}-{row.id}"
    erase_person(campaign_site, database, ERASED)
    text = (BOUNCES / "permanent-5.1.1.eml").read_text(encoding="utf-8")
    box = mailbox.Maildir(tmp_path / "bounces", create=True)
    box.add(text.replace("{address}", ERASED).replace("{delivery}", delivery).encode())
    assert process_maildir(database, tmp_path / "bounces").permanent == 1
    assert ERASED not in _every_text_in(database)


def test_a_correction_leaves_out_the_erased_recipient(
    runner: CliRunner, campaign_site: Site
) -> None:
    database, _erased = _sent_then_erased(runner, campaign_site)
    [campaign_id] = _campaign_ids(database)
    with database.session() as session:
        addresses = [address for address, _name, _source in sent_recipients(session, campaign_id)]
    assert addresses == ["j0@example.com", "j2@example.com", "j3@example.com", "j4@example.com"]


def test_an_unsent_delivery_of_the_erased_address_is_suppressed(campaign_site: Site) -> None:
    database = ensure_database(campaign_site)
    later = datetime.now(UTC) + timedelta(days=1)
    with database.session() as session:
        campaign = Campaign(release_path="x.md", release_slug="x", scheduled_at=later)
        session.add(campaign)
        session.flush()
        add_deliveries(session, campaign.id, [(ERASED, "Prénom1 Nom1", "presse")], later)
    erase_person(campaign_site, database, ERASED)
    with database.session() as session:
        row = session.scalars(select(Delivery)).one()
        assert (row.status, row.name) == ("suppressed", "")


def test_a_test_send_forgets_the_erased_address(campaign_site: Site) -> None:
    database = ensure_database(campaign_site)
    with database.session() as session:
        campaign = Campaign(
            release_path="x.md",
            release_slug="x",
            kind="test",
            audience={"test_to": ["desk@example.org", ERASED]},
        )
        session.add(campaign)
        session.flush()
        rows = [("desk@example.org", "", "test"), (ERASED, "", "test")]
        add_deliveries(session, campaign.id, rows, datetime.now(UTC))
    erase_person(campaign_site, database, ERASED)
    with database.session() as session:
        audience = session.scalars(select(Campaign.audience)).one()
    assert audience == {"test_to": ["desk@example.org", f"erased:{address_hash(ERASED)}"]}


def test_erasure_names_the_git_commits_that_still_hold_the_address(campaign_site: Site) -> None:
    commit = commit_contacts(campaign_site)
    erased = erase_person(campaign_site, ensure_database(campaign_site), "J1@example.com")
    assert erased.lists == ("presse",)
    assert erased.git_commits == (commit,)


def test_without_git_erasure_names_no_commit(campaign_site: Site) -> None:
    erased = erase_person(campaign_site, ensure_database(campaign_site), ERASED)
    assert erased.git_commits == ()


@pytest.mark.services
def test_no_table_holds_the_erased_address_on_postgresql(
    campaign_site: Site, postgres_url: str
) -> None:
    database = ensure_database(campaign_site, postgres_url)
    with database.session() as session:
        campaign = Campaign(release_path="x.md", release_slug="x", kind="test")
        campaign.audience = {"test_to": [ERASED]}
        session.add(campaign)
        session.flush()
        add_deliveries(session, campaign.id, [(ERASED, "Prénom1", "test")], datetime.now(UTC))
        row = session.scalars(select(Delivery.id)).one()
        mark_bounced(session, row, f"bounce: {ERASED.upper()}")
        session.add(Subscriber(email=ERASED, status="confirmed"))
    erased = erase_person(campaign_site, database, ERASED)
    assert (erased.deliveries, erased.lists) == (1, ("presse",))
    everything = _every_text_in(database)
    assert ERASED not in everything
    assert f"erased:{address_hash(ERASED)}" in everything
