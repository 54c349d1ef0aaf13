"""Migrate step: find the stage's `pip install` commands and what they install.

Each pip install becomes part of the builder's `uv sync`. A RUN made only of
pip commands is removed; a RUN whose other commands are joined with `&&` keeps
those commands. Options that change what gets installed or where (editable
installs, --target, --prefix, index options on the command line, local paths)
stop the migration with the reason, because guessing there gives a wrong image.
"""

import posixpath
import re
from dataclasses import dataclass, field

from dockermig.companions.pip_options import PipOptions
from dockermig.migrate.commands import (
    RunScript,
    heredoc_script,
    pip_arguments,
    run_script,
)
from dockermig.migrate.outcome import CannotMigrate
from dockermig.migrate.workdir import resolved_workdir
from dockermig.model import Stage
from dockermig.syntax import Instruction

# pip options that do not change which packages end up installed.
IGNORED_FLAGS = {
    "--no-cache-dir", "--no-cache", "-U", "--upgrade", "-q", "-qq", "-qqq", "--quiet",
    "-v", "--verbose", "--disable-pip-version-check", "--no-warn-script-location",
    "--compile", "--no-compile", "--prefer-binary", "--break-system-packages", "--user",
    "--no-color", "--force-reinstall", "--ignore-installed", "-I", "--no-input",
    "--isolated", "--require-hashes", "--no-warn-conflicts", "--progress-bar=off",
    "--system",
}  # fmt: skip
IGNORED_WITH_VALUE = {
    "--progress-bar", "--root-user-action", "--default-timeout", "--timeout",
    "--retries", "--upgrade-strategy", "--cache-dir", "--exists-action", "--log",
}  # fmt: skip
# pip's index options on the command line, and which PipPlan list each fills.
INDEX_OPTIONS = {
    "-i": "index_url", "--index-url": "index_url",
    "--extra-index-url": "extra_index_urls",
    "-f": "find_links", "--find-links": "find_links",
}  # fmt: skip
# Packages that install the installer itself; the builder has uv, so they are dropped.
TOOLING_PACKAGES = {"pip", "setuptools", "wheel", "uv", "poetry", "pipenv", "pip-tools"}
INSTALLERS = {"pip", "uv", "poetry", "pipenv", "pip-tools"}
# The programs that each installer besides pip puts on PATH.
TOOL_PROGRAMS = {
    "uv": ("uv", "uvx"),
    "poetry": ("poetry",),
    "pipenv": ("pipenv",),
    "pip-tools": ("pip-compile", "pip-sync"),
}


@dataclass
class PipPlan:
    """The pip installs of one stage and how their RUN instructions change."""

    requirement_files: list[tuple[str, Instruction]] = field(default_factory=list)
    packages: list[str] = field(default_factory=list)
    removed: list[Instruction] = field(default_factory=list)
    # New text of RUN instructions that keep other commands, by the offset of the RUN.
    rewritten: dict[int, str] = field(default_factory=dict)
    anchor: Instruction | None = None
    # Folders that --prefix, --user or a wheel folder option sent the installs to.
    artifacts: list[str] = field(default_factory=list)
    # Folders in the image that pip installs as a project (`pip install .`, `-e /app`).
    project_paths: list[tuple[str, Instruction]] = field(default_factory=list)
    editable: bool = False
    # Index options given on the pip command line, as pip spells them.
    index_url: str | None = None
    extra_index_urls: list[str] = field(default_factory=list)
    find_links: list[str] = field(default_factory=list)
    # --pre, --trusted-host, --no-binary and --only-binary of the pip command lines.
    pip_options: PipOptions = field(default_factory=PipOptions)
    # pip or manager commands that install packages, requirements or a project.
    installing_commands: int = 0
    # Installers that pip installs (poetry, pipenv, pip-tools, uv), which the
    # migrated image leaves out, with the RUN that installs each.
    tools: list[tuple[str, Instruction]] = field(default_factory=list)
    # "poetry" or "pipenv" when that tool installs the dependencies.
    manager: str | None = None
    # The RUN of the first `poetry install` or `pipenv install`.
    manager_instruction: Instruction | None = None
    manager_installs_project: bool = False
    # The manager command skips development dependencies, as --no-dev does.
    manager_excludes_dev: bool = False
    # The index options of each installing pip command, as "option url" texts, by
    # (line, ordinal of the command in the stage).
    index_scopes: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    # The index_scopes key of the command that installs each entry of requirement_files.
    requirement_file_scopes: list[tuple[int, int]] = field(default_factory=list)
    # Comment lines from inside rewritten or removed RUNs, to go above their new
    # text, by the offset of the RUN.
    comments: dict[int, str] = field(default_factory=dict)
    # Packages that `pip install -U` upgrades: (requirement, line, number of
    # requirement_files and of packages that earlier commands installed).
    upgrades: list[tuple[str, int, int, int]] = field(default_factory=list)

    @property
    def installs_packages(self) -> bool:
        """Return whether pip or a manager installs anything besides installers such as pip itself."""
        return bool(
            self.requirement_files
            or self.packages
            or self.project_paths
            or self.manager
        )


def plan_pip_installs(
    stage: Stage,
    escape: str,
    newline: str,
    global_args: dict[str, str],
    builder: bool = False,
) -> PipPlan:
    """Collect the stage's pip installs; raise CannotMigrate when one cannot be translated.

    With `builder` true the stage is the builder of a multi-stage pip build:
    `pip wheel`, `--prefix`, `--user` and `--wheel-dir` are accepted, and the
    folders they write to are recorded in `artifacts`.
    """
    subcommands = ("install", "wheel") if builder else ("install",)
    plan = PipPlan()
    first_pip_run = None
    for instruction in stage.instructions:
        if instruction.name != "RUN":
            continue
        mentioned = mentions_pip_install(instruction)
        script = run_script(instruction, escape) or heredoc_script(instruction)
        if mentioned and script is None:
            raise CannotMigrate(
                f"line {instruction.line}: pip runs inside an exec-form RUN or a heredoc "
                "for another interpreter, which dockermig does not rewrite"
            )
        if script is None:
            continue
        _check_uninstall(script)
        pip_commands = [
            command
            for command in script.commands
            if pip_arguments(command, subcommands) or _manager_command(command)
        ]
        if mentioned and (not pip_commands or script.has_control_flow):
            raise CannotMigrate(
                f"line {instruction.line}: pip install runs inside shell control flow "
                "(if, for, while), which dockermig does not rewrite"
            )
        if not pip_commands:
            continue
        workdir = resolved_workdir(stage, instruction, global_args)
        installs_before = (
            len(plan.requirement_files) + len(plan.packages) + len(plan.project_paths)
        )
        for command in pip_commands:
            before = _install_count(plan)
            if _manager_command(command):
                _read_manager_command(command, plan)
                if plan.manager and plan.manager_instruction is None:
                    plan.manager_instruction = instruction
            else:
                _read_pip_command(command, instruction, workdir, plan, builder)
            if _install_count(plan) > before or _manager_command(command):
                plan.installing_commands += 1
        # The venv is copied in where the first real install ran, not where pip upgraded itself.
        installs_after = (
            len(plan.requirement_files) + len(plan.packages) + len(plan.project_paths)
        )
        if plan.anchor is None and (installs_after > installs_before or plan.manager):
            plan.anchor = instruction
        first_pip_run = first_pip_run or instruction
        _plan_run_change(script, pip_commands, plan, newline)
    if plan.anchor is None:
        plan.anchor = first_pip_run
    return plan


def _check_uninstall(script: RunScript) -> None:
    """Raise CannotMigrate for `pip uninstall`, which the venv from uv.lock would not see.

    The migrated image has no pip in its venv, so the command would run the
    image's own pip and leave the venv's copy of the package in place.
    """
    for command in script.commands:
        arguments = pip_arguments(command, ("uninstall",))
        if arguments is None:
            continue
        names = [word.value for word in arguments if not word.value.startswith("-")]
        raise CannotMigrate(
            f"line {script.instruction.line}: `pip uninstall` removes "
            f"{', '.join(names) or 'packages'} after the installs, but uv.lock would "
            "still install them into the venv; remove them from the installs instead"
        )


def _install_count(plan: PipPlan) -> int:
    return len(plan.requirement_files) + len(plan.packages) + len(plan.project_paths)


_PIP_INSTALL = re.compile(
    r"\bpip[0-9.]*(?:\s+-\S+)*\s+install\b|-m\s+pip(?:\s+-\S+)*\s+install\b"
    r"|\bpoetry\s+install\b|\bpipenv\s+(?:install|sync)\b"
)


def find_tool_uses(
    stage: Stage, plan: PipPlan, escape: str
) -> list[tuple[str, Instruction]]:
    """Return each pip-installed installer that a command the migration keeps still runs.

    The pip and manager commands themselves are not counted, because the
    migration removes them. A RUN, CMD, ENTRYPOINT or HEALTHCHECK counts when
    one of the tool's programs appears as a word of a kept command, including
    inside `sh -c '...'`.
    """
    uses = []
    for tool in dict.fromkeys(name for name, _ in plan.tools):
        programs = "|".join(re.escape(program) for program in TOOL_PROGRAMS[tool])
        pattern = re.compile(rf"(?<![\w.-])(?:\S*/)?(?:{programs})(?![\w.-])")
        for instruction in stage.instructions:
            if instruction.name in (
                "CMD",
                "ENTRYPOINT",
                "HEALTHCHECK",
            ) and pattern.search(instruction.arguments):
                uses.append((tool, instruction))
                break
            if instruction.name != "RUN":
                continue
            script = run_script(instruction, escape) or heredoc_script(instruction)
            texts = (
                [
                    " ".join(word.value for word in command)
                    for command in script.commands
                    if not pip_arguments(command) and not _manager_command(command)
                ]
                if script is not None
                else [instruction.arguments]
            )
            if any(pattern.search(text) for text in texts):
                uses.append((tool, instruction))
                break
    return uses


def _manager_command(command) -> str | None:
    """Return "poetry" or "pipenv" for their install and config commands, else None."""
    values = [word.value for word in command]
    program = values[0].rsplit("/", 1)[-1] if values else ""
    if program == "poetry" and len(values) > 1 and values[1] in ("install", "config"):
        return "poetry"
    if program == "pipenv" and len(values) > 1 and values[1] in ("install", "sync"):
        return "pipenv"
    return None


def _read_manager_command(command, plan: PipPlan) -> None:
    values = [word.value for word in command]
    manager = _manager_command(command)
    if values[1] == "config":
        return
    if plan.manager and plan.manager != manager:
        raise CannotMigrate("the image installs with both Poetry and Pipenv")
    plan.manager = manager
    packages = [value for value in values[2:] if not value.startswith("-")]
    if manager == "pipenv" and packages:
        raise CannotMigrate(
            f"`pipenv install {' '.join(packages)}` adds packages outside the Pipfile"
        )
    if (
        manager == "poetry"
        and "--no-root" not in values
        and "--only-root" not in values
    ):
        plan.manager_installs_project = True


def mentions_pip_install(instruction: Instruction) -> bool:
    """Return whether a RUN runs pip install anywhere: shell form, exec form or a heredoc."""
    if instruction.name != "RUN":
        return False
    parts = [instruction.arguments, *(doc.content for doc in instruction.heredocs)]
    if instruction.json_arguments is not None:
        parts.append(" ".join(instruction.json_arguments))
    return any(_PIP_INSTALL.search(part) for part in parts)


ARTIFACT_FLAGS = {
    "--prefix": None,
    "--root": None,
    "-w": None,
    "--wheel-dir": None,
    "--user": "/root/.local",
}


def _read_pip_command(
    command, instruction: Instruction, workdir: str, plan: PipPlan, builder: bool
) -> None:
    arguments = (
        pip_arguments(command, ("install", "wheel") if builder else ("install",)) or []
    )
    line = instruction.line
    index = 0
    packages: list[str] = []
    index_options: list[str] = []
    files_before, packages_before = len(plan.requirement_files), len(plan.packages)
    installs_before = _install_count(plan)
    while index < len(arguments):
        value = arguments[index].value
        name, has_inline, inline = value.partition("=")
        if value in ("-r", "--requirement") or name == "--requirement" and has_inline:
            path = inline if has_inline else _next_value(arguments, index, line)
            index += 1 if has_inline else 2
            _add_requirement_file(path, workdir, instruction, plan)
            continue
        if value.startswith("-r") and len(value) > 2:
            _add_requirement_file(value[2:], workdir, instruction, plan)
            index += 1
            continue
        if builder and name in ARTIFACT_FLAGS:
            fixed = ARTIFACT_FLAGS[name]
            if fixed is not None:
                target, index = fixed, index + 1
            elif has_inline:
                target, index = inline, index + 1
            else:
                target, index = _next_value(arguments, index, line), index + 2
            plan.artifacts.append(posixpath.normpath(posixpath.join(workdir, target)))
            continue
        if builder and value == "--no-deps":
            index += 1
            continue
        if name in INDEX_OPTIONS:
            url = inline if has_inline else _next_value(arguments, index, line)
            index += 1 if has_inline else 2
            _add_index_option(INDEX_OPTIONS[name], url, line, plan)
            index_options.append(f"{name} {url}")
            continue
        if value == "--pre":
            plan.pip_options.prerelease = True
            index += 1
            continue
        if name in ("--trusted-host", "--no-binary", "--only-binary"):
            option_value = inline if has_inline else _next_value(arguments, index, line)
            index += 1 if has_inline else 2
            _add_pip_option(name, option_value, line, plan)
            continue
        if value in IGNORED_FLAGS:
            index += 1
            continue
        if name in IGNORED_WITH_VALUE:
            index += 1 if has_inline else 2
            continue
        if value in ("-e", "--editable") or name == "--editable" and has_inline:
            target = inline if has_inline else _next_value(arguments, index, line)
            index += 1 if has_inline else 2
            _add_project_path(target, workdir, instruction, plan)
            plan.editable = True
            continue
        if value.startswith("-"):
            raise CannotMigrate(
                f"line {line}: `pip install {value}` changes what or where pip installs, "
                "which dockermig does not translate yet"
            )
        if _is_local_path(value):
            _add_project_path(value, workdir, instruction, plan)
            index += 1
            continue
        variable = re.search(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", value)
        if variable:
            raise CannotMigrate(
                f"line {line}: `pip install {value}` takes ${variable.group(1)} from a "
                "build argument or environment variable, which dockermig cannot write "
                "into pyproject.toml; write the requirement out"
            )
        packages.append(value)
        index += 1
    names = [
        re.split(r"[<>=!~;\[ ]", package, maxsplit=1)[0].lower() for package in packages
    ]
    plan.tools.extend(
        (name, instruction) for name in names if name in INSTALLERS and name != "pip"
    )
    if any(name not in TOOLING_PACKAGES for name in names):
        plan.packages.extend(
            package for package, name in zip(packages, names) if name not in INSTALLERS
        )
    if _install_count(plan) == installs_before:
        return
    scope = (line, len(plan.index_scopes))
    plan.index_scopes[scope] = index_options
    plan.requirement_file_scopes.extend(
        [scope] * (len(plan.requirement_files) - files_before)
    )
    if any(argument.value in ("-U", "--upgrade") for argument in arguments):
        plan.upgrades.extend(
            (package, line, files_before, packages_before)
            for package in plan.packages[packages_before:]
        )


def _add_index_option(target: str, url: str, line: int, plan: PipPlan) -> None:
    if "$" in url:
        raise CannotMigrate(
            f"line {line}: the index URL {url!r} comes from a variable, so dockermig "
            "cannot write it into pyproject.toml; write the URL (without credentials) out"
        )
    if target == "index_url":
        plan.index_url = url
    else:
        getattr(plan, target).append(url)


def _add_pip_option(name: str, value: str, line: int, plan: PipPlan) -> None:
    if "$" in value:
        raise CannotMigrate(
            f"line {line}: the value of `pip install {name}` comes from a variable, so "
            "dockermig cannot write it into pyproject.toml; write the value out"
        )
    if name == "--trusted-host":
        plan.pip_options.add_trusted_host(value)
    else:
        plan.pip_options.binary_options.append((name[2:], value))


def _next_value(arguments, index: int, line: int) -> str:
    if index + 1 >= len(arguments):
        option = arguments[index].value
        raise CannotMigrate(f"line {line}: `pip install {option}` has no value")
    return arguments[index + 1].value


def _add_requirement_file(
    path: str, workdir: str, instruction: Instruction, plan: PipPlan
) -> None:
    if "$" in path:
        raise CannotMigrate(
            f"line {instruction.line}: the requirements file {path!r} is named by a "
            "variable; write the file name out"
        )
    container_path = posixpath.normpath(posixpath.join(workdir, path))
    plan.requirement_files.append((container_path, instruction))


def _add_project_path(
    value: str, workdir: str, instruction: Instruction, plan: PipPlan
) -> None:
    if value.endswith((".whl", ".tar.gz", ".zip")) or "[" in value or "$" in value:
        raise CannotMigrate(
            f"line {instruction.line}: `pip install {value}` installs a local archive, "
            "extras of a local project, or a path from a variable, which dockermig "
            "does not migrate yet"
        )
    container_path = posixpath.normpath(
        posixpath.join(workdir, value.removeprefix("file:"))
    )
    plan.project_paths.append((container_path, instruction))


def _is_local_path(value: str) -> bool:
    return (
        value in (".", "..")
        or value.startswith(("./", "../", "/", "file:"))
        or value.endswith((".whl", ".tar.gz", ".zip"))
    )


def _plan_run_change(
    script: RunScript, pip_commands, plan: PipPlan, newline: str
) -> None:
    instruction = script.instruction
    others = [command for command in script.commands if command not in pip_commands]
    if instruction.heredocs:
        _plan_heredoc_change(script, pip_commands, others, plan)
        return
    comments = _continuation_comments(instruction.text)
    if not others:
        plan.removed.append(instruction)
        if comments:
            plan.comments[instruction.start] = "".join(
                f"{text}{newline}" for _, text in comments
            )
        return
    if script.has_control_flow or set(script.operators) - {"&&"}:
        raise CannotMigrate(
            f"line {instruction.line}: pip install shares a RUN with other commands "
            "joined by something other than `&&`; split that RUN first"
        )
    # A comment stays before the kept command that it precedes or sits in.
    # A comment in or before a removed pip command moves above the RUN.
    above: list[str] = []
    before_kept: dict[int, list[str]] = {}
    for offset, text in comments:
        owner = next(
            (command for command in script.commands if offset < command[-1].end), None
        )
        if owner is None or owner in pip_commands:
            above.append(text)
        else:
            before_kept.setdefault(others.index(owner), []).append(text)
    if above:
        plan.comments[instruction.start] = "".join(f"{text}{newline}" for text in above)
    flags = [
        flag for flag in _flag_texts(instruction) if "/root/.cache/pip" not in flag
    ]
    text = " ".join([instruction.keyword, *flags])
    for position, command in enumerate(others):
        command_text = script.view[command[0].start : command[-1].end].strip()
        comments_here = before_kept.get(position, [])
        if position == 0 and not comments_here:
            text += f" {command_text}"
            continue
        text += f" \\{newline}"
        text += "".join(f"    {comment}{newline}" for comment in comments_here)
        text += f"    {'&& ' if position else ''}{command_text}"
    plan.rewritten[instruction.start] = text + newline


def _continuation_comments(text: str) -> list[tuple[int, str]]:
    """Return the comment lines inside an instruction's continuation, with their offsets."""
    comments = []
    offset = 0
    for line in text.splitlines(keepends=True)[1:] if text else []:
        offset = text.index(line, offset)
        if line.strip().startswith("#"):
            comments.append((offset, line.strip()))
        offset += len(line)
    return comments


def _flag_texts(instruction: Instruction) -> list[str]:
    texts = []
    for flag in instruction.flags:
        texts.append(
            f"--{flag.name}" if flag.value is None else f"--{flag.name}={flag.value}"
        )
    return texts


def _plan_heredoc_change(
    script: RunScript, pip_commands, others, plan: PipPlan
) -> None:
    """Drop the lines of the pip commands from a `RUN <<EOF` script, or the whole RUN."""
    instruction = script.instruction
    if script.has_control_flow:
        raise CannotMigrate(
            f"line {instruction.line}: pip install runs inside shell control flow "
            "(if, for, while), which dockermig does not rewrite"
        )
    if all(command[0].value in ("set", "true", ":") for command in others):
        plan.removed.append(instruction)
        return
    text = instruction.text
    for command in reversed(pip_commands):
        line_start = text.rfind("\n", 0, command[0].start) + 1
        line_end = text.find("\n", command[-1].end) + 1 or len(text)
        if (
            text[line_start:line_end].strip()
            != text[command[0].start : command[-1].end].strip()
        ):
            raise CannotMigrate(
                f"line {instruction.line}: pip install shares a heredoc line with other "
                "commands; give it a line of its own"
            )
        text = text[:line_start] + text[line_end:]
    plan.rewritten[instruction.start] = text
