"""``pressroom init``: a new, working site folder."""

from __future__ import annotations

from pathlib import Path

import click

from pressroom.sitefiles import create_site


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default="Espace presse", show_default=True, help="The newsroom's name.")
def init(directory: Path, name: str) -> None:
    """Create a new site in DIRECTORY: settings, releases/, contacts/, a first draft."""
    try:
        created = create_site(directory, name)
    except FileExistsError as exc:
        raise click.ClickException(f"{exc.filename}: already exists; nothing was changed") from None
    for path in created:
        click.echo(f"created {path}")
    click.echo(f"Next: pressroom --site {directory} serve")
