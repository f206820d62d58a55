"""``pressroom pdf``: one release's PDF (drafts too, for previews), or every public one at once.

``--all`` renders on every core (one process each: WeasyPrint is single-threaded), shows a
progress bar on a terminal, and reports a release that fails without stopping the others.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from datetime import UTC, datetime
from pathlib import Path

import click

from pressroom.cli.context import current_site, refusal, say
from pressroom.config import Site, load_site
from pressroom.errors import PressroomError, localize
from pressroom.i18n import counted
from pressroom.store import load_catalog, read_release, write_atomic

DEFAULT_OUT = Path("pdf")
_FAILED = "{file}: error: {message}"


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def export_one(root: str, release_path: str, out_dir: str | None) -> tuple[str, str | None]:
    """Render one release file of a site (in a worker process); (what was written, or error,
    said in the site's language)."""
    from pressroom.pdfcache import export_pdf, pdf_for

    lang = ""
    try:
        site = load_site(root)
        lang = site.settings.language
        release, _ = read_release(site, site.root / release_path)
        if out_dir is None:
            return str(pdf_for(site, release).path), None
        return str(export_pdf(site, release, Path(out_dir))), None
    except PressroomError as exc:
        if not lang:  # the site's settings cannot be read: no language to speak
            return release_path, _FAILED.format(file=release_path, message=exc)
        said = exc.localized(lang)
        return release_path, localize(lang, _FAILED, {"file": release_path, "message": said})


def _pool(jobs: int) -> ProcessPoolExecutor:
    # Fork from a parent that has already rendered once: the workers inherit WeasyPrint and its
    # loaded fonts (half a second per process otherwise). Elsewhere, spawned workers load them.
    if "fork" in multiprocessing.get_all_start_methods():
        return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"))
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))


def _export_all(site: Site, out_dir: Path | None, jobs: int) -> None:
    catalog = load_catalog(site)
    releases = catalog.public(datetime.now(UTC))
    paths = [r.path for r in releases]
    out = str(out_dir) if out_dir is not None else None
    failures: list[str] = []
    with click.progressbar(length=len(paths), label="PDF", file=sys.stderr) as bar:
        if jobs <= 1 or len(paths) <= 1:
            for path in paths:
                _, error = export_one(str(site.root), path, out)
                if error:
                    failures.append(error)
                bar.update(1)
        else:
            first, rest = paths[0], paths[1:]
            _, error = export_one(str(site.root), first, out)  # warms what the workers inherit
            if error:
                failures.append(error)
            bar.update(1)
            with _pool(min(jobs, len(rest))) as pool:
                futures: list[Future[tuple[str, str | None]]] = [
                    pool.submit(export_one, str(site.root), path, out) for path in rest
                ]
                for future in as_completed(futures):
                    _, error = future.result()
                    if error:
                        failures.append(error)
                    bar.update(1)
    for failure in failures:
        click.echo(failure, err=True)
    where = str(out_dir) if out_dir is not None else say(site, "the cache")
    lang = site.settings.language
    click.echo(
        say(
            site,
            "{made} in {where}, {failed}",
            made=counted(lang, "{count} PDF", "{count} PDFs", len(paths) - len(failures)),
            where=where,
            failed=counted(lang, "{count} failed", "{count} failed", len(failures)),
        ),
        err=True,
    )
    if failures:
        raise SystemExit(1)


@click.command("pdf")
@click.argument("slug", required=False)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path, allow_dash=True),
    help="Where to write the PDF of SLUG (default: its CP_...pdf name here; - for stdout).",
)
@click.option("--all", "all_releases", is_flag=True, help="Every public release.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="With --all: write DIR/<slug>/<NAME>.pdf (default: only fill the site's PDF cache).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 256),
    default=None,
    help="With --all: processes to use (default: every core).",
)
def pdf(
    slug: str | None,
    output: Path | None,
    all_releases: bool,
    out_dir: Path | None,
    jobs: int | None,
) -> None:
    """Make the PDF of the release SLUG (drafts and embargoed ones too), or of --all."""
    site = current_site()
    if all_releases == (slug is not None):
        raise click.UsageError(say(site, "give either a SLUG or --all"))
    if all_releases:
        if output is not None:
            raise click.UsageError(say(site, "-o is for one release; use --out DIR with --all"))
        _export_all(site, out_dir, jobs or _cores())
        return
    from pressroom.pdfcache import pdf_for

    try:
        release = load_catalog(site).get(slug or "")
        cached = pdf_for(site, release)
    except PressroomError as exc:
        raise refusal(site, exc) from None
    data = cached.path.read_bytes()
    if output is not None and str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    target = output or Path(cached.name)
    write_atomic(target, data)
    click.echo(f"{target} ({len(data) // 1024} KB)", err=True)
