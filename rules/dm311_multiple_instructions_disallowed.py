"""A stage has more than one CMD, ENTRYPOINT or HEALTHCHECK.

## What it does
BuildKit's MultipleInstructionsDisallowed check: flags every CMD,
ENTRYPOINT and HEALTHCHECK of a stage except the last of each kind.

## Why it matters
Only the last one takes effect; the earlier ones are dead code that readers
take for the real command.

## Example
```dockerfile
CMD ["gunicorn", "app:app"]
CMD ["python", "-m", "app"]
```

## Fix
Delete all but the one you mean.
"""

from dockermig.check.findings import Diagnostic, node_span

CODE = "DM311"
NAME = "multiple-instructions-disallowed"
SEVERITY = "warning"
BUILDKIT_NAME = "MultipleInstructionsDisallowed"
SINGLE = ("CMD", "ENTRYPOINT", "HEALTHCHECK")


def check(context):
    for stage in context.model.stages:
        for name in SINGLE:
            found = [item for item in stage.instructions if item.name == name]
            for instruction in found[:-1]:
                yield Diagnostic(
                    node_span(instruction),
                    f"only the last {name} of a stage takes effect; this one on line "
                    f"{instruction.line} is overridden on line {found[-1].line}",
                    f"remove this {name}",
                )
