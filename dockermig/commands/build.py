"""`dockermig build`: build each Dockerfile with a local builder and report the results."""

import json
import re
import sys
from pathlib import Path

import click

from dockermig.build import (
    BUILDER_NAMES,
    BuildResult,
    default_jobs,
    detect_builder,
    get_builder,
    plan_jobs,
    run_builds,
)
from dockermig.build.runner import DEFAULT_TAG_PREFIX
from dockermig.discovery import find_dockerfiles
from dockermig.errors import DockermigError

# A repository prefix: an optional registry host (with port) and path
# components, in the characters image references allow, ending in "/".
TAG_PREFIX_PATTERN = re.compile(
    r"^[a-z0-9]+([._:-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*/$"
)


class NoDockerfilesError(DockermigError):
    """The paths given contain no Dockerfile."""


def _validate_tag_prefix(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not TAG_PREFIX_PATTERN.match(value):
        raise click.BadParameter(
            f"{value!r} is not a valid image repository prefix; use lower-case "
            "letters, digits, '.', '_', '-' and '/' separated parts ending in '/', "
            f"for example {DEFAULT_TAG_PREFIX!r}"
        )
    return value


def _outcome(result: BuildResult) -> str:
    if result.ok:
        return "ok"
    return "smoke failed" if result.stage == "smoke" else "build failed"


def _print_table(results: list[BuildResult], builder_name: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    table = Table(title=f"dockermig build ({builder_name})")
    table.add_column("Dockerfile", overflow="fold")
    table.add_column("Result")
    table.add_column("Seconds", justify="right")
    table.add_column("Size (bytes)", justify="right")
    table.add_column("Image", overflow="fold")
    for result in results:
        outcome = _outcome(result)
        style = "green" if result.ok else "red"
        size = "" if result.size_bytes is None else f"{result.size_bytes:,}"
        table.add_row(
            result.path,
            f"[{style}]{outcome}[/{style}]",
            f"{result.seconds:.1f}",
            size,
            result.tag,
        )
    console.print(table)
    for result in results:
        if result.error:
            console.print(f"\n[bold red]{result.path}[/bold red] ({_outcome(result)}):")
            console.print(result.error, markup=False)
    failed = sum(1 for result in results if not result.ok)
    console.print(f"\n{len(results) - failed} ok, {failed} failed", markup=False)


def _report_progress(result: BuildResult) -> None:
    click.echo(f"{_outcome(result)}: {result.path} ({result.seconds:.1f} s)", err=True)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Number of builds to run at once. Default: the number of CPU cores, "
    "at most one per Dockerfile.",
)
@click.option(
    "--builder",
    "builder_name",
    type=click.Choice(["auto", *BUILDER_NAMES]),
    default="auto",
    show_default=True,
    help="Image builder to use; auto takes the first of buildah, podman, docker on PATH.",
)
@click.option(
    "--smoke",
    metavar="CMD",
    default=None,
    help="Shell command to run with /bin/sh -c inside each built image; "
    "a non-zero exit status fails that Dockerfile.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format: a table, or a JSON array with one object per Dockerfile.",
)
@click.option(
    "--tag-prefix",
    default=DEFAULT_TAG_PREFIX,
    show_default=True,
    callback=_validate_tag_prefix,
    help="Repository prefix of the image tags. Each image is tagged "
    "<prefix><folder name>:latest, with -<variant> added for a file such as "
    "Dockerfile.<variant>, and a short hash of the path added when two "
    "Dockerfiles would get the same tag.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Seconds each build, and each smoke command, may run before it is stopped "
    "and counted as failed. Default: no limit.",
)
def build(
    paths: tuple[Path, ...],
    jobs: int | None,
    builder_name: str,
    smoke: str | None,
    output_format: str,
    tag_prefix: str,
    timeout: float | None,
) -> None:
    """Build each Dockerfile under PATHS (default: the current folder).

    Each Dockerfile is built with its own folder as the build context. Exits
    with status 1 if any build or smoke command fails.
    """
    search_paths = list(paths) or [Path(".")]
    dockerfiles = find_dockerfiles(search_paths)
    if not dockerfiles:
        searched = ", ".join(str(path) for path in search_paths)
        raise NoDockerfilesError(
            f"no Dockerfiles found under {searched}; pass a folder or file that has one"
        )

    builder = detect_builder() if builder_name == "auto" else get_builder(builder_name)
    planned = plan_jobs(dockerfiles, tag_prefix=tag_prefix)
    workers = jobs if jobs is not None else default_jobs(len(planned))

    on_done = None
    if output_format == "table":
        click.echo(
            f"building {len(planned)} Dockerfile(s) with {builder.name}, {workers} at a time",
            err=True,
        )
        on_done = _report_progress
    results = run_builds(
        builder,
        planned,
        max_workers=workers,
        smoke=smoke,
        timeout=timeout,
        on_done=on_done,
    )

    if output_format == "json":
        json.dump([result.to_json() for result in results], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_table(results, builder.name)
    if not all(result.ok for result in results):
        sys.exit(1)
