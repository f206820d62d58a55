"""Accounts of the back office: adding people, their roles, passwords, signing in.

Editors draft; publishers also publish and send; admins also manage accounts. Passwords are
hashed with Argon2id. Reset and invitation links are in ``pressroom.account_links``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Literal, cast, get_args

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email

from pressroom import audit
from pressroom.db import Database, Session
from pressroom.errors import PressroomError
from pressroom.i18n import gettext
from pressroom.models.accounts import User, all_users, count_active_admins, user_by_email

Role = Literal["editor", "publisher", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
_RANK: Mapping[str, int] = {role: rank for rank, role in enumerate(ROLES)}

MIN_PASSWORD_LENGTH = 10
# Hashing a megabyte-long "password" is a cheap way to tie up a server.
MAX_PASSWORD_LENGTH = 1024

# OWASP's recommended Argon2id settings (19 MiB, 2 passes, 1 lane): ~50 ms here.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


class AccountError(PressroomError):
    """An account operation was refused. ``message`` is an English msgid with ``{}`` fields,
    so the web can show it in the interface language; ``field`` names the form field at fault."""

    def __init__(
        self, message: str, *, field: str | None = None, detail: str = "", **params: str
    ) -> None:
        text = message.format(**params)
        super().__init__(f"{text} ({detail})" if detail else text)
        self.message = message
        self.params = params
        self.field = field

    def localized(self, lang: str) -> str:
        """The message in an interface language."""
        return gettext(lang, self.message).format(**self.params)


class AuthenticationError(AccountError):
    """Wrong address or password; deliberately never says which."""


@dataclass(frozen=True)
class Account:
    """One person's account, as services and views see it (never the ORM row)."""

    id: int
    email: str
    role: Role
    active: bool
    created_at: datetime
    last_login_at: datetime | None
    # Changes whenever the password does: binds sessions and reset links to the password.
    password_stamp: str

    def has_role(self, role: Role) -> bool:
        """Whether this account may do what ``role`` may (admins may do all)."""
        return _RANK[self.role] >= _RANK[role]


def to_account(user: User) -> Account:
    """The value services hand out for an ORM row."""
    return Account(
        id=user.id,
        email=user.email,
        role=cast(Role, user.role),
        active=user.active,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
        password_stamp=hashlib.sha256(user.password_hash.encode()).hexdigest()[:20],
    )


def check_role(role: str) -> Role:
    """``role`` if it is one of editor, publisher, admin."""
    if role not in _RANK:
        raise AccountError(
            "Unknown role {role}: choose editor, publisher or admin.", field="role", role=role
        )
    return cast(Role, role)


def normalize_email(email: str) -> str:
    """The address as stored: syntax checked (no DNS), normalised, lower-cased."""
    try:
        valid = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise AccountError(
            "{email}: this email address is not valid.",
            field="email",
            detail=str(exc),
            email=email.strip(),
        ) from None
    return valid.normalized.lower()


def check_password(password: str) -> None:
    """Refuse passwords too short to resist guessing or too long to hash cheaply."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            "The password must have at least {n} characters.",
            field="password",
            n=str(MIN_PASSWORD_LENGTH),
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(
            "The password must have at most {n} characters.",
            field="password",
            n=str(MAX_PASSWORD_LENGTH),
        )


def hash_password(password: str) -> str:
    """An Argon2id hash of the password."""
    return _hasher.hash(password)


def _unusable_hash() -> str:
    """A hash no password matches: accounts invited by email have none until they choose."""
    import secrets

    return hash_password(secrets.token_urlsafe(32))


@cache
def _decoy_hash() -> str:
    """Verified against when the address is unknown, so both cases take as long."""
    return hash_password("not a password of anyone")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def add_user(
    database: Database,
    email: str,
    role: str,
    password: str | None,
    actor: audit.Actor | str = audit.TERMINAL,
) -> Account:
    """Create an account; without a password it waits for its invitation link to be used."""
    address = normalize_email(email)
    checked_role = check_role(role)
    if password is not None:
        check_password(password)
    password_hash = hash_password(password) if password is not None else _unusable_hash()
    with database.session() as session:
        if user_by_email(session, address) is not None:
            raise AccountError("{email} already has an account.", field="email", email=address)
        user = User(email=address, role=checked_role, password_hash=password_hash)
        session.add(user)
        session.flush()
        audit.add(session, actor, audit.Action.ACCOUNT_ADDED, address, {"role": checked_role})
        return to_account(user)


def user_row(session: Session, account_id: int) -> User:
    """The ORM row of an account, or ``AccountError``."""
    user = session.get(User, account_id)
    if user is None:
        raise AccountError("No such account.")
    return user


def get_account(database: Database, account_id: int) -> Account | None:
    """The account with this id, if any."""
    with database.session() as session:
        user = session.get(User, account_id)
        return to_account(user) if user else None


def find_account(database: Database, email: str) -> Account | None:
    """The account with this address (any spelling of it), if any."""
    try:
        address = normalize_email(email)
    except AccountError:
        return None
    with database.session() as session:
        user = user_by_email(session, address)
        return to_account(user) if user else None


def list_accounts(database: Database) -> list[Account]:
    """Every account, by address."""
    with database.session() as session:
        return [to_account(user) for user in all_users(session)]


def authenticate(database: Database, email: str, password: str) -> Account:
    """The active account with this address and password, else ``AuthenticationError``."""
    wrong = AuthenticationError("Wrong email address or password.")
    try:
        address = normalize_email(email)
    except AccountError:
        _verify(_decoy_hash(), password)
        audit.record(database, None, audit.Action.ACCOUNT_LOGIN_FAILED, email.strip()[:320])
        raise wrong from None
    with database.session() as session:
        user = user_by_email(session, address)
        valid = _verify(user.password_hash if user else _decoy_hash(), password)
        if user is None or not valid or not user.active:
            audit.add(session, None, audit.Action.ACCOUNT_LOGIN_FAILED, address)
        else:
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            user.last_login_at = datetime.now(UTC)
            audit.add(session, to_account(user), audit.Action.ACCOUNT_LOGIN, address)
            return to_account(user)
    raise wrong


def change_password(
    database: Database, email: str, password: str, actor: audit.Actor | str = audit.TERMINAL
) -> Account:
    """Set a new password; every session and link made for the old one stops working."""
    check_password(password)
    address = normalize_email(email)
    with database.session() as session:
        user = user_by_email(session, address)
        if user is None:
            raise AccountError("{email} has no account.", field="email", email=address)
        set_password(user, password)
        audit.add(session, actor, audit.Action.ACCOUNT_PASSWORD_CHANGED, address)
        return to_account(user)


def change_own_password(database: Database, account_id: int, current: str, new: str) -> Account:
    """A signed-in person changes their password, proving they know the current one."""
    check_password(new)
    with database.session() as session:
        user = user_row(session, account_id)
        if not _verify(user.password_hash, current):
            raise AccountError("The current password is wrong.", field="current")
        set_password(user, new)
        account = to_account(user)
        audit.add(session, account, audit.Action.ACCOUNT_PASSWORD_CHANGED, user.email)
        return account


def set_password(user: User, password: str) -> None:
    """Hash and store a new password on the row, with its date."""
    user.password_hash = hash_password(password)
    user.password_changed_at = datetime.now(UTC)


def set_role(database: Database, account_id: int, role: str, actor: audit.Actor | str) -> Account:
    """Give an account another role; the last active admin keeps theirs."""
    new_role = check_role(role)
    with database.session() as session:
        user = user_row(session, account_id)
        if user.role == new_role:
            return to_account(user)
        if user.role == "admin" and user.active and count_active_admins(session) <= 1:
            raise AccountError("The last active admin cannot lose that role.", field="role")
        old_role, user.role = user.role, new_role
        audit.add(
            session,
            actor,
            audit.Action.ACCOUNT_ROLE_CHANGED,
            user.email,
            {"from": old_role, "to": new_role},
        )
        return to_account(user)


def set_active(
    database: Database, account_id: int, active: bool, actor: audit.Actor | str
) -> Account:
    """Deactivate an account (it can no longer log in) or reactivate it."""
    with database.session() as session:
        user = user_row(session, account_id)
        if user.active == active:
            return to_account(user)
        if not active and user.role == "admin" and count_active_admins(session) <= 1:
            raise AccountError("The last active admin cannot be deactivated.")
        user.active = active
        action = audit.Action.ACCOUNT_REACTIVATED if active else audit.Action.ACCOUNT_DEACTIVATED
        audit.add(session, actor, action, user.email)
        return to_account(user)
