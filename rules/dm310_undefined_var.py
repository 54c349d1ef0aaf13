"""A variable is used before any ARG or ENV defines it.

## What it does
BuildKit's UndefinedVar check: in instructions that expand variables (COPY,
ADD, ENV, ARG defaults, LABEL, EXPOSE, USER, VOLUME, WORKDIR, STOPSIGNAL),
flags `$NAME` when no ARG or ENV of the stage, or of a stage it is built
from, defines NAME earlier. Shell-form RUN, CMD and ENTRYPOINT are left to
the shell, and `${NAME:-default}` forms are left alone. It suggests a defined
name that is spelled almost the same.

## Why it matters
An undefined variable expands to an empty string, so `COPY $SRC /app` copies
the whole context and `ENV PATH=$VENV/bin:$PATH` puts `/bin` first.

## Example
```dockerfile
ARG VENV=/app/.venv
ENV PATH=$VNEV/bin:$PATH
```

## Fix
Define the variable with ARG or ENV before it is used, or fix its spelling.

## Known problems
BuildKit reads the base image's environment from the registry. Without it,
this rule accepts the names that common base images set (PATH, HOME, LANG,
the python image's PYTHON_VERSION and GPG_KEY, and a few more). So a typo of
one of those is not found, and a variable set only by another base image is
reported.
"""

from dockermig.check.analysis import (
    BUILTIN_PLATFORM_ARGS,
    closest_name,
    variable_references,
)
from dockermig.check.findings import Diagnostic, offset_span
from dockermig.model import parse_arg_pairs, parse_env_pairs, stage_parent

CODE = "DM310"
NAME = "undefined-var"
SEVERITY = "warning"
BUILDKIT_NAME = "UndefinedVar"
EXPANDING = (
    "ADD",
    "COPY",
    "ENV",
    "ARG",
    "LABEL",
    "EXPOSE",
    "USER",
    "VOLUME",
    "WORKDIR",
    "STOPSIGNAL",
)
IMAGE_ENV = (
    "PATH", "HOME", "HOSTNAME", "LANG", "LC_ALL", "TERM", "USER", "PWD", "SHELL",
    "PYTHON_VERSION", "PYTHON_SHA256", "PYTHON_PIP_VERSION", "PYTHON_GET_PIP_URL",
    "PYTHON_GET_PIP_SHA256", "PYTHON_SETUPTOOLS_VERSION", "GPG_KEY",
    "UV_TOOL_BIN_DIR", "UV_PYTHON_INSTALL_DIR", "UV_PYTHON_PREFERENCE",
    "JAVA_HOME", "NODE_VERSION", "YARN_VERSION", "GOPATH", "GOLANG_VERSION",
)  # fmt: skip


def check(context):
    model = context.model
    for stage in model.stages:
        defined = set(BUILTIN_PLATFORM_ARGS) | set(IMAGE_ENV) | _inherited(model, stage)
        for instruction in stage.instructions[1:]:
            if instruction.name in EXPANDING:
                yield from _check_instruction(instruction, defined)
            if instruction.name == "ARG":
                defined |= set(parse_arg_pairs(instruction.arguments))
            elif instruction.name == "ENV":
                defined |= set(parse_env_pairs(instruction.arguments))


def _check_instruction(instruction, defined):
    start = instruction.text.find(instruction.keyword) + len(instruction.keyword)
    body = instruction.text[
        : len(instruction.text) - sum(len(h.content) for h in instruction.heredocs)
    ]
    for reference in variable_references(body[start:]):
        if reference.name in defined or reference.has_default:
            continue
        offset = start + reference.start
        suggestion = closest_name(
            reference.name, defined - set(IMAGE_ENV) - set(BUILTIN_PLATFORM_ARGS)
        )
        message = f"${reference.name} is used but not defined"
        if suggestion:
            message += f" (did you mean {suggestion}?)"
        yield Diagnostic(
            offset_span(instruction, offset, offset + len(reference.name) + 1),
            message,
            f"define {reference.name} with ARG or ENV before this line",
        )


def _inherited(model, stage) -> set[str]:
    names = set()
    parent = stage_parent(model, stage)
    while parent is not None:
        for instruction in parent.instructions:
            if instruction.name == "ENV":
                names |= set(parse_env_pairs(instruction.arguments))
        parent = stage_parent(model, parent)
    return names
