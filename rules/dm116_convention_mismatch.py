"""An image does not follow the team's convention in `[tool.dockermig]` or `.dockermig.yaml`.

## What it does
Compares each image with the nearest convention file above the Dockerfile:
the Python minor version and Debian release of every python base, the uv
release copied in, the `uv sync` flag (`--frozen` or `--locked`), and the
path the venv is copied to. Without a convention file it finds nothing.

## Why it matters
A monorepo whose images drift apart gets a different Python, C library or
uv on each service, and upgrades or security fixes have to be made image by
image. The convention is the team's statement of how every image is built.

## Example
With `python = "3.12"` in `[tool.dockermig]`:
```dockerfile
FROM python:3.11-slim-bookworm AS builder
```

## Fix
Move the image to the convention's value, or run `dockermig migrate`, which
writes new images that follow it.
"""

from dockermig.check.analysis import venv_pairs
from dockermig.check.analysis import from_image_span
from dockermig.check.findings import Diagnostic, text_span
from dockermig.images import parse_image_ref

CODE = "DM116"
NAME = "convention-mismatch"
SEVERITY = "warning"
UV_REPOSITORY = "ghcr.io/astral-sh/uv"


def check(context):
    convention = context.convention
    if convention.source is None:
        return
    analysis = context.analysis
    source = convention.source.name
    for stage in context.model.stages:
        facts = analysis.base_facts(stage)
        if facts is None or facts.family != "python":
            continue
        span = from_image_span(stage)
        if convention.python and facts.python_minor and facts.python_minor != convention.python:
            yield Diagnostic(
                span,
                f"Python {facts.python_minor} differs from the convention's {convention.python} ({source})",
                f"use Python {convention.python}",
            )
        release = facts.release
        wanted = convention.debian_release
        if wanted and release and not release.startswith("alpine") and release != wanted:
            yield Diagnostic(
                span,
                f"Debian {release} differs from the convention's {wanted} ({source})",
                f"use a -{wanted} tag",
            )
    yield from _check_uv_version(context, convention, source)
    yield from _check_sync_flag(context, convention, source)
    if convention.venv:
        for pair in venv_pairs(analysis):
            if pair.landing != convention.venv:
                yield Diagnostic(
                    text_span(pair.instruction, pair.landing),
                    f"the venv lands at {pair.landing}, not the convention's {convention.venv} ({source})",
                    f"build and copy the venv at {convention.venv}",
                )


def _check_uv_version(context, convention, source: str):
    if not convention.uv_version:
        return
    for instruction in context.tree.instructions:
        image = instruction.flag("from") if instruction.name == "COPY" else None
        if not image:
            continue
        ref = parse_image_ref(image)
        version = ref.tag.split("-")[0]
        if ref.repository == UV_REPOSITORY and version and version != convention.uv_version:
            yield Diagnostic(
                text_span(instruction, image),
                f"uv {version} differs from the convention's {convention.uv_version} ({source})",
                f"copy uv from {UV_REPOSITORY}:{convention.uv_version}",
            )


def _check_sync_flag(context, convention, source: str):
    analysis = context.analysis
    other = "--locked" if convention.sync == "frozen" else "--frozen"
    for stage in context.model.stages:
        for call in analysis.uv_calls(stage):
            if call.subcommand == ("sync",) and call.has_option(other):
                yield Diagnostic(
                    text_span(call.instruction, other),
                    f"`uv sync {other}` differs from the convention's --{convention.sync} ({source})",
                    f"use `uv sync --{convention.sync}`",
                )
