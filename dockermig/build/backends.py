"""Builder backends: one interface over the buildah, podman and docker command-line tools."""

import json
import logging
import os
import shutil
import signal
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from dockermig.build.secrets import BuildSecret
from dockermig.errors import DockermigError

logger = logging.getLogger(__name__)

# Order of preference when no builder is chosen. buildah comes first because it
# needs no daemon and builds as root with chroot isolation on a plain machine.
BUILDER_NAMES = ("buildah", "podman", "docker")


class BuilderNotFoundError(DockermigError):
    """No usable builder executable on PATH."""


@dataclass(frozen=True)
class CommandResult:
    """Exit status and combined stdout and stderr of one builder command."""

    returncode: int
    output: str
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


TERMINATE_GRACE_SECONDS = 10

# Builder processes run in their own process groups (see _run), so a Ctrl-C at
# the terminal does not reach them; stop_running_commands() signals them.
_running: set[subprocess.Popen] = set()
_running_lock = threading.Lock()


def _signal_group(pid: int, signum: int) -> None:
    try:
        os.killpg(pid, signum)
    except ProcessLookupError:
        pass


def _run(
    argv: list[str], timeout: float | None, env: dict[str, str] | None = None
) -> CommandResult:
    """Run argv with stdout and stderr combined; on timeout, kill its whole process group.

    Killing only the direct child would leave a builder's own children (the
    RUN step's processes) holding the output pipe open, so reading it would
    block until they exit.
    """
    logger.debug("running %s", " ".join(argv))
    process = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,
        env=env,
    )
    with _running_lock:
        _running.add(process)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        logger.warning("timed out after %s s, stopping: %s", timeout, " ".join(argv))
        # SIGTERM first lets buildah remove its working container; SIGKILL
        # follows for a process group that is still there after the grace time.
        _signal_group(process.pid, signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=TERMINATE_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            _signal_group(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
        return CommandResult(returncode=-1, output=output, timed_out=True)
    finally:
        with _running_lock:
            _running.discard(process)
    return CommandResult(returncode=process.returncode, output=output)


def stop_running_commands() -> None:
    """Send SIGTERM to the process group of every builder command still running."""
    with _running_lock:
        processes = list(_running)
    for process in processes:
        _signal_group(process.pid, signal.SIGTERM)


class Builder:
    """A container image builder driven through its command-line tool.

    Subclasses give the argument lists. build and smoke return a CommandResult
    rather than raise on failure, so callers decide what counts as failure.
    """

    name = ""

    def __init__(self, executable: str) -> None:
        self.executable = executable
        # Environment of the build commands; None inherits dockermig's.
        self.environment: dict[str, str] | None = None
        # Secrets passed to every build with --secret. An env= secret is read
        # by the builder from its own environment, so the value never appears
        # in an argument list.
        self.secrets: list[BuildSecret] = []

    def use_cache_folder(self, folder: Path) -> None:
        """Keep the folders of `RUN --mount=type=cache` in folder, shared by every build.

        Raises BuilderNotFoundError for a builder whose cache mounts live
        elsewhere.
        """
        raise BuilderNotFoundError(
            f"--cache-dir is not supported with {self.name}: its cache mounts "
            "live in the builder's own storage; use buildah or leave --cache-dir out"
        )

    def cache_folder(self) -> Path | None:
        """Return the folder that holds this builder's cache mounts, if it is known."""
        return None

    def secret_options(self) -> list[str]:
        """Return the `--secret id=...` arguments, in the syntax buildah, podman and docker share."""
        options = []
        for secret in self.secrets:
            options += ["--secret", secret.option()]
        return options

    def build_argv(self, dockerfile: Path, context: Path, tag: str) -> list[str]:
        raise NotImplementedError

    def smoke_argv(self, tag: str, command: str) -> list[str]:
        raise NotImplementedError

    def build(
        self, dockerfile: Path, context: Path, tag: str, timeout: float | None = None
    ) -> CommandResult:
        """Build dockerfile with context as the build context and tag the image."""
        return _run(self.build_argv(dockerfile, context, tag), timeout, self.environment)

    def smoke(
        self, tag: str, command: str, timeout: float | None = None
    ) -> CommandResult:
        """Run a shell command (/bin/sh -c) in a new container of the image."""
        return _run(self.smoke_argv(tag, command), timeout, self.environment)

    def image_size(self, tag: str) -> int | None:
        """Return the image's uncompressed size in bytes, or None when the builder cannot tell."""
        result = _run(
            [self.executable, "image", "inspect", "--format", "{{.Size}}", tag], 60
        )
        if not result.ok:
            logger.warning("cannot read the size of %s: %s", tag, result.output.strip())
            return None
        try:
            return int(result.output.strip().splitlines()[-1])
        except (ValueError, IndexError):
            logger.warning("unexpected size output for %s: %r", tag, result.output)
            return None


class BuildahBuilder(Builder):
    name = "buildah"

    # buildah keeps each `RUN --mount=type=cache` folder under
    # $TMPDIR/buildah-cache (TMPDIR defaults to /var/tmp), keyed by the mount's
    # id or, without one, its target path. The folder outlives the build, so
    # every build on the machine that mounts /root/.cache/uv shares one uv
    # cache (checked with buildah 1.28.2 across separate `buildah build` runs).
    CACHE_SUBFOLDER = "buildah-cache"

    def use_cache_folder(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.environment = {**os.environ, "TMPDIR": str(folder.resolve())}

    def cache_folder(self) -> Path | None:
        environment = self.environment or os.environ
        return Path(environment.get("TMPDIR") or "/var/tmp") / self.CACHE_SUBFOLDER

    def build_argv(self, dockerfile: Path, context: Path, tag: str) -> list[str]:
        # chroot isolation works as root without a container runtime's
        # namespaces; --pull=missing uses a base image already in local storage
        # and goes to a registry only for one that is missing.
        # NOTE: no --layers. buildah 1.28 leaves the files of a RUN's
        # --mount=type=bind out of the layer cache key, so a cached `uv sync`
        # layer from another folder's uv.lock would be reused. Every build
        # therefore runs all steps; the uv cache mount keeps them fast.
        return [
            self.executable,
            "build",
            "--isolation",
            "chroot",
            "--pull=missing",
            "--file",
            str(dockerfile),
            "--tag",
            tag,
            *self.secret_options(),
            str(context),
        ]

    # buildah 1.28 re-executes itself from a sealed memfd copy for each `run`,
    # and sealing fails now and then with EBUSY when several runs start at
    # once. The command itself never started then, so it is safe to retry.
    SMOKE_RETRY_MESSAGE = "sealing memfd copy"
    SMOKE_ATTEMPTS = 3

    def smoke(
        self, tag: str, command: str, timeout: float | None = None
    ) -> CommandResult:
        for _ in range(self.SMOKE_ATTEMPTS):
            result = super().smoke(tag, command, timeout)
            if result.returncode == 0 or self.SMOKE_RETRY_MESSAGE not in result.output:
                return result
        return result

    def smoke_argv(self, tag: str, command: str) -> list[str]:
        # buildah has no single "run an image" command, so the smoke test is a
        # small shell script: make a working container, run in it, remove it.
        script = (
            'container=$("$0" from --pull=never --quiet "$1") || exit 125\n'
            '"$0" run --isolation chroot "$container" -- /bin/sh -c "$2"\n'
            "status=$?\n"
            '"$0" rm "$container" >/dev/null\n'
            "exit $status\n"
        )
        return ["/bin/sh", "-c", script, self.executable, tag, command]

    def image_size(self, tag: str) -> int | None:
        # `buildah images` prints sizes rounded ("258 MB"), even as JSON. The
        # manifest of an image in local storage lists each layer as an
        # uncompressed tar with its size in bytes, so their sum is the
        # uncompressed size of the image (checked with buildah 1.28).
        result = _run(
            [
                self.executable,
                "inspect",
                "--type",
                "image",
                "--format",
                "{{.Manifest}}",
                tag,
            ],
            60,
        )
        if not result.ok:
            logger.warning("cannot read the size of %s: %s", tag, result.output.strip())
            return None
        try:
            manifest = json.loads(result.output)
            return sum(int(layer["size"]) for layer in manifest["layers"])
        except (ValueError, LookupError, TypeError):
            logger.warning(
                "unexpected manifest in `buildah inspect` output for %s", tag
            )
            return None


class PodmanBuilder(Builder):
    name = "podman"

    def build_argv(self, dockerfile: Path, context: Path, tag: str) -> list[str]:
        return [
            self.executable,
            "build",
            "--pull=missing",
            "--file",
            str(dockerfile),
            "--tag",
            tag,
            *self.secret_options(),
            str(context),
        ]

    def smoke_argv(self, tag: str, command: str) -> list[str]:
        return [
            self.executable,
            "run",
            "--rm",
            "--pull=never",
            "--entrypoint",
            "/bin/sh",
            tag,
            "-c",
            command,
        ]


class DockerBuilder(Builder):
    name = "docker"

    def build_argv(self, dockerfile: Path, context: Path, tag: str) -> list[str]:
        # docker build pulls a base image only when it is missing by default.
        # NOTE: --secret needs BuildKit, which docker build uses through the
        # buildx plugin. The legacy builder has no --secret option (checked
        # with `DOCKER_BUILDKIT=0 docker build --help`, Docker CLI 28.2).
        return [
            self.executable,
            "build",
            "--file",
            str(dockerfile),
            "--tag",
            tag,
            *self.secret_options(),
            str(context),
        ]

    def smoke_argv(self, tag: str, command: str) -> list[str]:
        return [
            self.executable,
            "run",
            "--rm",
            "--entrypoint",
            "/bin/sh",
            tag,
            "-c",
            command,
        ]


_BUILDER_CLASSES: dict[str, type[Builder]] = {
    "buildah": BuildahBuilder,
    "podman": PodmanBuilder,
    "docker": DockerBuilder,
}


def get_builder(name: str) -> Builder:
    """Return the named builder, or raise BuilderNotFoundError if its executable is not on PATH."""
    if name not in _BUILDER_CLASSES:
        raise BuilderNotFoundError(
            f"unknown builder {name!r}; choose one of {', '.join(BUILDER_NAMES)}"
        )
    executable = shutil.which(name)
    if executable is None:
        raise BuilderNotFoundError(
            f"builder {name!r} not found on PATH; install it or choose another with --builder"
        )
    return _BUILDER_CLASSES[name](executable)


def detect_builder() -> Builder:
    """Return the first of buildah, podman and docker found on PATH."""
    for name in BUILDER_NAMES:
        executable = shutil.which(name)
        if executable is not None:
            return _BUILDER_CLASSES[name](executable)
    raise BuilderNotFoundError(
        "no image builder found on PATH (looked for buildah, podman, docker); "
        "install one, for example `apt-get install buildah`"
    )
