"""A base image tag whose Debian release or Python version changes over time.

## What it does
Flags FROM images whose tag leaves the Debian or Alpine release to the
image's current default (`python:3.12-slim`, `python:3.12-alpine`,
`debian:stable-slim`, `ghcr.io/astral-sh/uv:debian-slim`) or the Python
version to the newest release (`python:3`, `python:latest`, `python`).

## Why it matters
The tag moves without a change to the file. `python:3.X-slim` moved from
bookworm to trixie on 2025-08-11, so a builder and a runtime pulled on
different days, or a cached and a fresh layer, end up on different releases
(see DM101), and system packages change names or versions.

## Example
```dockerfile
FROM python:3.12-slim
```

## Fix
Name the release: `python:3.12-slim-bookworm`, `python:3.12-alpine3.23`.
For a python tag the fix suggests the release that `dockermig migrate` pins
the tag to: the convention's `debian-release`, else the default release in
rules/images.toml.
"""

from dockermig.check.analysis import image_uses
from dockermig.check.findings import Diagnostic, text_span
from dockermig.images import (
    default_debian_release,
    describe_image,
    parse_image_ref,
    python_minors_for,
)

CODE = "DM203"
NAME = "floating-base-tag"
SEVERITY = "warning"


def check(context):
    for use in image_uses(context.model):
        if use.stage is None:
            continue
        facts = describe_image(use.resolved, context.today)
        if facts is None or not facts.floating:
            continue
        ref = parse_image_ref(use.resolved)
        changes = " and ".join(
            "Python version" if item == "python" else "OS release"
            for item in facts.floating
        )
        now = []
        if "python" in facts.floating and facts.python_minor:
            now.append(f"Python {facts.python_minor}")
        if "release" in facts.floating and facts.release:
            now.append(facts.release)
        yield Diagnostic(
            text_span(use.instruction, use.written),
            f"{use.resolved} is a floating tag: its {changes} can change without a change here"
            + (f" (today {', '.join(now)})" if now else ""),
            _fix(ref.repository, ref.tag, facts, context.convention.debian_release),
        )


def _fix(repository: str, tag: str, facts, convention_release: str | None) -> str:
    if facts.family == "python" and facts.release and facts.python_minor:
        variant = "slim-" if "slim" in tag else ""
        if facts.release.startswith("alpine"):
            return f"name the Alpine release, for example {repository}:{facts.python_minor}-alpine3.23"
        if "release" not in facts.floating:
            return f"use {repository}:{facts.python_minor}-{variant}{facts.release}"
        # Suggest the release that `dockermig migrate` pins such a tag to.
        release = convention_release or default_debian_release()
        if facts.python_minor not in python_minors_for(release):
            return f"use {repository}:{facts.python_minor}-{variant}{facts.release}"
        suggestion = f"use {repository}:{facts.python_minor}-{variant}{release}"
        if convention_release:
            return f"{suggestion}, the convention's Debian release"
        if "python" in facts.floating:
            # migrate leaves a tag without a Python minor (`python:3-slim`) alone.
            return suggestion
        return (
            f"{suggestion}, the release `dockermig migrate` pins; "
            "pass --debian-release to migrate to choose another"
        )
    return "name the release in the tag"
