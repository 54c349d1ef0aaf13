"""`dockermig check` and `dockermig explain`: lint Dockerfiles and describe the rules."""

import sys
from pathlib import Path

import click

from dockermig.check.command import run_check
from dockermig.check.config import FAIL_LEVELS
from dockermig.check.formats import FORMATS
from dockermig.check.registry import all_rules, find_rule, validate_selector


def _split_selectors(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> list[str] | None:
    if not values:
        return None
    selectors = [
        item.strip() for value in values for item in value.split(",") if item.strip()
    ]
    for selector in selectors:
        try:
            validate_selector(selector)
        except ValueError as error:
            raise click.BadParameter(
                f"{error}; run `dockermig explain` for the list"
            ) from None
    return selectors


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--select",
    multiple=True,
    callback=_split_selectors,
    help="Rules to run: codes, code prefixes (DM1) or names, comma-separated. Default: all.",
)
@click.option(
    "--ignore",
    multiple=True,
    callback=_split_selectors,
    help="Rules to skip, in the same forms as --select.",
)
@click.option(
    "--fail-level",
    type=click.Choice(FAIL_LEVELS),
    default=None,
    help="Exit 1 when a finding has this severity or higher (default: warning, or the config's).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default=None,
    help="Report format (default: full on a terminal, concise otherwise).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Number of processes that check files. Default: one per CPU core when "
    "there are 32 files or more, else 1.",
)
def check(
    paths: tuple[Path, ...],
    select: list[str] | None,
    ignore: list[str] | None,
    fail_level: str | None,
    output_format: str | None,
    jobs: int | None,
) -> None:
    """Check Dockerfiles for drift from the uv multi-stage pattern and for Dockerfile mistakes.

    PATHS are Dockerfiles or folders to search (default: the current folder).
    Exit status: 0 when no finding reaches the fail level, 1 when one does,
    2 on a usage, configuration or input error, including PATHS with no
    Dockerfile.
    """
    status = run_check(list(paths), select, ignore, fail_level, output_format, jobs)
    sys.exit(status)


@click.command()
@click.argument("code", required=False)
def explain(code: str | None) -> None:
    """Print what rule CODE flags, why it breaks, an example and the fix.

    CODE is a rule code (DM101), its name (stage-release-mismatch) or, for
    the DM3xx rules, BuildKit's name (FromAsCasing). Without CODE, list the rules.
    """
    if code is None:
        for rule in all_rules():
            summary = rule.doc.splitlines()[0] if rule.doc else ""
            click.echo(
                f"{rule.code}  {rule.name:<36} {rule.severity.label:<8} {summary}"
            )
        return
    rule = find_rule(code)
    if rule is None:
        raise click.BadParameter(
            f"unknown rule {code!r}; run `dockermig explain` for the list",
            param_hint="CODE",
        )
    title = f"{rule.code} {rule.name} (default severity: {rule.severity.label})"
    click.echo(title)
    click.echo("=" * len(title))
    if rule.buildkit_name:
        click.echo(f"BuildKit check: {rule.buildkit_name}")
    if rule.migrate_fixes:
        click.echo("`dockermig migrate` can fix this.")
    click.echo()
    click.echo(rule.doc)
