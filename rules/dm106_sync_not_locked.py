"""`uv sync` runs without `--locked` or `--frozen`.

## What it does
Flags a `uv sync` in a RUN instruction that has neither `--locked` nor
`--frozen`, while the stage sets neither `UV_LOCKED` nor `UV_FROZEN`.

## Why it matters
Without either flag uv re-resolves when `uv.lock` and `pyproject.toml`
disagree and installs whatever resolves that day, so the image no longer
matches the lock that was reviewed. `--locked` fails the build instead.

## Example
```dockerfile
RUN --mount=type=cache,target=/root/.cache/uv uv sync --no-dev
```

## Fix
Add `--locked` (or `--frozen` for the first, dependencies-only sync of a
workspace whose member manifests are not copied yet).
"""

from dockermig.check.analysis import truthy
from dockermig.check.findings import Diagnostic, text_span

CODE = "DM106"
NAME = "sync-not-locked"
SEVERITY = "warning"
# Its [*] fixes need this option of `dockermig migrate`.
MIGRATE_OPTION = "--fix-drift"


def check(context):
    analysis = context.analysis
    for stage in context.model.stages:
        for call in analysis.uv_calls(stage):
            if call.subcommand != ("sync",) or call.has_option("--locked", "--frozen"):
                continue
            env = analysis.env_for(stage, call)
            if truthy(env.get("UV_LOCKED")) or truthy(env.get("UV_FROZEN")):
                continue
            yield Diagnostic(
                text_span(call.instruction, "sync"),
                "`uv sync` without `--locked` may install versions that are not in uv.lock",
                "add `--locked`",
                migrate_fixes=context.drift_fix_repairs(CODE, call.instruction),
            )
