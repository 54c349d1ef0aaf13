"""`dockermig build`: build each Dockerfile with a local builder and report the results."""

import json
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import click

from dockermig.build import (
    BUILDER_NAMES,
    DEFAULT_PULL_POLICY,
    PULL_POLICIES,
    BuildJob,
    BuildResult,
    default_jobs,
    detect_builder,
    get_builder,
    plan_jobs,
    run_builds,
)
from dockermig.build.runner import DEFAULT_TAG_PREFIX
from dockermig.build.secrets import (
    BuildSecret,
    InvalidSecretSpecError,
    check_secrets_available,
    parse_secrets,
)
from dockermig.discovery import find_dockerfiles

# A repository prefix: an optional registry host (with port) and path
# components, in the characters image references allow, ending in "/".
TAG_PREFIX_PATTERN = re.compile(
    r"^[a-z0-9]+([._:-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*/$"
)


def _validate_tag_prefix(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not TAG_PREFIX_PATTERN.match(value):
        raise click.BadParameter(
            f"{value!r} is not a valid image repository prefix; use lower-case "
            "letters, digits, '.', '_', '-' and '/' separated parts ending in '/', "
            f"for example {DEFAULT_TAG_PREFIX!r}"
        )
    return value


def _parse_secret_options(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> list[BuildSecret]:
    try:
        return parse_secrets(value)
    except InvalidSecretSpecError as error:
        raise click.BadParameter(str(error)) from None


def _outcome(result: BuildResult) -> str:
    if result.ok:
        return "ok"
    return "smoke failed" if result.stage == "smoke" else "build failed"


def _print_table(
    results: list[BuildResult], builder_name: str, wall_seconds: float, workers: int,
    cache_folder: Path | None,
) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

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
        # Paths and tags are Text, so rich prints "[old]" in svc[old] as written
        # rather than reading it as markup.
        table.add_row(
            Text(result.path),
            Text(outcome, style=style),
            f"{result.seconds:.1f}",
            size,
            Text(result.tag),
        )
    console.print(table)
    for result in results:
        if result.error:
            console.print(
                f"\n[bold red]{escape(result.path)}[/bold red] ({_outcome(result)}):"
            )
            console.print(result.error, markup=False)
    console.print("\n" + _summary(results, wall_seconds, workers, cache_folder), markup=False)


def _summary(
    results: list[BuildResult], wall_seconds: float, workers: int, cache_folder: Path | None
) -> str:
    failed = sum(1 for result in results if not result.ok)
    build_seconds = sum(result.seconds for result in results)
    sizes = [result.size_bytes for result in results if result.size_bytes is not None]
    lines = [
        f"{len(results) - failed} ok, {failed} failed in {wall_seconds:.1f} s "
        f"({build_seconds:.1f} s of builds, {workers} at a time)"
    ]
    if sizes:
        # Layers that images share, such as the base image, count once per image.
        lines.append(f"image sizes added up: {sum(sizes):,} bytes")
    if cache_folder is not None:
        size = _folder_size(cache_folder)
        size_text = "empty" if size is None else f"{size:,} bytes"
        lines.append(
            f"cache mounts shared by all builds, such as uv's: {cache_folder} ({size_text})"
        )
    return "\n".join(lines)


def _folder_size(folder: Path) -> int | None:
    """Return the disk use of folder in bytes with `du`, or None when it is missing or du fails."""
    if not folder.is_dir() or shutil.which("du") is None:
        return None
    result = subprocess.run(
        ["du", "-sb", str(folder)], capture_output=True, text=True, check=False
    )
    try:
        return int(result.stdout.split()[0])
    except (ValueError, IndexError):
        return None


class Progress:
    """Progress display of the running builds and the count of finished ones.

    On a terminal it draws a rich progress bar on stderr. Elsewhere (CI logs)
    it prints one line as each build starts and ends.
    """

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.running: list[str] = []
        self.lock = threading.Lock()
        self.bar = None
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn
            from rich.progress import Progress as RichProgress
            from rich.progress import TextColumn, TimeElapsedColumn

            self.bar = RichProgress(
                SpinnerColumn(),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.description}", markup=False),
                console=Console(stderr=True),
                transient=True,
            )
            self.task = self.bar.add_task("", total=total)

    def __enter__(self) -> "Progress":
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def started(self, job: BuildJob) -> None:
        with self.lock:
            self.running.append(str(job.dockerfile))
            if self.bar is None:
                click.echo(f"started: {job.dockerfile}", err=True)
            else:
                self._redraw()

    def finished(self, result: BuildResult) -> None:
        with self.lock:
            self.done += 1
            if result.path in self.running:
                self.running.remove(result.path)
            line = f"{_outcome(result)}: {result.path} ({result.seconds:.1f} s)"
            if self.bar is None:
                click.echo(f"[{self.done}/{self.total}] {line}", err=True)
            else:
                self.bar.console.print(line, markup=False, highlight=False)
                self._redraw()

    def _redraw(self) -> None:
        description = "building " + ", ".join(self.running) if self.running else ""
        self.bar.update(self.task, completed=self.done, description=description)


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
@click.option(
    "--bake",
    "bake_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write a BuildKit bake file (docker-bake.json) with one target per "
    "Dockerfile and the groups 'all' and 'default', and build nothing. "
    "'-' writes it to standard output. Run `docker buildx bake -f FILE` in "
    "the folder that holds FILE: its context paths are relative to that folder.",
)
@click.option(
    "--bake-cache",
    type=click.Choice(["auto", "registry", "gha", "local", "none"]),
    default="auto",
    show_default=True,
    help="Layer cache that each bake target imports and exports: a :buildcache "
    "tag in the image's repository, the GitHub Actions cache, a folder per "
    "target under .buildx-cache, or none. auto takes registry when --tag-prefix "
    "names a registry host other than localhost (or Docker Hub, with no host), "
    "and local otherwise, because a remote builder cannot push to localhost.",
)
@click.option(
    "--pull",
    "pull_policy",
    type=click.Choice(PULL_POLICIES),
    default=DEFAULT_PULL_POLICY,
    show_default=True,
    help="When a build may pull a base image from its registry: missing pulls "
    "only images that are not in local storage, never uses local images only "
    "and fails the build that needs another, always pulls every base image. "
    "docker has no option for never.",
)
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder for buildah's RUN --mount=type=cache folders, such as the uv "
    "cache, shared by all builds (buildah only; sets TMPDIR for buildah). "
    "Default: buildah's own, $TMPDIR/buildah-cache, also shared by all builds.",
)
@click.option(
    "--secret",
    "secrets",
    metavar="SPEC",
    multiple=True,
    callback=_parse_secret_options,
    help="Build secret for RUN --mount=type=secret, passed to every build: "
    "id=NAME,env=VARIABLE takes it from an environment variable, id=NAME,src=FILE "
    "from a file. Repeat for more secrets. Only the id and the variable name or "
    "path go on the builder's command line; the builder reads the value. "
    "With --bake, every target gets them as its 'secret' list.",
)
def build(
    paths: tuple[Path, ...],
    jobs: int | None,
    builder_name: str,
    smoke: str | None,
    output_format: str,
    tag_prefix: str,
    timeout: float | None,
    bake_path: Path | None,
    bake_cache: str,
    cache_dir: Path | None,
    secrets: list[BuildSecret],
    pull_policy: str,
) -> None:
    """Build each Dockerfile under PATHS (default: the current folder).

    Each Dockerfile is built with its own folder as the build context. With
    --bake, writes a bake file for `docker buildx bake` in place of building.

    Exit status: 0 when every build and smoke command passed, 1 when one
    failed, 2 on a usage or input error, including PATHS with no Dockerfile.
    """
    search_paths = list(paths) or [Path(".")]
    dockerfiles = find_dockerfiles(search_paths)
    if not dockerfiles:
        searched = ", ".join(str(path) for path in search_paths)
        click.echo(f"no Dockerfiles found under {searched}", err=True)
        sys.exit(2)

    planned = plan_jobs(dockerfiles, tag_prefix=tag_prefix)
    if bake_path is not None:
        if bake_cache == "auto":
            from dockermig.build.bake import auto_cache_kind

            bake_cache, reason = auto_cache_kind(tag_prefix)
            click.echo(f"bake cache: {bake_cache}, because {reason}", err=True)
        # The variables and files are read where bake runs, so they are not checked here.
        _write_bake(planned, bake_path, bake_cache, secrets)
        return

    builder = detect_builder() if builder_name == "auto" else get_builder(builder_name)
    builder.set_pull_policy(pull_policy)
    if cache_dir is not None:
        builder.use_cache_folder(cache_dir)
    check_secrets_available(secrets)
    builder.secrets = secrets
    workers = jobs if jobs is not None else default_jobs(len(planned))

    started = time.monotonic()
    if output_format == "table":
        click.echo(
            f"building {len(planned)} Dockerfile(s) with {builder.name}, {workers} at a time",
            err=True,
        )
        with Progress(len(planned)) as progress:
            results = run_builds(
                builder,
                planned,
                max_workers=workers,
                smoke=smoke,
                timeout=timeout,
                on_done=progress.finished,
                on_start=progress.started,
            )
    else:
        results = run_builds(
            builder, planned, max_workers=workers, smoke=smoke, timeout=timeout
        )
    wall_seconds = time.monotonic() - started

    if output_format == "json":
        json.dump([result.to_json() for result in results], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_table(
            results, builder.name, wall_seconds, workers, builder.cache_folder()
        )
    if not all(result.ok for result in results):
        sys.exit(1)


def _write_bake(
    planned: list[BuildJob], bake_path: Path, cache: str, secrets: list[BuildSecret]
) -> None:
    from dockermig.build.bake import bake_definition, render, write_bake_file

    if str(bake_path) == "-":
        sys.stdout.write(render(bake_definition(planned, Path.cwd(), cache, secrets)))
        return
    definition = bake_definition(planned, bake_path.parent, cache, secrets)
    write_bake_file(bake_path, definition)
    targets = len(definition["target"])
    click.echo(
        f"wrote {bake_path} with {targets} target(s); build them with "
        f"`docker buildx bake -f {bake_path.name}` in {bake_path.parent}",
        err=True,
    )
