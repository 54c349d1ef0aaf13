"""Builder backends: one interface over the buildah, podman and docker command-line tools."""

import json
import logging
import os
import re
import shutil
import signal
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from dockermig.build.secrets import BuildSecret
from dockermig.errors import DockermigError
from dockermig.syntax import parse_bytes

logger = logging.getLogger(__name__)

# Order of preference when no builder is chosen. buildah comes first because it
# needs no daemon and builds as root with chroot isolation on a plain machine.
BUILDER_NAMES = ("buildah", "podman", "docker")

# When a build may pull a base image: only when it is not in local storage
# (the default of buildah, podman and docker), never, or on every build.
PULL_POLICIES = ("missing", "never", "always")
DEFAULT_PULL_POLICY = "missing"

# buildah's error, also reached through podman build, for a base image that is
# not in local storage when the pull policy forbids pulling it (buildah 1.28.2:
# "Error: creating build container: IMAGE: image not known").
_MISSING_BASE_ERROR = re.compile(r"creating build container: (\S+): image not known")

# The first buildah release that reads heredocs (`RUN <<EOF`), 1.33 as a
# buildah maintainer dates it (https://github.com/openshift/builder/pull/469).
# buildah 1.28.2 reads the body lines as instructions and fails.
# NOTE: users reported heredoc failures with buildah 1.33.5 to 1.34
# (https://github.com/containers/buildah/issues/5474), so those versions
# may still fail, with buildah's own error.
BUILDAH_HEREDOC_VERSION = (1, 33)


class BuilderNotFoundError(DockermigError):
    """No usable builder executable on PATH."""


class UnsupportedPullPolicyError(DockermigError):
    """The builder has no option for the requested pull policy."""


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
        self.pull = DEFAULT_PULL_POLICY

    def set_pull_policy(self, policy: str) -> None:
        """Set when builds may pull a base image: one of PULL_POLICIES.

        Raises UnsupportedPullPolicyError when the builder cannot express it.
        """
        if policy not in PULL_POLICIES:
            raise UnsupportedPullPolicyError(
                f"unknown pull policy {policy!r}; choose one of {', '.join(PULL_POLICIES)}"
            )
        self.pull = policy

    def missing_base_message(self, output: str) -> str | None:
        """Return a one-line error when output shows a base image that --pull never kept out, else None."""
        match = _MISSING_BASE_ERROR.search(output)
        if self.pull != "never" or match is None:
            return None
        return (
            f"base image {match.group(1)} is not in local storage, and --pull never "
            "forbids pulling it; pull or build it first, or pass --pull missing"
        )

    def unsupported_feature(self, dockerfile: Path) -> str | None:
        """Return a one-line error when this builder cannot build dockerfile, else None.

        The build then fails without running the builder.
        """
        return None

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

    def _engine_build_argv(
        self, pull_options: list[str], dockerfile: Path, context: Path, tag: str
    ) -> list[str]:
        """Return the `build` command that podman and docker share, with their own pull options."""
        return [
            self.executable,
            "build",
            *pull_options,
            "--file",
            str(dockerfile),
            "--tag",
            tag,
            *self.secret_options(),
            str(context),
        ]

    def _engine_run_argv(self, run_options: list[str], tag: str, command: str) -> list[str]:
        """Return the `run` command that podman and docker share: `sh -c COMMAND` in a new container."""
        return [
            self.executable,
            "run",
            "--rm",
            *run_options,
            "--entrypoint",
            "/bin/sh",
            tag,
            "-c",
            command,
        ]

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

    def __init__(self, executable: str) -> None:
        super().__init__(executable)
        self._version: tuple[int, ...] | None = None
        self._version_lock = threading.Lock()

    def version(self) -> tuple[int, ...] | None:
        """Return buildah's version from `buildah --version`, such as (1, 28, 2), or None when it cannot be read."""
        with self._version_lock:
            if self._version is None:
                result = _run([self.executable, "--version"], 60)
                match = re.search(r"version (\d+(?:\.\d+)+)", result.output)
                if result.ok and match is not None:
                    self._version = tuple(int(part) for part in match.group(1).split("."))
                else:
                    logger.warning(
                        "cannot read the buildah version: %s", result.output.strip()
                    )
                    self._version = ()
        return self._version or None

    def unsupported_feature(self, dockerfile: Path) -> str | None:
        version = self.version()
        if version is None or version >= BUILDAH_HEREDOC_VERSION:
            return None
        line = _first_heredoc_line(dockerfile)
        if line is None:
            return None
        number, text = line
        version_text = ".".join(str(part) for part in version)
        return (
            f"{dockerfile}:{number}: buildah {version_text} cannot build heredocs "
            f"({text}); build with --builder docker (BuildKit) or with buildah "
            f"{BUILDAH_HEREDOC_VERSION[0]}.{BUILDAH_HEREDOC_VERSION[1]} or newer"
        )

    def build_argv(self, dockerfile: Path, context: Path, tag: str) -> list[str]:
        # chroot isolation works as root without a container runtime's
        # namespaces. --pull takes the policy as its value.
        # --force-rm: without it, buildah 1.28.2 leaves a working container
        # (`<image>-working-container-N`) behind after building a Dockerfile
        # with only a FROM. With it, buildah removes that build's own
        # containers (checked with `buildah containers` before and after).
        # buildah accepts --force-rm only with --layers or --no-cache, and
        # --no-cache changes nothing for a build without --layers.
        # NOTE: no --layers. buildah 1.28 leaves the files of a RUN's
        # --mount=type=bind out of the layer cache key, so a cached `uv sync`
        # layer from another folder's uv.lock would be reused. Every build
        # therefore runs all steps; the uv cache mount keeps them fast.
        return [
            self.executable,
            "build",
            "--isolation",
            "chroot",
            f"--pull={self.pull}",
            "--no-cache",
            "--force-rm",
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
        return self._engine_build_argv([f"--pull={self.pull}"], dockerfile, context, tag)

    def smoke_argv(self, tag: str, command: str) -> list[str]:
        return self._engine_run_argv(["--pull=never"], tag, command)


class DockerBuilder(Builder):
    name = "docker"

    def set_pull_policy(self, policy: str) -> None:
        # docker build pulls a missing base image by default, and its --pull
        # flag pulls every base image. It has no option that forbids pulling.
        if policy == "never":
            raise UnsupportedPullPolicyError(
                "--pull never is not supported with docker, because docker build "
                "has no option that forbids pulling; use --builder buildah or podman, "
                "or --pull missing"
            )
        super().set_pull_policy(policy)

    def build_argv(self, dockerfile: Path, context: Path, tag: str) -> list[str]:
        # docker build pulls a base image only when it is missing by default.
        # NOTE: --secret needs BuildKit, which docker build uses through the
        # buildx plugin. The legacy builder has no --secret option (checked
        # with `DOCKER_BUILDKIT=0 docker build --help`, Docker CLI 28.2).
        pull_options = ["--pull"] if self.pull == "always" else []
        return self._engine_build_argv(pull_options, dockerfile, context, tag)

    def smoke_argv(self, tag: str, command: str) -> list[str]:
        return self._engine_run_argv([], tag, command)


def _first_heredoc_line(dockerfile: Path) -> tuple[int, str] | None:
    """Return the line number and text of the first instruction with a heredoc, or None.

    A file that cannot be read or parsed gives None, so the builder reports it.
    """
    try:
        tree = parse_bytes(dockerfile.read_bytes(), dockerfile)
    except (OSError, DockermigError):
        return None
    for instruction in tree.instructions:
        carrier = instruction.trigger or instruction
        if carrier.heredocs:
            first_line = instruction.text.splitlines()[0].strip()
            return instruction.line, first_line
    return None


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
