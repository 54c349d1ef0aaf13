"""Migrate step: read a two-stage pip build so its builder can be replaced by the uv builder.

The shapes it reads: a builder stage that runs `pip wheel --wheel-dir`,
`pip install --prefix` or `--user`, or pip inside `python -m venv DIR`, and a
final stage that copies that output from the builder (and, for wheels,
installs them). The new builder syncs the same requirements with uv, and the
final stage copies the venv in place of the old output. A builder that does
anything else, or a final stage that copies anything else from it, is left
alone, because the rewrite would drop that work.
"""

import posixpath
import re
from dataclasses import dataclass, field

from dockermig.images import parse_image_ref, parse_python_tag
from dockermig.migrate.commands import (
    RunScript,
    command_name,
    pip_arguments,
    run_script,
)
from dockermig.migrate.context import copy_sources_and_destination
from dockermig.migrate.outcome import CannotMigrate
from dockermig.migrate.workdir import resolved_workdir
from dockermig.model import DockerfileModel, Stage
from dockermig.rules.migrate_apt_split import INSTALL_SUBCOMMANDS, install_packages
from dockermig.rules.migrate_pip_installs import (
    TOOLING_PACKAGES,
    PipPlan,
    mentions_pip_install,
    plan_pip_installs,
)
from dockermig.syntax import Instruction

# Commands a builder may run besides pip and apt: they only prepare folders.
BUILDER_HELPERS = {"mkdir", "rm", "cd", "true", "set", "apt-mark"}
_VENV_COMMAND = re.compile(r"^(?:.*/)?python[0-9.]*$")


@dataclass
class MultiStagePlan:
    builder: Stage
    runtime: Stage
    pip: PipPlan
    builder_packages: list[str] = field(default_factory=list)
    builder_is_full_image: bool = False
    # The venv path of the original build (python -m venv DIR), kept in the new builder.
    venv: str | None = None
    runtime_removed: list[Instruction] = field(default_factory=list)
    anchor: Instruction | None = None
    path_already_set: bool = False


def plan_multi_stage(
    model: DockerfileModel, escape: str, newline: str
) -> MultiStagePlan:
    """Read a two-stage pip build; raise CannotMigrate for any other multi-stage shape."""
    if len(model.stages) != 2:
        raise CannotMigrate(
            f"has {len(model.stages)} stages; dockermig migrates single-stage pip builds "
            "and two-stage builds whose first stage only installs packages"
        )
    builder, runtime = model.stages
    if builder.name and runtime.base.lower() == builder.name.lower():
        raise CannotMigrate(
            f"the final stage builds FROM the first stage '{builder.name}', so it has "
            "no python image of its own to run the venv on"
        )
    if not builder.name:
        raise CannotMigrate(
            "the first stage has no name, so the copy from it cannot be matched"
        )
    _check_same_python(builder, runtime)
    pip = plan_pip_installs(builder, escape, newline, model.global_args, builder=True)
    if pip.project_paths or pip.manager:
        raise CannotMigrate(
            "the first stage installs the project itself or runs Poetry or Pipenv, "
            "which dockermig migrates only in single-stage builds so far"
        )
    if not pip.requirement_files and not pip.packages:
        raise CannotMigrate(
            f"line {builder.from_instruction.line}: the first stage installs nothing with pip"
        )
    plan = MultiStagePlan(builder=builder, runtime=runtime, pip=pip)
    plan.builder_is_full_image = _is_full_image(builder)
    _read_builder(plan, escape, model.global_args)
    outputs = [*pip.artifacts, *([plan.venv] if plan.venv else [])]
    if not outputs:
        raise CannotMigrate(
            f"line {builder.from_instruction.line}: the first stage installs into its own "
            "Python, so what the final stage copies from it cannot be matched to a venv"
        )
    _read_runtime(plan, outputs, escape)
    return plan


def _check_same_python(builder: Stage, runtime: Stage) -> None:
    minors = []
    for stage in (builder, runtime):
        tag = parse_python_tag(parse_image_ref(stage.base).tag)
        minors.append(tag.minor if tag else None)
    if None in minors:
        unnamed = builder.base if minors[0] is None else runtime.base
        raise CannotMigrate(
            f"{unnamed} does not name a Python minor version; pin one (for example "
            "python:3.12-slim) so the migration cannot change it"
        )
    if minors[0] != minors[1]:
        raise CannotMigrate(
            f"the stages run different Python versions ({builder.base} and {runtime.base}); "
            "make them match first"
        )


def _is_full_image(stage: Stage) -> bool:
    tag = parse_python_tag(parse_image_ref(stage.base).tag)
    return tag is not None and tag.variant == "full"


def _read_builder(
    plan: MultiStagePlan, escape: str, global_args: dict[str, str]
) -> None:
    """Collect the builder's apt packages and venv; raise for any command the rewrite would drop."""
    for instruction in plan.builder.instructions[1:]:
        if instruction.name in (
            "WORKDIR",
            "ENV",
            "ARG",
            "COPY",
            "LABEL",
            "SHELL",
            "USER",
        ):
            continue
        if instruction.name != "RUN":
            raise CannotMigrate(
                f"line {instruction.line}: the first stage runs {instruction.name}, which "
                "the uv builder would drop"
            )
        script = run_script(instruction, escape)
        if script is None:
            raise CannotMigrate(
                f"line {instruction.line}: a heredoc or exec-form RUN in the first stage"
            )
        workdir = resolved_workdir(plan.builder, instruction, global_args)
        for command in script.commands:
            _read_builder_command(plan, command, workdir, instruction)


def _read_builder_command(
    plan: MultiStagePlan, command, workdir: str, instruction: Instruction
) -> None:
    name = command_name(command)
    if pip_arguments(command, ("install", "wheel")) is not None:
        return
    if name in INSTALL_SUBCOMMANDS:
        for package in install_packages(command):
            if package.value not in plan.builder_packages:
                plan.builder_packages.append(package.value)
        return
    values = [word.value for word in command]
    if _VENV_COMMAND.match(name) and values[1:3] == ["-m", "venv"]:
        target = next(
            (value for value in values[3:] if not value.startswith("-")), None
        )
        if target is None:
            raise CannotMigrate(
                f"line {instruction.line}: `python -m venv` names no folder"
            )
        plan.venv = posixpath.normpath(posixpath.join(workdir, target))
        return
    if name in BUILDER_HELPERS:
        return
    raise CannotMigrate(
        f"line {instruction.line}: the first stage runs `{name}`, which the uv builder "
        "would drop"
    )


def _read_runtime(plan: MultiStagePlan, outputs: list[str], escape: str) -> None:
    """Find the copies of the builder's output and the RUNs that install its wheels."""
    names = {plan.builder.name.lower(), "0"}
    # Where the final stage put the builder's output (`COPY --from=b /app/wheels /wheels`).
    landed = list(outputs)
    for instruction in plan.runtime.instructions:
        if (
            instruction.name == "COPY"
            and (instruction.flag("from") or "").lower() in names
        ):
            sources, _ = copy_sources_and_destination(instruction)
            if not all(_under(source, outputs) for source in sources):
                raise CannotMigrate(
                    f"line {instruction.line}: the final stage copies "
                    f"{' '.join(sources)} from the first stage, which the uv builder "
                    "would not make"
                )
            plan.runtime_removed.append(instruction)
            plan.anchor = plan.anchor or instruction
            _, destination = copy_sources_and_destination(instruction)
            workdir = plan.runtime.workdir_at(instruction)
            landed.append(posixpath.normpath(posixpath.join(workdir, destination)))
        elif instruction.name == "RUN" and mentions_pip_install(instruction):
            script = run_script(instruction, escape)
            if script is None or not _installs_only_outputs(script, landed):
                raise CannotMigrate(
                    f"line {instruction.line}: the final stage runs pip install on more "
                    "than the first stage's wheels"
                )
            plan.runtime_removed.append(instruction)
        elif instruction.name == "ENV" and any(
            f"{output}/bin" in instruction.arguments for output in outputs
        ):
            plan.path_already_set = plan.venv is not None
    if plan.anchor is None:
        raise CannotMigrate("the final stage copies nothing from the first stage")


def _under(path: str, folders: list[str]) -> bool:
    normalized = posixpath.normpath(path.rstrip("*").rstrip("/") or "/")
    return any(
        normalized == folder or normalized.startswith(folder + "/")
        for folder in folders
    )


def _installs_only_outputs(script: RunScript, outputs: list[str]) -> bool:
    for command in script.commands:
        values = [word.value for word in command]
        arguments = pip_arguments(command)
        if arguments is not None:
            values = [word.value for word in arguments]
            packages = [value.lower() for value in values if not value.startswith("-")]
            if packages and all(package in TOOLING_PACKAGES for package in packages):
                continue
            if not _installs_from_outputs(values, outputs):
                return False
            continue
        if command_name(command) == "rm" and all(
            _under(value, outputs) for value in values[1:] if not value.startswith("-")
        ):
            continue
        return False
    return True


def _installs_from_outputs(arguments: list[str], outputs: list[str]) -> bool:
    """Return whether a pip install takes its packages only from the builder's output.

    Either every package is a path under the output (`/wheels/*`), or pip may
    look nowhere else (`--no-index --find-links /wheels -r requirements.txt`).
    """
    links = []
    paths = []
    index = 0
    while index < len(arguments):
        value = arguments[index]
        name, has_inline, inline = value.partition("=")
        if name in ("-f", "--find-links"):
            links.append(
                inline
                if has_inline
                else arguments[index + 1]
                if index + 1 < len(arguments)
                else ""
            )
            index += 1 if has_inline else 2
            continue
        if value in ("-r", "--requirement", "-c", "--constraint"):
            index += 2
            continue
        if not value.startswith("-"):
            paths.append(value)
        index += 1
    if (
        "--no-index" in arguments
        and links
        and all(_under(link, outputs) for link in links)
    ):
        return True
    return bool(paths) and all(_under(path, outputs) for path in paths)
