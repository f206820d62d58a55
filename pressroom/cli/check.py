"""``pressroom check``: load the whole site and list every problem, one line each."""

from __future__ import annotations

import click

from pressroom.check import check_site
from pressroom.cli.context import current_site


@click.command()
@click.option("--quiet", "-q", is_flag=True, help="Print errors only, not warnings.")
def check(quiet: bool) -> None:
    """Check every release: print `path:line: error|warning: message`; exit 1 on any error."""
    site = current_site()
    problems = check_site(site)
    errors = 0
    for problem in problems:
        errors += problem.severity == "error"
        if problem.severity == "error" or not quiet:
            click.echo(str(problem))
    warnings = len(problems) - errors
    click.echo(f"{errors} error(s), {warnings} warning(s)", err=True)
    raise SystemExit(1 if errors else 0)
