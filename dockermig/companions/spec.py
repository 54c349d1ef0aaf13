"""The project description that every dependency source is read into."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from dockermig.companions.indexes import IndexSettings


class SourceKind(enum.Enum):
    """A tool whose files declare a project's dependencies."""

    UV = "uv"
    POETRY = "poetry"
    PIPENV = "pipenv"
    PDM = "pdm"
    PIP_TOOLS = "pip-tools"
    SETUPTOOLS = "setuptools"
    PEP621 = "pep621"
    REQUIREMENTS = "requirements"


@dataclass(frozen=True)
class DependencySource:
    """The files of one dependency source found in a project folder.

    `files` lists the files that declare dependencies, first the main one.
    `lock_file` is the old tool's lock (poetry.lock, Pipfile.lock, pdm.lock,
    the pip-compile output, or uv.lock for a uv project), or None.
    """

    kind: SourceKind
    project_dir: Path
    files: tuple[Path, ...]
    lock_file: Path | None = None


class SourceProblem(NamedTuple):
    """A declaration that cannot be carried over to pyproject.toml, with the reason."""

    file: Path
    item: str
    reason: str


@dataclass
class ProjectSpec:
    """A project's dependencies and metadata, independent of the tool that declared them.

    `dependencies` and every list in `optional_dependencies` and
    `dependency_groups` are PEP 508 strings in declaration order.
    `dependency_groups["dev"]` contains the development dependencies, which
    `uv sync --no-dev` keeps out of the image. `constraints` are permanent
    `[tool.uv] constraint-dependencies` (pip `-c` files). `pins` are the
    versions from the old lock as "name==version" strings, to be used only
    while locking (see `lock_with_pins`). `index_pins` maps a package name to
    the index name it must come from (`[tool.uv.sources]`). `uv_settings`
    are other `[tool.uv]` keys, such as `prerelease`, with their values.
    """

    source: DependencySource
    name: str | None = None
    version: str | None = None
    dynamic_version: bool = False
    dependencies: list[str] = field(default_factory=list)
    optional_dependencies: dict[str, list[str]] = field(default_factory=dict)
    dependency_groups: dict[str, list[str]] = field(default_factory=dict)
    constraints: list[str] = field(default_factory=list)
    requires_python: str | None = None
    scripts: dict[str, str] = field(default_factory=dict)
    is_package: bool = False
    pins: list[str] = field(default_factory=list)
    index_settings: list[IndexSettings] = field(default_factory=list)
    index_pins: dict[str, str] = field(default_factory=dict)
    uv_settings: dict[str, object] = field(default_factory=dict)
    problems: list[SourceProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def dev_dependencies(self) -> list[str]:
        return self.dependency_groups.get("dev", [])

    @property
    def uses_existing_lock(self) -> bool:
        """True for a uv project, whose uv.lock must be used as it is."""
        return self.source.kind is SourceKind.UV and self.source.lock_file is not None

    def add_problem(self, file: Path, item: str, reason: str) -> None:
        self.problems.append(SourceProblem(file, item, reason))
