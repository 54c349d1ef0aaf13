"""A stage is named `scratch` or `context`, which are reserved.

## What it does
BuildKit's ReservedStageName check.

## Why it matters
`scratch` names the empty image and `context` the build context in
`COPY --from`, so a stage with either name cannot be referred to and BuildKit
rejects it.

## Example
```dockerfile
FROM alpine:3.22 AS scratch
```

## Fix
Choose another name.
"""

from dockermig.check.findings import Diagnostic, word_span

CODE = "DM305"
NAME = "reserved-stage-name"
SEVERITY = "error"
BUILDKIT_NAME = "ReservedStageName"
RESERVED = ("scratch", "context")


def check(context):
    for stage in context.model.stages:
        if stage.name and stage.name.lower() in RESERVED:
            yield Diagnostic(
                word_span(stage.from_instruction, stage.name),
                f"'{stage.name}' is a reserved stage name",
                "choose another stage name",
            )
