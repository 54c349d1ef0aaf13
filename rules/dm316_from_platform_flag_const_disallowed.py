"""FROM --platform is set to a constant.

## What it does
BuildKit's FromPlatformFlagConstDisallowed check: flags `FROM
--platform=linux/amd64`. A stage whose name contains the platform's
architecture (`AS build-amd64`) is left alone, because that stage is
deliberately for one platform.

## Why it matters
The stage ignores `--platform` on the command line, so multi-platform builds
silently get the constant platform's image, which then runs under emulation
or fails with "exec format error".

## Example
```dockerfile
FROM --platform=linux/amd64 python:3.12-slim-trixie
```

## Fix
Remove the flag, or use `--platform=$BUILDPLATFORM` for a stage that runs
build tools.
"""

from dockermig.check.findings import Diagnostic, text_span

CODE = "DM316"
NAME = "from-platform-flag-const-disallowed"
SEVERITY = "warning"
BUILDKIT_NAME = "FromPlatformFlagConstDisallowed"


def check(context):
    for stage in context.model.stages:
        platform = stage.platform
        if not platform or "$" in platform:
            continue
        architecture = platform.split("/")[1] if "/" in platform else platform
        if stage.name and architecture.lower() in stage.name.lower():
            continue
        yield Diagnostic(
            text_span(stage.from_instruction, "--platform"),
            f"FROM --platform flag should not use the constant value {platform!r}",
            "remove the flag, or use $BUILDPLATFORM or $TARGETPLATFORM",
        )
