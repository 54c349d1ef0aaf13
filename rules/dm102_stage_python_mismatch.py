"""The stage that builds the venv and the stage that runs it have different Python minor versions.

## What it does
Compares the Python minor version (3.11, 3.12) of the stage that creates a
virtual environment with that of each stage that copies it in. The version
comes from the image tag, from the distribution's `python3` package when a
stage installs it, or from an interpreter copied from another stage.

## Why it matters
A venv is not self-contained: `.venv/bin/python` links to the builder's
interpreter, packages live under `lib/python3.X/site-packages`, and compiled
extensions carry the builder's ABI tag. With another minor version in the
runtime, imports fail with `ModuleNotFoundError` or the interpreter link
dangles.

## Example
```dockerfile
FROM ghcr.io/astral-sh/uv:python3.12-trixie-slim AS builder
RUN uv sync --locked
FROM python:3.11-slim-trixie
COPY --from=builder /app /app
```

## Fix
Use the same minor version in both stages, for example
`ghcr.io/astral-sh/uv:python3.12-trixie-slim` with `python:3.12-slim-trixie`.
"""

from dockermig.check.analysis import described_venv_pairs, from_image_span, stage_label
from dockermig.check.findings import Diagnostic

CODE = "DM102"
NAME = "stage-python-mismatch"
SEVERITY = "error"


def check(context):
    analysis = context.analysis
    for pair, builder, runtime in described_venv_pairs(analysis):
        if not builder.python_minor or not runtime.python_minor:
            continue
        if builder.python_minor == runtime.python_minor:
            continue
        yield Diagnostic(
            from_image_span(pair.stage),
            f"venv built with Python {builder.python_minor} in {stage_label(pair.build.stage)} "
            f"runs on Python {runtime.python_minor} in {stage_label(pair.stage)}",
            f"use Python {builder.python_minor} in both stages",
        )
