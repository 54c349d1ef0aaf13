"""FROM --platform=$TARGETPLATFORM, which is already the default.

## What it does
BuildKit's RedundantTargetPlatform check.

## Why it matters
A stage is built for the target platform unless `--platform` sets
another, so the flag adds nothing and suggests that the stage is special.

## Example
```dockerfile
FROM --platform=$TARGETPLATFORM python:3.12-slim-trixie
```

## Fix
Remove the `--platform` flag.
"""

from dockermig.check.findings import Diagnostic, text_span

CODE = "DM313"
NAME = "redundant-target-platform"
SEVERITY = "warning"
BUILDKIT_NAME = "RedundantTargetPlatform"


def check(context):
    for stage in context.model.stages:
        platform = stage.platform
        if platform in ("$TARGETPLATFORM", "${TARGETPLATFORM}"):
            yield Diagnostic(
                text_span(stage.from_instruction, "--platform"),
                f"setting platform to {platform} is redundant, as it is the default",
                "remove the --platform flag",
            )
