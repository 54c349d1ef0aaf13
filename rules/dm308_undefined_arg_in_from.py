"""FROM uses a build argument that no ARG before the first FROM declares.

## What it does
BuildKit's UndefinedArgInFrom check: flags `$NAME` in a FROM when no global
ARG (before the first FROM) declares NAME. The platform arguments BuildKit
sets itself (`BUILDPLATFORM`, `TARGETARCH`, ...) count as declared. It
suggests a declared name that is spelled almost the same.

## Why it matters
An undeclared argument expands to an empty string, so the FROM names another
image (`python:-slim` fails to parse; `python$SUFFIX` silently pulls `python`).

## Example
```dockerfile
ARG PYTHON_VERSION=3.12
FROM python:${PYTHON_VERISON}-slim-trixie
```

## Fix
Declare the argument with `ARG` before the first FROM, or fix its spelling.
"""

from dockermig.check.analysis import (
    BUILTIN_PLATFORM_ARGS,
    closest_name,
    variable_references,
)
from dockermig.check.findings import Diagnostic, offset_span

CODE = "DM308"
NAME = "undefined-arg-in-from"
SEVERITY = "warning"
BUILDKIT_NAME = "UndefinedArgInFrom"


def check(context):
    declared = context.model.global_args
    for stage in context.model.stages:
        instruction = stage.from_instruction
        for reference in variable_references(instruction.text):
            if reference.name in declared or reference.name in BUILTIN_PLATFORM_ARGS:
                continue
            suggestion = closest_name(reference.name, declared)
            message = f"FROM uses ${reference.name}, which no ARG before the first FROM declares"
            if suggestion:
                message += f" (did you mean {suggestion}?)"
            yield Diagnostic(
                offset_span(
                    instruction,
                    reference.start,
                    reference.start + len(reference.name) + 1,
                ),
                message,
                f"declare `ARG {reference.name}` before the first FROM",
            )
