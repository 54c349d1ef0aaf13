"""The project is installed editable, but only the venv reaches the runtime stage.

## What it does
Flags a `COPY --from=<builder>` that copies only the venv when the builder's
last `uv sync` installs the project itself (no `--no-install-project`) as
editable (no `--no-editable`, no `UV_NO_EDITABLE=1`), and the project is
packaged: pyproject.toml in the build context declares a build system, or
`[tool.uv] package = true`. An unknown pyproject.toml counts as packaged.

## Why it matters
An editable install is a `.pth` file that points at the source folder in the
builder (`/app/src`). Without that folder the runtime raises
`ModuleNotFoundError` for the project's own package.

## Example
```dockerfile
RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked
FROM python:3.12-slim-trixie
COPY --from=builder /app/.venv /app/.venv
```

## Fix
Add `--no-editable` to the builder's `uv sync` (or set `UV_NO_EDITABLE=1`),
or copy the whole project folder (`COPY --from=builder /app /app`).
"""

from dockermig.check.analysis import stage_label, truthy
from dockermig.check.findings import Diagnostic, node_span

CODE = "DM112"
NAME = "editable-venv-copy"
SEVERITY = "error"


def check(context):
    analysis = context.analysis
    packaged = (
        context.build_context.project_is_packaged if context.build_context else None
    )
    if packaged is False:
        return
    for copy in analysis.venv_copies:
        if not copy.copies_only_venv:
            continue
        syncs = [
            call
            for call in analysis.uv_calls(copy.build.stage)
            if call.subcommand == ("sync",)
        ]
        installing = [
            call
            for call in syncs
            if not call.has_option("--no-install-project", "--only-deps")
        ]
        if not installing:
            continue
        last = installing[-1]
        env = analysis.env_for(copy.build.stage, last)
        if last.has_option("--no-editable") or truthy(env.get("UV_NO_EDITABLE")):
            continue
        yield Diagnostic(
            node_span(copy.instruction),
            f"copies only the venv, but `uv sync` in {stage_label(copy.build.stage)} installs the "
            "project editable, pointing at source this stage does not have",
            "add `--no-editable` to `uv sync`, or copy the whole project folder",
        )
