"""Instructions are written in a mix of upper and lower case.

## What it does
BuildKit's ConsistentInstructionCasing check: finds whether most instruction
keywords in the file are upper or lower case and flags the ones that are not
(a keyword in mixed case such as `Run` is always flagged).

## Why it matters
Nothing breaks, but mixed casing hides instructions when reading and
searching the file, and BuildKit warns about it.

## Example
```dockerfile
FROM python:3.12-slim-trixie
run pip install flask
```

## Fix
Write every keyword in the file's majority case, usually upper case.
"""

from dockermig.check.findings import Diagnostic, text_span

CODE = "DM303"
NAME = "consistent-instruction-casing"
SEVERITY = "warning"
BUILDKIT_NAME = "ConsistentInstructionCasing"


def check(context):
    instructions = [item for item in context.tree.instructions if item.keyword]
    upper = sum(1 for item in instructions if item.keyword.isupper())
    lower = sum(1 for item in instructions if item.keyword.islower())
    majority_upper = upper >= lower
    for instruction in instructions:
        keyword = instruction.keyword
        if keyword.isupper() if majority_upper else keyword.islower():
            continue
        expected_keyword = keyword.upper() if majority_upper else keyword.lower()
        casing = "upper" if majority_upper else "lower"
        yield Diagnostic(
            text_span(instruction, keyword),
            f"'{keyword}' should match the case of the other instructions ({casing} case)",
            f"write '{expected_keyword}'",
        )
