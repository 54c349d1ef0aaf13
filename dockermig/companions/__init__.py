"""Plan the files a migrated Dockerfile needs beside it: pyproject.toml, uv.lock, .dockerignore.

Each function computes file text and writes nothing into the user's project.
"""

from dockermig.companions.dockerignore import plan_dockerignore
from dockermig.companions.indexes import (
    IndexPlan,
    IndexSecret,
    IndexSettings,
    PlannedIndex,
    index_settings_from_build_args,
    index_settings_from_requirements,
    plan_indexes,
    read_pip_conf,
)
from dockermig.companions.lock import LockError, lock, lock_with_pins
from dockermig.companions.pyproject import (
    IndexCredentialsError,
    PyprojectError,
    plan_pyproject,
    plan_pyproject_from_spec,
)
from dockermig.companions.requirements import (
    RequirementProblem,
    RequirementSet,
    read_requirements,
)
from dockermig.companions.sources import (
    detect_dependency_source,
    read_dependency_source,
)
from dockermig.companions.spec import (
    DependencySource,
    ProjectSpec,
    SourceKind,
    SourceProblem,
)

__all__ = [
    "DependencySource",
    "IndexCredentialsError",
    "IndexPlan",
    "IndexSecret",
    "IndexSettings",
    "LockError",
    "PlannedIndex",
    "ProjectSpec",
    "PyprojectError",
    "RequirementProblem",
    "RequirementSet",
    "SourceKind",
    "SourceProblem",
    "detect_dependency_source",
    "index_settings_from_build_args",
    "index_settings_from_requirements",
    "lock",
    "lock_with_pins",
    "plan_dockerignore",
    "plan_indexes",
    "plan_pyproject",
    "plan_pyproject_from_spec",
    "read_dependency_source",
    "read_pip_conf",
    "read_requirements",
]
