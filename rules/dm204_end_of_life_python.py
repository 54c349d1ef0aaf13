"""A base image with a Python version past its end of life.

## What it does
Flags FROM images whose Python minor version (from the python or uv image
tag, or the distroless python image's Debian release) reached its end of
life before the day of the check, by the dates in rules/images.toml.

## Why it matters
After its end of life a Python version gets no security fixes, the python
image stops publishing it, and packages drop wheels for it.

## Example
```dockerfile
FROM python:3.8-slim-bookworm
```

## Fix
Move to a supported version (`python:3.13-slim-trixie`) and re-lock
(`uv lock`) for it.
"""

from dockermig.check.analysis import image_uses
from dockermig.check.findings import Diagnostic, text_span
from dockermig.images import describe_image, end_of_life

CODE = "DM204"
NAME = "end-of-life-python"
SEVERITY = "warning"


def check(context):
    for use in image_uses(context.model):
        if use.stage is None:
            continue
        facts = describe_image(use.resolved, context.today)
        if facts is None or not facts.python_minor:
            continue
        ended = end_of_life(facts.python_minor)
        if ended is None or ended > context.today:
            continue
        yield Diagnostic(
            text_span(use.instruction, use.written),
            f"Python {facts.python_minor} reached its end of life on {ended.isoformat()}",
            "move to a supported Python version and run `uv lock` again",
        )
