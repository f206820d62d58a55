"""``pressroom build``: the public site as static files, for any web server or CDN."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pressroom.cli.context import current_site
from pressroom.errors import PressroomError


@click.command()
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the site into (created if needed; only pressroom's files change).",
)
@click.option("--no-pdf", is_flag=True, help="Leave PDFs out (and their links off the pages).")
def build(out: Path, no_pdf: bool) -> None:
    """Write the public newsroom as static files; a second run redoes only what changed."""
    from pressroom.build import build_site

    site = current_site()
    interactive = sys.stdout.isatty()
    try:
        if interactive:
            with click.progressbar(length=1, label="Building", show_pos=True) as bar:

                def progress(done: int, total: int, _url: str) -> None:
                    bar.length = total
                    bar.update(done - bar.pos)

                report = build_site(site, out, pdf=not no_pdf, progress=progress)
        else:
            report = build_site(site, out, pdf=not no_pdf)
    except PressroomError as exc:
        raise click.ClickException(str(exc)) from None
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"{out}: {len(report.rendered)} pages written, {report.unchanged} unchanged, "
        f"{report.copied} files copied, {report.pdfs} PDFs made, {len(report.removed)} removed"
    )
