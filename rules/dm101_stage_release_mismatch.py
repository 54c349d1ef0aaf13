"""The stage that builds the venv and the stage that runs it use different Debian releases.

## What it does
Compares the Debian release of the stage that creates a virtual environment
with the release of each stage that copies it in with `COPY --from`. A
floating tag resolves to the release it names on the day of the check:
`python:3.11-slim` has meant trixie since 2025-08-11 and bookworm before.

## Why it matters
Extensions built from source in the builder link against its glibc and
shared libraries. On an older release in the runtime they fail to load
(`GLIBC_2.38 not found`), and on a different one the libraries they need may
be missing or have another soname.

## Example
```dockerfile
FROM python:3.11-slim-bookworm AS builder
RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked
FROM python:3.11-slim
COPY --from=builder /app /app
```

## Fix
Name the same codename in both tags, for example `python:3.11-slim-bookworm`
in both stages, or `ghcr.io/astral-sh/uv:python3.11-bookworm-slim` with
`python:3.11-slim-bookworm`.
"""

from dockermig.check.analysis import (
    describe_base,
    described_venv_pairs,
    from_image_span,
)
from dockermig.check.findings import Diagnostic

CODE = "DM101"
NAME = "stage-release-mismatch"
SEVERITY = "error"


def check(context):
    analysis = context.analysis
    for pair, builder, runtime in described_venv_pairs(analysis):
        if not builder.release or not runtime.release:
            continue
        if (
            builder.libc != "glibc"
            or runtime.libc != "glibc"
            or "ubuntu" in (builder.release, runtime.release)
        ):
            continue
        if builder.release == runtime.release:
            continue
        yield Diagnostic(
            from_image_span(pair.stage),
            f"venv built on Debian {builder.release} in {describe_base(analysis, pair.build.stage)} "
            f"runs on {runtime.release} in {describe_base(analysis, pair.stage)}",
            f"use the {builder.release} variant in both stages",
        )
