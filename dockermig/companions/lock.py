"""Produce uv.lock text by running the real `uv lock` in a temporary folder."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
import tomllib
from pathlib import Path

import tomlkit
import uv

from dockermig.errors import DockermigError

# NOTE: an estimate. A cold resolution of a large project that must build
# source distributions for their metadata can take minutes.
DEFAULT_TIMEOUT_SECONDS = 600.0

_uv_binary: str | None = None
_uv_binary_lock = threading.Lock()
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_SINGLE_MINOR = re.compile(r"^\s*==\s*(\d+\.\d+)\.\*\s*$")
_NOT_IN_REGISTRY = re.compile(r"(\S+) was not found in the package registry")
_NO_VERSION = re.compile(r"there (?:is|are) no versions? of (\S+?)(?:,|\s|$)")
_PROJECT_DEPENDS_ON = re.compile(
    r"(?<!conclude that )your project depends on (\S+?)(?:,|\s|\.?$)"
)
_FAILED_BUILD = re.compile(r"Failed to (?:build|download|fetch)[^`]*`([^`]+)`")
# uv 0.13.9 prints this cause for an index with `authenticate = "always"` and no credentials.
_MISSING_CREDENTIALS = re.compile(r"Missing credentials for:?\s+(\S+)")


class LockError(DockermigError):
    """`uv lock` failed; the message names the requirement uv could not resolve when it can."""

    def __init__(
        self, message: str, requirements: list[str] | None = None, stderr: str = ""
    ) -> None:
        self.requirements = requirements or []
        self.stderr = stderr
        super().__init__(message)


class MissingCredentialsError(LockError):
    """`uv lock` found no credentials for an index; `url` is the URL uv named."""

    def __init__(self, message: str, url: str, stderr: str = "") -> None:
        self.url = url
        super().__init__(message, stderr=stderr)


def lock(
    project_dir: Path,
    pyproject_text: str,
    existing_lock: str | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> str:
    """Run `uv lock` on pyproject_text in a temporary folder and return uv.lock's text.

    An existing lock is copied in first, so `uv lock` keeps its pins where they
    still satisfy the requirements. A uv.toml in project_dir is copied too,
    because it can set indexes. uv never downloads a Python here: it uses an
    installed interpreter that matches requires-python.

    Raises LockError when uv fails or runs longer than `timeout` seconds.
    """
    project_dir = Path(project_dir)
    uv_binary = _find_uv()
    with tempfile.TemporaryDirectory(prefix="dockermig-lock-") as temporary:
        work_dir = Path(temporary)
        (work_dir / "pyproject.toml").write_text(pyproject_text, encoding="utf-8")
        if existing_lock is not None:
            (work_dir / "uv.lock").write_text(existing_lock, encoding="utf-8")
        if (project_dir / "uv.toml").is_file():
            shutil.copyfile(project_dir / "uv.toml", work_dir / "uv.toml")

        command = [
            uv_binary,
            "lock",
            "--directory",
            str(work_dir),
            "--color",
            "never",
            "--no-progress",
        ]
        minor = _single_python_minor(pyproject_text)
        if minor is not None:
            interpreter = find_python(minor, uv_binary)
            if interpreter is None:
                raise LockError(_missing_python_message(minor))
            command += ["--python", interpreter]

        try:
            completed = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=timeout,
                env=_uv_environment(),
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise LockError(
                f"uv lock for {project_dir} timed out after {timeout:g} seconds; check that the "
                "package index is reachable, or run again with a longer timeout"
            ) from None
        if completed.returncode != 0:
            raise lock_error_from_stderr(project_dir, completed.stderr, minor)
        return (work_dir / "uv.lock").read_text(encoding="utf-8")


def lock_with_pins(
    project_dir: Path,
    pyproject_text: str,
    pins: list[str],
    existing_lock: str | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> str:
    """Lock pyproject_text so the old lock's pins are kept, and return uv.lock's text.

    The first `uv lock` runs with the pins added as `[tool.uv]
    constraint-dependencies`. uv records constraints in the lock's [manifest],
    so that lock fails `uv lock --check` once they are removed (uv 0.13.9).
    A second `uv lock` therefore runs on pyproject_text itself, with the first
    lock as its existing lock: uv keeps every locked version that still
    satisfies the requirements, and the result matches pyproject_text.

    Pins for a project that pyproject_text already constrains are skipped.
    Raises LockError when uv fails, naming the pins when they cannot all be
    kept, and when the second lock changed a pinned version.
    """
    pinned_text, used_pins = with_constraints(pyproject_text, pins)
    if not used_pins:
        return lock(project_dir, pyproject_text, existing_lock, timeout=timeout)
    try:
        pinned_lock = lock(project_dir, pinned_text, existing_lock, timeout=timeout)
    except MissingCredentialsError:
        # Missing credentials are unrelated to the pins, so the error is raised unchanged.
        raise
    except LockError as error:
        raise LockError(
            f"the versions in the old lock cannot all be kept: {error}; update the old "
            "lock, or relax the requirement that conflicts with it",
            requirements=error.requirements,
            stderr=error.stderr,
        ) from None
    final_lock = lock(project_dir, pyproject_text, pinned_lock, timeout=timeout)

    before = _locked_versions(pinned_lock)
    after = _locked_versions(final_lock)
    changed = sorted(
        name
        for name, version in before.items()
        if name in after and after[name] != version
    )
    if changed:
        raise LockError(
            f"uv lock for {project_dir} changed the kept versions of {', '.join(changed)} "
            "after the temporary constraints were removed",
            requirements=changed,
        )
    return final_lock


def with_constraints(pyproject_text: str, pins: list[str]) -> tuple[str, list[str]]:
    """Return (pyproject text with the pins added to constraint-dependencies, pins added)."""
    document = tomlkit.parse(pyproject_text)
    tool = document.setdefault("tool", tomlkit.table(is_super_table=True))
    uv_table = tool.setdefault("uv", tomlkit.table())
    existing = uv_table.setdefault("constraint-dependencies", tomlkit.array())
    constrained = {_requirement_name(str(value)) for value in existing}
    added = []
    for pin in pins:
        name = _requirement_name(pin)
        if name and name not in constrained:
            constrained.add(name)
            added.append(pin)
            existing.append(pin)
    return tomlkit.dumps(document), added


def _requirement_name(requirement: str) -> str:
    match = _NAME.match(requirement.strip())
    return re.sub(r"[-_.]+", "-", match.group(0)).lower() if match else ""


def _locked_versions(lock_text: str) -> dict[str, str]:
    packages = tomllib.loads(lock_text).get("package", [])
    return {
        package["name"]: package["version"]
        for package in packages
        if "version" in package
    }


def find_python(minor: str, uv_binary: str | None = None) -> str | None:
    """Find an installed Python X.Y interpreter and return its path, or None. Never downloads one.

    uv's own search runs first. In uv 0.13.9 it fails at the first broken
    interpreter on PATH (a pyenv shim for a version that is not activated, for
    example), so the version folders of pyenv and asdf are searched after it.
    """
    uv_binary = uv_binary or _find_uv()
    try:
        completed = subprocess.run(
            [
                uv_binary,
                "python",
                "find",
                "--system",
                "--no-project",
                "--no-python-downloads",
                f"=={minor}.*",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env=_uv_environment(),
            check=False,
        )
    except subprocess.TimeoutExpired:
        completed = None
    if completed is not None and completed.returncode == 0 and completed.stdout.strip():
        return completed.stdout.strip()

    roots = [
        Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions",
        Path(os.environ.get("ASDF_DATA_DIR", Path.home() / ".asdf"))
        / "installs"
        / "python",
    ]
    candidates = []
    for root in roots:
        try:
            found = list(root.glob(f"{minor}.*/bin/python{minor}"))
        except OSError:
            # A folder this user cannot read has no Python for it.
            continue
        candidates += [path for path in found if os.access(path, os.X_OK)]
    if not candidates:
        return None
    # Prefer the newest patch release.
    newest = max(candidates, key=lambda path: _version_tuple(path.parent.parent.name))
    return str(newest)


def lock_error_from_stderr(
    project_dir: Path, stderr: str, minor: str | None = None
) -> LockError:
    """Build a one-line LockError from uv's error output."""
    if (
        "No interpreter found for Python" in stderr
        or "Failed to inspect Python interpreter" in stderr
    ):
        if minor is not None:
            return LockError(_missing_python_message(minor), stderr=stderr)
        return LockError(
            f"uv lock for {project_dir} found no usable Python interpreter for requires-python: "
            f"{_uv_error_summary(stderr)}",
            stderr=stderr,
        )

    flat = " ".join(stderr.split())
    missing = _MISSING_CREDENTIALS.search(flat)
    if missing:
        url = missing.group(1)
        return MissingCredentialsError(
            f"uv lock for {project_dir} found no credentials for {url}; set "
            "UV_INDEX_<NAME>_USERNAME and UV_INDEX_<NAME>_PASSWORD for that index, "
            "where <NAME> is its name in pyproject.toml in upper case, and run again",
            url,
            stderr=stderr,
        )
    names = _unique(_NOT_IN_REGISTRY.findall(flat) + _NO_VERSION.findall(flat))
    if not names:
        names = _unique(_PROJECT_DEPENDS_ON.findall(flat) + _FAILED_BUILD.findall(flat))
    cause = _uv_error_summary(stderr)
    if names:
        return LockError(
            f"uv lock for {project_dir} could not resolve {', '.join(names)}: {cause}; "
            "fix the name or version in the requirements file, or relax the pin",
            requirements=names,
            stderr=stderr,
        )
    return LockError(f"uv lock for {project_dir} failed: {cause}", stderr=stderr)


def _find_uv() -> str:
    """Return the uv binary of the installed uv package, found once per process.

    `uv.find_uv_bin()` reads `sysconfig.get_config_var("EXE")`, which returned
    None when migrate's worker threads made the first call at the same time
    (CPython 3.11.7; the config dict was still being filled), so the lock lets
    one thread make that call.
    """
    global _uv_binary
    with _uv_binary_lock:
        if _uv_binary is None:
            try:
                _uv_binary = uv.find_uv_bin()
            except FileNotFoundError:
                raise DockermigError(
                    "the uv binary of the installed uv package was not found; "
                    "reinstall dockermig"
                ) from None
        return _uv_binary


def _uv_environment() -> dict[str, str]:
    environment = dict(os.environ)
    environment["UV_PYTHON_DOWNLOADS"] = "never"
    environment["NO_COLOR"] = "1"
    # An activated virtual environment is unrelated to the temporary project.
    environment.pop("VIRTUAL_ENV", None)
    return environment


def _single_python_minor(pyproject_text: str) -> str | None:
    """Return "X.Y" when requires-python is exactly "==X.Y.*", else None."""
    try:
        document = tomllib.loads(pyproject_text)
    except tomllib.TOMLDecodeError:
        return None
    requires_python = document.get("project", {}).get("requires-python")
    if not isinstance(requires_python, str):
        return None
    match = _SINGLE_MINOR.match(requires_python)
    return match.group(1) if match else None


def _missing_python_message(minor: str) -> str:
    return (
        f"uv lock needs an installed Python {minor} interpreter and dockermig does not "
        f"download one; install Python {minor} (for example `uv python install {minor}`) "
        "and run again"
    )


def _uv_error_summary(stderr: str) -> str:
    """Join uv's `error:` and `cause:` lines into one line."""
    lines = [line.strip() for line in stderr.splitlines()]
    start = next((i for i, line in enumerate(lines) if line.startswith("error:")), 0)
    summary = " ".join(line for line in lines[start:] if line)
    summary = summary.removeprefix("error:").strip()
    return summary or "uv exited with an error and no message"


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text))


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(value.strip("`.,") for value in values))
