"""The venv is copied to a different absolute path than the one it was built at.

## What it does
Follows each `COPY --from=<builder>` that carries a virtual environment and
compares where it lands with where the builder created it (`WORKDIR` plus
`.venv` for `uv sync`, `UV_PROJECT_ENVIRONMENT`, or the path given to
`uv venv` or `python -m venv`).

## Why it matters
Console scripts in `.venv/bin` start with an absolute shebang such as
`#!/app/.venv/bin/python`, and `pyvenv.cfg` records paths too. Moved to
another folder, every script fails with "no such file or directory".

## Example
```dockerfile
FROM python:3.12-slim-trixie AS builder
WORKDIR /build
RUN uv sync --locked
FROM python:3.12-slim-trixie
COPY --from=builder /build/.venv /app/.venv
```

## Fix
Copy the venv to the path it was built at, or build it where it will run
(set `WORKDIR` or `UV_PROJECT_ENVIRONMENT` in the builder).
`dockermig migrate --fix-drift` changes the COPY destination, and ENV
values of that stage that name the old path, when nothing else uses it.
"""

from dockermig.check.analysis import stage_label
from dockermig.check.findings import Diagnostic, node_span

CODE = "DM104"
NAME = "venv-path-mismatch"
# Its [*] fixes need this option of `dockermig migrate`.
MIGRATE_OPTION = "--fix-drift"
SEVERITY = "error"


def check(context):
    for copy in context.analysis.venv_copies:
        if copy.landing == copy.build.path:
            continue
        yield Diagnostic(
            node_span(copy.instruction),
            f"venv built at {copy.build.path} in {stage_label(copy.build.stage)} is copied to "
            f"{copy.landing}; its scripts' shebangs still point at {copy.build.path}/bin/python",
            f"copy it to {copy.build.path}, or build it at {copy.landing}",
            migrate_fixes=context.drift_fix_repairs(CODE, copy.instruction),
        )
