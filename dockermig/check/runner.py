"""Run the selected rules over Dockerfiles and collect their findings."""

import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from dockermig.check.config import ConfigFinder
from dockermig.check.context import BuildContext, CheckContext
from dockermig.check.findings import Finding, Span
from dockermig.check.ignores import read_suppressions
from dockermig.check.registry import Rule, find_rule, selected_rules
from dockermig.errors import InputFileError, ParseError
from dockermig.syntax import parse_bytes

logger = logging.getLogger(__name__)

PARSE_ERROR_CODE = "DM001"


@dataclass
class CheckOptions:
    """Settings from the command line; they take precedence over configuration files."""

    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    today: date | None = None


@dataclass
class CheckResult:
    """The findings of a run, the rule failures, and each file's configured fail level."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    files: int = 0
    fail_levels: dict[str, str | None] = field(default_factory=dict)


def check_paths(paths: list[Path], options: CheckOptions) -> CheckResult:
    """Check each Dockerfile with the configuration nearest to it.

    Raises InputFileError for a file that cannot be read; a file that cannot
    be parsed gives a DM001 finding instead.
    """
    finder = ConfigFinder()
    result = CheckResult()
    for path in paths:
        config = finder.config_for(path)
        settings = config.for_file(path)
        select = options.select if options.select is not None else settings.select
        rules = selected_rules(select, settings.ignore + options.ignore)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise InputFileError(
                path, f"cannot read ({error.strerror})", "check the path"
            ) from None
        build_context = BuildContext.load(path, settings.context)
        findings, errors = check_bytes(data, path, rules, build_context, options.today)
        result.findings += findings
        result.errors += errors
        result.files += 1
        result.fail_levels[str(path)] = config.fail_level
    result.findings.sort(key=Finding.sort_key)
    return result


def check_bytes(
    data: bytes,
    path: Path,
    rules: list[Rule],
    build_context: BuildContext | None = None,
    today: date | None = None,
) -> tuple[list[Finding], list[str]]:
    """Check one file's bytes; return the findings and the internal errors of rules that failed."""
    display = str(path)
    try:
        tree = parse_bytes(data, path)
    except ParseError as error:
        return _parse_error(display, rules, error.line, error.column, error.problem), []
    except InputFileError as error:
        return _parse_error(display, rules, 1, 1, error.problem), []
    context = CheckContext(path, tree, build_context, today or date.today())
    findings, errors = run_rules(context, rules, display)
    suppressions = read_suppressions(tree, display)
    unsuppressed = [
        finding for finding in findings if not suppressions.suppresses(finding)
    ]
    return sorted(unsuppressed, key=Finding.sort_key), errors


def check_text(text: str, rules: list[Rule] | None = None, **kwargs) -> list[Finding]:
    """Check Dockerfile text with all rules (or `rules`); for tests and other callers."""
    from dockermig.check.registry import all_rules

    rules = list(all_rules()) if rules is None else rules
    path = kwargs.pop("path", Path("Dockerfile"))
    findings, errors = check_bytes(text.encode(), path, rules, **kwargs)
    if errors:
        raise RuntimeError("; ".join(errors))
    return findings


def run_rules(
    context: CheckContext, rules: list[Rule], display: str
) -> tuple[list[Finding], list[str]]:
    findings = []
    errors = []
    for rule in rules:
        try:
            diagnostics = list(rule.check(context))
        except Exception as error:  # noqa: BLE001 - one broken rule must not hide the others
            logger.debug("rule %s failed on %s", rule.code, display, exc_info=True)
            errors.append(
                f"{display}: rule {rule.code} failed: {type(error).__name__}: {error}"
            )
            continue
        for diagnostic in diagnostics:
            findings.append(
                Finding(
                    path=display,
                    span=diagnostic.span,
                    code=rule.code,
                    name=rule.name,
                    severity=rule.severity,
                    message=diagnostic.message,
                    fix=diagnostic.fix,
                    migrate_fixes=rule.migrate_fixes,
                )
            )
    return findings, errors


def _parse_error(
    display: str, rules: list[Rule], line: int, column: int, problem: str
) -> list[Finding]:
    rule = find_rule(PARSE_ERROR_CODE)
    if rule is None or rule not in rules:
        return []
    span = Span(line, column, line, column + 1)
    return [
        Finding(
            display,
            span,
            rule.code,
            rule.name,
            rule.severity,
            problem,
            "fix the syntax error",
        )
    ]
