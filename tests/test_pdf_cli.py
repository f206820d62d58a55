"""``pressroom pdf``: one release (drafts too, for previews) or every public one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from pressroom.cli import cli
from pressroom.config import Site

RELEASE = """\
---
title: {title}
date: 2024-01-10 10:00:00 +01:00
published: {published}
---

Corps du communiqué.
"""
# A site theme whose print template fails for one release: that release is reported, not fatal.
FRAGILE_PRINT = """\
{% if view.release.slug == "broken" %}{{ no_such_variable }}{% endif %}
{% include "partials/release_content.html" %}
"""


def _site(make_site: Callable[..., Site]) -> Site:
    return make_site(
        {
            "one.md": RELEASE.format(title="Premier communiqué", published="true"),
            "two.md": RELEASE.format(title="Second communiqué", published="true"),
            "draft.md": RELEASE.format(title="Brouillon en cours", published="false"),
        }
    )


def test_pdf_of_a_draft_is_written_for_preview(
    make_site: Callable[..., Site], runner: CliRunner, tmp_path: Path
) -> None:
    site = _site(make_site)
    target = tmp_path / "preview.pdf"
    result = runner.invoke(cli, ["--site", str(site.root), "pdf", "draft", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"%PDF-")


def test_pdf_goes_to_standard_output_with_a_dash(
    make_site: Callable[..., Site], runner: CliRunner
) -> None:
    site = _site(make_site)
    result = runner.invoke(cli, ["--site", str(site.root), "pdf", "one", "-o", "-"])
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"%PDF-")


def test_pdf_of_an_unknown_slug_is_a_clear_error(
    make_site: Callable[..., Site], runner: CliRunner
) -> None:
    site = _site(make_site)
    result = runner.invoke(cli, ["--site", str(site.root), "pdf", "nope"])
    assert result.exit_code == 1
    assert "aucun communiqué n’a l’adresse (slug) « nope »" in result.output


def test_pdf_needs_a_slug_or_all(make_site: Callable[..., Site], runner: CliRunner) -> None:
    site = _site(make_site)
    result = runner.invoke(cli, ["--site", str(site.root), "pdf"])
    assert result.exit_code == 2
    assert "soit un SLUG, soit --all" in result.output


def test_all_writes_every_public_release_under_its_slug(
    make_site: Callable[..., Site], runner: CliRunner, tmp_path: Path
) -> None:
    site = _site(make_site)
    out = tmp_path / "out"
    result = runner.invoke(
        cli, ["--site", str(site.root), "pdf", "--all", "--out", str(out), "--jobs", "1"]
    )
    assert result.exit_code == 0, result.output
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf"))
    assert written == ["one/CP_PREMIER_COMMUNIQUE.pdf", "two/CP_SECOND_COMMUNIQUE.pdf"]


def test_all_reports_a_bad_release_and_goes_on(
    make_site: Callable[..., Site], runner: CliRunner, tmp_path: Path
) -> None:
    site = _site(make_site)
    (site.releases_dir / "broken.md").write_text(
        RELEASE.format(title="Cassé", published="true"), encoding="utf-8"
    )
    (site.templates_dir / "print").mkdir(parents=True)
    (site.templates_dir / "print" / "release.html").write_text(FRAGILE_PRINT, encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(
        cli, ["--site", str(site.root), "pdf", "--all", "--out", str(out), "--jobs", "2"]
    )
    assert result.exit_code == 1
    assert "releases/broken.md" in result.output
    assert "no_such_variable" in result.output
    assert len(list(out.rglob("*.pdf"))) == 2
