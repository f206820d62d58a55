"""Accounts: adding people, roles, passwords and reset links, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from pressroom import account_links, accounts, audit
from pressroom.account_links import LinkError
from pressroom.accounts import AccountError, AuthenticationError
from pressroom.config import Site
from pressroom.db import Database, ensure_database
from pressroom.models import User
from tests.conftest import TEST_PASSWORD

SECRET = "test secret"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def db(request: pytest.FixtureRequest, make_site: Callable[..., Site]) -> Database:
    """The same tests against SQLite and against the PostgreSQL on 127.0.0.1."""
    if request.param == "postgresql":
        return ensure_database(make_site(), request.getfixturevalue("postgres_url"))
    return ensure_database(make_site())


def test_added_address_is_stored_normalised(db: Database) -> None:
    account = accounts.add_user(db, "  Jeanne.Martin@Example.ORG ", "editor", TEST_PASSWORD)
    assert account.email == "jeanne.martin@example.org"
    assert account.role == "editor"
    assert account.active


def test_an_existing_address_is_refused(db: Database) -> None:
    accounts.add_user(db, "a@example.org", "editor", TEST_PASSWORD)
    with pytest.raises(AccountError, match=r"a@example\.org already has an account"):
        accounts.add_user(db, "A@Example.org", "admin", TEST_PASSWORD)


def test_an_invalid_address_is_refused(db: Database) -> None:
    with pytest.raises(AccountError, match="not valid") as caught:
        accounts.add_user(db, "jeanne@", "editor", TEST_PASSWORD)
    assert caught.value.field == "email"
    assert accounts.list_accounts(db) == []


def test_an_unknown_role_is_refused(db: Database) -> None:
    with pytest.raises(AccountError, match="Unknown role boss"):
        accounts.add_user(db, "a@example.org", "boss", TEST_PASSWORD)


def test_a_short_password_is_refused(db: Database) -> None:
    with pytest.raises(AccountError, match="at least 10 characters") as caught:
        accounts.add_user(db, "a@example.org", "editor", "short")
    assert caught.value.field == "password"


def test_password_is_stored_as_an_argon2id_hash(db: Database) -> None:
    accounts.add_user(db, "a@example.org", "editor", TEST_PASSWORD)
    with db.session() as session:
        stored = session.scalars(select(User.password_hash)).one()
    assert stored.startswith("$argon2id$")
    assert TEST_PASSWORD not in stored


def test_right_password_authenticates(db: Database) -> None:
    accounts.add_user(db, "a@example.org", "publisher", TEST_PASSWORD)
    account = accounts.authenticate(db, "A@example.org", TEST_PASSWORD)
    assert account.email == "a@example.org"
    assert account.last_login_at is not None


def test_wrong_password_and_unknown_address_get_the_same_refusal(db: Database) -> None:
    accounts.add_user(db, "a@example.org", "editor", TEST_PASSWORD)
    with pytest.raises(AuthenticationError) as wrong_password:
        accounts.authenticate(db, "a@example.org", "wrong password")
    with pytest.raises(AuthenticationError) as unknown:
        accounts.authenticate(db, "nobody@example.org", TEST_PASSWORD)
    assert str(wrong_password.value) == str(unknown.value)


def test_deactivated_account_cannot_authenticate(db: Database) -> None:
    accounts.add_user(db, "boss@example.org", "admin", TEST_PASSWORD)
    account = accounts.add_user(db, "a@example.org", "editor", TEST_PASSWORD)
    accounts.set_active(db, account.id, False, audit.TERMINAL)
    with pytest.raises(AuthenticationError):
        accounts.authenticate(db, "a@example.org", TEST_PASSWORD)


def test_changed_password_replaces_the_old_one(db: Database) -> None:
    before = accounts.add_user(db, "a@example.org", "editor", TEST_PASSWORD)
    after = accounts.change_password(db, "a@example.org", "a brand new passphrase")
    assert after.password_stamp != before.password_stamp
    with pytest.raises(AuthenticationError):
        accounts.authenticate(db, "a@example.org", TEST_PASSWORD)
    assert accounts.authenticate(db, "a@example.org", "a brand new passphrase")


def test_roles_rank_editor_publisher_admin(db: Database) -> None:
    editor = accounts.add_user(db, "e@example.org", "editor", TEST_PASSWORD)
    admin = accounts.add_user(db, "a@example.org", "admin", TEST_PASSWORD)
    assert not editor.has_role("publisher")
    assert admin.has_role("publisher") and admin.has_role("editor")


def test_the_last_active_admin_keeps_the_role(db: Database) -> None:
    admin = accounts.add_user(db, "a@example.org", "admin", TEST_PASSWORD)
    with pytest.raises(AccountError, match="last active admin"):
        accounts.set_role(db, admin.id, "editor", admin)
    with pytest.raises(AccountError, match="last active admin"):
        accounts.set_active(db, admin.id, False, admin)


def test_every_account_action_is_in_the_audit_log(db: Database) -> None:
    admin = accounts.add_user(db, "a@example.org", "admin", TEST_PASSWORD)
    editor = accounts.add_user(db, "e@example.org", "editor", TEST_PASSWORD, admin)
    accounts.set_role(db, editor.id, "publisher", admin)
    accounts.set_active(db, editor.id, False, admin)
    entries = audit.log_page(db).entries
    assert [(e.actor, e.action, e.target) for e in entries] == [
        ("a@example.org", "account.deactivated", "e@example.org"),
        ("a@example.org", "account.role_changed", "e@example.org"),
        ("a@example.org", "account.added", "e@example.org"),
        ("terminal", "account.added", "a@example.org"),
    ]
    assert entries[1].details == {"from": "editor", "to": "publisher"}


def test_a_reset_link_sets_the_password_once(db: Database) -> None:
    account = accounts.add_user(db, "a@example.org", "editor", TEST_PASSWORD)
    token = account_links.make_link_token(SECRET, account)
    account_links.reset_password(db, SECRET, token, "a brand new passphrase")
    with pytest.raises(LinkError, match="already been used"):
        account_links.reset_password(db, SECRET, token, "yet another passphrase")


def test_a_reset_link_expires_after_an_hour(db: Database) -> None:
    account = accounts.add_user(db, "a@example.org", "editor", TEST_PASSWORD)
    with time_machine.travel("2026-03-02 09:00 +0000", tick=False) as traveller:
        token = account_links.make_link_token(SECRET, account)
        traveller.shift(timedelta(minutes=61))
        with pytest.raises(LinkError, match="expired"):
            account_links.check_link(db, SECRET, token)


def test_an_invitation_link_lasts_three_days(db: Database) -> None:
    account = accounts.add_user(db, "a@example.org", "editor", None)
    with time_machine.travel("2026-03-02 09:00 +0000", tick=False) as traveller:
        token = account_links.make_link_token(SECRET, account, "invitation")
        traveller.shift(timedelta(days=2))
        assert account_links.check_link(db, SECRET, token).email == "a@example.org"
        traveller.shift(timedelta(days=1, minutes=1))
        with pytest.raises(LinkError, match="expired"):
            account_links.check_link(db, SECRET, token)


def test_a_link_signed_with_another_secret_is_refused(db: Database) -> None:
    account = accounts.add_user(db, "a@example.org", "editor", TEST_PASSWORD)
    forged = account_links.make_link_token("someone else's secret", account)
    with pytest.raises(LinkError, match="not valid"):
        account_links.check_link(db, SECRET, forged)
