"""A uv-derived image tag that uv no longer publishes, so it is frozen at an old uv.

## What it does
Flags unversioned `ghcr.io/astral-sh/uv` tags whose base uv stopped
building: the bookworm bases and `python3.8-*` after uv 0.9.30, `alpine3.21`
after 0.9.30, `alpine3.20` after 0.5.x, and the `python3.14-rc-*` bases.

## Why it matters
The tag still pulls, so nothing fails, but it never moves again: the image
keeps an old uv and an old Python patch release with its security fixes
missing, while the tag looks like it follows the latest uv.

## Example
```dockerfile
FROM ghcr.io/astral-sh/uv:python3.12-bookworm-slim AS builder
```

## Fix
Move to a base uv still publishes (`python3.12-trixie-slim`, with a trixie
runtime), or pin the last release that had it (`0.9.30-python3.12-bookworm-slim`)
so the freeze is explicit.
"""

from dockermig.check.analysis import image_uses
from dockermig.check.findings import Diagnostic, text_span
from dockermig.images import (
    is_uv_image,
    nearest_tag,
    parse_image_ref,
    split_uv_tag,
    uv_bases,
)

CODE = "DM202"
NAME = "stale-uv-image"
SEVERITY = "warning"


def check(context):
    for use in image_uses(context.model):
        ref = parse_image_ref(use.resolved)
        if not is_uv_image(ref):
            continue
        version, base = split_uv_tag(ref.tag)
        if version is not None or base is None:
            continue
        entries = [entry for entry in uv_bases() if entry.name == base]
        if not entries or any(entry.until is None for entry in entries):
            continue
        newest = max(entries, key=lambda entry: entry.until or "")
        current = [entry.name for entry in uv_bases() if entry.until is None]
        replacement = nearest_tag(base.replace("bookworm", "trixie"), current)
        pinned = f"{newest.last}-{base}" if newest.last else None
        fix = f"use {ref.repository}:{replacement}"
        if pinned:
            fix += f", or pin {ref.repository}:{pinned}"
        yield Diagnostic(
            text_span(use.instruction, ref.tag),
            f"uv stopped publishing {base} images at {newest.until}; this tag is frozen"
            + (f" at uv {newest.last}" if newest.last else ""),
            fix,
        )
