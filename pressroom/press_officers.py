"""The press officers' cards: ``contacts/press-officers.yml``, beside the contact lists.

Each card is a name, phone numbers and an address; the release form offers them as a release's
press contacts. A bad card is refused naming its number, so the file can be fixed.
"""

from __future__ import annotations

import yaml

from pressroom.config import PressContact, Site
from pressroom.contacts import ContactError, InvalidEmailError, normalize_email
from pressroom.store import relative

PRESS_OFFICERS_FILE = "press-officers.yml"


def read_press_officers(site: Site) -> tuple[PressContact, ...]:
    """The press officers' cards in ``contacts/press-officers.yml`` (none if the file is absent).

    The file is a YAML sequence of ``{name, tel, email}``; ``tel`` is one number or a list.
    """
    path = site.contacts_dir / PRESS_OFFICERS_FILE
    shown = relative(site, path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return ()
    except UnicodeDecodeError:
        raise ContactError("{path}: not UTF-8; save the file as UTF-8", path=shown) from None
    except OSError as exc:
        raise ContactError(
            "{path}: cannot read: {reason}", path=shown, reason=_reason(exc)
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ContactError(
            "{path}: not valid YAML: {reason}", path=shown, reason=str(exc)
        ) from None
    if data is None:
        return ()
    if not isinstance(data, list):
        raise ContactError(
            "{path}: expected a list of cards (- name: ..., tel: ..., email: ...)", path=shown
        )
    return tuple(_press_officer(entry, shown, i) for i, entry in enumerate(data, 1))


def _press_officer(entry: object, shown: str, number: int) -> PressContact:
    card = str(number)
    if not isinstance(entry, dict):
        raise ContactError(
            "{path}: card {card}: expected name, tel and email keys", path=shown, card=card
        )
    unknown = sorted(str(k) for k in entry if k not in ("name", "tel", "email"))
    if unknown:
        raise ContactError(
            "{path}: card {card}: unknown key {key!r} (expected name, tel, email)",
            path=shown,
            card=card,
            key=unknown[0],
        )
    phones = entry.get("tel") or []
    if isinstance(phones, str | int):
        phones = [phones]
    if not isinstance(phones, list):
        raise ContactError(
            "{path}: card {card}: tel must be a number or a list of numbers", path=shown, card=card
        )
    email = str(entry.get("email") or "").strip()
    if email:
        try:
            email = normalize_email(email)
        except InvalidEmailError as exc:
            raise ContactError(
                "{path}: card {card}: invalid address {address!r}: {reason}",
                terms=("reason",),
                path=shown,
                card=card,
                address=email,
                reason=exc.reason,
            ) from None
    return PressContact(
        name=str(entry.get("name") or "").strip(),
        phones=tuple(str(p).strip() for p in phones if str(p).strip()),
        email=email,
    )


def _reason(exc: OSError) -> str:
    """What the system said about a file (``No such file or directory``)."""
    return exc.strerror or str(exc)
