"""A Dockerfile that does not parse.

## What it does
Reports the first syntax error with its line and column: an unterminated
heredoc, an invalid `escape` directive, bytes that are not UTF-8, an unknown
instruction, an instruction other than ARG before the first FROM, or a file
with no FROM. The other rules do not run on a file that does not parse.

## Why it matters
The builder rejects the file before it builds anything.

## Example
```dockerfile
FROM python:3.12-slim-trixie
RUNN pip install flask
```

## Fix
Correct the syntax at the reported position.
"""

from dockermig.check.findings import Diagnostic, Span, node_span, text_span
from dockermig.syntax import INSTRUCTIONS

CODE = "DM001"
NAME = "parse-error"
SEVERITY = "error"


def check(context):
    instructions = context.tree.instructions
    seen_from = False
    for instruction in instructions:
        if instruction.name not in INSTRUCTIONS:
            yield Diagnostic(
                text_span(instruction, instruction.keyword),
                f"unknown instruction {instruction.keyword!r}",
                "use one of the Dockerfile instructions",
            )
            return
        if instruction.name == "FROM":
            if not instruction.arguments:
                yield Diagnostic(
                    node_span(instruction), "FROM needs an image", "name the base image"
                )
                return
            seen_from = True
        elif not seen_from and instruction.name != "ARG":
            yield Diagnostic(
                text_span(instruction, instruction.keyword),
                f"{instruction.name} before the first FROM; only ARG may come before it",
                "move it below a FROM",
            )
            return
    if not seen_from:
        yield Diagnostic(
            Span(1, 1, 1, 1), "no FROM instruction", "start a build stage with FROM"
        )
