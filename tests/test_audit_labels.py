"""The audit log page names every action the code records, in French on a French site.

Actions are ``audit.Action`` members (mypy holds callers to that, ``audit.add`` refuses
anything else at run time), so a label per member covers everything the code can record.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pressroom import audit
from pressroom.accounts import Account
from pressroom.db import Database
from pressroom.i18n import gettext
from pressroom.models.audit import AuditEntry
from pressroom.web.admin import ACTION_LABELS
from tests.conftest import AuthActions


@pytest.fixture
def admin(auth: AuthActions, make_account: Callable[..., Account]) -> AuthActions:
    make_account("admin")
    auth.login("admin@example.org")
    return auth


def test_every_recorded_action_has_a_label() -> None:
    assert set(audit.Action) - set(ACTION_LABELS) == set()


@pytest.mark.parametrize("action", list(audit.Action))
def test_every_action_label_has_a_french_translation(action: audit.Action) -> None:
    label = ACTION_LABELS[action]
    assert gettext("fr", label) != label


def test_recording_an_action_outside_the_registry_is_refused(database: Database) -> None:
    with pytest.raises(ValueError, match=r"made\.up"):
        audit.record(database, None, "made.up")  # type: ignore[arg-type]
    assert audit.log_page(database).total == 0


def test_audit_log_page_labels_every_action_in_french(
    admin: AuthActions, database: Database
) -> None:
    for action in audit.Action:
        audit.record(database, audit.TERMINAL, action, "cible")
    html = admin.client.get("/admin/journal/").get_data(as_text=True)
    for action in audit.Action:
        french = gettext("fr", ACTION_LABELS[action])
        assert f"<td>{french}</td>" in html, action
        assert f"<td>{action.value}</td>" not in html, action


def test_audit_log_page_shows_a_retired_action_by_its_raw_value(
    admin: AuthActions, database: Database
) -> None:
    with database.session() as session:  # a row written by an older version
        session.add(AuditEntry(actor="terminal", action="newsletter.sent", target="n° 3"))
    html = admin.client.get("/admin/journal/").get_data(as_text=True)
    assert "<td>newsletter.sent</td>" in html
