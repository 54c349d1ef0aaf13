"""CMD or ENTRYPOINT in shell form.

## What it does
BuildKit's JSONArgsRecommended check: flags `CMD app --port 80` and
`ENTRYPOINT app` in shell form. Stages that set their own `SHELL` (or are
built from a stage that does) are left alone, as BuildKit does.

## Why it matters
Shell form runs the command under `/bin/sh -c`, so the shell is PID 1: it
does not pass SIGTERM on, and `docker stop` waits out its timeout and kills
the app without a clean shutdown.

## Example
```dockerfile
CMD gunicorn app:app
```

## Fix
Use exec form: `CMD ["gunicorn", "app:app"]`.

## Known problems
BuildKit also reads the base image's `SHELL` from the registry; without a
registry a `SHELL` set only in the base image is not seen.
"""

from dockermig.check.findings import Diagnostic, node_span
from dockermig.model import stage_parent

CODE = "DM306"
NAME = "json-args-recommended"
SEVERITY = "warning"
BUILDKIT_NAME = "JSONArgsRecommended"


def check(context):
    model = context.model
    for stage in model.stages:
        if _sets_shell(model, stage):
            continue
        for instruction in stage.instructions:
            if (
                instruction.name not in ("CMD", "ENTRYPOINT")
                or instruction.json_arguments is not None
            ):
                continue
            if not instruction.arguments:
                continue
            yield Diagnostic(
                node_span(instruction),
                f"JSON arguments are recommended for {instruction.name}, so the app gets OS signals",
                f"write {instruction.name} in exec form, for example "
                f'{instruction.name} ["{instruction.arguments.split()[0]}", ...]',
            )


def _sets_shell(model, stage) -> bool:
    while stage is not None:
        if any(item.name == "SHELL" for item in stage.instructions):
            return True
        stage = stage_parent(model, stage)
    return False
