"""Plan the files a migrated Dockerfile needs beside it: pyproject.toml, uv.lock, .dockerignore."""

from pathlib import Path

from dockermig.companions.dockerignore import is_excluded, plan_dockerignore
from dockermig.companions.lock import lock as run_uv_lock
from dockermig.companions.lock import lock_with_pins
from dockermig.companions.pyproject import plan_pyproject, plan_pyproject_from_spec
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
) -> None:
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
    if spec is None and changed and not described and _is_setuptools_package(context):
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
        if run_lock and spec is not None:
            lock_text = lock_with_pins(
                context, pyproject_text, spec.pins, existing_lock
            )
        elif run_lock:
            lock_text = run_uv_lock(context, pyproject_text, existing_lock)
        if lock_text is None or lock_text != existing_lock:
            result.writes[lock_path] = lock_text

    ignore_text = _dockerignore_text(context, result.originals[ignore_path])
    if ignore_text is not None:
        result.writes[ignore_path] = ignore_text
    # The Dockerfile is written last, so an interrupted run leaves it as it was.
    result.writes[result.path] = result.writes.pop(result.path)


def _dockerignore_text(context: Path, original: bytes | None) -> str | None:
    """Return .dockerignore text that excludes .venv and keeps pyproject.toml and uv.lock in the context."""
    text = plan_dockerignore(context)
    current = text if text is not None else (original or b"").decode("utf-8", "replace")
    newline = "\r\n" if "\r\n" in current else "\n"
    for name in ("pyproject.toml", "uv.lock"):
        if is_excluded(current, name):
            separator = "" if current == "" or current.endswith("\n") else newline
            current = f"{current}{separator}!{name}{newline}"
            text = current
    return text


def _is_setuptools_package(context: Path) -> bool:
    if (context / "setup.py").is_file():
        return True
    setup_cfg = context / "setup.cfg"
    if not setup_cfg.is_file():
        return False
    text = setup_cfg.read_text(encoding="utf-8", errors="replace")
    return "[metadata]" in text or "[options]" in text
