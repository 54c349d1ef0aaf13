"""The MAINTAINER instruction is used.

## What it does
BuildKit's MaintainerDeprecated check.

## Why it matters
MAINTAINER is deprecated; tools read the author from the
`org.opencontainers.image.authors` label instead.

## Example
```dockerfile
MAINTAINER Jane Doe <jane@example.com>
```

## Fix
`LABEL org.opencontainers.image.authors="jane@example.com"`.
"""

from dockermig.check.findings import Diagnostic, node_span

CODE = "DM307"
NAME = "maintainer-deprecated"
SEVERITY = "warning"
BUILDKIT_NAME = "MaintainerDeprecated"


def check(context):
    for instruction in context.tree.instructions:
        if instruction.name == "MAINTAINER":
            yield Diagnostic(
                node_span(instruction),
                "MAINTAINER is deprecated",
                f'use LABEL org.opencontainers.image.authors="{instruction.arguments}"',
            )
