"""Shell commands of RUN instructions, with spans that map back to the file text."""

import re
from dataclasses import dataclass

from dockermig.shell import Word, split_words
from dockermig.syntax import Instruction

_PIP_PROGRAM = re.compile(r"^(?:.*/)?pip(?:3(?:\.\d+)?)?$")
_PYTHON_PROGRAM = re.compile(r"^(?:.*/)?python(?:3(?:\.\d+)?)?$")
_UV_PROGRAM = re.compile(r"^(?:.*/)?uv$")
_CONTROL_WORDS = {"if", "then", "else", "elif", "fi", "for", "while", "until", "do",
                  "done", "case", "esac", "{", "}", "(", ")", "function"}  # fmt: skip


@dataclass
class RunScript:
    """The shell text of a RUN instruction in shell form, and the commands in it.

    `view` has the same length as the instruction's text: continuation escapes
    and the comment and blank lines inside a continuation are blanked out, so a
    word's offsets in `view` are its offsets in the file text too.
    """

    instruction: Instruction
    view: str
    words: list[Word]

    @property
    def commands(self) -> list[list[Word]]:
        from dockermig.shell import split_commands

        return split_commands(self.words)

    @property
    def operators(self) -> list[str]:
        return [word.value for word in self.words if word.is_operator]

    @property
    def has_control_flow(self) -> bool:
        return any(
            not word.is_operator and not word.quoted and word.value in _CONTROL_WORDS
            for word in self.words
        )


def run_script(instruction: Instruction, escape: str) -> RunScript | None:
    """Return the shell script of a shell-form RUN, or None for exec form and heredocs.

    The script is kept on the instruction, because several rewrite steps read it.
    """
    cached = instruction.__dict__.get("_run_script")
    if cached is not None and cached[0] == escape:
        return cached[1]
    script = _make_run_script(instruction, escape)
    instruction.__dict__["_run_script"] = (escape, script)
    return script


def _make_run_script(instruction: Instruction, escape: str) -> RunScript | None:
    if instruction.json_arguments is not None or instruction.heredocs:
        return None
    view = shell_view(instruction.text, escape)
    # The script's words follow the keyword and the flags.
    words = split_words(view)[1 + len(instruction.flags) :]
    while words and words[-1].is_operator and words[-1].value == "\n":
        words.pop()
    return RunScript(instruction, view, words)


_SHELL_HEREDOC = re.compile(
    r"^<<-?\s*([\"']?)[A-Za-z_][A-Za-z0-9_]*\1(\s+(?:/bin/)?(?:ba)?sh(\s+-[a-z]+)*)?$"
)


def heredoc_script(instruction: Instruction) -> RunScript | None:
    """Return the shell script of a `RUN <<EOF` heredoc, or None for other shapes.

    Only a RUN whose whole argument is one heredoc, run by the default shell
    or an explicit sh or bash, counts. The view keeps the heredoc body at its
    place in the instruction text and blanks the first and last line.
    """
    if len(instruction.heredocs) != 1 or not _SHELL_HEREDOC.match(
        instruction.arguments
    ):
        return None
    lines = instruction.text.splitlines(keepends=True)
    if len(lines) < 3:
        return None
    blank_first = re.sub(r"[^\n]", " ", lines[0])
    blank_last = re.sub(r"[^\n]", " ", lines[-1])
    view = blank_first + "".join(lines[1:-1]) + blank_last
    words = split_words(view)
    return RunScript(instruction, view, [word for word in words])


def shell_view(text: str, escape: str) -> str:
    lines = text.splitlines(keepends=True)
    view: list[str] = []
    continued = False
    for line in lines:
        bare = line.rstrip("\r\n")
        ending = line[len(bare) :]
        stripped = bare.strip()
        if continued and (not stripped or stripped.startswith("#")):
            view.append(" " * len(line))
            continue
        trimmed = bare.rstrip(" \t")
        if trimmed.endswith(escape):
            body = trimmed[: -len(escape)]
            view.append(body + " " * (len(line) - len(body)))
            continued = True
            continue
        view.append(bare + ending)
        continued = False
    return "".join(view)


def is_pip_install(command: list[Word]) -> bool:
    """Return whether a simple command is `pip install`, `pip3 install` or `python -m pip install`."""
    return pip_arguments(command) is not None


def pip_arguments(
    command: list[Word], subcommands: tuple[str, ...] = ("install",)
) -> list[Word] | None:
    """Return the words after `install` of a pip install command, or None.

    `pip install`, `pip3 install`, `python -m pip install` and `uv pip install`
    count, because each installs into the image's Python.
    """
    words = _without_env_prefix(command)
    if not words:
        return None
    program = words[0].value
    values = [word.value for word in words[1:3]]
    if _PIP_PROGRAM.match(program):
        rest = words[1:]
    elif _PYTHON_PROGRAM.match(program) and values == ["-m", "pip"]:
        rest = words[3:]
    elif _UV_PROGRAM.match(program) and values[:1] == ["pip"]:
        rest = words[2:]
    else:
        return None
    for index, word in enumerate(rest):
        if word.value in subcommands:
            return rest[index + 1 :]
        if not word.value.startswith("-"):
            return None
    return None


_ENV_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


def _without_env_prefix(command: list[Word]) -> list[Word]:
    index = 0
    while index < len(command) and _ENV_ASSIGNMENT.match(command[index].value):
        index += 1
    if index < len(command) and command[index].value == "env":
        index += 1
    return command[index:]


def command_name(command: list[Word]) -> str:
    words = _without_env_prefix(command)
    return words[0].value if words else ""
