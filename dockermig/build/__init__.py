"""Build Dockerfiles with a local builder (buildah, podman or docker) and report the results."""

from dockermig.build.backends import (
    BUILDER_NAMES,
    DEFAULT_PULL_POLICY,
    PULL_POLICIES,
    Builder,
    BuilderNotFoundError,
    CommandResult,
    UnsupportedPullPolicyError,
    detect_builder,
    get_builder,
)
from dockermig.build.runner import (
    BuildJob,
    BuildResult,
    default_jobs,
    plan_jobs,
    run_builds,
)

__all__ = [
    "BUILDER_NAMES",
    "DEFAULT_PULL_POLICY",
    "PULL_POLICIES",
    "BuildJob",
    "BuildResult",
    "Builder",
    "BuilderNotFoundError",
    "CommandResult",
    "UnsupportedPullPolicyError",
    "default_jobs",
    "detect_builder",
    "get_builder",
    "plan_jobs",
    "run_builds",
]
