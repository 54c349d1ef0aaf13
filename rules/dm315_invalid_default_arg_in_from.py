"""A global ARG default makes a FROM image empty or invalid.

## What it does
BuildKit's InvalidDefaultArgInFrom check: substitutes the defaults of the
ARGs before the first FROM into each FROM image and flags the result when it
is empty or not a valid image reference (`python:` from `ARG TAG` with no
default).

## Why it matters
A build without `--build-arg` fails with "invalid reference format", and
tools that read the Dockerfile without build arguments cannot tell what the
image is.

## Example
```dockerfile
ARG PYTHON_VERSION
FROM python:${PYTHON_VERSION}-slim-trixie
```

## Fix
Give the ARG a default: `ARG PYTHON_VERSION=3.12`.
"""

import re

from dockermig.check.analysis import BUILTIN_PLATFORM_ARGS, variable_references
from dockermig.check.findings import Diagnostic, instruction_arguments_span
from dockermig.model import stage_parent

CODE = "DM315"
NAME = "invalid-default-arg-in-from"
SEVERITY = "warning"
BUILDKIT_NAME = "InvalidDefaultArgInFrom"
# Docker's reference grammar, simplified: lower-case path components, an optional tag, an optional digest.
REFERENCE = re.compile(
    r"^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*"
    r"(?::[\w][\w.-]{0,127})?(?:@[a-z0-9]+:[0-9a-fA-F]{32,})?$"
)


def check(context):
    model = context.model
    for stage in model.stages:
        words = stage.from_instruction.arguments.split()
        if not words or stage_parent(model, stage) is not None:
            continue
        references = variable_references(words[0])
        if not references or any(
            ref.name in BUILTIN_PLATFORM_ARGS for ref in references
        ):
            continue
        if any(ref.name not in model.global_args for ref in references):
            continue  # DM308 reports undeclared arguments.
        if stage.base and REFERENCE.match(stage.base):
            continue
        yield Diagnostic(
            instruction_arguments_span(stage.from_instruction),
            f"default value for the global ARGs gives an invalid base image {stage.base!r}",
            "give every ARG used in FROM a default that makes a valid image name",
        )
