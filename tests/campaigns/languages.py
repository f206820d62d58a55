"""Sites whose interface speaks another language than the demo's French."""

from __future__ import annotations

from pressroom.config import Site, load_site


def in_english(site: Site) -> Site:
    """The same site with ``language = "en"``: the back office and the CLI speak English."""
    settings = site.root / "pressroom.toml"
    text = settings.read_text(encoding="utf-8")
    assert 'language = "fr"' in text
    settings.write_text(text.replace('language = "fr"', 'language = "en"'), encoding="utf-8")
    english = load_site(site.root)
    assert english.settings.language == "en"
    return english
