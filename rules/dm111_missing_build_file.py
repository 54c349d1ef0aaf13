"""A COPY, ADD or bind-mount source is not in the build context.

## What it does
Looks up each source of `COPY` and `ADD` (without `--from`) and of
`RUN --mount=type=bind` (without `from=`) in the build context folder: the
Dockerfile's folder, or `context` from the configuration. It flags sources
that do not exist there, and bind-mount sources that .dockerignore excludes.
`COPY` and `ADD` sources that .dockerignore excludes are DM317
(copy-ignored-file).

## Why it matters
The build fails with "not found" at that step. For `uv.lock` and
`pyproject.toml` this usually means the lock was never committed or the
build runs from another folder; `uv sync --locked` cannot run without them.

## Example
```dockerfile
RUN --mount=type=bind,source=uv.lock,target=uv.lock uv sync --locked
```
in a folder with no `uv.lock`.

## Fix
Create or commit the file (`uv lock`), fix the path, or set `context` in
`[tool.dockermig.check]` to the folder the build really uses.

## Known problems
When the context is the default one and none of the file's sources exist
there, the build probably uses another folder, and the rule stays quiet.
Sources with `$VARIABLES` and URLs are not checked.
"""

from dockermig.check.analysis import copy_sources, mount_options
from dockermig.check.findings import Diagnostic, text_span

CODE = "DM111"
NAME = "missing-build-file"
SEVERITY = "error"


def check(context):
    build_context = context.build_context
    if build_context is None:
        return
    sources = list(_sources(context.tree.instructions))
    if (
        build_context.assumed
        and sources
        and not any(build_context.exists(path) for _, path, _ in sources)
    ):
        return
    for instruction, path, is_mount in sources:
        if not build_context.exists(path):
            yield Diagnostic(
                text_span(instruction, path),
                f"{path} is not in the build context {build_context.root}",
                f"add {path} to the context or fix the path",
            )
        elif is_mount and build_context.excluded(path):
            yield Diagnostic(
                text_span(instruction, path),
                f"{path} is excluded by .dockerignore, so the bind mount finds nothing",
                f"remove the pattern that matches {path} from .dockerignore",
            )


def _sources(instructions):
    for instruction in instructions:
        if instruction.name in ("COPY", "ADD") and not instruction.flag("from"):
            paths = copy_sources(instruction)
            for source in paths[0] if paths else []:
                if _checkable(source):
                    yield instruction, source, False
        if instruction.name == "RUN":
            for value in instruction.flag_values("mount"):
                options = mount_options(value)
                if options.get("type", "bind") != "bind" or "from" in options:
                    continue
                source = options.get("source") or options.get("src")
                if source and _checkable(source):
                    yield instruction, source, True


def _checkable(source: str) -> bool:
    return "$" not in source and "://" not in source and not source.startswith("git@")
