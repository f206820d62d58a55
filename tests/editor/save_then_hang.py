"""A save in its own process that stops just before the rename that would finish it.

Run by ``test_kill_during_save``: it prints the temporary file it wrote, then waits to be
killed, as a server would be killed in the middle of a save.
Usage: ``python -m tests.editor.save_then_hang SITE SLUG ACCOUNT_ID VERSION``.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from pressroom import accounts, editing
from pressroom.config import load_site
from pressroom.db import ensure_database
from pressroom.release_form import parse_form
from pressroom.store import ReleaseStore
from tests.editor.conftest import form_values

_real_replace = os.replace


def _hang_before_rename(src: Any, dst: Any, **kwargs: Any) -> None:
    if str(dst).endswith(".md"):
        print("PAUSED", os.fspath(src), flush=True)
        sys.stdin.read()  # never answered: the test kills this process here
    _real_replace(src, dst, **kwargs)


def main(root: str, slug: str, account_id: str, version: str) -> None:
    site = load_site(root)
    database = ensure_database(site)
    account = accounts.get_account(database, int(account_id))
    assert account is not None
    body = "Un très long corps de communiqué.\n" * 25_000  # ~0.9 MB to write
    fields = parse_form(form_values(title="Titre jamais enregistré", body=body), site)
    os.replace = _hang_before_rename  # type: ignore[assignment]
    editing.update_release(ReleaseStore(site), database, slug, fields, version, account)
    print("SAVED", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:5])
