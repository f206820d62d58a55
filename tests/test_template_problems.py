"""A site's own templates are input: a mistake in one is named at its file and line."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pressroom import parallel
from pressroom.buildcache import CACHE_FILE, ReleaseCache
from pressroom.cli import cli
from pressroom.config import Site, load_site
from pressroom.render.html import TemplateProblem
from pressroom.watch import SiteWatch
from tests.newsroom_sites import small_site

DATA = Path(__file__).parent / "data" / "templates"
CASES = {"syntax-error.html": "3", "undefined-name.html": "3"}


def _with_release_template(site: Site, case: str) -> Site:
    target = site.root / "templates" / "page" / "release.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DATA / case, target)
    return load_site(site.root)


@pytest.mark.parametrize("case", sorted(CASES))
def test_build_names_the_broken_template_without_traceback(tmp_path: Path, case: str) -> None:
    site = _with_release_template(small_site(tmp_path / "site"), case)
    result = CliRunner().invoke(
        cli, ["--site", str(site.root), "build", "--out", str(tmp_path / "out"), "--no-pdf"]
    )
    assert result.exit_code == 1
    assert f"templates/page/release.html:{CASES[case]} : le gabarit" in result.output
    assert "Traceback" not in result.output


def test_watch_reports_a_broken_template_and_goes_on(tmp_path: Path) -> None:
    site = small_site(tmp_path / "site")
    watch = SiteWatch(site, tmp_path / "out", pdf=False)
    watch.first_build()
    broken = _with_release_template(site, "syntax-error.html")
    rebuild = watch.build([broken.root / "templates" / "page" / "release.html"])
    assert isinstance(rebuild.error, TemplateProblem)
    assert "templates/page/release.html:3" in str(rebuild.error)
    (broken.root / "templates" / "page" / "release.html").unlink()
    assert watch.build([broken.root / "templates" / "page" / "release.html"]).error is None


def test_template_problem_keeps_its_language_across_processes() -> None:
    # Forked build workers send their errors to the parent pickled.
    problem = TemplateProblem(
        "{path}:{line}: the template cannot be rendered: {reason}",
        path="templates/page/release.html",
        line="3",
        reason="x",
    )
    again = pickle.loads(pickle.dumps(problem))
    assert again.localized("fr") == problem.localized("fr")
    assert "le gabarit ne peut pas être rendu" in again.localized("fr")


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_build_over_several_processes_names_the_broken_template_too(
    tmp_path: Path, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big build compiles its templates before its workers render pages."""
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    monkeypatch.setattr(parallel, "_workers", lambda: 2)
    site = _with_release_template(small_site(tmp_path / "site"), case)
    result = CliRunner().invoke(
        cli, ["--site", str(site.root), "build", "--out", str(tmp_path / "out"), "--no-pdf"]
    )
    assert result.exit_code == 1, result.exception
    assert f"templates/page/release.html:{CASES[case]} : le gabarit" in result.output


def test_a_build_stopped_by_a_broken_template_keeps_the_releases_it_read(
    tmp_path: Path,
) -> None:
    """Saved while the pages are made: the build after the fix does not read them again."""
    site = _with_release_template(small_site(tmp_path / "site"), "undefined-name.html")
    result = CliRunner().invoke(
        cli, ["--site", str(site.root), "build", "--out", str(tmp_path / "out"), "--no-pdf"]
    )
    assert result.exit_code == 1
    assert (site.instance_dir / CACHE_FILE).is_file()
    kept = ReleaseCache.load(site)
    assert kept.catalog().releases
    assert kept.changed == []  # every file as read by the failed build
