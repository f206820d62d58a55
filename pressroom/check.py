"""Checking a site: every problem of every file, in file order, without stopping at the first."""

from __future__ import annotations

from pressroom.config import Site
from pressroom.errors import Problem
from pressroom.markdown import render_markdown
from pressroom.store import load_catalog


def check_site(site: Site) -> list[Problem]:
    """All problems of a site: parse errors, duplicates, missing uploads, doubtful links."""
    catalog = load_catalog(site)
    problems = list(catalog.problems)
    for release in catalog.releases:
        for warning in render_markdown(release.body, lang=release.language).warnings:
            line = warning.line + release.body_offset
            problems.append(Problem(release.path, line, "warning", warning.message))
        chapeau_key = "chapeau-text" if "chapeau-text" in release.key_lines else "chapeau"
        chapeau_line = release.key_lines.get(chapeau_key, 1)
        for warning in render_markdown(release.chapeau, lang=release.language).warnings:
            problems.append(Problem(release.path, chapeau_line, "warning", warning.message))
    return sorted(problems, key=lambda p: (p.path, p.line))
