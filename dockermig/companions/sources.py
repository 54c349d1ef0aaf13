"""Find which tool declares a project's dependencies, and read them into a ProjectSpec.

`detect_dependency_source` checks the tools in this order and returns the first match:

1. uv: pyproject.toml and uv.lock. The lock is used as it is, never regenerated.
2. Poetry: `[tool.poetry]` in pyproject.toml, or poetry.lock.
3. Pipenv: Pipfile or Pipfile.lock.
4. PDM: `[tool.pdm]` in pyproject.toml, or pdm.lock.
5. pip-tools: requirements.in, with the compiled requirements.txt as its lock.
6. setuptools: setup.py, or a setup.cfg with [metadata] or [options], unless
   pyproject.toml has a [project] table (then setup.py is only a shim).
7. PEP 621: a [project] table in pyproject.toml.
8. pip: requirements.txt.

The order puts files that record exact versions (locks) before files that only
declare ranges, so the versions that the project runs with today are kept.
"""

from __future__ import annotations

import re
from pathlib import Path

from dockermig.companions.indexes import index_settings_from_requirements
from dockermig.companions.lockfiles import normalize_name, read_compiled_requirements
from dockermig.companions.managers import read_pdm, read_pipenv, read_poetry
from dockermig.companions.pep621 import load_pyproject, read_project_table
from dockermig.companions.requirements import (
    RequirementSet,
    decode_text_file,
    read_requirements,
)
from dockermig.companions.setuppy import read_setuptools
from dockermig.companions.spec import DependencySource, ProjectSpec, SourceKind

_SETUP_CFG_PROJECT = re.compile(r"^\[(metadata|options)\]", re.MULTILINE)
_DEV_REQUIREMENTS = ("requirements-dev", "dev-requirements", "requirements_dev")
_PIN_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")


def detect_dependency_source(project_dir: Path) -> DependencySource | None:
    """Return the dependency source of project_dir, or None when it has none.

    Raises InputFileError when pyproject.toml exists but is not valid TOML.
    """
    project_dir = Path(project_dir)
    pyproject = project_dir / "pyproject.toml"
    document = load_pyproject(pyproject) if pyproject.is_file() else {}
    tool = document.get("tool", {})

    def file(name: str) -> Path | None:
        path = project_dir / name
        return path if path.is_file() else None

    def source(kind: SourceKind, files: list[Path | None], lock: Path | None = None):
        return DependencySource(
            kind, project_dir, tuple(path for path in files if path), lock
        )

    if document and file("uv.lock"):
        return source(SourceKind.UV, [pyproject], file("uv.lock"))
    if "poetry" in tool or file("poetry.lock"):
        return source(SourceKind.POETRY, [file("pyproject.toml")], file("poetry.lock"))
    if file("Pipfile") or file("Pipfile.lock"):
        return source(SourceKind.PIPENV, [file("Pipfile")], file("Pipfile.lock"))
    if "pdm" in tool or file("pdm.lock"):
        return source(SourceKind.PDM, [file("pyproject.toml")], file("pdm.lock"))
    if file("requirements.in"):
        dev_inputs = [file(f"{name}.in") for name in _DEV_REQUIREMENTS]
        return source(
            SourceKind.PIP_TOOLS,
            [file("requirements.in"), *dev_inputs],
            file("requirements.txt"),
        )
    setup_cfg = file("setup.cfg")
    if setup_cfg and not _SETUP_CFG_PROJECT.search(decode_text_file(setup_cfg)):
        # A setup.cfg that only configures tools such as flake8.
        setup_cfg = None
    if (file("setup.py") or setup_cfg) and "project" not in document:
        return source(SourceKind.SETUPTOOLS, [file("setup.py"), setup_cfg])
    if "project" in document:
        return source(SourceKind.PEP621, [pyproject])
    if file("requirements.txt"):
        dev_files = [file(f"{name}.txt") for name in _DEV_REQUIREMENTS]
        return source(SourceKind.REQUIREMENTS, [file("requirements.txt"), *dev_files])
    return None


def read_dependency_source(source: DependencySource) -> ProjectSpec:
    """Read the source's files into a ProjectSpec. Nothing is executed or written.

    Declarations that cannot be translated are listed in `problems`, and a
    caller must not migrate a project with problems. Raises InputFileError for a
    file that cannot be read or parsed.
    """
    spec = ProjectSpec(source=source)
    main_file = source.files[0] if source.files else None
    kind = source.kind
    if kind in (SourceKind.UV, SourceKind.PEP621):
        read_project_table(spec, load_pyproject(main_file), main_file)
    elif kind is SourceKind.POETRY:
        read_poetry(spec, main_file or source.project_dir / "pyproject.toml")
    elif kind is SourceKind.PIPENV:
        read_pipenv(spec, main_file or source.project_dir / "Pipfile")
        if main_file is None:
            # Only Pipfile.lock exists, so its packages are the dependencies.
            spec.dependencies = [pin.split(";")[0] for pin in spec.pins]
    elif kind is SourceKind.PDM:
        read_pdm(spec, main_file or source.project_dir / "pyproject.toml")
    elif kind is SourceKind.PIP_TOOLS:
        _read_pip_tools(spec)
    elif kind is SourceKind.SETUPTOOLS:
        setup_py = next((f for f in source.files if f.name == "setup.py"), None)
        setup_cfg = next((f for f in source.files if f.name == "setup.cfg"), None)
        read_setuptools(spec, setup_py, setup_cfg)
    elif kind is SourceKind.REQUIREMENTS:
        _read_pip_requirements(spec)
    return spec


def _read_pip_requirements(spec: ProjectSpec) -> None:
    main, *dev_files = spec.source.files
    requirements = read_requirements(main)
    _copy_requirement_set(spec, requirements, main)
    spec.dependencies = list(requirements.requirements)
    spec.constraints = list(requirements.constraints)
    for dev_file in dev_files:
        dev = read_requirements(dev_file)
        _copy_requirement_set(spec, dev, dev_file)
        # A dev file usually includes the main one with -r, so skip what main lists.
        main_keys = {normalize_name(_name(r)) for r in spec.dependencies}
        spec.dependency_groups.setdefault("dev", []).extend(
            r for r in dev.requirements if normalize_name(_name(r)) not in main_keys
        )


def _read_pip_tools(spec: ProjectSpec) -> None:
    main, *dev_inputs = spec.source.files
    requirements = read_requirements(main)
    _copy_requirement_set(spec, requirements, main)
    spec.dependencies = list(requirements.requirements)
    # In a requirements.in, -c usually names a compiled file, so its lines are pins.
    pins = list(requirements.constraints)
    for dev_input in dev_inputs:
        dev = read_requirements(dev_input)
        _copy_requirement_set(spec, dev, dev_input)
        main_keys = {normalize_name(_name(r)) for r in spec.dependencies}
        spec.dependency_groups.setdefault("dev", []).extend(
            r for r in dev.requirements if normalize_name(_name(r)) not in main_keys
        )
        pins += dev.constraints
        compiled_dev = dev_input.with_suffix(".txt")
        if compiled_dev.is_file():
            pins += read_compiled_requirements(compiled_dev)

    compiled = spec.source.lock_file
    if compiled is None:
        spec.notes.append(
            f"{main.name} has no compiled requirements.txt beside it, so uv resolves "
            "new versions"
        )
    else:
        pins = read_compiled_requirements(compiled) + pins
        compiled_set = read_requirements(compiled)
        settings = index_settings_from_requirements(compiled_set, str(compiled))
        if not settings.is_empty():
            spec.index_settings.append(settings)
    spec.pins = _first_pin_per_name(pins)


def _copy_requirement_set(
    spec: ProjectSpec, requirements: RequirementSet, path: Path
) -> None:
    for problem in requirements.problems:
        spec.add_problem(problem.file, problem.text, problem.reason)
    settings = index_settings_from_requirements(requirements, str(path))
    if not settings.is_empty():
        spec.index_settings.append(settings)


def _first_pin_per_name(pins: list[str]) -> list[str]:
    """Keep the first pin of each project, so a dev file cannot contradict the main one."""
    seen = set()
    result = []
    for pin in pins:
        key = normalize_name(_name(pin))
        if key not in seen:
            seen.add(key)
            result.append(pin)
    return result


def _name(requirement: str) -> str:
    match = _PIN_NAME.match(requirement.strip())
    return match.group(0) if match else requirement
