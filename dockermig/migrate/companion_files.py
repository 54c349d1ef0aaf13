"""Plan the files a migrated Dockerfile needs beside it: pyproject.toml, uv.lock, .dockerignore."""

import re
import tomllib
from pathlib import Path

from dockermig.companions.dockerignore import is_excluded, plan_dockerignore
from dockermig.dockerignore import is_excluded as path_is_excluded
from dockermig.dockerignore import ignore_file_path, parse_dockerignore
from dockermig.companions.indexes import IndexPlan, strip_credentials
from dockermig.companions.lock import LockError, MissingCredentialsError, lock_with_pins
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
    # BuildKit reads <Dockerfile name>.dockerignore in place of .dockerignore when it exists.
    ignore_path = ignore_file_path(result.path, context)
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
            lock_text = _lock(context, pyproject_text, spec, existing_lock, run_lock)
        except MissingCredentialsError as error:
            raise _credentials_error(context, error, dependencies.index_plan) from None
        except LockError as error:
            added = dependencies.added_setuptools
            if added is None or not any(
                re.match(r"setuptools\b", name, re.I) for name in error.requirements
            ):
                raise
            # The indexes do not serve the setuptools that migrate added, so it goes.
            _drop_added_setuptools(dependencies, result)
            if spec is not None:
                pyproject_text = plan_pyproject_from_spec(
                    context, spec, python_minor, dependencies.index_plan
                )
            else:
                pyproject_text = plan_pyproject(
                    context, dependencies.requirement_set, python_minor
                )
            result.writes[pyproject_path] = pyproject_text
            try:
                lock_text = _lock(context, pyproject_text, spec, existing_lock, run_lock)
            except MissingCredentialsError as error:
                raise _credentials_error(context, error, dependencies.index_plan) from None
            result.notes.append(
                f"the python {python_minor} image ships setuptools, but the package "
                f"indexes do not serve {added}, so the venv has no setuptools; add it to "
                "an index the lock uses, and to the dependencies, if a package imports "
                "pkg_resources"
            )
        if lock_text is None or lock_text != existing_lock:
            result.writes[lock_path] = lock_text
    else:
        lock_text = existing_lock
    result.notes.extend(check_hashes(dependencies.hashes, lock_text))
    result.notes.extend(_old_lock_notes(spec))

    ignore_text = _dockerignore_text(
        ignore_path, result.originals[ignore_path], dependencies.credential_files
    )
    if ignore_text is not None:
        result.writes[ignore_path] = ignore_text
    # The Dockerfile is written last, so an interrupted run leaves it as it was.
    result.writes[result.path] = result.writes.pop(result.path)


def _lock(
    context: Path,
    pyproject_text: str,
    spec: ProjectSpec | None,
    existing_lock: str | None,
    run_lock: bool,
) -> str | None:
    """Return uv.lock's text for pyproject_text, keeping an old lock's pins; None without `run_lock`."""
    if not run_lock:
        return None
    if spec is not None:
        return lock_with_pins(context, pyproject_text, spec.pins, existing_lock)
    return run_uv_lock(context, pyproject_text, existing_lock)


def _drop_added_setuptools(dependencies: Dependencies, result: FileResult) -> None:
    """Remove the setuptools requirement that migrate added, and the note that said so."""
    added = dependencies.added_setuptools
    requirements = dependencies.requirements
    if added in requirements:
        requirements.remove(added)
    dependencies.added_setuptools = None
    result.notes[:] = [note for note in result.notes if not note.startswith(f"added {added} ")]


def _old_lock_notes(spec: ProjectSpec | None) -> list[str]:
    """Say whether uv.lock keeps the versions of the project's old lock file, such as poetry.lock."""
    if spec is None or spec.source.lock_file is None or spec.uses_existing_lock:
        return []
    name = spec.source.lock_file.name
    if spec.pins:
        count = len(spec.pins)
        return [
            f"uv.lock keeps the versions that {name} pins for {count} "
            f"package{'s' if count != 1 else ''}"
        ]
    return [
        f"{name} pins no package from an index (it is empty, or lists only Git, URL "
        "or path packages), so uv.lock resolves every version anew"
    ]


def check_hashes(hashes: dict[str, list[str]], lock_text: str | None) -> list[str]:
    """Compare the --hash values of the requirements with the files uv.lock records.

    pip installs a file only when its hash is one of the requirement's --hash
    values. Raises CannotMigrate naming the first package whose locked version
    has no file with any of them, and returns the notes for the summary. With
    no lock text (check, --diff), the note states that the check runs when the lock is made.
    """
    if not hashes:
        return []
    if lock_text is None:
        return [
            "the requirements pin files with --hash; migrate checks them against "
            "uv.lock when it makes the lock"
        ]
    locked: dict[str, list[dict]] = {}
    for package in tomllib.loads(lock_text).get("package", []):
        locked.setdefault(_normalized_name(package.get("name", "")), []).append(package)
    for requirement, expected in hashes.items():
        name = _normalized_name(re.split(r"[<>=!~;@\[ ]", requirement, maxsplit=1)[0])
        packages = locked.get(name, [])
        recorded = {
            entry.get("hash")
            for package in packages
            for entry in [package.get("sdist") or {}, *package.get("wheels", [])]
        }
        if not set(expected) & recorded:
            versions = ", ".join(str(package.get("version")) for package in packages)
            raise CannotMigrate(
                f"{name}: none of the --hash values of `{requirement}` matches a file "
                f"that uv.lock records for {name} {versions or '(not locked)'}, so pip "
                "would have refused to install it; correct the hashes or the pin, "
                "then run migrate again"
            )
    return [
        f"checked the --hash values of {len(hashes)} requirement"
        f"{'s' if len(hashes) != 1 else ''} against uv.lock: each matches a file "
        "that uv.lock records, and uv checks those hashes when it installs"
    ]


def _normalized_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


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
    ignore_path: Path, original: bytes | None, credential_files: list[str]
) -> str | None:
    """Return .dockerignore text that excludes .venv and the credential files, and keeps
    pyproject.toml and uv.lock in the context; None when the file needs no change.

    `credential_files` are paths relative to the context.
    """
    text = plan_dockerignore(ignore_path.parent, ignore_path)
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
