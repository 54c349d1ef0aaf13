"""EXPOSE contains an IP address or a host:container port mapping.

## What it does
BuildKit's ExposeInvalidFormat check: flags `EXPOSE 80:80` and
`EXPOSE 127.0.0.1:80`.

## Why it matters
EXPOSE only documents a container port. Host ports and addresses are chosen
when the container runs (`docker run -p`); in EXPOSE they are ignored or
rejected, depending on the builder.

## Example
```dockerfile
EXPOSE 8080:80
```

## Fix
`EXPOSE 80`, and publish it with `docker run -p 8080:80`.
"""

from dockermig.check.findings import Diagnostic, word_span

CODE = "DM319"
NAME = "expose-invalid-format"
SEVERITY = "warning"
BUILDKIT_NAME = "ExposeInvalidFormat"


def check(context):
    for instruction in context.tree.instructions:
        if instruction.name != "EXPOSE":
            continue
        for port in instruction.arguments.split():
            if ":" not in port or port.startswith("$"):
                continue
            container = port.rsplit(":", 1)[1]
            yield Diagnostic(
                word_span(instruction, port),
                f"EXPOSE {port} names an address or host port; EXPOSE takes only the container port",
                f"write EXPOSE {container} and publish the port at run time",
            )
