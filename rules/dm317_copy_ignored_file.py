"""COPY or ADD of a path that .dockerignore excludes.

## What it does
BuildKit's CopyIgnoredFile check: flags sources of `COPY` and `ADD` (without
`--from`) that .dockerignore excludes. BuildKit reads
`<Dockerfile>.dockerignore` beside the Dockerfile first, then `.dockerignore`
in the build context; so does this rule. Missing files are DM111
(missing-build-file).

## Why it matters
The file is not sent to the builder, so the step fails with "not found", or,
with a glob, silently copies less than it names.

## Example
```dockerfile
COPY uv.lock pyproject.toml ./
```
with `*.lock` in .dockerignore.

## Fix
Remove or narrow the pattern in .dockerignore, or add `!uv.lock` after it.
"""

from dockermig.check.analysis import copy_sources
from dockermig.check.findings import Diagnostic, text_span

CODE = "DM317"
NAME = "copy-ignored-file"
SEVERITY = "warning"
BUILDKIT_NAME = "CopyIgnoredFile"


def check(context):
    build_context = context.build_context
    if build_context is None or not build_context.dockerignore:
        return
    for instruction in context.tree.instructions:
        if instruction.name not in ("COPY", "ADD") or instruction.flag("from"):
            continue
        paths = copy_sources(instruction)
        for source in paths[0] if paths else []:
            if "$" in source or "://" in source or source.strip("./") == "":
                continue
            if build_context.excluded(source):
                yield Diagnostic(
                    text_span(instruction, source, len(instruction.keyword)),
                    f"{source} is excluded by {build_context.ignore_file}, so "
                    f"{instruction.name} cannot find it",
                    f"remove the {build_context.ignore_file} pattern that matches {source}",
                )
