"""A small shell word splitter with source offsets, for reading RUN commands.

It understands what Dockerfile rules need: quotes, backslash escapes, and the
operators that separate commands (`&&`, `||`, `;`, `|`, `&` and newlines).
It does not expand variables or run anything.
"""

from dataclasses import dataclass

OPERATORS = ("&&", "||", ";;", ";", "|", "&", "\n")


@dataclass(frozen=True)
class Word:
    """A shell word: its unquoted value and the span of its source text."""

    value: str
    start: int
    end: int
    quoted: bool = False
    is_operator: bool = False


def split_words(text: str) -> list[Word]:
    """Split shell text into words and operators, each with its offsets in `text`.

    Text after an unquoted `#` at the start of a word is a comment and is skipped.
    """
    words: list[Word] = []
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char in " \t\r":
            index += 1
            continue
        if char == "\\" and text.startswith("\n", index + 1):
            index += 2
            continue
        if char == "#":
            while index < length and text[index] != "\n":
                index += 1
            continue
        operator = next((op for op in OPERATORS if text.startswith(op, index)), None)
        if operator is not None:
            words.append(Word(operator, index, index + len(operator), is_operator=True))
            index += len(operator)
            continue
        word, index = _read_word(text, index)
        words.append(word)
    return words


def _read_word(text: str, start: int) -> tuple[Word, int]:
    value: list[str] = []
    quoted = False
    index = start
    length = len(text)
    while index < length:
        char = text[index]
        if char in " \t\r\n;&|":
            break
        if char == "\\" and index + 1 < length:
            if text[index + 1] != "\n":
                value.append(text[index + 1])
            index += 2
            continue
        if char in "'\"":
            quoted = True
            closing = text.find(char, index + 1)
            if closing == -1:
                closing = length
            value.append(text[index + 1 : closing])
            index = closing + 1
            continue
        value.append(char)
        index += 1
    return Word("".join(value), start, min(index, length), quoted=quoted), index


def split_commands(words: list[Word]) -> list[list[Word]]:
    """Group words into simple commands, split at every operator."""
    commands: list[list[Word]] = [[]]
    for word in words:
        if word.is_operator:
            if commands[-1]:
                commands.append([])
            continue
        commands[-1].append(word)
    return [command for command in commands if command]
