"""Run the selected rules over Dockerfiles and collect their findings."""

import logging
import math
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from dockermig.check.config import ConfigFinder
from dockermig.check.context import BuildContext, CheckContext
from dockermig.check.findings import Finding, Span
from dockermig.check.ignores import read_suppressions
from dockermig.check.registry import Rule, find_rule, selected_rules
from dockermig.errors import (
    DockermigError,
    InputFileError,
    ParseError,
    unreadable_error,
)
from dockermig.syntax import parse_bytes

logger = logging.getLogger(__name__)

PARSE_ERROR_CODE = "DM001"

# Fewer files than this are checked in the calling process. Checking one file
# takes about 1-3 ms, and starting a worker process and sending its findings
# back costs more than checking a few dozen files (an estimate from
# benchmarks/corpus.py files on a 2-core machine, not a tuned optimum).
PARALLEL_MIN_FILES = 32
# Each worker gets its files in several contiguous chunks, so a worker that
# draws slow files does not hold up the run while the others are idle.
CHUNKS_PER_WORKER = 4


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


def usable_cores() -> int:
    """Return the number of CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def check_paths(
    paths: list[Path], options: CheckOptions, jobs: int | None = None
) -> CheckResult:
    """Check each Dockerfile with the configuration nearest to it.

    jobs is the number of processes; None means one per usable core when
    there are at least PARALLEL_MIN_FILES files, else one. The result is the
    same for any jobs value. Raises DockermigError (InputFileError when run
    in one process) for a file that cannot be read or an invalid
    configuration file; a file that cannot be parsed gives a DM001 finding.
    """
    if jobs is None:
        jobs = usable_cores() if len(paths) >= PARALLEL_MIN_FILES else 1
    jobs = max(1, min(jobs, len(paths)))
    if jobs == 1:
        result = _check_serial(paths, options)
    else:
        result = _check_parallel(paths, options, jobs)
    result.findings.sort(key=Finding.sort_key)
    return result


def _check_parallel(paths: list[Path], options: CheckOptions, jobs: int) -> CheckResult:
    # Imported here because they take about 10 ms, which a pre-commit run on
    # one file would pay for nothing.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    size = math.ceil(len(paths) / (jobs * CHUNKS_PER_WORKER))
    chunks = [paths[start : start + size] for start in range(0, len(paths), size)]
    # fork starts a worker without importing dockermig and loading the rules
    # again. Where fork is missing (macOS uses spawn by default, Windows has
    # no fork) the platform's default method is used.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        outcomes = list(pool.map(_check_chunk, chunks, [options] * len(chunks)))
    result = CheckResult()
    for partial, error in outcomes:
        if error is not None:
            # Raised for the first failing file in path order, as one process would.
            raise DockermigError(error)
        result.findings += partial.findings
        result.errors += partial.errors
        result.files += partial.files
        result.fail_levels.update(partial.fail_levels)
    return result


def _check_chunk(
    paths: list[Path], options: CheckOptions
) -> tuple[CheckResult, str | None]:
    """Check paths in a worker process; return the result and the message of a DockermigError.

    The error goes back as text because DockermigError subclasses take
    several constructor arguments and so cannot be unpickled.
    """
    try:
        return _check_serial(paths, options), None
    except DockermigError as error:
        return CheckResult(), str(error)


def _check_serial(paths: list[Path], options: CheckOptions) -> CheckResult:
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
            raise unreadable_error(path, error) from None
        build_context = BuildContext.load(path, settings.context)
        findings, errors = check_bytes(data, path, rules, build_context, options.today)
        result.findings += findings
        result.errors += errors
        result.files += 1
        result.fail_levels[str(path)] = config.fail_level
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
        # The message carries the next step, because the concise format shows no fix.
        problem = f"the file {error.problem}; {error.action}"
        return _parse_error(display, rules, 1, 1, problem, error.action), []
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
                    migrate_fixes=(
                        rule.migrate_fixes
                        if diagnostic.migrate_fixes is None
                        else diagnostic.migrate_fixes
                    ),
                )
            )
    return findings, errors


def _parse_error(
    display: str,
    rules: list[Rule],
    line: int,
    column: int,
    problem: str,
    fix: str = "fix the syntax error",
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
            fix,
        )
    ]
