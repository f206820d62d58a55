"""What "inert" means for a page: no script but the site's own files, no event handler, no
``javascript:`` URL — also inside frames given as ``srcdoc``."""

from __future__ import annotations

from html.parser import HTMLParser

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"}
ALLOWED_SCRIPT_TYPES = {"application/ld+json"}


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.live: list[str] = []
        self.frames: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name.lower(): value or "" for name, value in attrs}
        if tag == "script":
            src = found.get("src", "")
            if found.get("type") not in ALLOWED_SCRIPT_TYPES and not src.startswith("/static/"):
                self.live.append(f"<script {found}>")
        for name, value in found.items():
            if name.startswith("on"):
                self.live.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and "".join(value.split()).lower().startswith(
                ("javascript:", "vbscript:", "data:text/html")
            ):
                self.live.append(f"<{tag} {name}={value!r}>")
        if "srcdoc" in found:
            self.frames.append(found["srcdoc"])


def live_code(html: str) -> list[str]:
    """Every place of the page where code would run; empty when the page is inert."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    found = list(checker.live)
    for frame in checker.frames:
        found += live_code(frame)
    return found
