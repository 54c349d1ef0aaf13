"""Read PEP 621 `[project]` and PEP 735 `[dependency-groups]` tables into a ProjectSpec."""

from __future__ import annotations

import tomllib
from pathlib import Path

from dockermig.companions.requirements import decode_text_file, read_requirements
from dockermig.companions.spec import ProjectSpec
from dockermig.errors import InputFileError


def load_pyproject(path: Path) -> dict:
    """Parse pyproject.toml. Raises InputFileError when it is not valid TOML."""
    try:
        return tomllib.loads(decode_text_file(path))
    except tomllib.TOMLDecodeError as error:
        raise InputFileError(
            path, f"is not valid TOML ({error})", "fix the syntax and run again"
        ) from None


def read_project_table(spec: ProjectSpec, document: dict, path: Path) -> None:
    """Copy [project], [dependency-groups] and [build-system] facts into spec.

    Dependencies that setuptools reads from requirements files
    (`[tool.setuptools.dynamic] dependencies = {file = [...]}`) are read from
    those files. Other dynamic dependencies are a problem.
    """
    project = document.get("project", {})
    dynamic = project.get("dynamic", [])
    spec.name = project.get("name", spec.name)
    spec.version = project.get("version", spec.version)
    spec.dynamic_version = "version" in dynamic
    spec.requires_python = project.get("requires-python", spec.requires_python)
    spec.dependencies = list(project.get("dependencies", []))
    spec.optional_dependencies = {
        extra: list(values)
        for extra, values in project.get("optional-dependencies", {}).items()
    }
    spec.scripts = dict(project.get("scripts", {}))
    if "build-system" in document:
        spec.is_package = True
    tool_uv = document.get("tool", {}).get("uv", {})
    if isinstance(tool_uv.get("package"), bool):
        spec.is_package = tool_uv["package"]

    groups = document.get("dependency-groups", {})
    for group in groups:
        spec.dependency_groups[group] = _expand_group(groups, group, path, [])
    # uv's older spelling of the dev group, deprecated in favour of [dependency-groups].
    if isinstance(tool_uv.get("dev-dependencies"), list):
        spec.dependency_groups.setdefault("dev", []).extend(tool_uv["dev-dependencies"])

    if "dependencies" in dynamic:
        _read_dynamic_dependencies(spec, document, path)


def _read_dynamic_dependencies(spec: ProjectSpec, document: dict, path: Path) -> None:
    dynamic_table = document.get("tool", {}).get("setuptools", {}).get("dynamic", {})
    files = (dynamic_table.get("dependencies") or {}).get("file")
    if not files:
        spec.add_problem(
            path,
            "project.dynamic",
            "dependencies are dynamic, so the build backend computes them and "
            "dockermig cannot read them; list them in [project] dependencies",
        )
        return
    for name in [files] if isinstance(files, str) else files:
        requirements = read_requirements(path.parent / name)
        spec.dependencies.extend(requirements.requirements)
        for problem in requirements.problems:
            spec.add_problem(problem.file, problem.text, problem.reason)


def _expand_group(groups: dict, group: str, path: Path, stack: list[str]) -> list[str]:
    """Return a PEP 735 group's requirements with `{include-group = ...}` entries expanded."""
    if group in stack:
        raise InputFileError(
            path,
            f"dependency group {group} includes itself through {' -> '.join(stack)}",
            "remove the cycle",
        )
    requirements = []
    for entry in groups.get(group, []):
        if isinstance(entry, str):
            requirements.append(entry)
        elif isinstance(entry, dict) and "include-group" in entry:
            included = entry["include-group"]
            requirements.extend(_expand_group(groups, included, path, [*stack, group]))
    return requirements
