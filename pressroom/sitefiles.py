"""Creating a site folder with settings people can read and edit."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pressroom.config import SETTINGS_FILE

SETTINGS_TEMPLATE = """\
# pressroom site settings. Secrets never go here: use PRESSROOM_* environment variables.

[site]
name = {name}
base_url = "http://127.0.0.1:5000"     # public address, for feeds, sitemap and emails
language = "fr"                        # "fr" or "en"
timezone = "Europe/Paris"
default_category = "Communiqué de presse"
place = "Paris"                        # the place on the date line: "Paris, le 18 novembre 2021"

[issuer]
name = "Service de presse"
address = ""
logo = ""                              # e.g. "/uploads/logo.svg"

[mail]
sender = "presse@example.org"

[pdf]
variant = "pdf/ua-1"                   # accessible (tagged); "pdf/a-3b" for archives; "none"

# Used when a release names no press contact of its own.
[press_contact]
name = ""
tel = []
email = ""
"""

FIRST_RELEASE = """\
---
title: Premier communiqué
date: {date}
categories:
- Communiqué de presse
published: false
---

Votre premier communiqué, en brouillon : modifiez-le ou supprimez-le.
"""

GITIGNORE = "instance/\n"


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def create_site(directory: Path, name: str) -> list[Path]:
    """Write a new site; refuse (``FileExistsError``) rather than overwrite anything."""
    settings = directory / SETTINGS_FILE
    if settings.exists():
        raise FileExistsError(0, "exists", str(settings))
    now = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %z")
    now = now[:-2] + ":" + now[-2:]
    files = {
        settings: SETTINGS_TEMPLATE.format(name=_toml_string(name)),
        directory / "releases" / "premier-communique.md": FIRST_RELEASE.format(date=now),
        directory / ".gitignore": GITIGNORE,
    }
    created = []
    for path, text in files.items():
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        created.append(path)
    for folder in ("releases/uploads", "contacts", "templates"):
        (directory / folder).mkdir(parents=True, exist_ok=True)
    return created
