"""Find the Dockerfiles under the paths given on the command line."""

import fnmatch
import os
import subprocess
from pathlib import Path

from dockermig.errors import InputFileError

SKIPPED_DIRECTORIES = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".tox", ".nox"}


def is_dockerfile_name(name: str) -> bool:
    """Return whether a file name is one that builders read as a Dockerfile."""
    lowered = name.lower()
    if lowered in ("dockerfile", "containerfile"):
        return True
    if lowered.endswith(".dockerfile") or lowered.endswith(".containerfile"):
        return True
    return lowered.startswith("dockerfile.") or lowered.startswith("containerfile.")


def _is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file()


def _git_ignored(root: Path, candidates: list[Path]) -> set[Path]:
    """Return the candidates that git ignores; an empty set outside a git work tree."""
    if not candidates:
        return set()
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

    A path that is a file is taken as given, whatever its name. Folders are
    walked without following symbolic links, skipping version-control folders,
    virtual environments, node_modules and what .gitignore ignores.
    """
    found: list[Path] = []
    for path in paths:
        if not os.path.lexists(path):
            raise InputFileError(path, "no such file or folder", "check the path")
        if not path.is_dir():
            found.append(path)
            continue
        walked = list(_walk(path))
        # A folder named on the command line is walked even when git ignores it.
        ignored = set() if _git_ignored(path, [path]) else _git_ignored(path, walked)
        found.extend(candidate for candidate in walked if candidate not in ignored)
    unique = dict.fromkeys(Path(os.path.normpath(path)) for path in found)
    return sorted(unique)


def _walk(root: Path):
    def raise_unreadable(error: OSError) -> None:
        raise InputFileError(
            error.filename or root,
            "cannot read folder",
            "check its permissions or pass a narrower path",
        )

    for directory, subdirectories, files in os.walk(root, onerror=raise_unreadable):
        current = Path(directory)
        subdirectories[:] = sorted(
            name
            for name in subdirectories
            if name not in SKIPPED_DIRECTORIES and not _is_virtualenv(current / name)
        )
        for name in sorted(files):
            if is_dockerfile_name(name) and not fnmatch.fnmatch(name, "*.dockerignore"):
                yield current / name
