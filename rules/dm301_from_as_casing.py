"""The `AS` keyword of a FROM is not in the same case as `FROM`.

## What it does
BuildKit's FromAsCasing check: flags `FROM image as name` (and `from image AS
name`), where the two keywords differ in case.

## Why it matters
Nothing breaks, but mixed casing reads as a typo, and BuildKit warns about
it on every build.

## Example
```dockerfile
FROM python:3.12-slim-trixie as builder
```

## Fix
Write both keywords in the same case: `FROM ... AS builder`.
"""

from dockermig.check.findings import Diagnostic, word_span

CODE = "DM301"
NAME = "from-as-casing"
SEVERITY = "warning"
BUILDKIT_NAME = "FromAsCasing"
# Its [*] fixes need this option of `dockermig migrate`.
MIGRATE_OPTION = "--fix-drift"


def check(context):
    for stage in context.model.stages:
        instruction = stage.from_instruction
        words = instruction.arguments.split()
        if len(words) < 3 or words[1].lower() != "as":
            continue
        keyword, as_word = instruction.keyword, words[1]
        if (
            keyword.isupper()
            and not as_word.isupper()
            or keyword.islower()
            and not as_word.islower()
        ):
            yield Diagnostic(
                word_span(instruction, as_word),
                f"'{as_word}' and '{keyword}' keywords' casing do not match",
                f"write '{as_word.upper() if keyword.isupper() else as_word.lower()}'",
                migrate_fixes=context.drift_fix_repairs(CODE, instruction),
            )
