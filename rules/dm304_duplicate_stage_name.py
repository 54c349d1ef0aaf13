"""Two stages have the same name.

## What it does
BuildKit's DuplicateStageName check: flags a stage whose name (compared
without case) an earlier stage already uses.

## Why it matters
BuildKit rejects the file ("duplicate stage name"); older builders silently
made `COPY --from` and `--target` pick one of the two.

## Example
```dockerfile
FROM python:3.12-slim-trixie AS build
FROM node:22 AS build
```

## Fix
Give each stage its own name.
"""

from dockermig.check.findings import Diagnostic, word_span

CODE = "DM304"
NAME = "duplicate-stage-name"
SEVERITY = "error"
BUILDKIT_NAME = "DuplicateStageName"


def check(context):
    seen = {}
    for stage in context.model.stages:
        if not stage.name:
            continue
        key = stage.name.lower()
        if key in seen:
            yield Diagnostic(
                word_span(stage.from_instruction, stage.name),
                f"stage name '{stage.name}' is already used on line {seen[key]}",
                "rename one of the stages",
            )
        else:
            seen[key] = stage.from_instruction.line
