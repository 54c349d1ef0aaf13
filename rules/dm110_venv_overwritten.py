"""`COPY .` into the venv's parent folder can overwrite the venv with the host's `.venv`.

## What it does
Flags a `COPY` of the build context root (`.` or `./`) into the folder that
contains a `.venv`, after the venv was built or copied into that stage, when
the ignore file (`<Dockerfile name>.dockerignore` beside the Dockerfile,
else .dockerignore) does not exclude `.venv`. In the builder a later `uv sync`
repairs the venv, so that case is left alone.

## Why it matters
A developer's `.venv` is built for their machine: other paths, maybe another
OS and Python. Copied over the image's venv, it replaces the interpreter link
and packages, and the image breaks only on machines that have a local venv.

## Example
```dockerfile
COPY --from=builder /app/.venv /app/.venv
COPY . /app
```

## Fix
Add `.venv` to .dockerignore.
"""

import posixpath

from dockermig.check.analysis import absolute_path, commands_of, copy_sources, uv_call
from dockermig.check.findings import Diagnostic, node_span

CODE = "DM110"
NAME = "venv-overwritten"
SEVERITY = "error"


def check(context):
    build_context = context.build_context
    if build_context is None or build_context.excluded(".venv"):
        return
    analysis = context.analysis
    placed = [
        (build.stage, build.instruction, build.path) for build in analysis.venv_builds
    ]
    placed += [
        (copy.stage, copy.instruction, copy.landing) for copy in analysis.venv_copies
    ]
    reported = set()
    for stage, after, venv in placed:
        if posixpath.basename(venv) != ".venv":
            continue
        instructions = stage.instructions
        start = next(index for index, item in enumerate(instructions) if item is after)
        for position, instruction in enumerate(instructions[start + 1 :], start + 1):
            if not _copies_context_root_into(
                instruction, stage, posixpath.dirname(venv)
            ):
                continue
            if (
                _synced_later(instructions[position + 1 :])
                or id(instruction) in reported
            ):
                continue
            reported.add(id(instruction))
            yield Diagnostic(
                node_span(instruction),
                f"copies the build context over {venv}, and {build_context.ignore_file} "
                "does not exclude .venv",
                f"add `.venv` to {build_context.ignore_file}",
            )


def _copies_context_root_into(instruction, stage, folder: str) -> bool:
    if instruction.name not in ("COPY", "ADD") or instruction.flag("from"):
        return False
    paths = copy_sources(instruction)
    if paths is None or not any(
        posixpath.normpath(source) == "." for source in paths[0]
    ):
        return False
    destination = absolute_path(paths[1], stage.workdir_at(instruction))
    return destination == folder


def _synced_later(instructions) -> bool:
    for instruction in instructions:
        if instruction.name != "RUN":
            continue
        for command in commands_of(instruction):
            call = uv_call(command)
            if call is not None and call.subcommand == ("sync",):
                return True
    return False
