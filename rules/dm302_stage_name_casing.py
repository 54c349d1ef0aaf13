"""A stage name is not all lower case.

## What it does
BuildKit's StageNameCasing check: flags `FROM image AS Builder`.

## Why it matters
Stage names are matched case-insensitively, but `--target` and
`COPY --from` read more reliably when every stage name is lower case, and
BuildKit warns about it.

## Example
```dockerfile
FROM python:3.12-slim-trixie AS Builder
```

## Fix
Write the name in lower case: `AS builder`.
"""

from dockermig.check.findings import Diagnostic, word_span

CODE = "DM302"
NAME = "stage-name-casing"
SEVERITY = "warning"
BUILDKIT_NAME = "StageNameCasing"


def check(context):
    for stage in context.model.stages:
        if stage.name and stage.name != stage.name.lower():
            yield Diagnostic(
                word_span(stage.from_instruction, stage.name),
                f"stage name '{stage.name}' should be lower case",
                f"rename the stage to '{stage.name.lower()}'",
            )
