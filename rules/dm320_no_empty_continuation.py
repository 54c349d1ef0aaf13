"""An empty line inside a `\\` continuation.

## What it does
BuildKit's NoEmptyContinuation check: flags blank lines between the lines of
an instruction that is continued with the escape character.

## Why it matters
Builders skip the blank line, but it makes the instruction look like it
ended there, and BuildKit warns about it on every build.

## Example
```dockerfile
RUN apt-get update && \\

    apt-get install -y curl
```

## Fix
Delete the blank line, or turn it into a comment line.
"""

from dockermig.check.findings import Diagnostic, Span

CODE = "DM320"
NAME = "no-empty-continuation"
SEVERITY = "warning"
BUILDKIT_NAME = "NoEmptyContinuation"


def check(context):
    for instruction in context.tree.instructions:
        for line in instruction.empty_continuation_lines:
            yield Diagnostic(
                Span(line, 1, line, 1),
                f"empty continuation line inside {instruction.name} (started on line {instruction.line})",
                "delete the blank line",
            )
