"""The EXPOSE protocol is not lower case.

## What it does
BuildKit's ExposeProtoCasing check: flags `EXPOSE 53/UDP`.

## Why it matters
Protocols are matched in lower case by some tools, and BuildKit warns about
the mixed form.

## Example
```dockerfile
EXPOSE 8080/TCP
```

## Fix
`EXPOSE 8080/tcp`.
"""

from dockermig.check.findings import Diagnostic, word_span

CODE = "DM318"
NAME = "expose-proto-casing"
SEVERITY = "warning"
BUILDKIT_NAME = "ExposeProtoCasing"


def check(context):
    for instruction in context.tree.instructions:
        if instruction.name != "EXPOSE":
            continue
        for port in instruction.arguments.split():
            _, slash, protocol = port.partition("/")
            if slash and protocol != protocol.lower():
                yield Diagnostic(
                    word_span(instruction, port),
                    f"protocol in {port} should be lower case",
                    f"write {port.lower()}",
                )
