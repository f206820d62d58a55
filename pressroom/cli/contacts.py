"""``pressroom contacts``: import a spreadsheet into a list, export a list, show the lists."""

from __future__ import annotations

from pathlib import Path

import click

from pressroom.cli.context import current_site
from pressroom.contacts import list_names, read_list
from pressroom.contacts_export import EXPORT_DELIMITERS, export_csv
from pressroom.contacts_import import ImportPreview, import_file
from pressroom.errors import PressroomError
from pressroom.store import write_atomic

_DELIMITER_NAMES = {";": "';'", ",": "','", "\t": "tab"}


@click.group()
def contacts() -> None:
    """Contact lists in contacts/: import, export, list."""


@contacts.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--list", "list_name", required=True, help="The list to import into (contacts/NAME.csv)."
)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--verbose", "-v", is_flag=True, help="Also list every row added or updated.")
def import_(file: Path, list_name: str, dry_run: bool, verbose: bool) -> None:
    """Import FILE (CSV from a spreadsheet) into a list; exit 1 if no row could be imported."""
    site = current_site()
    try:
        preview = import_file(site, list_name, file, dry_run=dry_run)
    except PressroomError as exc:
        raise click.ClickException(str(exc)) from None
    _print_preview(preview, verbose)
    if not preview.accepted:
        click.echo("Nothing could be imported; the list was not changed.", err=True)
        raise SystemExit(1)
    target = f"contacts/{list_name}.csv"
    if dry_run:
        click.echo(f"Dry run: {target} was not changed.")
    elif preview.changes:
        click.echo(f"Wrote {target}: {len(preview.contacts)} contact(s).")
    else:
        click.echo(f"{target} already holds every row; nothing to change.")


def _print_preview(preview: ImportPreview, verbose: bool) -> None:
    delimiter = _DELIMITER_NAMES.get(preview.delimiter, repr(preview.delimiter))
    click.echo(f"{preview.source}: {preview.encoding}, {delimiter}-separated")
    click.echo(
        f"{len(preview.added)} to add, {len(preview.updated)} to update, "
        f"{len(preview.unchanged)} unchanged, {len(preview.refused)} refused"
    )
    for problem in preview.base.problems:
        click.echo(str(problem))
    if preview.ignored_columns:
        click.echo("ignored columns: " + ", ".join(preview.ignored_columns))
    if verbose:
        for row, contact in preview.added:
            click.echo(f"row {row} ({contact.email}): add")
        for update in preview.updated:
            click.echo(
                f"row {update.row} ({update.after.email}): update {', '.join(update.changed)}"
            )
    for note in preview.refused:
        click.echo(note.describe("refused"))
    for note in preview.warnings:
        click.echo(note.describe("warning"))


@contacts.command("export")
@click.option("--list", "list_name", required=True, help="The list to export.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: standard output).",
)
@click.option(
    "--delimiter",
    type=click.Choice(sorted(EXPORT_DELIMITERS)),
    default=";",
    show_default=True,
    help="Cell separator (';' suits French spreadsheets).",
)
def export(list_name: str, output: Path | None, delimiter: str) -> None:
    """Export a list as CSV for spreadsheets (UTF-8 with BOM, formulas neutralised)."""
    site = current_site()
    try:
        data = export_csv(read_list(site, list_name), EXPORT_DELIMITERS[delimiter])
        if output is None:
            click.echo(data, nl=False)
        else:
            write_atomic(output, data)
    except PressroomError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"{output}: cannot write: {exc.strerror}") from None
    if output is not None:
        click.echo(f"Wrote {output}.", err=True)


@contacts.command("lists")
def lists() -> None:
    """Show each list with its number of contacts and any problem in its file."""
    site = current_site()
    names = list_names(site)
    if not names:
        click.echo("No contact lists in contacts/.", err=True)
    for name in names:
        try:
            contact_list = read_list(site, name)
        except PressroomError as exc:
            click.echo(f"{name}: {exc}")
            continue
        click.echo(f"{name}\t{len(contact_list)}")
        for problem in contact_list.problems:
            click.echo(f"  {problem}", err=True)
