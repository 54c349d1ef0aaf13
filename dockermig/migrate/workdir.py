"""The working folder of a stage at a given instruction, with ARG and ENV values expanded."""

import posixpath
import re

from dockermig.migrate.outcome import CannotMigrate
from dockermig.model import Stage, parse_arg_pairs, parse_env_pairs, substitute
from dockermig.syntax import Instruction

_REFERENCE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def resolved_workdir(
    stage: Stage, before: Instruction, global_args: dict[str, str]
) -> str:
    """Return the absolute working folder when `before` runs (`/` when none is set).

    WORKDIR may use ARG and ENV values set earlier in the Dockerfile. A value
    that comes from outside (a build argument without a default, or the base
    image's environment) cannot be known, so it raises CannotMigrate.
    """
    variables: dict[str, str] = {}
    workdir = "/"
    for instruction in stage.instructions:
        if instruction is before:
            break
        if instruction.name == "ARG":
            for name, default in parse_arg_pairs(instruction.arguments).items():
                variables[name] = substitute(default, variables) or global_args.get(
                    name, ""
                )
        elif instruction.name == "ENV":
            for name, value in parse_env_pairs(instruction.arguments).items():
                variables[name] = substitute(value, variables)
        elif instruction.name == "WORKDIR" and instruction.arguments:
            written = instruction.arguments.strip()
            expanded = substitute(written, variables)
            if _undefined_names(written, variables):
                raise CannotMigrate(
                    f"line {instruction.line}: WORKDIR {written} uses a value the "
                    "Dockerfile does not set, so the venv path cannot be known"
                )
            workdir = posixpath.normpath(posixpath.join(workdir, expanded))
    return workdir


def _undefined_names(text: str, variables: dict[str, str]) -> list[str]:
    return [name for name in _REFERENCE.findall(text) if not variables.get(name)]
