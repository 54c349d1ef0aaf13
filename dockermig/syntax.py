"""A lossless Dockerfile syntax tree.

Every character of the file belongs to exactly one node: a parser directive, a
comment, a blank line or an instruction (with its continuation lines, the
comments inside them and its heredoc bodies). Joining the nodes' text gives
the file back, so an untouched file is written back byte-identical and an edit
replaces only the nodes it touches.

Lines end at `\n` only, as in BuildKit, so a lone `\r` is an ordinary
whitespace character inside a line. Instruction boundaries, names, flags,
heredocs, the exec (JSON) form and the errors follow BuildKit's parser
(moby/buildkit v0.12.5, frontend/dockerfile/parser), which is checked against
a corpus in tests/test_syntax_corpus.py. docs/parser.md lists where this
parser deliberately differs.
"""

import json
import math
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from dockermig.errors import InputFileError, ParseError
from dockermig.shell import (
    GO_SPACE,
    ShellSyntaxError,
    buildkit_words,
    split_argument_words,
    split_builder_flags,
)

BOM = "\ufeff"
DIRECTIVE_NAMES = ("syntax", "escape", "check")
INSTRUCTIONS = (
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM",
    "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL",
    "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
)  # fmt: skip
HEREDOC_INSTRUCTIONS = ("RUN", "COPY", "ADD")
# Instructions whose arguments may be a JSON array (exec form).
JSON_INSTRUCTIONS = ("RUN", "CMD", "ENTRYPOINT", "SHELL", "ADD", "COPY", "VOLUME")

# `\s` in Go's regexp is [\t\n\f\r ], and `.` stops only at \n.
_DIRECTIVE = re.compile(
    r"#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*"
)
_HEREDOC_WORD = re.compile(r"([0-9]*)<<(-?)([^<]*)")
# BuildKit splits an instruction name from its arguments at these characters only.
_COMMAND_SEPARATOR = re.compile(r"[\t\v\f\r ]+")
_MAX_FILE_DESCRIPTOR = 2**64 - 1
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class Node:
    """A span of the file: its text, its offset after the BOM, and its first line (1-based)."""

    text: str
    start: int
    line: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def end_line(self) -> int:
        """The last line (1-based) of the node, counting its own line break as part of that line."""
        breaks = self.text.count("\n")
        if self.text.endswith("\n"):
            breaks -= 1
        return self.line + breaks


@dataclass
class Blank(Node):
    pass


@dataclass
class Comment(Node):
    pass


@dataclass
class Directive(Node):
    name: str = ""
    value: str = ""


@dataclass(frozen=True)
class Flag:
    """A `--name=value` flag before an instruction's arguments; `value` is None for `--link`."""

    name: str
    value: str | None


@dataclass(frozen=True)
class Heredoc:
    """A heredoc body read after the instruction, as BuildKit reads it.

    `content` is the body lines with their own line endings (CRLF stays CRLF)
    and, for `<<-`, their leading tabs. `expand` is False when any part of the
    delimiter word is quoted. `file_descriptor` is the number before `<<`, or 0.
    """

    name: str
    content: str
    expand: bool
    chomp: bool
    file_descriptor: int = 0


@dataclass
class Instruction(Node):
    """An instruction with its continuation lines, the comments inside them and its heredoc bodies.

    `keyword` is the name as written. `arguments` is the logical line after the
    flags: continuations joined, comment and blank lines inside them left out.
    `json_arguments` is the exec-form list for instructions that accept one
    (for HEALTHCHECK, the list after its type word), else None. For ONBUILD,
    `trigger` is the instruction it carries, and `heredocs` contains the bodies
    read for a RUN, COPY or ADD trigger. `empty_continuation_lines` are the
    1-based numbers of blank lines inside the continuation.
    """

    keyword: str = ""
    flags: list[Flag] = field(default_factory=list)
    arguments: str = ""
    heredocs: list[Heredoc] = field(default_factory=list)
    json_arguments: list[str] | None = None
    trigger: "Instruction | None" = None
    empty_continuation_lines: list[int] = field(default_factory=list)

    @cached_property
    def name(self) -> str:
        """The instruction name in upper case (`RUN`), whatever case the file uses."""
        return self.keyword.upper()

    def flag(self, name: str) -> str | None:
        """Return the value of the last flag called `name`, or None."""
        values = [flag.value for flag in self.flags if flag.name == name]
        return values[-1] if values else None

    def flag_values(self, name: str) -> list[str]:
        return [flag.value or "" for flag in self.flags if flag.name == name]


@dataclass
class Dockerfile:
    """A parsed Dockerfile: the nodes in file order, plus the BOM and escape character."""

    nodes: list[Node]
    bom: str = ""
    escape: str = "\\"
    newline: str = "\n"
    path: Path | None = None

    def to_text(self) -> str:
        return self.bom + "".join(node.text for node in self.nodes)

    @property
    def instructions(self) -> list[Instruction]:
        return [node for node in self.nodes if isinstance(node, Instruction)]

    @property
    def directives(self) -> dict[str, str]:
        return {node.name: node.value for node in self.nodes if isinstance(node, Directive)}


def read_dockerfile(path: Path) -> tuple[Dockerfile, bytes]:
    """Read and parse a Dockerfile, returning the tree and the bytes it was read from.

    Raises InputFileError for a file that cannot be read, is binary or is not
    UTF-8, and ParseError for one that does not parse.
    """
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise InputFileError(path, "is a folder, not a Dockerfile", "pass a file") from None
    except PermissionError:
        raise InputFileError(
            path, "permission denied", "make the file readable or leave it out"
        ) from None
    except OSError as error:
        raise InputFileError(path, f"cannot read ({error.strerror})", "check the path") from None
    return parse_bytes(data, path), data


def parse_bytes(data: bytes, path: Path | None = None) -> Dockerfile:
    """Decode Dockerfile bytes (UTF-8, with or without a BOM) and parse them."""
    name = path or Path("<input>")
    if b"\0" in data:
        raise InputFileError(name, "is a binary file, not a Dockerfile", "leave it out")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputFileError(
            name,
            f"is not valid UTF-8 (byte 0x{data[error.start]:02x} on line {line})",
            "convert the file to UTF-8",
        ) from None
    return parse(text, path)


def parse(text: str, path: Path | None = None) -> Dockerfile:
    """Parse Dockerfile text into a lossless tree.

    Raises ParseError where BuildKit's parser raises: a repeated or invalid
    parser directive, an unterminated heredoc, a JSON array that contains
    something other than strings, ENV or LABEL without a value, and a file
    with no instructions.
    """
    bom = ""
    if text.startswith(BOM):
        bom, text = BOM, text[1:]
    lines = _split_lines(text)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    tree = Dockerfile(nodes=[], bom=bom, newline=newline, path=path)
    _Parser(tree, lines, path).run()
    return tree


def _split_lines(text: str) -> list[str]:
    """Split text after each line feed, keeping the endings. No other character ends a line."""
    pieces = text.split("\n")
    lines = [piece + "\n" for piece in pieces[:-1]]
    if pieces[-1]:
        lines.append(pieces[-1])
    return lines


def _lstrip_space(text: str) -> str:
    index = 0
    while index < len(text) and text[index] in GO_SPACE:
        index += 1
    return text[index:]


def _strip_space(text: str) -> str:
    end = len(text)
    while end > 0 and text[end - 1] in GO_SPACE:
        end -= 1
    return _lstrip_space(text[:end])


def _trim_newline(line: str) -> str:
    return line.rstrip("\r\n")


def _is_comment(line: str) -> bool:
    return _lstrip_space(_trim_newline(line)).startswith("#")


class _InvalidInstruction(Exception):
    """An instruction that BuildKit's parser rejects; the parser adds the location."""


class _Parser:
    def __init__(self, tree: Dockerfile, lines: list[str], path: Path | None) -> None:
        self.tree = tree
        self.lines = lines
        self.path = path or Path("<input>")
        self.index = 0
        self.offset = 0

    def run(self) -> None:
        self._read_directives()
        while self.index < len(self.lines):
            content = _lstrip_space(_trim_newline(self.lines[self.index]))
            if content.startswith("#"):
                self._add(Comment, 1)
            elif not content:
                self._add(Blank, 1)
            else:
                self._read_instruction()
        if not self.tree.instructions:
            raise ParseError(
                self.path,
                max(len(self.lines), 1),
                1,
                "file with no instructions; a Dockerfile needs at least a FROM instruction",
            )

    def _add(self, kind: type[Node], count: int, **fields) -> Node:
        text = "".join(self.lines[self.index : self.index + count])
        node = kind(text=text, start=self.offset, line=self.index + 1, **fields)
        self.tree.nodes.append(node)
        self.index += count
        self.offset += len(text)
        return node

    def _read_directives(self) -> None:
        """Read parser directives: comment lines at the very top, each name at most once."""
        seen: set[str] = set()
        while self.index < len(self.lines):
            content = _lstrip_space(_trim_newline(self.lines[self.index]))
            match = _DIRECTIVE.fullmatch(content)
            if not match or match.group(1).lower() not in DIRECTIVE_NAMES:
                return
            name, value = match.group(1).lower(), match.group(2)
            if name in seen:
                raise ParseError(
                    self.path,
                    self.index + 1,
                    1,
                    f"only one {name} parser directive can be used; remove the repeated line",
                )
            seen.add(name)
            if name == "escape":
                if value not in ("\\", "`"):
                    raise ParseError(
                        self.path,
                        self.index + 1,
                        1,
                        f"invalid escape character {value!r}; use \\ or `",
                    )
                self.tree.escape = value
            self._add(Directive, 1, name=name, value=value)

    def _trim_continuation(self, line: str) -> tuple[str, bool]:
        """Remove a trailing escape character; return the text and whether the instruction goes on.

        As in BuildKit, the escape character continues the line only when
        spaces or tabs alone follow it and no second escape character comes
        right before it.
        """
        escape = self.tree.escape
        trimmed = line.rstrip(" \t")
        if not trimmed.endswith(escape):
            return line, False
        if len(trimmed) == 1:
            return "", True
        if trimmed[-2] == escape:
            return line, False
        return trimmed[:-1], True

    def _read_instruction(self) -> None:
        first = self.index
        logical, continued = self._trim_continuation(
            _lstrip_space(_trim_newline(self.lines[first]))
        )
        position = first + 1
        empty_lines: list[int] = []
        # Comment and blank lines inside a continuation belong to the instruction.
        while continued and position < len(self.lines):
            line = self.lines[position]
            position += 1
            if _is_comment(line):
                continue
            content = _trim_newline(line)
            if not _lstrip_space(content):
                empty_lines.append(position)
                continue
            part, continued = self._trim_continuation(content)
            logical += part

        try:
            command = _parse_command(logical, self.tree.escape)
        except _InvalidInstruction as error:
            raise ParseError(self.path, first + 1, 1, str(error)) from None
        heredocs: list[Heredoc] = []
        if _can_contain_heredoc(command) and "<<" in logical:
            heredocs, position = self._read_heredocs(logical, position, first)
        node = self._add(
            Instruction,
            position - first,
            keyword=command.keyword,
            flags=command.flags,
            arguments=command.arguments,
            heredocs=heredocs,
            json_arguments=command.json_arguments,
            empty_continuation_lines=empty_lines,
        )
        if command.trigger is not None:
            trigger = command.trigger
            trigger.start = node.start
            trigger.line = node.line
            trigger.heredocs = list(heredocs)
            node.trigger = trigger

    def _read_heredocs(self, logical: str, position: int, first: int) -> tuple[list[Heredoc], int]:
        """Read the body of each heredoc named on the logical line, one after another."""
        try:
            declared = _heredocs_from_line(logical)
        except _InvalidInstruction as error:
            raise ParseError(self.path, first + 1, 1, str(error)) from None
        heredocs = []
        for heredoc in declared:
            body: list[str] = []
            while True:
                if position >= len(self.lines):
                    raise ParseError(
                        self.path,
                        first + 1,
                        1,
                        f"unterminated heredoc {heredoc.name!r}; "
                        f"end its body with a line that contains only {heredoc.name}",
                    )
                line = self.lines[position]
                position += 1
                candidate = _trim_newline(line)
                if heredoc.chomp:
                    candidate = candidate.lstrip("\t")
                if candidate == heredoc.name:
                    break
                body.append(line)
            heredocs.append(replace(heredoc, content="".join(body)))
        return heredocs, position


def _parse_command(logical: str, escape: str) -> Instruction:
    """Split a logical line into name, flags and arguments, and check them as BuildKit does.

    Returns an Instruction with no text or position yet. Raises
    _InvalidInstruction for arguments BuildKit's parser rejects.
    """
    parts = _COMMAND_SEPARATOR.split(_strip_space(logical), maxsplit=1)
    keyword = parts[0]
    flags: list[Flag] = []
    rest = ""
    if len(parts) == 2:
        flag_words, rest = split_builder_flags(parts[1])
        flags = [_flag(word) for word in flag_words]
    arguments = _strip_space(rest)
    instruction = Instruction(
        text="", start=0, line=0, keyword=keyword, flags=flags, arguments=arguments
    )
    name = keyword.upper()
    if name in JSON_INSTRUCTIONS:
        instruction.json_arguments = _parse_json_arguments(arguments)
    elif name == "HEALTHCHECK":
        instruction.json_arguments = _parse_healthcheck_json(arguments)
    elif name in ("ENV", "LABEL"):
        _check_name_value_pairs(name, arguments, escape)
    elif name == "ONBUILD" and arguments:
        trigger = _parse_command(arguments, escape)
        trigger.text = arguments
        instruction.trigger = trigger
    return instruction


def _flag(word: str) -> Flag:
    name, separator, value = word[2:].partition("=")
    return Flag(name, value if separator else None)


def _can_contain_heredoc(instruction: Instruction) -> bool:
    if instruction.name == "ONBUILD" and instruction.trigger is not None:
        instruction = instruction.trigger
    return instruction.name in HEREDOC_INSTRUCTIONS and instruction.json_arguments is None


def _parse_json_arguments(arguments: str) -> list[str] | None:
    """Return the exec-form list, or None when the arguments are shell form.

    As in BuildKit, text that starts with `[` but is not valid JSON is shell
    form, and text after the closing `]` is ignored. A valid JSON array that
    contains anything but strings raises _InvalidInstruction.
    """
    stripped = _lstrip_space(arguments)
    if not stripped.startswith("["):
        return None
    out_of_range = False

    def read_number(text: str) -> float:
        # Go decodes JSON numbers as float64 and fails on those out of range.
        nonlocal out_of_range
        value = float(text)
        if math.isinf(value):
            out_of_range = True
        return value

    def reject_constant(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    decoder = json.JSONDecoder(
        parse_float=read_number, parse_int=read_number, parse_constant=reject_constant
    )
    try:
        value, _ = decoder.raw_decode(stripped)
    except ValueError:
        return None
    except RecursionError:
        # NOTE: Go's decoder nests up to 10,000 levels and treats deeper text as shell form.
        raise _InvalidInstruction(
            "JSON array is nested too deeply to read; write the command in shell form"
        ) from None
    if out_of_range:
        return None
    if not all(isinstance(item, str) for item in value):
        raise _InvalidInstruction(
            "a JSON array (exec form) must contain only strings; "
            "quote each item or write the command in shell form"
        )
    # Go, like BuildKit, decodes an unpaired surrogate escape such as "\ud800" to U+FFFD.
    return [_LONE_SURROGATE.sub("\ufffd", item) for item in value]


def _parse_healthcheck_json(arguments: str) -> list[str] | None:
    """Return the exec-form list after the HEALTHCHECK type word (`CMD`), or None."""
    end = 0
    while end < len(arguments) and arguments[end] not in GO_SPACE:
        end += 1
    if end == 0:
        return None
    command = _lstrip_space(arguments[end:])
    if not command:
        return None
    return _parse_json_arguments(command)


def _check_name_value_pairs(name: str, arguments: str, escape: str) -> None:
    """Reject ENV and LABEL arguments that BuildKit's parser rejects.

    `NAME value` (one pair, old form) needs a value, and in the `NAME=value`
    form every word needs an `=`.
    """
    words = split_argument_words(arguments, escape)
    if not words:
        return
    if "=" not in words[0]:
        if len(_COMMAND_SEPARATOR.split(arguments, maxsplit=1)) < 2:
            raise _InvalidInstruction(f"{name} {words[0]} has no value; write {name} NAME=VALUE")
        return
    for word in words:
        if "=" not in word:
            raise _InvalidInstruction(
                f"{name} word {word!r} has no '='; write every pair as NAME=VALUE"
            )


def _heredocs_from_line(logical: str) -> list[Heredoc]:
    """Return the heredocs declared on a logical line, with empty bodies, in order.

    BuildKit lexes the whole line (name and flags included) and looks for
    words of the form `[n]<<[-]WORD`. A line its lexer cannot split, such as
    one with an unterminated quote, declares no heredocs.
    """
    try:
        words = buildkit_words(logical, raw_quotes=True, raw_escapes=True)
    except ShellSyntaxError:
        return []
    heredocs = []
    for word in words:
        match = _HEREDOC_WORD.fullmatch(word)
        if not match or not match.group(3):
            continue
        delimiter = match.group(3)
        try:
            names = buildkit_words(delimiter, raw_quotes=False, raw_escapes=False)
            raw_names = buildkit_words(delimiter, raw_quotes=True, raw_escapes=False)
        except ShellSyntaxError as error:
            raise _InvalidInstruction(f"invalid heredoc delimiter {delimiter!r}: {error}") from None
        if len(names) != 1:
            continue
        if len(raw_names) != 1:
            raise _InvalidInstruction(f"invalid heredoc delimiter {delimiter!r}")
        name = names[0]
        quotes = name.count("'") + name.count('"')
        raw_quotes = raw_names[0].count("'") + raw_names[0].count('"')
        descriptor = min(int(match.group(1)), _MAX_FILE_DESCRIPTOR) if match.group(1) else 0
        heredocs.append(
            Heredoc(
                name=name,
                content="",
                expand=quotes == raw_quotes,
                chomp=match.group(2) == "-",
                file_descriptor=descriptor,
            )
        )
    return heredocs
