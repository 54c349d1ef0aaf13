"""ENV or LABEL in the legacy `key value` form.

## What it does
BuildKit's LegacyKeyValueFormat check: flags `ENV NAME value` and
`LABEL name value`, written without `=`.

## Why it matters
The legacy form sets one variable to the whole rest of the line, spaces
included, so `ENV A 1 B 2` sets A to "1 B 2". It is deprecated.

## Example
```dockerfile
ENV PYTHONUNBUFFERED 1
```

## Fix
`ENV PYTHONUNBUFFERED=1`.
"""

from dockermig.check.findings import Diagnostic, node_span
from dockermig.shell import split_words

CODE = "DM312"
NAME = "legacy-key-value-format"
SEVERITY = "warning"
BUILDKIT_NAME = "LegacyKeyValueFormat"


def check(context):
    for instruction in context.tree.instructions:
        if instruction.name not in ("ENV", "LABEL"):
            continue
        words = [
            word for word in split_words(instruction.arguments) if not word.is_operator
        ]
        if not words or "=" in words[0].value:
            continue
        name = words[0].value
        value = instruction.arguments[words[0].end :].strip()
        yield Diagnostic(
            node_span(instruction),
            f'"{instruction.name} key=value" should be used instead of the legacy "{instruction.name} key value" format',
            f"write {instruction.name} {name}={value!r}"
            if " " in value
            else f"write {instruction.name} {name}={value}",
        )
