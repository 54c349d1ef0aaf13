"""Plan image tags for Dockerfiles and build them in parallel."""

import hashlib
import logging
import os
import re
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from dockermig.build.backends import Builder, CommandResult, stop_running_commands

logger = logging.getLogger(__name__)

DEFAULT_TAG_PREFIX = "localhost/dockermig/"
ERROR_LINES = 15
# Memory to keep free for each build running at once. NOTE: an estimate, not
# a measurement: it leaves room for a compiler building C extensions (gcc for
# psycopg2) and for the builder's own copy of the layers.
MEMORY_PER_BUILD_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class BuildJob:
    """One Dockerfile to build: its path, its build context folder and the image tag."""

    dockerfile: Path
    context: Path
    tag: str


@dataclass
class BuildResult:
    """Outcome of building one Dockerfile and, if asked, smoke-testing the image.

    seconds is the build's wall time; smoke_seconds is the smoke command's.
    started and finished are time.monotonic() readings around the whole job.
    """

    path: str
    tag: str
    ok: bool
    seconds: float
    size_bytes: int | None
    error: str | None
    stage: str | None = None
    smoke_seconds: float | None = None
    started: float = 0.0
    finished: float = 0.0

    def to_json(self) -> dict:
        """Return the fields that `--format json` prints."""
        return {
            "path": self.path,
            "ok": self.ok,
            "seconds": self.seconds,
            "size_bytes": self.size_bytes,
            "error": self.error,
            "tag": self.tag,
            "failed_stage": self.stage,
            "smoke_seconds": self.smoke_seconds,
        }


def available_memory() -> int | None:
    """Return MemAvailable from /proc/meminfo in bytes, or None where it cannot be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def default_jobs(count: int, memory: int | None = None) -> int:
    """Return how many builds to run at once for count Dockerfiles.

    At most one per core, one per MEMORY_PER_BUILD_BYTES of available memory
    (memory, or /proc/meminfo when None; no memory bound where neither is
    known), one per Dockerfile, and at least one.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    jobs = min(cores, count)
    if memory is None:
        memory = available_memory()
    if memory is not None:
        jobs = min(jobs, memory // MEMORY_PER_BUILD_BYTES)
    return max(1, jobs)


def _tag_name(dockerfile: Path) -> str:
    """Return the image name part for a Dockerfile: its folder's name, plus a suffix
    for a variant such as Dockerfile.dev or api.Dockerfile."""
    folder = dockerfile.resolve().parent.name or "root"
    lowered = dockerfile.name.lower()
    variant = ""
    if lowered not in ("dockerfile", "containerfile"):
        for marker in ("dockerfile", "containerfile"):
            if lowered.startswith(marker + "."):
                variant = lowered[len(marker) + 1 :]
                break
            if lowered.endswith("." + marker):
                variant = lowered[: -len(marker) - 1]
                break
    name = f"{folder}-{variant}" if variant else folder
    # Image name components allow lower-case letters, digits and the
    # separators . _ - and must start and end with a letter or digit.
    name = re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("._-")
    return name or "image"


def plan_jobs(
    dockerfiles: list[Path], tag_prefix: str = DEFAULT_TAG_PREFIX
) -> list[BuildJob]:
    """Return one BuildJob per Dockerfile, with its folder as the build context.

    Tags are stable for a given path: `<prefix><folder>:latest`. When two
    Dockerfiles would get the same tag, each of them gets a short hash of its
    absolute path appended, so no build overwrites another's image.
    """
    names = [_tag_name(path) for path in dockerfiles]
    counts = Counter(names)
    jobs = []
    for path, name in zip(dockerfiles, names, strict=True):
        if counts[name] > 1:
            digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]
            name = f"{name}-{digest}"
        jobs.append(
            BuildJob(
                dockerfile=path, context=path.parent, tag=f"{tag_prefix}{name}:latest"
            )
        )
    return jobs


def last_lines(output: str, count: int = ERROR_LINES) -> str:
    """Return the last count non-blank lines of a builder's output."""
    lines = [line.rstrip() for line in output.splitlines() if line.strip()]
    return "\n".join(lines[-count:])


def _describe_failure(result: CommandResult, what: str, timeout: float | None) -> str:
    tail = last_lines(result.output)
    if result.timed_out:
        header = f"{what} timed out after {timeout:g} s"
    else:
        header = f"{what} failed with exit status {result.returncode}"
    return f"{header}\n{tail}" if tail else header


def build_one(
    builder: Builder,
    job: BuildJob,
    smoke: str | None = None,
    timeout: float | None = None,
) -> BuildResult:
    """Build one job's image, measure it and run the smoke command in it.

    A Dockerfile that the builder cannot build (see Builder.unsupported_feature)
    fails with that reason, and the builder does not run.
    """
    started = time.monotonic()
    unsupported = builder.unsupported_feature(job.dockerfile)
    if unsupported is not None:
        built = CommandResult(returncode=1, output=unsupported)
    else:
        built = builder.build(job.dockerfile, job.context, job.tag, timeout=timeout)
    seconds = round(time.monotonic() - started, 2)
    result = BuildResult(
        path=str(job.dockerfile),
        tag=job.tag,
        ok=built.ok,
        seconds=seconds,
        size_bytes=None,
        error=None,
        started=started,
    )
    if not built.ok:
        result.stage = "build"
        # A reason that fits one line replaces the builder's output tail.
        result.error = (
            unsupported
            or builder.missing_base_message(built.output)
            or _describe_failure(built, f"{builder.name} build", timeout)
        )
        logger.info("%s: build failed after %.1f s", job.dockerfile, seconds)
        result.finished = time.monotonic()
        return result

    result.size_bytes = builder.image_size(job.tag)
    if smoke:
        smoke_started = time.monotonic()
        smoked = builder.smoke(job.tag, smoke, timeout=timeout)
        result.smoke_seconds = round(time.monotonic() - smoke_started, 2)
        if not smoked.ok:
            result.ok = False
            result.stage = "smoke"
            result.error = _describe_failure(
                smoked, f"smoke command {smoke!r}", timeout
            )
    logger.info(
        "%s: %s in %.1f s", job.dockerfile, "ok" if result.ok else "failed", seconds
    )
    result.finished = time.monotonic()
    return result


def run_builds(
    builder: Builder,
    jobs: list[BuildJob],
    max_workers: int,
    smoke: str | None = None,
    timeout: float | None = None,
    on_done: Callable[[BuildResult], None] | None = None,
    on_start: Callable[[BuildJob], None] | None = None,
) -> list[BuildResult]:
    """Build every job with at most max_workers builds at once.

    Returns the results in the order of jobs. on_start and on_done, if given,
    are called from the worker thread as each job starts and finishes.
    """

    def work(job: BuildJob) -> BuildResult:
        if on_start is not None:
            on_start(job)
        result = build_one(builder, job, smoke=smoke, timeout=timeout)
        if on_done is not None:
            on_done(result)
        return result

    pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="build")
    try:
        return list(pool.map(work, jobs))
    except KeyboardInterrupt:
        # Builds not yet started are dropped. Running ones are stopped, which
        # makes their workers return, so the shutdown below does not hang.
        pool.shutdown(wait=False, cancel_futures=True)
        stop_running_commands()
        raise
    finally:
        pool.shutdown(wait=True)
