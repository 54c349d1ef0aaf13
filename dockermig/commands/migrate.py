"""`dockermig migrate`: rewrite pip-based Dockerfiles and write their companion files."""

import difflib
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click

from dockermig.discovery import discover_dockerfiles
from dockermig.errors import DockermigError
from dockermig.migrate.engine import plan_migration
from dockermig.migrate.outcome import FileResult, Outcome
from dockermig.writer import check_unchanged, write_atomic


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--diff", "show_diff", is_flag=True, help="Print unified diffs and write nothing."
)
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing; exit 1 if any Dockerfile would be migrated.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="How to print one row per Dockerfile.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="Number of folders to migrate at once (most of the time goes to `uv lock`).",
)
@click.option(
    "--debian-release",
    type=click.Choice(["bookworm", "trixie"]),
    default=None,
    help="Debian release for python tags that do not name one "
    "(default: bookworm). A tag that names a release keeps it.",
)
@click.option(
    "--fix-drift",
    is_flag=True,
    help="Also repair Dockerfiles that already use uv: a python tag that does not "
    "exist, `as` cased unlike FROM, and uv sync without --locked or --frozen.",
)
def migrate(
    paths: tuple[Path, ...],
    show_diff: bool,
    check_only: bool,
    output_format: str,
    jobs: int,
    debian_release: str | None,
    fix_drift: bool,
) -> None:
    """Rewrite pip-based Python Dockerfiles under PATHS (default: the current folder)
    into a uv builder stage and a slim runtime stage.

    Beside each migrated Dockerfile it writes pyproject.toml, a uv.lock made by
    `uv lock`, and a .dockerignore that excludes .venv. Files it cannot migrate
    safely stay byte-identical, and the table gives the reason.

    Exit status: 0 when every file was migrated, left unchanged or skipped
    (with --check: when none would change), 1 with --check when one would be
    migrated, 2 when a file had an error or PATHS have no Dockerfile.
    """
    search_paths = list(paths) or [Path(".")]
    discovery = discover_dockerfiles(search_paths)
    if not discovery.dockerfiles and not discovery.errors:
        searched = ", ".join(str(path) for path in search_paths)
        click.echo(f"no Dockerfiles found under {searched}", err=True)
        sys.exit(2)
    dry_run = show_diff or check_only
    results = _migrate_all(
        discovery.dockerfiles, dry_run, jobs, debian_release, fix_drift
    )
    # Paths that discovery could not use are reported as errors among the others.
    results += [
        FileResult(error.path, Outcome.ERROR, str(error)) for error in discovery.errors
    ]
    results.sort(key=lambda result: result.path)
    diffs = {}
    if show_diff:
        diffs = {
            result.path: _diff_text(result)
            for result in results
            if result.outcome is Outcome.MIGRATED
        }
        if output_format != "json":
            for text in diffs.values():
                click.echo(text, nl=False)

    _report(results, output_format, dry_run, diffs)
    if any(result.outcome is Outcome.ERROR for result in results):
        sys.exit(2)
    if check_only and any(result.outcome is Outcome.MIGRATED for result in results):
        sys.exit(1)


def _migrate_all(
    dockerfiles: list[Path],
    dry_run: bool,
    jobs: int,
    release: str | None,
    fix_drift: bool = False,
) -> list[FileResult]:
    """Plan (and unless `dry_run`, write) every Dockerfile, returning results in input order.

    Dockerfiles in the same folder share companion files, so each folder is
    handled by one worker, in order; different folders run in parallel.
    """
    folders: dict[Path, list[Path]] = {}
    for path in dockerfiles:
        folders.setdefault(path.parent, []).append(path)

    def migrate_folder(paths: list[Path]) -> list[FileResult]:
        results = []
        for path in paths:
            result = plan_migration(
                path, run_lock=not dry_run, release=release, fix_drift=fix_drift
            )
            if result.outcome is Outcome.MIGRATED and not dry_run:
                _write(result)
            results.append(result)
        return results

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        by_path = {
            result.path: result
            for folder_results in pool.map(migrate_folder, folders.values())
            for result in folder_results
        }
    return [by_path[path] for path in dockerfiles]


def _write(result: FileResult) -> None:
    try:
        # Checked for every file first, so that a change to the Dockerfile
        # during `uv lock` leaves its companions unwritten too.
        check_unchanged(result.originals)
        for path, text in result.writes.items():
            write_atomic(path, text, result.originals.get(path))
    except DockermigError as error:
        result.outcome, result.reason, result.notes = Outcome.ERROR, str(error), []


def _diff_text(result: FileResult) -> str:
    """Return the unified diffs of every file the result would write."""
    parts = []
    for path, text in result.writes.items():
        if text is None:
            parts.append(f"# {path}: would be created by `uv lock`\n")
            continue
        original = result.originals.get(path)
        before = (
            original.decode("utf-8", errors="replace") if original is not None else ""
        )
        diff = difflib.unified_diff(
            before.splitlines(keepends=True),
            text.splitlines(keepends=True),
            fromfile=_diff_name("a", path) if original is not None else "/dev/null",
            tofile=_diff_name("b", path),
        )
        parts.append("".join(_mark_missing_newlines(diff)))
    return "".join(parts)


def _mark_missing_newlines(lines):
    """End every diff line, adding the marker patch uses for a file without a final newline."""
    for line in lines:
        if line.endswith("\n"):
            yield line
        else:
            yield line + "\n\\ No newline at end of file\n"


def _diff_name(side: str, path: Path) -> str:
    return str(path) if path.is_absolute() else f"{side}/{path}"


def _report(
    results: list[FileResult],
    output_format: str,
    dry_run: bool,
    diffs: dict[Path, str] | None = None,
) -> None:
    if output_format == "json":
        # With --diff, each migrated row carries its diff, so the output stays one JSON document.
        rows = []
        for result in results:
            row = result.to_json()
            if diffs and result.path in diffs:
                row["diff"] = diffs[result.path]
            rows.append(row)
        click.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title="dockermig migrate" + (" (nothing written)" if dry_run else ""))
    table.add_column("Dockerfile", overflow="fold")
    table.add_column("Outcome")
    table.add_column("Details", overflow="fold")
    styles = {
        Outcome.MIGRATED: "green",
        Outcome.UNCHANGED: "dim",
        Outcome.SKIPPED: "dim",
        Outcome.NEEDS_ATTENTION: "yellow",
        Outcome.ERROR: "red",
    }
    for result in results:
        details = "; ".join(
            [result.reason, *result.notes] if result.reason else result.notes
        )
        outcome = result.outcome.value
        if dry_run and result.outcome is Outcome.MIGRATED:
            outcome = "would migrate"
        # Text cells print paths and notes as written. Read as markup,
        # "[project]" and the "[old]" of a folder named svc[old] would vanish.
        table.add_row(
            Text(str(result.path)),
            Text(outcome, style=styles[result.outcome]),
            Text(details),
        )
    Console(stderr=False).print(table)
