"""The runtime stage has no interpreter where the venv's `python` link points.

## What it does
Compares the interpreter path of the stage that builds a venv with the
interpreter of the stage that runs it: the official python images keep it in
`/usr/local/bin`, a distribution's `python3` package and the distroless
python images in `/usr/bin`, and plain `debian`, `alpine`, `scratch` or
distroless base images have none unless a stage installs or copies one.

## Why it matters
`.venv/bin/python` is a symbolic link to the builder's interpreter, and
`pyvenv.cfg` names its folder. When the runtime has no interpreter at that
path the link dangles and every entry point fails with "no such file or
directory".

## Example
```dockerfile
FROM python:3.12-slim-bookworm AS builder
RUN uv sync --locked
FROM gcr.io/distroless/python3-debian12
COPY --from=builder /app /app
```

## Fix
Run the venv on the same kind of image it was built on (`python:3.X-slim-<codename>`
for a venv built on a python or uv image), or build it with the runtime's
interpreter (`uv venv --python /usr/bin/python3`).
"""

from dockermig.check.analysis import described_venv_pairs, from_image_span, stage_label
from dockermig.check.findings import Diagnostic

CODE = "DM105"
NAME = "runtime-python-path"
SEVERITY = "error"


def check(context):
    analysis = context.analysis
    for pair, builder, runtime in described_venv_pairs(analysis):
        if not builder.interpreter:
            continue
        if runtime.has_python is False:
            yield Diagnostic(
                from_image_span(pair.stage),
                f"{stage_label(pair.stage)} ({pair.stage.base}) has no Python interpreter; "
                f"the venv's python links to {builder.interpreter}",
                f"base {stage_label(pair.stage)} on a python image like the builder's",
            )
            continue
        if runtime.interpreter and runtime.interpreter != builder.interpreter:
            yield Diagnostic(
                from_image_span(pair.stage),
                f"the venv's python links to {builder.interpreter} from {stage_label(pair.build.stage)}, "
                f"but {stage_label(pair.stage)} has its interpreter at {runtime.interpreter}",
                f"base {stage_label(pair.stage)} on a python image like the builder's",
            )
