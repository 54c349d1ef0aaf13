"""uv is installed with `pip install uv` instead of copied from its image.

## What it does
Flags `pip install uv`, `pip3 install uv==...`, `python -m pip install uv` and
`pipx install uv` in RUN instructions.

## Why it matters
pip adds a layer with pip's own cache and dependencies, installs uv into the
image's site-packages (or fails on an externally managed Python), and pins
uv only when the line names a version. The uv image ships a static binary that one
`COPY` adds, pinned by tag or digest.

## Example
```dockerfile
RUN pip install uv && uv sync --locked
```

## Fix
`COPY --from=ghcr.io/astral-sh/uv:<version> /uv /uvx /bin/`.
"""

import re

from dockermig.check.analysis import pip_install_packages
from dockermig.check.findings import Diagnostic, text_span
from dockermig.images import pinned_uv_version

CODE = "DM113"
NAME = "pip-installs-uv"
SEVERITY = "warning"
UV_REQUIREMENT = re.compile(r"^uv(\[.*\])?([=<>!~].*)?$")


def check(context):
    for stage in context.model.stages:
        for command in context.analysis.stage_commands(stage, inherited=False):
            packages = pip_install_packages(command)
            if (
                packages is None
                and command.program == "pipx"
                and command.argv[1:2] == ["install"]
            ):
                packages = command.argv[2:]
            if not packages or not any(
                UV_REQUIREMENT.match(package) for package in packages
            ):
                continue
            yield Diagnostic(
                text_span(command.instruction, "install"),
                "installs uv with pip; copy the static binary from the uv image instead",
                f"use `COPY --from=ghcr.io/astral-sh/uv:{pinned_uv_version()} /uv /uvx /bin/`",
            )
