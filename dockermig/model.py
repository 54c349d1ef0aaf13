"""The meaning of a Dockerfile: its stages, their base images and working folders."""

import posixpath
import re
from dataclasses import dataclass, field

from dockermig.syntax import Dockerfile, Instruction, Node

_VARIABLE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<modifier>:?[-+][^}]*)?\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")


@dataclass
class Stage:
    """One build stage: its FROM instruction and every node up to the next FROM."""

    index: int
    from_instruction: Instruction
    base: str
    name: str | None
    platform: str | None
    nodes: list[Node] = field(default_factory=list)
    # Computed from `nodes` on first use and again whenever nodes were added.
    _instructions: list[Instruction] = field(default_factory=list, repr=False, compare=False)
    _workdirs: dict[int, str] = field(default_factory=dict, repr=False, compare=False)
    _indexed_nodes: int = field(default=-1, repr=False, compare=False)

    @property
    def instructions(self) -> list[Instruction]:
        self._index()
        return self._instructions

    def workdir_at(self, instruction: Instruction) -> str:
        """Return the working folder in effect when `instruction` runs (`/` when none is set)."""
        self._index()
        return self._workdirs.get(id(instruction), "/")

    def _index(self) -> None:
        if self._indexed_nodes == len(self.nodes):
            return
        self._instructions = [node for node in self.nodes if isinstance(node, Instruction)]
        self._workdirs = {}
        workdir = "/"
        for current in self._instructions:
            self._workdirs[id(current)] = workdir
            if current.name == "WORKDIR" and current.arguments:
                workdir = posixpath.normpath(posixpath.join(workdir, current.arguments.strip()))
        self._indexed_nodes = len(self.nodes)


@dataclass
class DockerfileModel:
    tree: Dockerfile
    global_args: dict[str, str]
    preamble: list[Node]
    stages: list[Stage]

    def stage_named(self, name: str) -> Stage | None:
        for stage in self.stages:
            if stage.name and stage.name.lower() == name.lower():
                return stage
        return None


def substitute(text: str, variables: dict[str, str]) -> str:
    """Expand `$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR:+alternative}` from `variables`."""

    def replace(match: re.Match) -> str:
        name = match.group("braced") or match.group("plain")
        value = variables.get(name, "")
        modifier = match.group("modifier") or ""
        if modifier.startswith((":-", "-")):
            fallback = modifier.split("-", 1)[1]
            empty = value == "" if modifier.startswith(":") else name not in variables
            return substitute(fallback, variables) if empty else value
        if modifier.startswith((":+", "+")):
            alternative = modifier.split("+", 1)[1]
            present = value != "" if modifier.startswith(":") else name in variables
            return substitute(alternative, variables) if present else ""
        return value

    return _VARIABLE.sub(replace, text)


def parse_arg_pairs(arguments: str) -> dict[str, str]:
    """Read `ARG NAME=default` pairs; a name without a default maps to an empty string."""
    from dockermig.shell import split_words

    pairs = {}
    for word in split_words(arguments):
        name, _, default = word.value.partition("=")
        pairs[name] = default
    return pairs


def build_model(tree: Dockerfile) -> DockerfileModel:
    global_args: dict[str, str] = {}
    preamble: list[Node] = []
    stages: list[Stage] = []
    for node in tree.nodes:
        if isinstance(node, Instruction) and node.name == "FROM":
            stages.append(_new_stage(node, len(stages), global_args))
            continue
        if stages:
            stages[-1].nodes.append(node)
            continue
        preamble.append(node)
        if isinstance(node, Instruction) and node.name == "ARG":
            global_args.update(parse_arg_pairs(node.arguments))
    return DockerfileModel(tree, global_args, preamble, stages)


def _new_stage(from_instruction: Instruction, index: int, global_args: dict[str, str]) -> Stage:
    words = from_instruction.arguments.split()
    base = substitute(words[0], global_args) if words else ""
    name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
    return Stage(
        index=index,
        from_instruction=from_instruction,
        base=base,
        name=name,
        platform=from_instruction.flag("platform"),
        nodes=[from_instruction],
    )


def parse_env_pairs(arguments: str) -> dict[str, str]:
    """Read `ENV a=1 b=2` pairs, or the legacy `ENV name value with spaces` form."""
    from dockermig.shell import split_words

    words = [word for word in split_words(arguments) if not word.is_operator]
    if not words:
        return {}
    if "=" not in words[0].value:
        rest = arguments[words[0].end :].strip()
        value = " ".join(word.value for word in split_words(rest) if not word.is_operator)
        return {words[0].value: value}
    pairs = {}
    for word in words:
        name, _, value = word.value.partition("=")
        pairs[name] = value
    return pairs


def stage_parent(model: DockerfileModel, stage: Stage) -> Stage | None:
    """Return the earlier stage that `stage` is built FROM, or None for an image."""
    for earlier in model.stages[: stage.index]:
        if earlier.name and earlier.name.lower() == stage.base.lower():
            return earlier
    return None


def stage_for_reference(model: DockerfileModel, reference: str, before: Stage) -> Stage | None:
    """Return the stage that `COPY --from=reference` names from inside `before`.

    A reference is a stage name or a stage index; anything else is an image.
    """
    earlier = model.stages[: before.index]
    if reference.isdigit():
        index = int(reference)
        return earlier[index] if index < len(earlier) else None
    for stage in earlier:
        if stage.name and stage.name.lower() == reference.lower():
            return stage
    return None


def stage_env(model: DockerfileModel, stage: Stage, before: Instruction | None = None) -> dict[str, str]:
    """Return the ENV values set in the Dockerfile for `stage` (and the stages it is built
    FROM) before `before`, or at the end of the stage when `before` is None.

    Values that the base image sets are unknown here and not included.
    """
    parent = stage_parent(model, stage)
    env = stage_env(model, parent) if parent else {}
    for instruction in stage.instructions:
        if instruction is before:
            break
        if instruction.name == "ENV":
            for name, value in parse_env_pairs(instruction.arguments).items():
                env[name] = substitute(value, env)
    return env
