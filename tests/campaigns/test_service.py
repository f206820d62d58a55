"""Campaigns as a service: audiences, new recipients only, corrections, states, report."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest

from pressroom.accounts import add_user
from pressroom.campaign_audience import Planned
from pressroom.campaign_control import change_status
from pressroom.campaign_creation import create_campaign, create_correction
from pressroom.campaign_report import progress, report_csv
from pressroom.campaigns import TERMINAL, Actor, ApprovalRequiredError, CampaignError, get_campaign
from pressroom.config import Site
from pressroom.db import Database
from pressroom.mail.smtp import SmtpSettings
from pressroom.publishing import approve
from pressroom.sending import SendSettings, run_campaign
from pressroom.store import FileVersion, ReleaseStore
from pressroom.suppression import suppress

from .conftest import HEADER, SEED_SLUG, SmtpServer, copies_per_address, write_list


def sent_campaign(
    site: Site, database: Database, server: SmtpServer, settings: SendSettings, lists: list[str]
) -> int:
    info, _ = create_campaign(site, database, SEED_SLUG, lists, actor=TERMINAL)
    assert info is not None
    run_campaign(site, info.id, settings, database=database)
    return info.id


def test_a_release_sent_again_goes_only_to_new_recipients(
    campaign_site: Site,
    campaign_db: Database,
    smtp_server: SmtpServer,
    engine_settings: Callable[..., SendSettings],
) -> None:
    settings = engine_settings(smtp_server)
    sent_campaign(campaign_site, campaign_db, smtp_server, settings, ["presse"])
    write_list(campaign_site, "presse", 7)
    info, plan = create_campaign(campaign_site, campaign_db, SEED_SLUG, ["presse"], actor=TERMINAL)
    assert info is not None and info.kind == "new-recipients"
    assert plan.already_reached == 5 and [p.address for p in plan.recipients] == [
        "j5@example.com",
        "j6@example.com",
    ]
    run_campaign(campaign_site, info.id, settings, database=campaign_db)
    assert copies_per_address(smtp_server.received) == {f"j{n}@example.com": 1 for n in range(7)}


def test_nobody_new_makes_no_campaign(
    campaign_site: Site,
    campaign_db: Database,
    smtp_server: SmtpServer,
    engine_settings: Callable[..., SendSettings],
) -> None:
    sent_campaign(campaign_site, campaign_db, smtp_server, engine_settings(smtp_server), ["presse"])
    info, plan = create_campaign(campaign_site, campaign_db, SEED_SLUG, ["presse"], actor=TERMINAL)
    assert info is None and plan.recipients == ()


def test_extra_recipients_join_the_lists_once(campaign_site: Site, campaign_db: Database) -> None:
    extra = [
        Planned("J1@example.com", "", "subscribers"),
        Planned("abonne@example.net", "", "subscribers"),
    ]
    info, plan = create_campaign(
        campaign_site, campaign_db, SEED_SLUG, ["presse"], actor=TERMINAL, extra=extra
    )
    assert info is not None
    assert len(plan.recipients) == 6 and plan.duplicates == 1
    assert plan.recipients[-1] == Planned("abonne@example.net", "", "subscribers")


def test_correction_goes_to_exactly_those_the_original_reached(
    campaign_site: Site,
    campaign_db: Database,
    faulty_smtp_server: Callable[..., SmtpServer],
    engine_settings: Callable[..., SendSettings],
) -> None:
    server = faulty_smtp_server(reject=["j0@example.com"])
    original = sent_campaign(
        campaign_site, campaign_db, server, engine_settings(server), ["presse"]
    )
    server.received.clear()
    correction = create_correction(campaign_site, campaign_db, original, actor=TERMINAL)
    run_campaign(campaign_site, correction.id, engine_settings(server), database=campaign_db)
    assert sorted(copies_per_address(server.received)) == [f"j{n}@example.com" for n in range(1, 5)]
    assert server.received[0].parse()["Subject"].startswith("[Rectificatif] ")
    assert get_campaign(campaign_db, correction.id).corrects_id == original


def test_paused_campaign_sends_nothing_until_resumed(
    campaign_site: Site,
    campaign_db: Database,
    smtp_server: SmtpServer,
    engine_settings: Callable[..., SendSettings],
) -> None:
    info, _ = create_campaign(campaign_site, campaign_db, SEED_SLUG, ["presse"], actor=TERMINAL)
    assert info is not None
    change_status(campaign_db, info.id, "pause", actor=TERMINAL)
    run_campaign(campaign_site, info.id, engine_settings(smtp_server), database=campaign_db)
    assert smtp_server.received == []
    change_status(campaign_db, info.id, "resume", actor=TERMINAL)
    assert run_campaign(
        campaign_site, info.id, engine_settings(smtp_server), database=campaign_db
    ).done
    assert len(smtp_server.received) == 5


def test_cancelled_campaign_cannot_be_resumed(campaign_site: Site, campaign_db: Database) -> None:
    info, _ = create_campaign(campaign_site, campaign_db, SEED_SLUG, ["presse"], actor=TERMINAL)
    assert info is not None
    change_status(campaign_db, info.id, "cancel", actor=TERMINAL)
    with pytest.raises(CampaignError, match="is cancelled: it cannot be resumed"):
        change_status(campaign_db, info.id, "resume", actor=TERMINAL)


def test_address_suppressed_after_planning_is_not_sent(
    campaign_site: Site,
    campaign_db: Database,
    smtp_server: SmtpServer,
    engine_settings: Callable[..., SendSettings],
) -> None:
    info, _ = create_campaign(campaign_site, campaign_db, SEED_SLUG, ["presse"], actor=TERMINAL)
    assert info is not None
    suppress(campaign_db, "j4@example.com", "unsubscribe", "one-click")
    run_campaign(campaign_site, info.id, engine_settings(smtp_server), database=campaign_db)
    assert "j4@example.com" not in copies_per_address(smtp_server.received)
    assert progress(campaign_db, info.id).suppressed == 1


def test_editors_do_not_send_to_lists(campaign_site: Site, campaign_db: Database) -> None:
    with pytest.raises(ApprovalRequiredError, match="only publishers and admins"):
        create_campaign(
            campaign_site,
            campaign_db,
            SEED_SLUG,
            ["presse"],
            actor=Actor("e@example.org", "editor"),
        )


def test_a_publisher_sends_only_an_approved_version(
    campaign_site: Site, campaign_db: Database
) -> None:
    publisher = add_user(campaign_db, "p@example.org", "publisher", "correct horse battery")
    actor = Actor(publisher.email, publisher.role)
    with pytest.raises(ApprovalRequiredError, match="approve"):
        create_campaign(campaign_site, campaign_db, SEED_SLUG, ["presse"], actor=actor)
    store = ReleaseStore(campaign_site)
    release = store.load().get(SEED_SLUG)
    version = FileVersion.of((campaign_site.root / release.path).read_bytes()).sha256
    approve(store, campaign_db, SEED_SLUG, version, publisher)
    info, _ = create_campaign(campaign_site, campaign_db, SEED_SLUG, ["presse"], actor=actor)
    assert info is not None


def test_report_csv_neutralises_formulas(
    campaign_site: Site,
    campaign_db: Database,
    smtp_server: SmtpServer,
    engine_settings: Callable[..., SendSettings],
) -> None:
    (campaign_site.root / "contacts" / "piege.csv").write_text(
        HEADER + '\nx@example.com,"=HYPERLINK(""http://evil"")",,,,,,,,,\n', encoding="utf-8"
    )
    sent = sent_campaign(
        campaign_site, campaign_db, smtp_server, engine_settings(smtp_server), ["piege"]
    )
    data = b"".join(report_csv(campaign_db, sent)).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data), delimiter=";"))
    assert rows[0][:4] == ["email", "name", "list", "status"]
    assert rows[1][0] == "x@example.com" and rows[1][1].startswith("'=HYPERLINK")
    assert rows[1][3] == "sent" and rows[1][5] == "250"


def test_without_a_server_messages_go_to_the_outbox(
    campaign_site: Site,
    campaign_db: Database,
    smtp_server: SmtpServer,
    engine_settings: Callable[..., SendSettings],
) -> None:
    info, _ = create_campaign(campaign_site, campaign_db, SEED_SLUG, ["presse"], actor=TERMINAL)
    assert info is not None
    settings = engine_settings(smtp_server, smtp=SmtpSettings())
    assert run_campaign(campaign_site, info.id, settings, database=campaign_db).done
    assert len(list((campaign_site.instance_dir / "outbox").glob("*.eml"))) == 5
