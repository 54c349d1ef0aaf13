"""The body of `dockermig check` after its options are read: finding the
files, checking them, printing the report and choosing the exit status.

Nothing here imports click, so the command line can run a plain
`dockermig check FILE...` (the way pre-commit calls it) without loading it.
"""

import sys
from pathlib import Path

from dockermig.check.config import parse_fail_level
from dockermig.check.findings import Finding
from dockermig.check.registry import find_rule, selected_rules
from dockermig.check.runner import (
    PARSE_ERROR_CODE,
    CheckOptions,
    CheckResult,
    check_paths,
)
from dockermig.discovery import discover_dockerfiles

DEFAULT_FAIL_LEVEL = "warning"


def run_check(
    paths: list[Path],
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    fail_level: str | None = None,
    output_format: str | None = None,
    jobs: int | None = None,
) -> int:
    """Check the Dockerfiles under `paths` and print the report; return the exit status.

    0 when no finding reaches the fail level, 1 when one does, 2 when a file
    could not be read or parsed.
    """
    discovery = discover_dockerfiles(paths or [Path(".")])
    files = discovery.dockerfiles
    if not files and not discovery.errors:
        searched = ", ".join(str(path) for path in paths or [Path(".")])
        print(f"no Dockerfiles found under {searched}", file=sys.stderr)
        return 2
    options = CheckOptions(select=select, ignore=ignore or [])
    result = check_paths(files, options, jobs=jobs)
    output_format = output_format or ("full" if sys.stdout.isatty() else "concise")
    _print_report(result, output_format, select, ignore or [])
    errors = [str(error) for error in discovery.errors] + result.errors
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    # A file that cannot be read as a Dockerfile (DM001) is an input error too.
    if errors or any(finding.code == PARSE_ERROR_CODE for finding in result.findings):
        return 2
    return 1 if _fails(result, fail_level) else 0


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
    from dockermig.check import formats

    findings = result.findings
    if output_format == "full":
        from dockermig.check.full import print_full

        print_full(findings)
        print(_summary(findings, result.files))
        return
    if output_format == "concise":
        sys.stdout.write(formats.format_concise(findings))
        sys.stdout.flush()
        if findings:
            print(_summary(findings, result.files), file=sys.stderr)
        return
    if output_format == "json":
        sys.stdout.write(formats.format_json(findings))
    elif output_format == "sarif":
        sys.stdout.write(formats.format_sarif(findings, selected_rules(select, ignore)))
    elif output_format == "github":
        sys.stdout.write(formats.format_github(findings))


def _summary(findings: list[Finding], files: int) -> str:
    fixable = [finding for finding in findings if finding.migrate_fixes]
    text = f"Found {len(findings)} finding{'s' if len(findings) != 1 else ''} in {files} file{'s' if files != 1 else ''}"
    if not fixable:
        return text
    text += f"; `dockermig migrate` can fix {len(fixable)} (marked [*])"
    options: dict[str, int] = {}
    for finding in fixable:
        rule = find_rule(finding.code)
        option = rule.migrate_option if rule is not None else None
        if option:
            options[option] = options.get(option, 0) + 1
    for option, count in sorted(options.items()):
        text += f", {count} of them with {option}"
    return text
