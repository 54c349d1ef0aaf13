"""A `python` or `ghcr.io/astral-sh/uv` tag that those images never published.

## What it does
Reads the tags of the official `python` image and of `ghcr.io/astral-sh/uv`
(also `astral/uv`) in FROM and `COPY --from` against their tag grammars in
rules/images.toml, and suggests the nearest real tag. In python tags "slim"
comes before the Debian codename (`3.11-slim-bookworm`); in uv tags the
codename comes before "slim" and the base starts with "python"
(`python3.11-bookworm-slim`).

## Why it matters
The pull fails with "manifest unknown" or "not found", often only in CI or on
the first build after a cache is cleared.

## Example
```dockerfile
FROM python:3.11-bookworm-slim
FROM ghcr.io/astral-sh/uv:python3.12-slim
```

## Fix
Use the suggested tag: `python:3.11-slim-bookworm`,
`ghcr.io/astral-sh/uv:python3.12-trixie-slim`.

A full-version python tag (`3.9.16-slim-bookworm`) is also checked against
rules/python_tags.toml, the versions that each variant was built for. The
image builds only the newest patch of each minor, so a tag that joins an old
patch to a Debian or Alpine release added later (bookworm came with 3.9.17)
never existed. The same file shows which Alpine and Windows variants a minor
had at all (`3.8-alpine3.24` never existed).

## Known problems
Python versions and variants newer than the data files are accepted.
"""

from dockermig.check.analysis import image_uses
from dockermig.check.findings import Diagnostic, text_span
from dockermig.images import (
    image_data,
    is_python_image,
    is_uv_image,
    nearest_tag,
    parse_image_ref,
    published_python_alternatives,
    python_tag_candidates,
    python_tag_exists,
    split_uv_tag,
    uv_base_entries,
    uv_tag_candidates,
)

CODE = "DM201"
NAME = "unknown-image-tag"
SEVERITY = "error"
# Its [*] fixes need this option of `dockermig migrate`.
MIGRATE_OPTION = "--fix-drift"


def check(context):
    for use in image_uses(context.model):
        ref = parse_image_ref(use.resolved)
        if not ref.tag:
            continue
        alternatives = None
        if is_python_image(ref):
            if not python_tag_exists(ref.tag):
                nearest = nearest_tag(ref.tag, python_tag_candidates(ref.tag))
                alternatives = [nearest] if nearest else []
            else:
                alternatives = published_python_alternatives(ref.tag)
        elif is_uv_image(ref):
            nearest = _uv_problem(ref.tag)
            if nearest is not None:
                alternatives = [nearest] if nearest else []
        if alternatives is None:
            continue
        suggestions = [f"{ref.repository}:{tag}" for tag in alternatives]
        yield Diagnostic(
            text_span(use.instruction, ref.tag),
            f"{ref.repository}:{ref.tag} is not a published tag" + _nearest_text(suggestions),
            f"use {suggestions[0]}" if suggestions else "use a published tag",
            migrate_fixes=context.drift_fix_repairs(CODE, use.instruction),
        )


def _nearest_text(suggestions: list[str]) -> str:
    if not suggestions:
        return ""
    if len(suggestions) == 1:
        return f"; the nearest real tag is {suggestions[0]}"
    listed = ", ".join(suggestions[:-1]) + f" and {suggestions[-1]}"
    return f"; the nearest real tags are {listed}"


def _uv_problem(tag: str) -> str | None:
    """Return None for a real tag, else the nearest real tag ("" when there is none)."""
    version, base = split_uv_tag(tag)
    if base is None:
        return None
    missing = version in image_data()["uv_image"]["missing_derived"]
    if uv_base_entries(base, version) and not missing:
        return None
    candidates = uv_tag_candidates(None if missing else version)
    return nearest_tag(base if missing else tag, candidates) or ""
