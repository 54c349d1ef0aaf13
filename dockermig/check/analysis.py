"""Stage-aware facts that the drift rules share: shell commands, venvs, and
which stage builds a venv and which runs it."""

import posixpath
import re
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property

from dockermig.images import ImageFacts, describe_image, image_data, parse_image_ref
from dockermig.model import (
    DockerfileModel,
    Stage,
    stage_env,
    stage_for_reference,
    stage_parent,
    substitute,
)
from dockermig.shell import split_commands, split_words
from dockermig.syntax import Instruction

_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_WRAPPERS = ("sudo", "exec", "time", "nice", "env")
_UV_GLOBAL_OPTIONS_WITH_VALUE = (
    "--directory",
    "--project",
    "--cache-dir",
    "--config-file",
    "--color",
)
_PYTHON = re.compile(r"^python(\d(\.\d+)?)?$")


@dataclass(frozen=True)
class Command:
    """One simple command of a RUN, with the variables set before it on the same line."""

    instruction: Instruction
    argv: list[str]
    env: dict[str, str]

    @cached_property
    def program(self) -> str:
        # Cached because the rules read it for every command of every stage.
        return posixpath.basename(self.argv[0]) if self.argv else ""


@dataclass(frozen=True)
class UvCall:
    """A uv invocation: `subcommand` such as ("sync",) or ("pip", "install"), then its arguments."""

    command: Command
    subcommand: tuple[str, ...]
    arguments: list[str]

    @property
    def instruction(self) -> Instruction:
        return self.command.instruction

    def has_option(self, *names: str) -> bool:
        return any(
            argument == name or argument.startswith(name + "=")
            for argument in self.arguments
            for name in names
        )

    def option_value(self, name: str) -> str | None:
        for index, argument in enumerate(self.arguments):
            if argument.startswith(name + "="):
                return argument.split("=", 1)[1]
            if argument == name and index + 1 < len(self.arguments):
                return self.arguments[index + 1]
        return None


@dataclass(frozen=True)
class VenvBuild:
    """A stage that creates a virtual environment at an absolute `path`."""

    stage: Stage
    instruction: Instruction
    path: str
    by_uv: bool


@dataclass(frozen=True)
class VenvCopy:
    """A later stage that copies a built venv in with `COPY --from`."""

    build: VenvBuild
    stage: Stage
    instruction: Instruction
    source: str
    landing: str

    @property
    def copies_only_venv(self) -> bool:
        return self.source == self.build.path


def run_script(instruction: Instruction) -> str:
    """Return the shell text a RUN executes: its arguments, exec form joined, heredoc bodies added."""
    if instruction.json_arguments is not None:
        return " ".join(instruction.json_arguments)
    parts = [instruction.arguments]
    parts += [heredoc.content for heredoc in instruction.heredocs]
    return "\n".join(parts)


def commands_of(instruction: Instruction, escape: str = "\\") -> list[Command]:
    """Split a RUN into simple commands, dropping `VAR=value` prefixes and wrappers such as sudo.

    A shell-form RUN is read by migrate's reader, which keeps its words on the
    instruction, so check and migrate split each RUN once between them.
    """
    from dockermig.migrate.commands import run_script as shell_form_script

    script = shell_form_script(instruction, escape)
    if script is not None:
        groups = script.commands
    else:
        groups = split_commands(split_words(run_script(instruction)))
    commands = []
    for words in groups:
        values = [word.value for word in words]
        env: dict[str, str] = {}
        while values and (_ASSIGNMENT.match(values[0]) or values[0] in _WRAPPERS):
            if "=" in values[0]:
                name, _, value = values[0].partition("=")
                env[name] = value
            values = values[1:]
        if values:
            commands.append(Command(instruction, values, env))
    return commands


def uv_call(command: Command) -> UvCall | None:
    """Read `uv ...` or `python -m uv ...` as a UvCall; None for other commands."""
    argv = command.argv
    if _PYTHON.match(command.program) and argv[1:3] == ["-m", "uv"]:
        argv = argv[2:]
    elif command.program != "uv":
        return None
    rest = argv[1:]
    global_arguments = []
    while rest and rest[0].startswith("-"):
        global_arguments.append(rest.pop(0))
        if global_arguments[-1] in _UV_GLOBAL_OPTIONS_WITH_VALUE and rest:
            global_arguments.append(rest.pop(0))
    if not rest:
        return None
    subcommand = (rest[0],)
    rest = rest[1:]
    if (
        subcommand[0] in ("pip", "python", "tool")
        and rest
        and not rest[0].startswith("-")
    ):
        subcommand += (rest[0],)
        rest = rest[1:]
    return UvCall(command, subcommand, global_arguments + rest)


def pip_install_packages(command: Command) -> list[str] | None:
    """Return the arguments of `pip install ...` (pip, pip3, python -m pip); None otherwise."""
    argv = command.argv
    if _PYTHON.match(command.program) and argv[1:3] == ["-m", "pip"]:
        argv = argv[2:]
    elif not re.match(r"^pip(\d(\.\d+)?)?$", command.program):
        return None
    if len(argv) < 2 or argv[1] != "install":
        return None
    return argv[2:]


def cache_mount_targets(instruction: Instruction) -> list[str]:
    """Return the targets of `RUN --mount=type=cache,...` flags."""
    targets = []
    for value in instruction.flag_values("mount"):
        options = mount_options(value)
        if options.get("type") == "cache":
            targets.append(
                options.get("target")
                or options.get("dst")
                or options.get("destination")
                or ""
            )
    return targets


def mount_options(value: str) -> dict[str, str]:
    options = {}
    for item in value.split(","):
        key, _, option = item.partition("=")
        options[key.strip().lower()] = option.strip()
    return options


def copy_sources(instruction: Instruction) -> tuple[list[str], str] | None:
    """Return (sources, destination) of a COPY or ADD; None when it has fewer than two paths."""
    if instruction.json_arguments is not None:
        paths = list(instruction.json_arguments)
    else:
        paths = [
            word.value
            for word in split_words(instruction.arguments)
            if not word.is_operator
        ]
    if instruction.heredocs:
        paths = [path for path in paths if not path.startswith("<<")]
        return ([], paths[-1]) if paths else None
    if len(paths) < 2:
        return None
    return paths[:-1], paths[-1]


def is_within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


class Analysis:
    """Facts about a whole Dockerfile, computed once per check run."""

    def __init__(self, model: DockerfileModel, today: date) -> None:
        self.model = model
        self.today = today
        # Commands of each RUN, keyed by id(instruction). Splitting shell text
        # is most of a check's time and many rules ask for the same stage, so
        # each RUN is split once. The model keeps the instructions alive, so
        # their ids stay unique while this object exists.
        self._commands: dict[int, list[Command]] = {}

    # --- stages and their images ---

    def base_facts(self, stage: Stage) -> ImageFacts | None:
        """Describe the image a stage starts from, following `FROM <earlier stage>`."""
        parent = stage_parent(self.model, stage)
        if parent is not None:
            return self.stage_facts(parent)
        return describe_image(stage.base, self.today)

    def stage_facts(self, stage: Stage) -> ImageFacts | None:
        """Describe a stage at its end: its base, plus a python3 or uv it installs or copies in."""
        return self._stage_facts[stage.index]

    @cached_property
    def _stage_facts(self) -> list[ImageFacts | None]:
        facts: list[ImageFacts | None] = []
        for stage in self.model.stages:
            facts.append(self._compute_stage_facts(stage, facts))
        return facts

    def _compute_stage_facts(
        self, stage: Stage, earlier: list[ImageFacts | None]
    ) -> ImageFacts | None:
        parent = stage_parent(self.model, stage)
        base = (
            earlier[parent.index] if parent else describe_image(stage.base, self.today)
        )
        if base is None:
            return None
        for command in self.stage_commands(stage, inherited=False):
            base = self._apply_install(base, command)
        for instruction in stage.instructions:
            if instruction.name == "COPY" and instruction.flag("from"):
                base = self._apply_copy(base, stage, instruction, earlier)
        return base

    def _apply_install(self, facts: ImageFacts, command: Command) -> ImageFacts:
        argv = command.argv
        installs = (command.program in ("apt-get", "apt") and "install" in argv) or (
            command.program == "apk" and "add" in argv
        )
        if (
            installs
            and not facts.has_python
            and any(re.match(r"^python3(=|$)", arg) for arg in argv)
        ):
            release = facts.release or ""
            if release.startswith("alpine"):
                minor = (
                    image_data().get("alpine", {}).get("python3", {}).get(release[6:])
                )
            else:
                minor = image_data()["debian"]["python3"].get(release)
            return replace(
                facts,
                has_python=True,
                interpreter="/usr/bin/python3",
                python_minor=minor,
            )
        packages = pip_install_packages(command) or []
        if any(re.match(r"^uv(\W|$)", package) for package in packages):
            return replace(facts, has_uv=True)
        if "astral.sh/uv" in " ".join(argv):
            return replace(facts, has_uv=True)
        return facts

    def _apply_copy(
        self,
        facts: ImageFacts,
        stage: Stage,
        instruction: Instruction,
        earlier: list[ImageFacts | None],
    ) -> ImageFacts:
        reference = instruction.flag("from") or ""
        source_stage = stage_for_reference(self.model, reference, stage)
        if source_stage is not None:
            source = earlier[source_stage.index]
        else:
            source = describe_image(
                substitute(reference, self.model.global_args), self.today
            )
        paths = copy_sources(instruction)
        if source is None or paths is None:
            return facts
        sources = [absolute_path(path) for path in paths[0]]
        if source.has_uv and any(
            posixpath.basename(path) in ("uv", "uvx") for path in sources
        ):
            facts = replace(facts, has_uv=True)
        interpreter = source.interpreter or ""
        if source.has_python and any(
            is_within(interpreter, path) for path in sources if path != "/"
        ):
            facts = replace(
                facts,
                has_python=True,
                interpreter=interpreter,
                python_minor=source.python_minor,
            )
        return facts

    def stage_has_uv(self, stage: Stage) -> bool:
        facts = self.stage_facts(stage)
        return bool(facts and facts.has_uv)

    # --- commands ---

    def stage_commands(self, stage: Stage, inherited: bool = True) -> list[Command]:
        """Return the commands that the stage's RUN instructions (and its parents', when `inherited`) run."""
        commands = []
        parent = stage_parent(self.model, stage) if inherited else None
        if parent is not None:
            commands += self.stage_commands(parent)
        for instruction in stage.instructions:
            if instruction.name == "RUN":
                commands += self.run_commands(instruction)
        return commands

    def run_commands(self, instruction: Instruction) -> list[Command]:
        """Return commands_of(instruction), split once per instruction and kept."""
        key = id(instruction)
        commands = self._commands.get(key)
        if commands is None:
            commands = commands_of(instruction, self.model.tree.escape)
            self._commands[key] = commands
        return commands

    def uv_calls(self, stage: Stage) -> list[UvCall]:
        calls = []
        for command in self.stage_commands(stage, inherited=False):
            call = uv_call(command)
            if call is not None:
                calls.append(call)
        return calls

    def env_for(self, stage: Stage, call: UvCall) -> dict[str, str]:
        """Return the variables a uv call runs with: stage ENV before its RUN, then inline assignments."""
        env = stage_env(self.model, stage, call.instruction)
        env.update(call.command.env)
        return env

    # --- venvs ---

    @cached_property
    def venv_builds(self) -> list[VenvBuild]:
        """Return, per stage, the last venv a RUN creates there."""
        builds = []
        for stage in self.model.stages:
            found = None
            for command in self.stage_commands(stage, inherited=False):
                path = self._venv_created(stage, command)
                if path is not None:
                    found = VenvBuild(
                        stage, command.instruction, path, uv_call(command) is not None
                    )
            if found is not None:
                builds.append(found)
        return builds

    def _venv_created(self, stage: Stage, command: Command) -> str | None:
        workdir = stage.workdir_at(command.instruction)
        call = uv_call(command)
        if call is not None:
            if call.subcommand == ("sync",):
                env = stage_env(self.model, stage, command.instruction)
                env.update(command.env)
                project = (
                    call.option_value("--directory")
                    or call.option_value("--project")
                    or "."
                )
                folder = posixpath.join(workdir, project)
                target = env.get("UV_PROJECT_ENVIRONMENT") or ".venv"
                return absolute_path(target, folder)
            if call.subcommand == ("venv",):
                target = (
                    _first_positional(
                        call.arguments, ("--python", "-p", "--prompt", "--link-mode")
                    )
                    or ".venv"
                )
                return absolute_path(target, workdir)
            return None
        argv = command.argv
        if _PYTHON.match(command.program) and argv[1:3] == ["-m", "venv"]:
            target = _first_positional(argv[3:], ("--prompt",))
        elif command.program == "virtualenv":
            target = _first_positional(argv[1:], ("--python", "-p", "--prompt"))
        else:
            return None
        if not target:
            return None
        return absolute_path(target, workdir)

    @cached_property
    def venv_copies(self) -> list[VenvCopy]:
        """Return each `COPY --from=<builder>` that carries a built venv into a later stage."""
        by_stage = {build.stage.index: build for build in self.venv_builds}
        copies = []
        for stage in self.model.stages:
            for instruction in stage.instructions:
                reference = (
                    instruction.flag("from") if instruction.name == "COPY" else None
                )
                source_stage = (
                    stage_for_reference(self.model, reference, stage)
                    if reference
                    else None
                )
                build = by_stage.get(source_stage.index) if source_stage else None
                paths = copy_sources(instruction) if build else None
                if build is None or paths is None:
                    continue
                destination = posixpath.join(stage.workdir_at(instruction), paths[1])
                for source in paths[0]:
                    source_path = absolute_path(source)
                    if not is_within(build.path, source_path):
                        continue
                    inside = posixpath.relpath(build.path, source_path)
                    landing = absolute_path(inside, destination)
                    copies.append(
                        VenvCopy(build, stage, instruction, source_path, landing)
                    )
        return copies


def _first_positional(
    arguments: list[str], options_with_value: tuple[str, ...]
) -> str | None:
    skip = False
    for argument in arguments:
        if skip:
            skip = False
            continue
        if argument in options_with_value:
            skip = True
            continue
        if argument.startswith("-"):
            continue
        return argument
    return None


def image_reference(stage: Stage) -> str:
    """Return the FROM image as written, or the resolved one when ARGs were substituted."""
    return str(parse_image_ref(stage.base)) if stage.base else ""


def stage_label(stage: Stage) -> str:
    """Name a stage for messages: `'builder'`, or `stage 2` when it has no name (1-based)."""
    return f"'{stage.name}'" if stage.name else f"stage {stage.index + 1}"


def from_image_span(stage: Stage):
    """Span the image reference of a stage's FROM, as written."""
    from dockermig.check.findings import instruction_arguments_span

    return instruction_arguments_span(stage.from_instruction)


def truthy(value: str | None) -> bool:
    """Read a uv boolean environment variable (1, true, yes, on)."""
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def venv_pairs(analysis: Analysis) -> list[VenvCopy]:
    """Return one VenvCopy per (building stage, receiving stage), the first COPY of each pair."""
    seen = set()
    pairs = []
    for copy in analysis.venv_copies:
        key = (copy.build.stage.index, copy.stage.index)
        if key not in seen:
            seen.add(key)
            pairs.append(copy)
    return pairs


def described_venv_pairs(analysis: Analysis):
    """Yield (pair, builder facts, runtime facts) for each venv_pairs entry whose two images are known."""
    for pair in venv_pairs(analysis):
        builder = analysis.stage_facts(pair.build.stage)
        runtime = analysis.stage_facts(pair.stage)
        if builder is not None and runtime is not None:
            yield pair, builder, runtime


def describe_base(analysis: Analysis, stage: Stage) -> str:
    """Say what a stage runs on for a message: the image, and what a floating tag resolves to."""
    facts = analysis.stage_facts(stage)
    text = f"{stage_label(stage)} ({stage.base})"
    if facts is not None and "release" in facts.floating and facts.family == "python":
        since = _release_since(facts.release, analysis.today)
        text += f", a floating tag that has meant {facts.release}" + (
            f" since {since}" if since else ""
        )
    return text


def _release_since(release: str | None, today: date) -> str | None:
    for window in image_data()["python"]["default_release"]:
        if (
            window["release"] == release
            and "since" in window
            and window["since"] <= today
        ):
            return window["since"].isoformat()
    return None


def absolute_path(path: str, folder: str = "/") -> str:
    """Resolve `path` against `folder` and normalise it (POSIX keeps a leading `//`, this does not)."""
    joined = posixpath.join(folder, path)
    return "/" + posixpath.normpath(joined).lstrip("/")


@dataclass(frozen=True)
class ImageUse:
    """An image that the file pulls: a stage's FROM or a `COPY --from=<image>`."""

    instruction: Instruction
    written: str
    resolved: str
    stage: Stage | None


def image_uses(model: DockerfileModel) -> list[ImageUse]:
    """Return every image reference that is not an earlier stage, with global ARGs substituted."""
    uses = []
    for stage in model.stages:
        if stage_parent(model, stage) is None and stage.base.lower() != "scratch":
            written = (
                stage.from_instruction.arguments.split()[0]
                if stage.from_instruction.arguments
                else ""
            )
            uses.append(ImageUse(stage.from_instruction, written, stage.base, stage))
        for instruction in stage.instructions:
            reference = (
                instruction.flag("from")
                if instruction.name in ("COPY", "ADD")
                else None
            )
            if reference and stage_for_reference(model, reference, stage) is None:
                resolved = substitute(reference, model.global_args)
                uses.append(ImageUse(instruction, reference, resolved, None))
    return [use for use in uses if use.resolved and "$" not in use.resolved]


BUILTIN_PLATFORM_ARGS = (
    "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
    "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT", "TARGETSTAGE",
)  # fmt: skip
_REFERENCE = re.compile(
    r"(?<!\\)\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<modifier>:?[-+?][^}]*)?\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))"
)


@dataclass(frozen=True)
class VariableReference:
    name: str
    start: int
    has_default: bool


def variable_references(text: str) -> list[VariableReference]:
    """Return the `$NAME` and `${NAME...}` references in `text` that are not escaped."""
    references = []
    for match in _REFERENCE.finditer(text):
        name = match.group("braced") or match.group("plain")
        has_default = bool(match.group("modifier"))
        references.append(VariableReference(name, match.start(), has_default))
    return references


def closest_name(name: str, candidates) -> str | None:
    import difflib

    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.7)
    return matches[0] if matches else None
