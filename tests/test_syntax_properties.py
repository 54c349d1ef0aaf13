"""Property tests for dockermig.syntax: parsing never loses text and fails only in known ways.

The checks and strategies here are also what scripts/fuzz-syntax runs for
longer. CI_SETTINGS keeps each test to a few seconds.
"""

from pathlib import Path

from corpus.oracle import assert_same_as_buildkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockermig.errors import InputFileError, ParseError
from dockermig.syntax import parse, parse_bytes

CI_SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# Drawing whole Dockerfile-like lines is slower, so those tests try fewer examples in CI.
CI_SETTINGS_LINES = settings(CI_SETTINGS, max_examples=100)

# Pieces of Dockerfile syntax that reach the parser's special cases when combined at random.
TOKENS = [
    "FROM", "RUN", "run", "Copy", "ADD", "ENV", "LABEL", "ARG", "CMD", "ENTRYPOINT",
    "SHELL", "HEALTHCHECK", "ONBUILD", "VOLUME", "WORKDIR", "EXPOSE", "USER",
    "# escape=`", "# escape=\\", "# syntax=x", "#", "# c",
    " ", "  ", "\t", "\n", "\n", "\n", "\r\n", "\r", "\\", "\\\\", "`",
    "<<", "<<-", "<<EOF", "<<-EOF", "<<'EOF'", '<<"EOF"', "3<<EOF", "EOF", "\tEOF",
    '"', "'", "[", "]", '["a"]', '["a", "b"]', "[1]", ",", "=", "a=b", "A", "x",
    "--mount=type=cache,target=/c", "--chown=1:1", "--link", "--", "--a='b c'",
    "$", "${", "}", "${A:-b}", ":", "-", "é", "☕", "\ufeff",
]  # fmt: skip
KEYWORDS = [
    "FROM", "RUN", "run", "Copy", "ADD", "ENV", "LABEL", "ARG", "CMD", "ENTRYPOINT", "SHELL",
    "HEALTHCHECK", "ONBUILD", "ONBUILD RUN", "onbuild copy", "VOLUME", "WORKDIR", "EXPOSE", "X",
]  # fmt: skip
ARGUMENT_TOKENS = [
    "<<EOF", "<<-EOF", "<<'EOF'", '<<"E"OF', "3<<EOF", "<<A", "<<", '["a"]', '["a", "b"]',
    "[1]", "[", "]", '"a b"', "'c'", '"', "'", "--mount=type=cache,target=/c", "--chown=1:1",
    "--link", "--", '--a="b c"', "a=b", "A", "x", "${A:-b}", "$A", "${", "\\", "\\ ", "`",
    "&&", "#", "CMD", "é", "☕", "\ufeff",
]  # fmt: skip
instruction_line = st.tuples(
    st.sampled_from(KEYWORDS),
    st.sampled_from([" ", "\t", "  ", ""]),
    st.lists(st.sampled_from(ARGUMENT_TOKENS), max_size=6).map(" ".join),
    st.sampled_from(["", "", " \\", "\\", " `", " \\ ", "\\\\"]),
).map("".join)
other_line = st.sampled_from([
    "", " ", "\t", "#", "# c", "  # indented", "# escape=`", "# escape=\\", "# syntax=x",
    "EOF", "EOF", "EOF", "\tEOF", "A", "A", " EOF", "echo body", "FROM x", "\\", "`",
])  # fmt: skip

@st.composite
def heredoc_block(draw) -> str:
    """Draw an instruction with one or two heredoc words, then a body and terminator for each."""
    names = draw(st.lists(st.sampled_from(["EOF", "A", "x y"]), min_size=1, max_size=2))
    words = []
    bodies = []
    for name in names:
        chomp = draw(st.booleans())
        quote = draw(st.sampled_from(["", "'", '"']))
        descriptor = draw(st.sampled_from(["", "2"]))
        dash = "-" if chomp else ""
        words.append(f"{descriptor}<<{dash}{quote}{name}{quote}")
        body = draw(st.lists(other_line, max_size=3))
        indent = draw(st.sampled_from(["", "\t"])) if chomp else ""
        ending = draw(st.sampled_from(["\n", "\r\n"]))
        bodies.extend(line + ending for line in body)
        bodies.append(indent + name + ending)
    keyword = draw(
        st.sampled_from(["RUN", "COPY", "add", "ONBUILD RUN", "RUN --mount=type=cache,target=/c"])
    )
    return f"{keyword} {' '.join(words)} /dst\n" + "".join(bodies)


line_ending = st.sampled_from(["\n", "\n", "\n", "\r\n", "\r", ""])
# Dockerfile-like lines: instructions with heredoc words, JSON, flags and continuations.
dockerfile_lines = st.tuples(
    st.sampled_from(["", "\ufeff"]),
    st.lists(
        st.one_of(
            st.tuples(st.one_of(instruction_line, other_line), line_ending).map("".join),
            heredoc_block(),
        ),
        max_size=25,
    ).map("".join),
).map("".join)

# NUL is left out: parse_bytes rejects files that contain it as binary before parsing.
any_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"))
dockerfile_text = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)
dockerfile_with_bom = st.tuples(st.sampled_from(["", "\ufeff"]), dockerfile_text).map("".join)
# NUL is left out here too, because the `dockerfile` package passes text to Go
# as a C string, which ends at the first NUL.
parity_text = st.one_of(dockerfile_text, dockerfile_lines)
any_bytes = st.one_of(
    st.binary(),
    dockerfile_with_bom.map(lambda text: text.encode("utf-8")),
    st.tuples(dockerfile_text, st.binary(max_size=4)).map(
        lambda pair: pair[0].encode("utf-8") + pair[1]
    ),
)


def check_round_trip(text: str) -> None:
    """Parse `text` and, unless it raises ParseError, check the printed tree and the node spans."""
    try:
        tree = parse(text)
    except ParseError:
        return
    assert tree.to_text() == text
    body = text.removeprefix(tree.bom)
    offset = 0
    for node in tree.nodes:
        assert node.start == offset
        assert node.line == body.count("\n", 0, offset) + 1
        assert node.end_line >= node.line
        offset = node.end


def check_parse_bytes(data: bytes) -> None:
    """Parse `data`, which may raise only InputFileError or ParseError, and check it prints back."""
    try:
        tree = parse_bytes(data, Path("Dockerfile"))
    except (InputFileError, ParseError):
        return
    assert tree.to_text().encode("utf-8") == data


@CI_SETTINGS
@given(any_text)
def test_any_text_round_trips(text):
    check_round_trip(text)


@CI_SETTINGS
@given(dockerfile_with_bom)
def test_dockerfile_like_text_round_trips(text):
    check_round_trip(text)


@CI_SETTINGS
@given(any_bytes)
def test_parse_bytes_raises_only_input_errors(data):
    check_parse_bytes(data)


@CI_SETTINGS_LINES
@given(dockerfile_lines)
def test_dockerfile_lines_round_trip(text):
    check_round_trip(text)


@CI_SETTINGS_LINES
@given(parity_text)
def test_dockerfile_like_text_matches_buildkit(text):
    assert_same_as_buildkit(text)
