"""Plan the files a migrated Dockerfile needs beside it: pyproject.toml, uv.lock, .dockerignore.

Each function computes file text and writes nothing into the user's project.
"""

from dockermig.companions.dockerignore import plan_dockerignore
from dockermig.companions.lock import LockError, lock
from dockermig.companions.pyproject import (
    IndexCredentialsError,
    PyprojectError,
    plan_pyproject,
)
from dockermig.companions.requirements import (
    RequirementProblem,
    RequirementSet,
    read_requirements,
)

__all__ = [
    "IndexCredentialsError",
    "LockError",
    "PyprojectError",
    "RequirementProblem",
    "RequirementSet",
    "lock",
    "plan_dockerignore",
    "plan_pyproject",
    "read_requirements",
]
