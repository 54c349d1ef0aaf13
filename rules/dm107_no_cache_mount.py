"""`uv sync` or `uv pip install` runs without a cache mount on uv's cache folder.

## What it does
Flags a RUN that runs `uv sync`, `uv pip install` or `uv pip sync` with no
`--mount=type=cache` whose target is uv's cache folder (`UV_CACHE_DIR`,
`--cache-dir`, or `/root/.cache/uv` by default). A RUN that turns the cache
off (`--no-cache`, `UV_NO_CACHE=1`) is left alone.

## Why it matters
Without a cache mount every change to the lock or the source downloads and
builds every package again. With the mount on another folder, uv does not
see it and the cache stays empty.

## Example
```dockerfile
RUN uv sync --locked
```

## Fix
`RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked`.
`dockermig migrate --fix-drift` adds that mount to a RUN that has no cache
mount and runs as root with uv's default cache folder.

## Known problems
A non-root `USER` has another home folder; any cache mount ending in
`/.cache/uv` is accepted then.
"""

from dockermig.check.analysis import cache_mount_targets, truthy
from dockermig.check.findings import Diagnostic, text_span

CODE = "DM107"
NAME = "no-cache-mount"
# Its [*] fixes need this option of `dockermig migrate`.
MIGRATE_OPTION = "--fix-drift"
SEVERITY = "warning"
INSTALLING = (("sync",), ("pip", "install"), ("pip", "sync"))
DEFAULT_CACHE = "/root/.cache/uv"


def check(context):
    analysis = context.analysis
    for stage in context.model.stages:
        reported = set()
        for call in analysis.uv_calls(stage):
            if call.subcommand not in INSTALLING or id(call.instruction) in reported:
                continue
            env = analysis.env_for(stage, call)
            if call.has_option("--no-cache", "-n") or truthy(env.get("UV_NO_CACHE")):
                continue
            cache_dir = call.option_value("--cache-dir") or env.get("UV_CACHE_DIR")
            targets = [
                target.rstrip("/") for target in cache_mount_targets(call.instruction)
            ]
            if _covered(targets, cache_dir):
                continue
            reported.add(id(call.instruction))
            wanted = cache_dir or DEFAULT_CACHE
            message = f"`uv {' '.join(call.subcommand)}` runs without a cache mount on {wanted}"
            if targets:
                message = f"cache mount on {', '.join(targets)} is not uv's cache folder {wanted}"
            yield Diagnostic(
                text_span(call.instruction, call.subcommand[-1]),
                message,
                f"add `--mount=type=cache,target={wanted}` to the RUN",
                migrate_fixes=context.drift_fix_repairs(CODE, call.instruction),
            )


def _covered(targets: list[str], cache_dir: str | None) -> bool:
    if cache_dir:
        return cache_dir.rstrip("/") in targets
    return any(
        target == DEFAULT_CACHE or target.endswith("/.cache/uv") for target in targets
    )
