"""A lossless Dockerfile syntax tree.

Every character of the file belongs to exactly one node: a parser directive, a
comment, a blank line or an instruction (with its continuation lines, the
comments inside them and its heredoc bodies). Joining the nodes' text gives
the file back, so an untouched file is written back byte-identical and an edit
replaces only the nodes it touches.

Instruction boundaries follow BuildKit's parser (moby/buildkit,
frontend/dockerfile/parser): parser directives only at the top of the file,
a line ending in the escape character continues the instruction, blank and
comment lines inside a continuation belong to the instruction, and RUN, COPY
and ADD read heredoc bodies after their last line.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from dockermig.errors import InputFileError, ParseError
from dockermig.shell import split_words

BOM = "\ufeff"
DIRECTIVE_NAMES = ("syntax", "escape", "check")
INSTRUCTIONS = (
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM",
    "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL",
    "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
)  # fmt: skip
HEREDOC_INSTRUCTIONS = ("RUN", "COPY", "ADD")

_DIRECTIVE = re.compile(r"^#[ \t]*([A-Za-z][A-Za-z0-9]*)[ \t]*=[ \t]*(.*?)[ \t]*$")
_HEREDOC_WORD = re.compile(r"^<<(-?)\s*([^<]*)$")


@dataclass
class Node:
    """A span of the file: its text, its offset in the decoded text, and its first line (1-based)."""

    text: str
    start: int
    line: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def end_line(self) -> int:
        return self.line + self.text.count("\n", 0, len(self.text.rstrip("\r\n")))


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
    """A heredoc body read after the instruction, as BuildKit reads it (tabs kept)."""

    name: str
    content: str
    expand: bool
    chomp: bool


@dataclass
class Instruction(Node):
    keyword: str = ""
    flags: list[Flag] = field(default_factory=list)
    arguments: str = ""
    heredocs: list[Heredoc] = field(default_factory=list)
    json_arguments: list[str] | None = None
    trigger: "Instruction | None" = None
    empty_continuation_lines: list[int] = field(default_factory=list)

    @property
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
    """Parse Dockerfile text into a lossless tree."""
    bom = ""
    if text.startswith(BOM):
        bom, text = BOM, text[1:]
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    tree = Dockerfile(nodes=[], bom=bom, newline=newline, path=path)
    _Parser(tree, lines, path).run()
    return tree


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
            line = self.lines[self.index]
            stripped = line.strip()
            if not stripped:
                self._add(Blank, 1)
            elif stripped.startswith("#"):
                self._add(Comment, 1)
            else:
                self._read_instruction()

    def _add(self, kind: type[Node], count: int, **fields) -> Node:
        text = "".join(self.lines[self.index : self.index + count])
        node = kind(text=text, start=self.offset, line=self.index + 1, **fields)
        self.tree.nodes.append(node)
        self.index += count
        self.offset += len(text)
        return node

    def _read_directives(self) -> None:
        seen: set[str] = set()
        while self.index < len(self.lines):
            match = _DIRECTIVE.match(self.lines[self.index].rstrip("\r\n"))
            if not match or match.group(1).lower() not in DIRECTIVE_NAMES:
                return
            name, value = match.group(1).lower(), match.group(2)
            if name in seen:
                return
            seen.add(name)
            if name == "escape":
                if value not in ("\\", "`"):
                    raise ParseError(
                        self.path, self.index + 1, 1, f"invalid escape character {value!r}"
                    )
                self.tree.escape = value
            self._add(Directive, 1, name=name, value=value)

    def _is_continued(self, content: str) -> bool:
        trimmed = content.rstrip(" \t\r\n")
        return trimmed.endswith(self.tree.escape)

    def _strip_continuation(self, content: str) -> str:
        trimmed = content.rstrip(" \t\r\n")
        return trimmed[: -len(self.tree.escape)]

    def _read_instruction(self) -> None:
        first = self.index
        logical = ""
        empty_lines: list[int] = []
        position = first
        while True:
            content = self.lines[position]
            if self._is_continued(content):
                logical += self._strip_continuation(content)
                position += 1
                # Blank and comment lines inside a continuation belong to the instruction.
                while position < len(self.lines):
                    stripped = self.lines[position].strip()
                    if not stripped:
                        empty_lines.append(position + 1)
                    elif not stripped.startswith("#"):
                        break
                    position += 1
                if position >= len(self.lines):
                    break
                continue
            logical += content.rstrip("\r\n")
            position += 1
            break

        keyword, rest = _split_keyword(logical)
        flags, arguments = _split_flags(rest)
        heredocs: list[Heredoc] = []
        if keyword.upper() in HEREDOC_INSTRUCTIONS and not _looks_like_json(arguments):
            heredocs, position = self._read_heredocs(arguments, position, first)
        node = self._add(
            Instruction,
            position - first,
            keyword=keyword,
            flags=flags,
            arguments=arguments,
            heredocs=heredocs,
            json_arguments=_parse_json_arguments(arguments),
            empty_continuation_lines=empty_lines,
        )
        if keyword.upper() == "ONBUILD" and arguments:
            node.trigger = _parse_trigger(arguments, node)

    def _read_heredocs(
        self, arguments: str, position: int, first: int
    ) -> tuple[list[Heredoc], int]:
        heredocs = []
        for word in split_words(arguments):
            match = _HEREDOC_WORD.match(arguments[word.start : word.end])
            if not match or word.is_operator:
                continue
            chomp = match.group(1) == "-"
            quoted_name = match.group(2)
            name_words = split_words(quoted_name)
            name = name_words[0].value if name_words else ""
            if not name:
                continue
            expand = not any(quote in quoted_name for quote in "'\"")
            body: list[str] = []
            while True:
                if position >= len(self.lines):
                    raise ParseError(
                        self.path, first + 1, 1, f"unterminated heredoc {name!r}"
                    )
                line = self.lines[position]
                position += 1
                bare = line.rstrip("\r\n")
                if (bare.lstrip("\t") if chomp else bare) == name:
                    break
                body.append(bare + "\n")
            heredocs.append(Heredoc(name, "".join(body), expand, chomp))
        return heredocs, position


def _split_keyword(logical: str) -> tuple[str, str]:
    stripped = logical.lstrip()
    parts = re.split(r"[ \t]+", stripped, maxsplit=1)
    keyword = parts[0]
    rest = parts[1] if len(parts) > 1 else ""
    return keyword, rest.strip(" \t")


def _split_flags(rest: str) -> tuple[list[Flag], str]:
    """Split leading `--name[=value]` words off the arguments, as BuildKit does for every instruction."""
    flags: list[Flag] = []
    remaining = rest
    while remaining.startswith("--"):
        words = split_words(remaining)
        if not words:
            break
        word = words[0]
        token = word.value
        if token == "--":
            remaining = remaining[word.end :].lstrip(" \t")
            break
        name, separator, value = token[2:].partition("=")
        flags.append(Flag(name, value if separator else None))
        remaining = remaining[word.end :].lstrip(" \t")
    return flags, remaining


def _looks_like_json(arguments: str) -> bool:
    return _parse_json_arguments(arguments) is not None


def _parse_json_arguments(arguments: str) -> list[str] | None:
    """Return the exec-form list, or None when the arguments are shell form.

    Text that starts with `[` but is not a JSON array of strings is shell form,
    as in BuildKit.
    """
    stripped = arguments.strip()
    if not stripped.startswith("["):
        return None
    try:
        value = json.loads(stripped)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return None


def _parse_trigger(arguments: str, onbuild: Instruction) -> Instruction:
    keyword, rest = _split_keyword(arguments)
    flags, trigger_arguments = _split_flags(rest)
    return Instruction(
        text=arguments,
        start=onbuild.start,
        line=onbuild.line,
        keyword=keyword,
        flags=flags,
        arguments=trigger_arguments,
        json_arguments=_parse_json_arguments(trigger_arguments),
    )
