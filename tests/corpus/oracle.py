"""Comparison of dockermig.syntax with BuildKit's own parser, the `dockerfile` package.

The `dockerfile` package wraps the parser of moby/buildkit v0.12.5. Use it
in tests only: it has no wheels for every platform and is no longer
maintained.
"""

import re

import dockerfile

from dockermig.errors import ParseError
from dockermig.shell import split_argument_words
from dockermig.syntax import Instruction, parse

_WHITESPACE = re.compile(r"[\t\v\f\r ]+")


def flag_words(instruction: Instruction) -> tuple[str, ...]:
    """Return the flags as BuildKit lists them: `--name=value`, or `--name`."""
    return tuple(
        f"--{flag.name}" if flag.value is None else f"--{flag.name}={flag.value}"
        for flag in instruction.flags
    )


def as_buildkit_reads_flag(word: str) -> str:
    """Return a flag word as BuildKit v0.12.5 reports it.

    BuildKit reads flag words byte by byte and turns each byte into a
    character, so `é` (bytes C3 A9) comes back as `Ã©`. dockermig keeps the
    characters. The two agree on word boundaries unless a UTF-8 byte is 0x85
    or 0xA0, which BuildKit takes for a space. The test strategies and the
    corpus put no such character inside a flag.
    """
    return word.encode("utf-8").decode("latin-1")


def _split_pairs(words: list[str]) -> tuple[str, ...]:
    values: list[str] = []
    for word in words:
        values.extend(word.split("=", 1))
    return tuple(values)


def expected_value(instruction: Instruction, escape: str) -> tuple[str, ...] | None:
    """Return the value BuildKit's parser gives the instruction, or None where not compared."""
    name = instruction.name
    arguments = instruction.arguments
    if instruction.json_arguments is not None:
        if name == "HEALTHCHECK":
            return (_WHITESPACE.split(arguments, maxsplit=1)[0], *instruction.json_arguments)
        return tuple(instruction.json_arguments)
    if name in ("RUN", "CMD", "ENTRYPOINT", "SHELL", "USER", "WORKDIR", "MAINTAINER", "STOPSIGNAL"):
        return (arguments,) if arguments else ()
    if name in ("ADD", "COPY", "VOLUME", "FROM", "EXPOSE"):
        return tuple(_WHITESPACE.split(arguments)) if arguments else ()
    if name == "ARG":
        return tuple(split_argument_words(arguments, escape))
    if name in ("ENV", "LABEL"):
        words = split_argument_words(arguments, escape)
        if words and "=" not in words[0]:
            return tuple(_WHITESPACE.split(arguments, maxsplit=1))
        return _split_pairs(words)
    return None


def assert_same_as_buildkit(text: str) -> None:
    """Assert that both parsers raise on `text`, or that they agree on every instruction.

    The comparison covers start and end lines, names as written, flags,
    heredoc names, file descriptors and bodies, the exec (JSON) form, ONBUILD
    triggers and the parsed values. It also checks that the tree prints
    `text` back unchanged.
    """
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as error:
        try:
            parse(text)
        except ParseError:
            return
        raise AssertionError(f"BuildKit raises {error!r} but dockermig parses the text")

    tree = parse(text)
    instructions = tree.instructions
    assert tree.to_text() == text
    assert [(i.line, i.end_line) for i in instructions] == [
        (c.start_line, c.end_line) for c in commands
    ]
    assert [i.keyword for i in instructions] == [c.cmd or "" for c in commands]
    assert [
        tuple(as_buildkit_reads_flag(word) for word in flag_words(i)) for i in instructions
    ] == [c.flags for c in commands]
    # BuildKit's binding does not report heredocs of ONBUILD triggers, so those are left out.
    assert [
        tuple((h.name, h.file_descriptor, h.content) for h in i.heredocs)
        for i in instructions
        if i.name != "ONBUILD"
    ] == [
        tuple((h.name, h.file_descriptor, h.content) for h in c.heredocs)
        for c in commands
        if (c.cmd or "").upper() != "ONBUILD"
    ]

    # For ONBUILD, BuildKit reports the JSON form and the value of the trigger.
    carriers = [i.trigger if i.trigger is not None else i for i in instructions]
    assert [i.json_arguments is not None for i in carriers] == [c.json for c in commands]
    triggers = [i.trigger.keyword if i.trigger is not None else None for i in instructions]
    assert triggers == [c.sub_cmd for c in commands]
    for carrier, command in zip(carriers, commands, strict=True):
        value = expected_value(carrier, tree.escape)
        if value is not None:
            assert value == command.value, f"value of the instruction on line {command.start_line}"
