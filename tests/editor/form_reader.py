"""Read a form's values out of a page as a browser would submit them (no JavaScript)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _FormReader(HTMLParser):
    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.values: dict[str, list[str]] = {}
        self.textarea: str | None = None
        self.text: list[str] = []
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []

    def add(self, name: str, value: str) -> None:
        self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = found.get("id") == self.form_id
        if not self.inside:
            return
        name = found.get("name", "")
        if tag == "input" and name:
            kind = found.get("type", "text")
            if kind in ("file", "submit", "button"):
                return
            if kind in ("checkbox", "radio") and "checked" not in found:
                return
            self.add(name, found.get("value", ""))
        elif tag == "textarea" and name:
            self.textarea, self.text = name, []
        elif tag == "select" and name:
            self.select, self.options = name, []
        elif tag == "option" and self.select is not None:
            self.options.append((found.get("value", ""), "selected" in found))

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea is not None:
            text = "".join(self.text)
            # Browsers drop the line break right after <textarea>.
            self.add(self.textarea, text[1:] if text.startswith("\n") else text)
            self.textarea = None
        elif tag == "select" and self.select is not None:
            chosen = [v for v, selected in self.options if selected] or [self.options[0][0]]
            self.add(self.select, chosen[-1])
            self.select = None


def values_of_form(html: str, form_id: str = "release-form") -> dict[str, Any]:
    """The values the form with this id would send, every field as a list."""
    reader = _FormReader(form_id)
    reader.feed(html)
    return dict(reader.values)
