"""A relative WORKDIR comes before any absolute one in the stage.

## What it does
BuildKit's WorkdirRelativePath check: flags `WORKDIR app` when neither the
stage nor a stage it is built from set an absolute WORKDIR before it.

## Why it matters
A relative WORKDIR is resolved against the base image's working folder,
which the Dockerfile does not show and which changes when the base image
does.

## Example
```dockerfile
FROM python:3.12-slim-trixie
WORKDIR app
```

## Fix
Use an absolute path: `WORKDIR /app`.
"""

from dockermig.check.findings import Diagnostic, node_span
from dockermig.model import stage_parent

CODE = "DM309"
NAME = "workdir-relative-path"
SEVERITY = "warning"
BUILDKIT_NAME = "WorkdirRelativePath"


def check(context):
    model = context.model
    for stage in model.stages:
        absolute = _parent_sets_absolute(model, stage)
        for instruction in stage.instructions:
            if instruction.name != "WORKDIR":
                continue
            path = instruction.arguments.strip().strip("\"'")
            if path.startswith(("/", "$")) or len(path) > 1 and path[1] == ":":
                absolute = True
                continue
            if not absolute:
                yield Diagnostic(
                    node_span(instruction),
                    f"relative WORKDIR {path} depends on the base image's working folder",
                    f"use an absolute path such as /{path}",
                )


def _parent_sets_absolute(model, stage) -> bool:
    parent = stage_parent(model, stage)
    while parent is not None:
        if any(
            item.name == "WORKDIR" and item.arguments.strip().startswith("/")
            for item in parent.instructions
        ):
            return True
        parent = stage_parent(model, parent)
    return False
