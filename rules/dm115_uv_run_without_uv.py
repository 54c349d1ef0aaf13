"""CMD or ENTRYPOINT runs `uv run` in a stage that has no uv.

## What it does
Flags `CMD` and `ENTRYPOINT` (exec or shell form) that start with `uv run`
when the stage has no uv. A stage has uv when its base is a uv image, or when
it or a stage it is built from copies `/uv` from a uv image, installs uv with
pip, or runs uv's install script.

## Why it matters
The container exits at once with "uv: not found". Even with uv present,
`uv run` checks and may re-sync the environment at every start, which fails
for a non-root user on a root-owned venv.

## Example
```dockerfile
FROM python:3.12-slim-trixie
COPY --from=builder /app /app
CMD ["uv", "run", "myapp"]
```

## Fix
Run the venv's entry point directly: put `/app/.venv/bin` first on `PATH`
and use `CMD ["myapp"]`.
"""

import posixpath

from dockermig.check.analysis import stage_label
from dockermig.check.findings import Diagnostic, node_span
from dockermig.shell import split_words

CODE = "DM115"
NAME = "uv-run-without-uv"
SEVERITY = "error"


def check(context):
    analysis = context.analysis
    for stage in context.model.stages:
        if analysis.stage_has_uv(stage) or analysis.stage_facts(stage) is None:
            continue
        for instruction in stage.instructions:
            if instruction.name not in ("CMD", "ENTRYPOINT") or not _runs_uv_run(
                instruction
            ):
                continue
            yield Diagnostic(
                node_span(instruction),
                f"{instruction.name} runs `uv run`, but {stage_label(stage)} has no uv",
                "run the venv's entry point directly, with the venv's bin folder on PATH",
            )


def _runs_uv_run(instruction) -> bool:
    if instruction.json_arguments is not None:
        argv = instruction.json_arguments
    else:
        argv = [
            word.value
            for word in split_words(instruction.arguments)
            if not word.is_operator
        ]
    return len(argv) >= 2 and posixpath.basename(argv[0]) == "uv" and argv[1] == "run"
