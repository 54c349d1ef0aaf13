"""A uv cache mount is used without `UV_LINK_MODE=copy`.

## What it does
Flags a RUN with a `--mount=type=cache` that runs a uv command which installs
packages, when neither the stage's `UV_LINK_MODE`, an inline
`UV_LINK_MODE=...` nor `--link-mode` chooses `copy`.

## Why it matters
uv links files from its cache into the venv with hard links by default. A
cache mount is another file system, so every link fails, and uv warns
("Failed to hardlink files; falling back to full copy") and copies anyway on
every build.

## Example
```dockerfile
RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked
```

## Fix
Add `ENV UV_LINK_MODE=copy` to the builder stage. `dockermig migrate
--fix-drift` adds it before the first such RUN when the stage sets no
other link mode.
"""

from dockermig.check.analysis import cache_mount_targets
from dockermig.check.findings import Diagnostic, text_span

CODE = "DM108"
NAME = "cache-link-mode"
# Its [*] fixes need this option of `dockermig migrate`.
MIGRATE_OPTION = "--fix-drift"
SEVERITY = "info"
INSTALLING = (
    ("sync",),
    ("pip", "install"),
    ("pip", "sync"),
    ("venv",),
    ("tool", "install"),
)


def check(context):
    analysis = context.analysis
    for stage in context.model.stages:
        reported = set()
        for call in analysis.uv_calls(stage):
            if call.subcommand not in INSTALLING or id(call.instruction) in reported:
                continue
            if not cache_mount_targets(call.instruction):
                continue
            mode = call.option_value("--link-mode") or analysis.env_for(
                stage, call
            ).get("UV_LINK_MODE")
            if mode == "copy":
                continue
            reported.add(id(call.instruction))
            yield Diagnostic(
                text_span(call.instruction, "--mount"),
                f"uv cache mount with link mode {mode or 'hardlink (the default)'}; "
                "uv falls back to copying with a warning on every build",
                "add `ENV UV_LINK_MODE=copy` to the stage",
                migrate_fixes=context.drift_fix_repairs(CODE, call.instruction),
            )
