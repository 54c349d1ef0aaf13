"""Unit tests for dockermig.syntax: what the tree keeps, and where it raises."""

import re
from pathlib import Path

import dockerfile
import pytest

from dockermig.errors import InputFileError, ParseError
from dockermig.syntax import (
    Blank,
    Comment,
    Directive,
    Flag,
    Heredoc,
    Instruction,
    parse,
    parse_bytes,
)


def only_instruction(text: str) -> Instruction:
    instructions = parse(text).instructions
    assert len(instructions) == 1
    return instructions[0]


def test_nodes_in_file_order():
    tree = parse("# syntax=docker/dockerfile:1\n\n# note\nFROM alpine\n")
    assert [type(node) for node in tree.nodes] == [Directive, Blank, Comment, Instruction]
    assert [node.line for node in tree.nodes] == [1, 2, 3, 4]


def test_directives_read_at_top():
    tree = parse("# syntax=docker/dockerfile:1\n  # Escape = `  \n# check=skip=all\nFROM a\n")
    assert tree.directives == {"syntax": "docker/dockerfile:1", "escape": "`", "check": "skip=all"}
    assert tree.escape == "`"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("# note\n# escape=`\nFROM a\n", id="after-comment"),
        pytest.param("\n# escape=`\nFROM a\n", id="after-blank"),
        pytest.param("FROM a\n# escape=`\n", id="after-instruction"),
        pytest.param("# escape=\nFROM a\n", id="empty-value"),
    ],
)
def test_directive_position_rules(text):
    tree = parse(text)
    assert tree.directives == {}
    assert tree.escape == "\\"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# escape=`\n# escape=\\\nFROM a\n", "only one escape parser directive"),
        ("# syntax=a\n# SYNTAX=b\nFROM a\n", "only one syntax parser directive"),
        ("# escape=!\nFROM a\n", "invalid escape character '!'"),
    ],
)
def test_directive_errors(text, message):
    with pytest.raises(ParseError, match=message):
        parse(text)


def test_check_directive_before_escape():
    # BuildKit v0.12.5 does not know `check`, so it ends the directives there.
    # Newer BuildKit reads both, and so does dockermig.
    text = "# check=skip=all\n# escape=`\nFROM a\nRUN echo `\n  done\n"
    tree = parse(text)
    assert tree.directives == {"check": "skip=all", "escape": "`"}
    assert [i.end_line for i in tree.instructions] == [3, 5]
    assert [c.end_line for c in dockerfile.parse_string(text)] == [3, 4, 5]


def test_backtick_escape_continues_lines():
    tree = parse("# escape=`\nFROM a\nCOPY C:\\src\\ C:\\app\\\nRUN echo `\n  done\n")
    copy, run = tree.instructions[1:]
    assert copy.arguments == "C:\\src\\ C:\\app\\"
    assert (run.line, run.end_line) == (4, 5)
    assert run.arguments == "echo   done"


@pytest.mark.parametrize(
    ("text", "instruction_lines"),
    [
        pytest.param("RUN a \\\nRUN b\n", [(1, 2)], id="single-escape"),
        pytest.param("RUN a \\\\\nRUN b\n", [(1, 1), (2, 2)], id="double-escape"),
        pytest.param("RUN a \\ \t\nb\n", [(1, 2)], id="spaces-after-escape"),
        pytest.param("RUN a \\\f\nRUN b\n", [(1, 1), (2, 2)], id="form-feed-after-escape"),
        pytest.param("\\\nFROM a\n", [(1, 2)], id="escape-alone-on-first-line"),
        pytest.param("RUN a \\\n\n# c\n  \n", [(1, 4)], id="continuation-at-end-of-file"),
        pytest.param("RUN a \\", [(1, 1)], id="no-final-newline"),
    ],
)
def test_continuation_boundaries(text, instruction_lines):
    tree = parse(text)
    assert [(i.line, i.end_line) for i in tree.instructions] == instruction_lines


def test_comments_and_blank_lines_inside_continuation():
    run = only_instruction("RUN apk add \\\n    # comment\n\n    curl \\\n\t\n    jq\n")
    assert run.arguments == "apk add     curl     jq"
    assert run.empty_continuation_lines == [3, 5]
    assert run.end_line == 6


def test_lone_carriage_return_not_line_break():
    text = "FROM a\rRUN b\nRUN c\r\r\n"
    tree = parse(text)
    assert [i.keyword for i in tree.instructions] == ["FROM", "RUN"]
    assert tree.instructions[0].arguments == "a\rRUN b"
    assert tree.instructions[1].arguments == "c"
    assert tree.to_text() == text


def test_bom_kept_outside_the_nodes():
    text = "\ufeffFROM a\r\nRUN b\r\n"
    tree = parse(text)
    assert tree.bom == "\ufeff"
    assert tree.newline == "\r\n"
    assert tree.instructions[0].text == "FROM a\r\n"
    assert tree.to_text() == text


def test_keyword_case_and_tabs_kept():
    tree = parse("from\talpine\n\tRuN\techo\ttab\n")
    assert [i.keyword for i in tree.instructions] == ["from", "RuN"]
    assert [i.name for i in tree.instructions] == ["FROM", "RUN"]
    assert tree.instructions[1].arguments == "echo\ttab"


def test_flags_with_quoted_values():
    run = only_instruction(
        "RUN --mount=type=cache,target='/a b' --mount=type=secret,id=x,dst=\"/r/my s\" "
        "--network=none --link make\n"
    )
    assert run.flags == [
        Flag("mount", "type=cache,target=/a b"),
        Flag("mount", "type=secret,id=x,dst=/r/my s"),
        Flag("network", "none"),
        Flag("link", None),
    ]
    assert run.flag_values("mount")[1] == "type=secret,id=x,dst=/r/my s"
    assert run.arguments == "make"


@pytest.mark.parametrize(
    ("text", "flags", "arguments"),
    [
        ("RUN -- --not-a-flag\n", [], "--not-a-flag"),
        ("RUN --\n", [], ""),
        ("RUN --a=x\\ y b\n", [Flag("a", "x y")], "b"),
        ("RUN --a=\"unterminated\n", [Flag("a", "unterminated")], ""),
        ("RUN echo --not-leading\n", [], "echo --not-leading"),
    ],
)
def test_flag_edge_cases(text, flags, arguments):
    run = only_instruction(text)
    assert run.flags == flags
    assert run.arguments == arguments


def test_heredocs_several_in_one_instruction():
    copy = only_instruction("COPY <<A 3<<-'B' /etc/\na\nA\n\tb\n\tB\n")
    assert copy.heredocs == [
        Heredoc(name="A", content="a\n", expand=True, chomp=False, file_descriptor=0),
        Heredoc(name="B", content="\tb\n", expand=False, chomp=True, file_descriptor=3),
    ]
    assert copy.end_line == 5


def test_heredoc_terminator_followed_by_instruction():
    tree = parse("RUN <<EOF\necho a\nEOF\nRUN <<EOF\nEOF\nCMD [\"sh\"]\n")
    assert [(i.line, i.end_line) for i in tree.instructions] == [(1, 3), (4, 5), (6, 6)]


def test_heredoc_body_keeps_crlf():
    run = only_instruction("RUN <<EOF\r\necho a\r\n\r\nEOF\r\n")
    assert run.heredocs[0].content == "echo a\r\n\r\n"


def test_heredoc_partly_quoted_name_does_not_expand():
    run = only_instruction('RUN <<"E"OF\n$HOME\nEOF\n')
    assert run.heredocs[0].name == "EOF"
    assert run.heredocs[0].expand is False


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('RUN echo "<<EOF"\n', id="quoted"),
        pytest.param('RUN ["cat", "<<EOF"]\n', id="exec-form"),
        pytest.param("FROM a <<EOF\n", id="not-run-copy-add"),
        pytest.param("RUN cat <<<here-string\n", id="here-string"),
    ],
)
def test_heredoc_word_not_read(text):
    assert only_instruction(text).heredocs == []


def test_unbalanced_quote_hides_heredocs():
    # BuildKit's lexer fails on the whole line, so it reads no heredocs from it.
    tree = parse('RUN <<EOF echo "x\nEOF\n')
    assert [i.keyword for i in tree.instructions] == ["RUN", "EOF"]


def test_onbuild_trigger_with_flags_and_heredoc():
    onbuild = only_instruction("ONBUILD RUN --mount=type=cache,target=/c <<EOF\necho\nEOF\n")
    assert onbuild.end_line == 3
    assert onbuild.trigger.keyword == "RUN"
    assert onbuild.trigger.flags == [Flag("mount", "type=cache,target=/c")]
    assert onbuild.trigger.arguments == "<<EOF"
    assert onbuild.heredocs == [Heredoc("EOF", "echo\n", True, False)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('CMD ["a", "b c"]\n', ["a", "b c"]),
        ('CMD ["a"] trailing text\n', ["a"]),
        ("CMD []\n", []),
        ('CMD ["a\\ud800", "\\ud83d\\ude00"]\n', ["a\ufffd", "\U0001f600"]),
        ('HEALTHCHECK --retries=3 CMD ["true"]\n', ["true"]),
        ("CMD [a, b]\n", None),
        ('CMD ["a",]\n', None),
        ("CMD [NaN]\n", None),
        ("CMD [1e999]\n", None),
        ('FROM ["a"]\n', None),
        ('WORKDIR ["/x"]\n', None),
    ],
)
def test_exec_form(text, expected):
    assert only_instruction(text).json_arguments == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('CMD ["a", 1]\n', "must contain only strings"),
        ('ENTRYPOINT [["a"]]\n', "must contain only strings"),
        ("HEALTHCHECK CMD [null]\n", "must contain only strings"),
        ("CMD " + "[" * 5000 + "\n", "nested too deeply"),
        ("ENV NAME\n", "ENV NAME has no value"),
        ("ENV A=1 B\n", "ENV word 'B' has no '='"),
        ("LABEL only\n", "LABEL only has no value"),
        ("ONBUILD ENV NAME\n", "ENV NAME has no value"),
        ("RUN <<EOF\necho\n", "unterminated heredoc 'EOF'"),
        ("", "file with no instructions"),
        ("# only a comment\n\n", "file with no instructions"),
    ],
)
def test_parse_errors(text, message):
    with pytest.raises(ParseError, match=re.escape(message)):
        parse(text)


def test_parse_error_names_line():
    with pytest.raises(ParseError) as raised:
        parse("FROM a\n\nCMD [1]\n", Path("app/Dockerfile"))
    assert raised.value.line == 3
    assert str(raised.value).startswith("app/Dockerfile:3:1: ")


def test_env_forms_accepted():
    tree = parse('FROM a\nENV A=1 B="two words" C=a\\ b\nENV OLD value with spaces\nARG X Y=1\n')
    assert [i.arguments for i in tree.instructions[1:]] == [
        'A=1 B="two words" C=a\\ b',
        "OLD value with spaces",
        "X Y=1",
    ]


def test_long_line_accepted():
    # BuildKit's line scanner fails on a line over 64 KiB. dockermig has no limit.
    text = "RUN echo " + "x" * 70_000 + "\n"
    assert parse(text).to_text() == text
    with pytest.raises(dockerfile.GoParseError):
        dockerfile.parse_string(text)


def test_non_ascii_in_flags_kept_as_characters():
    # BuildKit v0.12.5 reads flag words byte by byte and reports `é` as `Ã©`.
    run = only_instruction('RUN --mount=type=bind,target="/données" ls\n')
    assert run.flags == [Flag("mount", "type=bind,target=/données")]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"FROM a\0\n", "is a binary file"),
        (b"FROM caf\xe9\n", "is not valid UTF-8 (byte 0xe9 on line 1)"),
    ],
)
def test_parse_bytes_rejects_unusable_input(data, problem):
    with pytest.raises(InputFileError, match=re.escape(problem)):
        parse_bytes(data, Path("Dockerfile"))


def test_parse_bytes_round_trips_bom():
    data = "\ufeffFROM a\r\nLABEL x=\"é\"".encode()
    assert parse_bytes(data).to_text().encode() == data
