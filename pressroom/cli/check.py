"""``pressroom check``: load the whole site and list every problem, one line each.

Lines keep the form editors and CI parse, ``path:line: error|warning: message``, whatever the
site's language: only the message is translated (a French site reads it in French).
"""

from __future__ import annotations

import click

from pressroom.check import check_site
from pressroom.cli.context import current_site, say
from pressroom.i18n import counted


@click.command()
@click.option("--quiet", "-q", is_flag=True, help="Print errors only, not warnings.")
def check(quiet: bool) -> None:
    """Check every release: print `path:line: error|warning: message`; exit 1 on any error."""
    site = current_site()
    lang = site.settings.language
    problems = check_site(site)
    errors = 0
    for problem in problems:
        errors += problem.severity == "error"
        if problem.severity == "error" or not quiet:
            click.echo(problem.for_tools(lang))
    warnings = len(problems) - errors
    click.echo(
        say(
            site,
            "{errors}, {warnings}",
            errors=counted(lang, "{count} error", "{count} errors", errors),
            warnings=counted(lang, "{count} warning", "{count} warnings", warnings),
        ),
        err=True,
    )
    raise SystemExit(1 if errors else 0)
