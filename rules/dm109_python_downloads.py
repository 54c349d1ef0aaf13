"""The builder may download a managed Python that the runtime stage does not copy.

## What it does
Flags a builder whose uv commands may download a Python (no
`UV_PYTHON_DOWNLOADS=0`/`never`, no `--no-python-downloads`, no
`UV_PYTHON_PREFERENCE=only-system`) when the stage that copies its venv does
not also copy uv's Python folder (`UV_PYTHON_INSTALL_DIR`, by default
`/root/.local/share/uv/python`).

## Why it matters
uv downloads a Python when the image's interpreter does not satisfy
`requires-python` or `.python-version`, or the image has none. The venv then
links into uv's Python folder, which the runtime stage lacks, and the image
fails at start with "no such file or directory".

## Example
```dockerfile
FROM python:3.12-slim-trixie AS builder
COPY --from=ghcr.io/astral-sh/uv:0.9.5 /uv /bin/
RUN uv sync --locked
FROM python:3.12-slim-trixie
COPY --from=builder /app /app
```

## Fix
Add `ENV UV_PYTHON_DOWNLOADS=0` to the builder, so uv uses the image's
Python or fails the build. For a managed Python, set `UV_PYTHON_INSTALL_DIR`
and copy that folder into the runtime stage at the same path.
"""

from dockermig.check.analysis import (
    absolute_path,
    copy_sources,
    is_within,
    stage_label,
    venv_pairs,
)
from dockermig.check.findings import Diagnostic, node_span

CODE = "DM109"
NAME = "python-downloads"
SEVERITY = "warning"
DEFAULT_INSTALL_DIR = "/root/.local/share/uv/python"
OFF_VALUES = ("0", "never", "false", "no", "off")


def check(context):
    analysis = context.analysis
    for pair in venv_pairs(analysis):
        if not pair.build.by_uv:
            continue
        calls = [
            call
            for call in analysis.uv_calls(pair.build.stage)
            if call.instruction is pair.build.instruction
        ]
        if not calls:
            continue
        call = calls[-1]
        env = analysis.env_for(pair.build.stage, call)
        if _downloads_off(call, env):
            continue
        install_dir = env.get("UV_PYTHON_INSTALL_DIR") or DEFAULT_INSTALL_DIR
        if _runtime_copies(pair, install_dir):
            continue
        yield Diagnostic(
            node_span(pair.build.instruction),
            f"uv may download a Python into {install_dir} in {stage_label(pair.build.stage)}, "
            f"but {stage_label(pair.stage)} copies only the venv",
            "add `ENV UV_PYTHON_DOWNLOADS=0` to the builder stage",
        )


def _downloads_off(call, env: dict[str, str]) -> bool:
    if call.has_option("--no-python-downloads", "--offline"):
        return True
    if (env.get("UV_PYTHON_DOWNLOADS") or "").strip().lower() in OFF_VALUES:
        return True
    preference = call.option_value("--python-preference") or env.get(
        "UV_PYTHON_PREFERENCE"
    )
    return preference == "only-system"


def _runtime_copies(pair, install_dir: str) -> bool:
    for instruction in pair.stage.instructions:
        if instruction.name != "COPY" or not instruction.flag("from"):
            continue
        paths = copy_sources(instruction)
        if paths and any(
            is_within(install_dir, absolute_path(source)) for source in paths[0]
        ):
            return True
    return False
