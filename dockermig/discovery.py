"""Find the Dockerfiles under the paths given on the command line."""

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from dockermig.errors import InputFileError, unreadable_error

SKIPPED_DIRECTORIES = {
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "__pycache__",
    ".tox",
    ".nox",
}
# discover_dockerfiles rejects larger files before anything reads them. A
# hand-written Dockerfile is far smaller, so a larger file named like one is
# most likely generated or not a Dockerfile. Parsing it would keep the text and
# a syntax tree many times its size in memory.
# NOTE: plan_migration and check_paths, called directly, do not apply this limit.
MAX_DOCKERFILE_BYTES = 1024 * 1024


@dataclass
class Discovery:
    """The Dockerfiles found, and the paths that could not be searched or used."""

    dockerfiles: list[Path] = field(default_factory=list)
    errors: list[InputFileError] = field(default_factory=list)


def is_dockerfile_name(name: str) -> bool:
    """Return whether a file name is one that builders read as a Dockerfile."""
    lowered = name.lower()
    # `Dockerfile.prod.dockerignore` is the ignore file BuildKit reads for Dockerfile.prod.
    if lowered.endswith(".dockerignore"):
        return False
    if lowered in ("dockerfile", "containerfile"):
        return True
    if lowered.endswith(".dockerfile") or lowered.endswith(".containerfile"):
        return True
    return lowered.startswith("dockerfile.") or lowered.startswith("containerfile.")


def _is_virtualenv(directory: Path) -> bool:
    try:
        return (directory / "pyvenv.cfg").is_file()
    except OSError:
        # An unreadable folder is reported when the walk tries to list it.
        return False


def _git_ignored(root: Path, candidates: list[Path]) -> set[Path]:
    """Return the candidates that git ignores; an empty set outside a git work tree."""
    if not candidates:
        return set()
    import subprocess  # only here: it is a noticeable share of a one-file check's start-up

    try:
        result = subprocess.run(
            ["git", "-C", str(root), "check-ignore", "--stdin", "-z"],
            input="\0".join(str(path) for path in candidates),
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        return set()
    if result.returncode not in (0, 1):
        return set()
    return {Path(line) for line in result.stdout.split("\0") if line}


def find_dockerfiles(paths: list[Path]) -> list[Path]:
    """Return the Dockerfiles named by or found under each path, sorted and without repeats.

    Raises InputFileError for a path that does not exist, and for the first
    problem that `discover_dockerfiles` reports.
    """
    discovery = discover_dockerfiles(paths)
    if discovery.errors:
        raise discovery.errors[0]
    return discovery.dockerfiles


def discover_dockerfiles(paths: list[Path]) -> Discovery:
    """Find the Dockerfiles named by or found under each path, and the ones that cannot be used.

    A path that is a file is taken as given, whatever its name. Folders are
    walked without following symbolic links, skipping version-control folders,
    virtual environments, node_modules and what .gitignore ignores. A folder
    that cannot be listed, and a Dockerfile that is a broken symbolic link, is
    not a regular file, cannot be read or is larger than MAX_DOCKERFILE_BYTES,
    goes to `errors` in place of `dockerfiles`, and the search goes on.

    Raises InputFileError for a path that does not exist, because that is a
    mistake on the command line rather than in the tree.
    """
    found: list[Path] = []
    errors: list[InputFileError] = []
    for path in paths:
        if not os.path.lexists(path):
            raise InputFileError(path, "no such file or folder", "check the path")
        if not path.is_dir():
            found.append(path)
            continue
        walked = list(_walk(path, errors))
        # A folder named on the command line is walked even when git ignores it.
        ignored = set() if _git_ignored(path, [path]) else _git_ignored(path, walked)
        found.extend(candidate for candidate in walked if candidate not in ignored)

    discovery = Discovery(errors=errors)
    unique = dict.fromkeys(Path(os.path.normpath(path)) for path in found)
    for path in sorted(unique):
        problem = _unusable(path)
        if problem is None:
            discovery.dockerfiles.append(path)
        else:
            discovery.errors.append(problem)
    discovery.errors.sort(key=lambda error: error.path)
    return discovery


def _walk(root: Path, errors: list[InputFileError]):
    def record_unreadable(error: OSError) -> None:
        # os.walk joins names to the root as given, so "." gives "./name"; normpath
        # writes the path the way discover_dockerfiles writes Dockerfile paths.
        folder = os.path.normpath(error.filename or root)
        errors.append(
            unreadable_error(
                folder, error, "make the folder readable, or pass paths that leave it out"
            )
        )

    for directory, subdirectories, files in os.walk(root, onerror=record_unreadable):
        current = Path(directory)
        subdirectories[:] = sorted(
            name
            for name in subdirectories
            if name not in SKIPPED_DIRECTORIES and not _is_virtualenv(current / name)
        )
        for name in sorted(files):
            if is_dockerfile_name(name):
                yield current / name


def _unusable(path: Path) -> InputFileError | None:
    """Return the error for a Dockerfile that cannot be read as one, or None when it can."""
    try:
        status = os.stat(path)
    except OSError as error:
        if os.path.islink(path) and error.errno == errno.ELOOP:
            return InputFileError(
                path, "is a symbolic link loop", "fix or remove the link"
            )
        if os.path.islink(path) and error.errno == errno.ENOENT:
            return InputFileError(
                path, "is a symbolic link to a missing file", "fix or remove the link"
            )
        return unreadable_error(path, error)
    if not stat.S_ISREG(status.st_mode):
        # Reading a FIFO would wait for a writer, and a device can be endless.
        return InputFileError(path, "is not a regular file", "pass a Dockerfile")
    if status.st_size > MAX_DOCKERFILE_BYTES:
        return InputFileError(
            path,
            f"is {status.st_size} bytes, larger than the {MAX_DOCKERFILE_BYTES}-byte "
            "limit for a Dockerfile",
            "leave it out, or check that it is a Dockerfile",
        )
    if not os.access(path, os.R_OK):
        return unreadable_error(path, PermissionError())
    return None
