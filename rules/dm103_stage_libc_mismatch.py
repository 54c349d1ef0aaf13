"""One of the venv's stages is Alpine (musl) and the other Debian (glibc).

## What it does
Flags a venv built on an Alpine image and run on a Debian one, or the other
way round.

## Why it matters
Wheels for musl (`musllinux`) and glibc (`manylinux`) are different builds,
and compiled extensions carry the C library in their ABI. An extension built
for one does not load on the other, and the interpreter link may not resolve.

## Example
```dockerfile
FROM ghcr.io/astral-sh/uv:python3.12-alpine AS builder
RUN uv sync --locked
FROM python:3.12-slim-trixie
COPY --from=builder /app /app
```

## Fix
Use the same C library in both stages: both Alpine (`python:3.12-alpine3.23`)
or both Debian (`python:3.12-slim-trixie`).
"""

from dockermig.check.analysis import described_venv_pairs, from_image_span, stage_label
from dockermig.check.findings import Diagnostic

CODE = "DM103"
NAME = "stage-libc-mismatch"
SEVERITY = "error"


def check(context):
    analysis = context.analysis
    for pair, builder, runtime in described_venv_pairs(analysis):
        if not builder.libc or not runtime.libc:
            continue
        if builder.libc == runtime.libc:
            continue
        yield Diagnostic(
            from_image_span(pair.stage),
            f"venv built against {builder.libc} in {stage_label(pair.build.stage)} "
            f"runs on {runtime.libc} in {stage_label(pair.stage)}",
            f"use a {builder.libc} image in both stages",
        )
