"""Sites the newsroom tests share: the corpus and the small cases of tests/data/newsroom/."""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from pathlib import Path

from pressroom.config import Site, load_site

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
NEWSROOM_DATA = TESTS / "data" / "newsroom"
CORPUS_RELEASES = REPO.parent / "shared" / "corpus" / "numerique-gouv" / "communiques"
SETTINGS = '[site]\nbase_url = "https://presse.example.org"\nper_page = 2\n'
DOSSIER_BYTES = 1_234_567  # shown as "1,2 Mo"


def tiny_png() -> bytes:
    """A valid 1×1 PNG, so the banner is a real image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x0b\x5a\x6e")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def small_site(root: Path, settings: str = SETTINGS) -> Site:
    """The cases of tests/data/newsroom with the uploads they name and the demo's legal pages."""
    releases = root / "releases"
    (releases / "uploads" / "2021" / "03").mkdir(parents=True)
    for path in sorted(NEWSROOM_DATA.glob("*.md")):
        shutil.copyfile(path, releases / path.name)
    uploads = releases / "uploads"
    (uploads / "2021" / "03" / "banniere.png").write_bytes(tiny_png())
    (uploads / "2021" / "03" / "dossier.pdf").write_bytes(
        b"%PDF-1.4\n" + b"0" * (DOSSIER_BYTES - 9)
    )
    (uploads / "brouillon.png").write_bytes(tiny_png())
    (uploads / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    shutil.copytree(REPO / "pages", root / "pages")
    (root / "pressroom.toml").write_text(settings, encoding="utf-8")
    return load_site(root)


def corpus_site(root: Path) -> Site:
    """The 82 communiqués of the corpus (plus the seed) in a fresh site."""
    releases = root / "releases"
    (releases / "uploads").mkdir(parents=True)
    for path in sorted(CORPUS_RELEASES.iterdir()):
        if path.suffix in (".md", ".markdown"):
            shutil.copyfile(path, releases / path.name)
    seed = CORPUS_RELEASES.parents[1] / "seed-communique.md"
    if seed.is_file():
        shutil.copyfile(seed, releases / "2021-11-18-seed-communique.md")
    shutil.copytree(REPO / "pages", root / "pages")
    (root / "pressroom.toml").write_text('[site]\nbase_url = "https://presse.example.org"\n')
    return load_site(root)


def save_as_an_editor(path: Path, text: str) -> None:
    """Save a file as pressroom and most editors do: a new file renamed over the old one.

    Its folder's time changes, so a server sees the change at its next request; a file
    rewritten in place is seen only at the next full check (``store.RECHECK_SECONDS``).
    """
    fresh = path.with_name(f".{path.name}.saving")
    fresh.write_text(text, encoding="utf-8")
    os.replace(fresh, path)
