"""Site settings (``pressroom.toml``) and where a site's parts live on disk.

Settings people edit live in the site and in git; secrets and deployment settings come from
``PRESSROOM_*`` environment variables and never from the site's files.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pressroom.errors import ConfigError

SETTINGS_FILE = "pressroom.toml"
PACKAGE_DIR = Path(__file__).resolve().parent


def default_theme_dir() -> Path:
    """The theme shipped with pressroom: inside the wheel, or the repository's ``templates/``."""
    packaged = PACKAGE_DIR / "theme"
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / "templates"


@dataclass(frozen=True)
class PressContact:
    """Who journalists call: a name, phone numbers and an email address."""

    name: str = ""
    phones: tuple[str, ...] = ()
    email: str = ""

    def __bool__(self) -> bool:
        return bool(self.name or self.phones or self.email)


@dataclass(frozen=True)
class Settings:
    """What a press office says about itself in ``pressroom.toml``; every key has a default."""

    name: str = "Espace presse"
    base_url: str = "http://127.0.0.1:5000"
    language: str = "fr"
    timezone: str = "Europe/Paris"
    default_category: str = "Communiqué de presse"
    place: str = "Paris"
    issuer_name: str = "Service de presse"
    issuer_address: str = ""
    issuer_logo: str = ""
    sender: str = "presse@example.org"
    press_contact: PressContact = field(default_factory=PressContact)
    per_page: int = 12
    # "pdf/ua-1" (accessible, the default), "pdf/a-3b" or "pdf/a-3a" for archives, or "none".
    pdf_variant: str = "pdf/ua-1"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# TOML tables flattened onto Settings fields: ``[issuer] name = ...`` is ``issuer_name``.
_TABLES = {"site": "", "issuer": "issuer_", "mail": "", "pdf": "pdf_"}


class SettingsError(ConfigError):
    """A wrong value in a settings file that was read: ``language`` is the interface language
    it names (``[site] language``, else the default) when that much is readable, so the
    terminal can say the error in it; None when even that is wrong."""

    def __init__(self, language: str | None, message: str, **params: str) -> None:
        super().__init__(message, terms=(), **params)
        self.language = language


def _language_in(data: dict[str, Any]) -> str | None:
    """The ``[site] language`` of parsed settings, the default if unset, None if unreadable."""
    section = data.get("site", {})
    value = section.get("language", Settings().language) if isinstance(section, dict) else None
    return value if isinstance(value, str) else None


def parse_settings(data: dict[str, Any], source: str = SETTINGS_FILE) -> Settings:
    """Build ``Settings`` from parsed TOML, naming the file and key of any wrong value."""
    values: dict[str, Any] = {}
    known = {f.name: f for f in fields(Settings)}
    lang = _language_in(data)
    for table, prefix in _TABLES.items():
        section = data.get(table, {})
        if not isinstance(section, dict):
            raise SettingsError(
                lang, "{source}: [{table}] must be a table", source=source, table=table
            )
        for key, value in section.items():
            name = prefix + key.replace("-", "_")
            if name not in known or name == "press_contact":
                raise SettingsError(
                    lang,
                    "{source}: unknown setting [{table}] {key}",
                    source=source,
                    table=table,
                    key=key,
                )
            expected = type(getattr(Settings(), name))
            if not isinstance(value, expected):
                raise SettingsError(
                    lang,
                    "{source}: [{table}] {key} must be a {type}, not {value}",
                    source=source,
                    table=table,
                    key=key,
                    type=expected.__name__,
                    value=repr(value),
                )
            values[name] = value
    contact = data.get("press_contact", {})
    if not isinstance(contact, dict):
        raise SettingsError(
            lang, "{source}: [{table}] must be a table", source=source, table="press_contact"
        )
    phones = contact.get("tel", [])
    phones = [phones] if isinstance(phones, str) else phones
    values["press_contact"] = PressContact(
        name=str(contact.get("name", "")).strip(),
        phones=tuple(str(p).strip() for p in phones),
        email=str(contact.get("email", "")).strip(),
    )
    settings = replace(Settings(), **values)
    try:
        settings.zone  # noqa: B018 - validate now, not at the first date shown
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(
            lang,
            "{source}: [site] timezone {timezone!r} is unknown",
            source=source,
            timezone=settings.timezone,
        ) from exc
    return settings


@dataclass(frozen=True)
class Site:
    """A press office's folder: releases, contacts, theme overrides, settings and machine state."""

    root: Path
    settings: Settings

    @property
    def releases_dir(self) -> Path:
        return self.root / "releases"

    @property
    def uploads_dir(self) -> Path:
        return self.releases_dir / "uploads"

    @property
    def contacts_dir(self) -> Path:
        return self.root / "contacts"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def instance_dir(self) -> Path:
        return self.root / "instance"

    @property
    def theme_dirs(self) -> tuple[Path, ...]:
        """Where templates are looked up: the site's own first, then the shipped theme."""
        own = self.templates_dir
        default = default_theme_dir()
        if own.is_dir() and own.resolve() != default.resolve():
            return (own, default)
        return (default,)

    def ensure_instance(self) -> Path:
        """Create ``instance/`` on first use; it holds what the machine writes."""
        self.instance_dir.mkdir(parents=True, exist_ok=True)
        return self.instance_dir


def load_site(root: str | os.PathLike[str] | None = None) -> Site:
    """Open the site at ``root`` (default: ``PRESSROOM_SITE``, else the current folder).

    A missing folder or a settings file that is no TOML stays an English ``ConfigError``: no
    language can be read yet. A wrong value is a ``SettingsError`` that knows it.
    """
    path = Path(root or os.environ.get("PRESSROOM_SITE") or ".").resolve()
    if not path.is_dir():
        raise ConfigError(f"{path}: no such site folder")
    settings_file = path / SETTINGS_FILE
    data: dict[str, Any] = {}
    if settings_file.is_file():
        try:
            data = tomllib.loads(settings_file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{SETTINGS_FILE}: {exc}") from exc
    return Site(root=path, settings=parse_settings(data))
