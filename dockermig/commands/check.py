"""`dockermig check` and `dockermig explain`: lint Dockerfiles and describe the rules."""

import sys
from pathlib import Path

import click

PARSE_ERROR_CODE = "DM001"

from dockermig.check.config import FAIL_LEVELS, parse_fail_level
from dockermig.check.findings import Finding
from dockermig.check.formats import (
    FORMATS,
    format_concise,
    format_github,
    format_json,
    format_sarif,
)
from dockermig.check.registry import (
    all_rules,
    find_rule,
    selected_rules,
    validate_selector,
)
from dockermig.check.runner import CheckOptions, CheckResult, check_paths
from dockermig.discovery import discover_dockerfiles

DEFAULT_FAIL_LEVEL = "warning"


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
    2 on a usage, configuration or input error.
    """
    discovery = discover_dockerfiles(list(paths) or [Path(".")])
    files = discovery.dockerfiles
    if not files and not discovery.errors:
        click.echo("dockermig check: no Dockerfiles found", err=True)
    options = CheckOptions(select=select, ignore=ignore or [])
    result = check_paths(files, options, jobs=jobs)
    output_format = output_format or ("full" if sys.stdout.isatty() else "concise")
    _print_report(result, output_format, select, ignore or [])
    errors = [str(error) for error in discovery.errors] + result.errors
    for error in errors:
        click.echo(f"error: {error}", err=True)
    # A file that cannot be read as a Dockerfile (DM001) is an input error too.
    if errors or any(finding.code == PARSE_ERROR_CODE for finding in result.findings):
        sys.exit(2)
    sys.exit(1 if _fails(result, fail_level) else 0)


def _fails(result: CheckResult, cli_fail_level: str | None) -> bool:
    for finding in result.findings:
        level_name = (
            cli_fail_level or result.fail_levels.get(finding.path) or DEFAULT_FAIL_LEVEL
        )
        level = parse_fail_level(level_name)
        if level is not None and finding.severity >= level:
            return True
    return False


def _print_report(
    result: CheckResult, output_format: str, select: list[str] | None, ignore: list[str]
) -> None:
    findings = result.findings
    if output_format == "full":
        from dockermig.check.full import print_full

        print_full(findings)
        click.echo(_summary(findings, result.files))
        return
    if output_format == "concise":
        click.echo(format_concise(findings), nl=False)
        if findings:
            click.echo(_summary(findings, result.files), err=True)
        return
    if output_format == "json":
        click.echo(format_json(findings), nl=False)
    elif output_format == "sarif":
        click.echo(format_sarif(findings, selected_rules(select, ignore)), nl=False)
    elif output_format == "github":
        click.echo(format_github(findings), nl=False)


def _summary(findings: list[Finding], files: int) -> str:
    fixable = sum(1 for finding in findings if finding.migrate_fixes)
    text = f"Found {len(findings)} finding{'s' if len(findings) != 1 else ''} in {files} file{'s' if files != 1 else ''}"
    if fixable:
        text += f"; `dockermig migrate` can fix {fixable} (marked [*])"
    return text


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
