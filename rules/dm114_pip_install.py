"""A Python image installs packages with pip; `dockermig migrate` can rewrite it to uv.

## What it does
Reports RUN instructions on a python or uv-derived image that run
`pip install` for packages or requirements files. Installing or upgrading
only pip, setuptools, wheel or uv is left alone (DM113 covers uv).

## Why it matters
pip resolves again on every build unless each version is pinned, has no
lock with hashes by default, and does not split dependencies from the
project for layer caching. The uv pattern installs from `uv.lock` in a
builder stage and copies only the venv into a slim runtime.

## Example
```dockerfile
FROM python:3.12-slim
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
```

## Fix
Run `dockermig migrate` on the file: it writes pyproject.toml and uv.lock
from the requirements and rewrites the Dockerfile to the uv builder and
runtime stages.
"""

from dockermig.check.analysis import pip_install_packages
from dockermig.check.findings import Diagnostic, text_span

CODE = "DM114"
NAME = "pip-install"
SEVERITY = "info"
MIGRATE_FIXES = True
TOOLING = ("pip", "setuptools", "wheel", "uv")


def check(context):
    analysis = context.analysis
    for stage in context.model.stages:
        facts = analysis.base_facts(stage)
        if (
            facts is None
            or facts.family not in ("python", "uv")
            or not facts.has_python
        ):
            continue
        reported = set()
        for command in analysis.stage_commands(stage, inherited=False):
            packages = pip_install_packages(command)
            if not packages or id(command.instruction) in reported:
                continue
            named = [package for package in packages if not package.startswith("-")]
            if (
                named
                and all(_is_tooling(package) for package in named)
                and "-r" not in packages
            ):
                continue
            reported.add(id(command.instruction))
            refusal = context.migration_refusal
            if refusal:
                yield Diagnostic(
                    text_span(command.instruction, "install"),
                    f"installs with pip; `dockermig migrate` cannot rewrite this file yet: {refusal}",
                    "move the image to a uv builder stage by hand",
                    migrate_fixes=False,
                )
                continue
            yield Diagnostic(
                text_span(command.instruction, "install"),
                "installs with pip; `dockermig migrate` can move this to a uv builder stage",
                "run `dockermig migrate` on this file",
            )


def _is_tooling(package: str) -> bool:
    name = package.split("[")[0]
    for separator in "=<>!~":
        name = name.split(separator)[0]
    return name.lower() in TOOLING
