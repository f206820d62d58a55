"""``pressroom contacts``: import a spreadsheet into a list, export a list, show the lists.

What the import says (counts, refused rows, problems) is in the site's language; a list's
problems keep the ``path:line: error|warning: message`` form of ``pressroom check``, where only
the message is translated, so the same tools read both.
"""

from __future__ import annotations

from pathlib import Path

import click

from pressroom.cli.context import current_site, refusal, say
from pressroom.config import Site
from pressroom.contacts import list_names, read_list
from pressroom.contacts_export import EXPORT_DELIMITERS, export_csv
from pressroom.contacts_import import ImportPreview, import_file
from pressroom.errors import PressroomError
from pressroom.i18n import counted
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
        raise refusal(site, exc) from None
    _print_preview(site, preview, verbose)
    if not preview.accepted:
        click.echo(say(site, "Nothing could be imported; the list was not changed."), err=True)
        raise SystemExit(1)
    target = f"contacts/{list_name}.csv"
    if dry_run:
        click.echo(say(site, "Dry run: {file} was not changed.", file=target))
    elif preview.changes:
        lang = site.settings.language
        count = counted(lang, "{count} contact", "{count} contacts", len(preview.contacts))
        click.echo(say(site, "Wrote {file}: {count}.", file=target, count=count))
    else:
        click.echo(say(site, "{file} already holds every row; nothing to change.", file=target))


def _print_preview(site: Site, preview: ImportPreview, verbose: bool) -> None:
    lang = site.settings.language
    delimiter = _DELIMITER_NAMES.get(preview.delimiter, repr(preview.delimiter))
    if delimiter == "tab":
        delimiter = say(site, "tab")
    click.echo(
        say(
            site,
            "{file}: {encoding}, {delimiter}-separated",
            file=preview.source,
            encoding=preview.encoding,
            delimiter=delimiter,
        )
    )
    click.echo(
        say(
            site,
            "{added} to add, {updated} to update, {unchanged} unchanged, {refused} refused",
            added=str(len(preview.added)),
            updated=str(len(preview.updated)),
            unchanged=str(len(preview.unchanged)),
            refused=str(len(preview.refused)),
        )
    )
    for problem in preview.base.problems:
        click.echo(problem.for_tools(lang))
    if preview.ignored_columns:
        ignored = ", ".join(preview.ignored_columns)
        click.echo(say(site, "ignored columns: {columns}", columns=ignored))
    if verbose:
        for row, contact in preview.added:
            click.echo(say(site, "row {row} ({email}): add", row=str(row), email=contact.email))
        for update in preview.updated:
            click.echo(
                say(
                    site,
                    "row {row} ({email}): update {fields}",
                    row=str(update.row),
                    email=update.after.email,
                    fields=", ".join(update.changed),
                )
            )
    for note in preview.refused:
        click.echo(note.describe_in(lang, "refused"))
    for note in preview.warnings:
        click.echo(note.describe_in(lang, "warning"))


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
        raise refusal(site, exc) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise click.ClickException(
            say(site, "{file}: cannot write: {reason}", file=str(output), reason=reason)
        ) from None
    if output is not None:
        click.echo(say(site, "Wrote {file}.", file=str(output)), err=True)


@contacts.command("lists")
def lists() -> None:
    """Show each list with its number of contacts and any problem in its file."""
    site = current_site()
    names = list_names(site)
    lang = site.settings.language
    if not names:
        click.echo(say(site, "No contact lists in contacts/."), err=True)
    for name in names:
        try:
            contact_list = read_list(site, name)
        except PressroomError as exc:
            click.echo(f"{name}: {exc.localized(lang)}")
            continue
        click.echo(f"{name}\t{len(contact_list)}")
        for problem in contact_list.problems:
            click.echo(f"  {problem.for_tools(lang)}", err=True)
