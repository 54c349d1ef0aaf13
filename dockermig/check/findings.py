"""Findings: what a rule reports, where, and how serious it is."""

import re
from dataclasses import dataclass
from enum import IntEnum

from dockermig.syntax import Instruction, Node


class Severity(IntEnum):
    """Rule severities, ordered so that a higher value is more serious."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.upper()]
        except KeyError:
            choices = ", ".join(level.label for level in cls)
            raise ValueError(
                f"invalid severity {text!r}; expected one of {choices}"
            ) from None

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Span:
    """A range in the file: 1-based lines and columns, the end column exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Diagnostic:
    """A result of a rule's check: a span, a message and an optional fix title."""

    span: Span
    message: str
    fix: str | None = None
    # Whether `dockermig migrate` fixes it; None takes the rule's MIGRATE_FIXES.
    migrate_fixes: bool | None = None


@dataclass(frozen=True)
class Finding:
    """A diagnostic with the rule and file it belongs to, as the report formats print it."""

    path: str
    span: Span
    code: str
    name: str
    severity: Severity
    message: str
    fix: str | None = None
    migrate_fixes: bool = False

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.column

    def sort_key(self) -> tuple:
        return (self.path, self.span.line, self.span.column, self.code)


def node_span(node: Node) -> Span:
    """Span the node's first line to the end of its last line, leading blanks excluded."""
    lines = node.text.rstrip("\r\n").split("\n")
    first = lines[0]
    column = len(first) - len(first.lstrip(" \t")) + 1
    last = lines[-1].rstrip("\r")
    return Span(node.line, column, node.line + len(lines) - 1, len(last) + 1)


def text_span(node: Node, needle: str, start: int = 0) -> Span:
    """Span the first occurrence of `needle` in the node's text from offset `start`.

    Falls back to the whole node when the text is not found as written (for
    example when it spans a line continuation).
    """
    offset = node.text.find(needle, start) if needle else -1
    if offset < 0:
        return node_span(node)
    return offset_span(node, offset, offset + len(needle))


def offset_span(node: Node, start: int, end: int) -> Span:
    """Span the characters `start:end` of the node's text."""
    before = node.text[:start]
    line = node.line + before.count("\n")
    column = start - (before.rfind("\n") + 1) + 1
    inside = node.text[start:end]
    end_line = line + inside.count("\n")
    if "\n" in inside:
        end_column = len(inside) - inside.rfind("\n")
    else:
        end_column = column + len(inside)
    return Span(line, column, end_line, end_column)


def line_span(line: int, text: str = "") -> Span:
    return Span(line, 1, line, len(text.rstrip("\r\n")) + 1)


def instruction_arguments_span(instruction: Instruction) -> Span:
    """Span the instruction's arguments as written on its first line."""
    if not instruction.arguments:
        return node_span(instruction)
    first_word = instruction.arguments.split()[0]
    keyword_end = instruction.text.find(instruction.keyword) + len(instruction.keyword)
    return text_span(instruction, first_word, keyword_end)


def word_span(node: Node, word: str, start: int = 0) -> Span:
    """Span the first whitespace-delimited occurrence of `word` in the node's text."""
    match = re.compile(r"(?<!\S)" + re.escape(word) + r"(?!\S)").search(
        node.text, start
    )
    if match is None:
        return text_span(node, word, start)
    return offset_span(node, match.start(), match.end())
