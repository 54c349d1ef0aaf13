"""Plan the files a migrated Dockerfile needs beside it: pyproject.toml, uv.lock, .dockerignore."""

import re
from pathlib import Path

from dockermig.companions.dockerignore import is_excluded, plan_dockerignore
from dockermig.dockerignore import is_excluded as path_is_excluded
from dockermig.dockerignore import parse_dockerignore
from dockermig.companions.indexes import IndexPlan, strip_credentials
from dockermig.companions.lock import MissingCredentialsError, lock_with_pins
from dockermig.companions.lock import lock as run_uv_lock
from dockermig.companions.pep621 import load_pyproject
from dockermig.companions.pyproject import plan_pyproject, plan_pyproject_from_spec
from dockermig.companions.python_versions import admits_python
from dockermig.companions.spec import ProjectSpec, SourceKind
from dockermig.migrate.dependencies import Dependencies
from dockermig.migrate.outcome import CannotMigrate, FileResult


def setuptools_note(context: Path, requirements: list[str]) -> list[str]:
    """Warn when the app may import pkg_resources, which came from the image's setuptools."""
    if any(
        requirement.lower().startswith("setuptools") for requirement in requirements
    ):
        return []
    for source in context.rglob("*.py"):
        try:
            if "pkg_resources" in source.read_text(encoding="utf-8", errors="replace"):
                return [
                    f"{source.name} imports pkg_resources, which the venv lacks unless "
                    "setuptools is in the requirements"
                ]
        except OSError:
            continue
    return []


def plan_companions(
    context: Path,
    dependencies: Dependencies,
    python_minor: str,
    result: FileResult,
    run_lock: bool,
    python_patch: int | None = None,
) -> None:
    """Plan pyproject.toml, uv.lock and .dockerignore into `result`.

    `python_patch` is the patch release that the image tag pins, or None when
    the tag floats to the newest patch of `python_minor`.
    """
    pyproject_path = context / "pyproject.toml"
    lock_path = context / "uv.lock"
    ignore_path = context / ".dockerignore"
    for companion in (pyproject_path, lock_path, ignore_path):
        if companion.is_symlink():
            raise CannotMigrate(
                f"{companion} is a symbolic link, which dockermig never writes through"
            )
        result.originals[companion] = (
            companion.read_bytes() if companion.exists() else None
        )

    old_pyproject = result.originals[pyproject_path]
    spec = dependencies.spec
    result.notes.extend(
        _check_requires_python(context, spec, python_minor, python_patch)
    )
    if spec is not None:
        pyproject_text = plan_pyproject_from_spec(
            context, spec, python_minor, dependencies.index_plan
        )
    else:
        pyproject_text = plan_pyproject(
            context, dependencies.requirement_set, python_minor
        )
    changed = old_pyproject is None or pyproject_text.encode("utf-8") != old_pyproject
    described = old_pyproject is not None and "[project]" in old_pyproject.decode(
        "utf-8", "replace"
    )
    # Requirements files, with or without an index, give pyproject.toml a new [project] table.
    requirements_only = spec is None or spec.source.kind is SourceKind.REQUIREMENTS
    adds_project_table = requirements_only and changed and not described
    if adds_project_table and _is_poetry_project(pyproject_path):
        raise CannotMigrate(
            f"{pyproject_path} describes a Poetry project, but the image installs "
            "requirements files and not that project, and a [project] table with the "
            "image's requirements would change what Poetry 2 reads; install with "
            "`poetry install` in the Dockerfile, or move the image's requirements to "
            "their own folder"
        )
    if adds_project_table and _is_setuptools_package(context):
        raise CannotMigrate(
            f"{context} holds a setuptools package (setup.py or setup.cfg), and a "
            "[project] table in pyproject.toml would replace its metadata; install "
            "the project with `pip install .` in the Dockerfile, or move the image's "
            "requirements to their own folder"
        )
    if spec is None and changed and described:
        raise CannotMigrate(
            f"{pyproject_path} already describes a project whose dependencies differ from "
            "the image's requirements; merge them by hand, or move the Dockerfile's "
            "requirements into that project"
        )
    if changed:
        result.writes[pyproject_path] = pyproject_text
    existing_lock = (
        lock_path.read_text(encoding="utf-8") if lock_path.exists() else None
    )
    if existing_lock is None or changed:
        lock_text = None
        try:
            if run_lock and spec is not None:
                lock_text = lock_with_pins(
                    context, pyproject_text, spec.pins, existing_lock
                )
            elif run_lock:
                lock_text = run_uv_lock(context, pyproject_text, existing_lock)
        except MissingCredentialsError as error:
            raise _credentials_error(context, error, dependencies.index_plan) from None
        if lock_text is None or lock_text != existing_lock:
            result.writes[lock_path] = lock_text

    ignore_text = _dockerignore_text(
        context, result.originals[ignore_path], dependencies.credential_files
    )
    if ignore_text is not None:
        result.writes[ignore_path] = ignore_text
    # The Dockerfile is written last, so an interrupted run leaves it as it was.
    result.writes[result.path] = result.writes.pop(result.path)


def _credentials_error(
    context: Path, error: MissingCredentialsError, plan: IndexPlan | None
) -> MissingCredentialsError:
    """Return the error for an index without credentials, naming the variables to set.

    The index is the planned one whose URL starts the URL that uv named. When
    none matches, the variables of every index with credentials are named.
    """
    secrets = plan.secrets if plan is not None else []
    if not secrets:
        return error
    url = error.url.rstrip("/")
    matching = [
        index
        for index in plan.indexes
        if index.authenticated
        and (url == index.url.rstrip("/") or url.startswith(index.url.rstrip("/") + "/"))
    ]
    if matching:
        secrets = [secret for secret in secrets if secret.index_name == matching[0].name]
        index_text = f"the index {matching[0].name} ({matching[0].url})"
    else:
        index_text = strip_credentials(error.url)
    variables = list(dict.fromkeys(secret.variable for secret in secrets))
    return MissingCredentialsError(
        f"uv lock for {context} found no credentials for {index_text}; set "
        f"{' and '.join(variables)} in the environment of `dockermig migrate` and run again",
        error.url,
        stderr=error.stderr,
    )


def _check_requires_python(
    context: Path, spec: ProjectSpec | None, minor: str, patch: int | None
) -> list[str]:
    """Raise CannotMigrate when the requires-python that pyproject.toml will have excludes the image's Python.

    An existing [project] requires-python is kept, so it is the one checked.
    A Pipfile's Python version gives way to the image's, with a note, because
    requires-python decides which Python `uv sync` looks for in the builder.
    """
    pyproject_path = context / "pyproject.toml"
    existing = None
    if pyproject_path.is_file():
        project = load_pyproject(pyproject_path).get("project", {})
        existing = project.get("requires-python")
    if existing is not None:
        specifier = existing
        origin = f"{pyproject_path} sets requires-python = {existing!r}"
    elif spec is not None and spec.requires_python:
        specifier = spec.requires_python
        if spec.source.kind is SourceKind.PIPENV:
            spec.requires_python = None
            named = specifier.removeprefix("==").removesuffix(".*")
            if named == minor:
                return []
            return [
                f"requires-python is =={minor}.*, the image's Python, although the "
                f"Pipfile asks for Python {named}"
            ]
        origin_file = spec.source.files[0] if spec.source.files else context
        if spec.source.kind is SourceKind.POETRY:
            origin = (
                f"{origin_file}: [tool.poetry.dependencies] python allows "
                f"only {specifier}"
            )
        else:
            origin = f"{origin_file} requires Python {specifier}"
    else:
        return []
    if admits_python(specifier, minor, patch) is False:
        version = f"{minor}.{patch}" if patch is not None else minor
        raise CannotMigrate(
            f"{origin}, which excludes the image's Python {version}, so `uv sync` in the "
            "builder would find no Python for it; make the two agree"
        )
    return []


def _dockerignore_text(
    context: Path, original: bytes | None, credential_files: list[str]
) -> str | None:
    """Return .dockerignore text that excludes .venv and the credential files, and keeps
    pyproject.toml and uv.lock in the context; None when the file needs no change.

    `credential_files` are paths relative to the context.
    """
    text = plan_dockerignore(context)
    current = text if text is not None else (original or b"").decode("utf-8", "replace")
    newline = "\r\n" if "\r\n" in current else "\n"
    for name in credential_files:
        if not path_is_excluded(parse_dockerignore(current), name):
            separator = "" if current == "" or current.endswith("\n") else newline
            current = f"{current}{separator}{_literal_pattern(name)}{newline}"
            text = current
    for name in ("pyproject.toml", "uv.lock"):
        if is_excluded(current, name):
            separator = "" if current == "" or current.endswith("\n") else newline
            current = f"{current}{separator}!{name}{newline}"
            text = current
    return text


def _literal_pattern(path: str) -> str:
    """Return a .dockerignore pattern that matches exactly `path`, escaping pattern characters."""
    escaped = re.sub(r"([*?\[\]\\])", r"\\\1", path)
    if escaped.startswith(("!", "#")):
        escaped = "\\" + escaped
    return escaped


def _is_poetry_project(pyproject_path: Path) -> bool:
    if not pyproject_path.is_file():
        return False
    return "poetry" in load_pyproject(pyproject_path).get("tool", {})


def _is_setuptools_package(context: Path) -> bool:
    if (context / "setup.py").is_file():
        return True
    setup_cfg = context / "setup.cfg"
    if not setup_cfg.is_file():
        return False
    text = setup_cfg.read_text(encoding="utf-8", errors="replace")
    return "[metadata]" in text or "[options]" in text
