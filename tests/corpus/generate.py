"""Generate Dockerfiles that combine the syntax BuildKit accepts, for the parser parity test.

`generate_corpus()` yields (name, text) pairs and gives the same files on every
run for the same count and seed. Each file mixes a random choice of these
features:

- parser directives, the backtick escape character and Windows paths
- heredocs, several per instruction, `<<-`, quoted delimiters
- continuations with comments and blank lines inside
- exec form and text that looks like JSON but is not
- flags with quoted values, ARG/ENV/LABEL pairs, ONBUILD
- lower- and mixed-case names, tabs, non-ASCII text
- CRLF or mixed line endings, a UTF-8 BOM, a continuation at the end of the
  file, no final newline

About one file in twelve also contains a construct that BuildKit rejects, so
the test can check that both parsers raise.

Write the files to a folder with:

    python tests/corpus/generate.py OUTPUT_FOLDER [COUNT]
"""

import random
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

DEFAULT_COUNT = 400
DEFAULT_SEED = 20240611


@dataclass
class Style:
    """Choices that hold for one whole file."""

    rng: random.Random
    escape: str
    case: str  # "upper", "lower" or "mixed"

    def keyword(self, name: str) -> str:
        if self.case == "lower":
            return name.lower()
        if self.case == "mixed":
            return "".join(
                char.lower() if self.rng.random() < 0.5 else char for char in name
            )
        return name

    def continued(self, text: str) -> str:
        """Return `text` ending in the escape character, with varied space before and after it."""
        before = self.rng.choice([" ", " ", "  ", "\t", ""])
        after = self.rng.choice(["", "", "", " ", "\t"])
        return f"{text}{before}{self.escape}{after}"


Feature = Callable[[Style], list[str]]


def run_chain(style: Style) -> list[str]:
    steps = [
        "apt-get update",
        "apt-get install -y --no-install-recommends curl ca-certificates",
        "rm -rf /var/lib/apt/lists/*",
        "pip install --no-cache-dir -r requirements.txt",
        'echo "done: $HOME"',
    ]
    count = style.rng.randint(2, len(steps))
    lines = [style.continued(f"{style.keyword('RUN')} {steps[0]}")]
    for step in steps[1 : count - 1]:
        lines.append(style.continued(f"    && {step}"))
    lines.append(f"    && {steps[count - 1]}")
    return lines


def run_with_comments_inside(style: Style) -> list[str]:
    rng = style.rng
    lines = [style.continued(f"{style.keyword('RUN')} set -eux;")]
    for index in range(rng.randint(1, 3)):
        inside = ["# a comment inside the RUN", "    # indented comment", "", "  ", "\t", "#"]
        lines.append(rng.choice(inside))
        lines.append(style.continued(f"    echo step{index};"))
    lines.append(rng.choice(["", "# trailing comment"]))
    lines.append("    echo finished")
    return lines


def _heredoc_word(style: Style, name: str) -> tuple[str, bool]:
    """Return a heredoc word for `name` and whether its body may be tab-indented (`<<-`)."""
    form = style.rng.choice(["plain", "chomp", "single", "double", "chomp-single", "partly"])
    words = {
        "plain": f"<<{name}",
        "chomp": f"<<-{name}",
        "single": f"<<'{name}'",
        "double": f'<<"{name}"',
        "chomp-single": f"<<-'{name}'",
        "partly": f'<<"{name[:1]}"{name[1:]}',
    }
    return words[form], form.startswith("chomp")


def _heredoc_body(style: Style, name: str, chomp: bool) -> list[str]:
    rng = style.rng
    pool = [
        "set -e",
        "echo $HOME ${PATH}",
        "FROM looks-like-an-instruction",
        "# not a comment here",
        "",
        "python - <<'PY'",
        "print('héllo wörld ✓')",
        "PY",
        f"  {name} (indented, so not the terminator)",
        "line ending in a backslash \\",
        "line ending in a backtick `",
        f"{name}x",
    ]
    body = rng.sample(pool, rng.randint(0, 5))
    prefix = "\t" if chomp and rng.random() < 0.7 else ""
    return [prefix + line for line in body] + [prefix + name]


def heredoc_run(style: Style) -> list[str]:
    rng = style.rng
    names = rng.sample(["EOF", "EOT", "SCRIPT", "END_OF_FILE", "A1"], rng.randint(1, 3))
    words = []
    bodies: list[str] = []
    for name in names:
        word, chomp = _heredoc_word(style, name)
        if rng.random() < 0.2:
            word = f"{rng.randint(0, 9)}{word}"
        words.append(word)
        bodies.extend(_heredoc_body(style, name, chomp))
    flags = rng.choice(["", "--mount=type=cache,target=/root/.cache/pip ", "--network=none "])
    shell = rng.choice(["", "bash ", "python3 ", "cat > /tmp/out && "])
    return [f"{style.keyword('RUN')} {flags}{shell}{' '.join(words)}", *bodies]


def heredoc_copy(style: Style) -> list[str]:
    rng = style.rng
    keyword = style.keyword(rng.choice(["COPY", "ADD"]))
    names = rng.sample(["CONFIG", "EOF", "ini", "Z"], rng.randint(1, 3))
    words = []
    bodies: list[str] = []
    for name in names:
        word, chomp = _heredoc_word(style, name)
        words.append(word)
        bodies.extend(_heredoc_body(style, name, chomp))
    flags = rng.choice(["", "--chmod=0755 ", "--chown=app:app --link "])
    return [f"{keyword} {flags}{' '.join(words)} /etc/app/", *bodies]


def heredoc_then_continuation(style: Style) -> list[str]:
    """A heredoc word on a continued line: the body starts after the last line."""
    return [
        style.continued(f"{style.keyword('RUN')} <<EOF"),
        "    bash -e",
        "echo inside",
        "EOF",
    ]


def exec_forms(style: Style) -> list[str]:
    rng = style.rng
    pool = [
        f'{style.keyword("CMD")} ["python", "-m", "app"]',
        f'{style.keyword("ENTRYPOINT")} ["/usr/bin/tini", "--"]',
        f'{style.keyword("SHELL")} ["/bin/bash", "-o", "pipefail", "-c"]',
        f'{style.keyword("COPY")} ["src dir/", "/app/"]',
        f'{style.keyword("ADD")} ["a.tar.gz", "/opt/"]',
        f'{style.keyword("VOLUME")} ["/data", "/logs"]',
        f'{style.keyword("RUN")} ["echo", "héllo", "\\u00e9\\n"]',
        f'{style.keyword("HEALTHCHECK")} --interval=30s --timeout=3s CMD ["curl", "-f", "http://localhost/"]',
        f'{style.keyword("CMD")} [ ]',
        f'{style.keyword("CMD")} ["trailing text is ignored"] after',
        f'{style.keyword("RUN")} --mount=type=cache,target=/c ["ls", "/c"]',
    ]
    lines = rng.sample(pool, rng.randint(1, 3))
    if rng.random() < 0.4:
        lines += [
            style.continued(f'{style.keyword("CMD")} ["gunicorn",'),
            # Without the escape character here, the next line is an instruction of its own.
            style.continued('     "--bind", "0.0.0.0:8000",')
            if rng.random() < 0.8
            else '     "--bind", "0.0.0.0:8000",',
            '     "app:wsgi"]',
        ]
    return lines


def almost_exec_forms(style: Style) -> list[str]:
    """Text that starts like a JSON array but is not valid JSON, so BuildKit reads shell form."""
    pool = [
        f"{style.keyword('CMD')} [python, app.py]",
        f"{style.keyword('CMD')} ['single', 'quotes']",
        f'{style.keyword("ENTRYPOINT")} ["unterminated',
        f'{style.keyword("CMD")} ["a",]',
        f"{style.keyword('ENTRYPOINT')} [NaN]",
        f"{style.keyword('RUN')} [ -f /etc/hosts ] && echo present",
        f'{style.keyword("CMD")} ["a" "b"]',
        f'{style.keyword("COPY")} [src] /dst/',
        f"{style.keyword('FROM')} [\"not\", \"exec\"]",
        f'{style.keyword("CMD")} [1e999]',
    ]
    return style.rng.sample(pool, style.rng.randint(1, 3))


def flags(style: Style) -> list[str]:
    pool = [
        f"{style.keyword('RUN')} --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt",
        f'{style.keyword("RUN")} --mount=type=secret,id=token,dst="/run/secrets/my token" cat /run/secrets/token',
        f"{style.keyword('RUN')} --mount=type=bind,source=.,target='/src dir',rw --network=host make",
        f"{style.keyword('COPY')} --chown=app:app --chmod=755 src/ /app/",
        f"{style.keyword('COPY')} --link --from=builder /venv /venv",
        f"{style.keyword('ADD')} --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/a.tar.gz /opt/",
        f'{style.keyword("COPY")} --chown="app user":staff a b/',
        f"{style.keyword('RUN')} --mount=type=cache,target=/a\\ b echo escaped space",
        f"{style.keyword('RUN')} -- --not-a-flag",
        f"{style.keyword('RUN')} --security=insecure --mount=type=tmpfs,target=/tmp true",
        f"{style.keyword('COPY')} --exclude=*.pyc --parents ./src/ /app/",
    ]
    lines = style.rng.sample(pool, style.rng.randint(1, 3))
    if style.rng.random() < 0.4:
        lines += [
            style.continued(f"{style.keyword('RUN')} --mount=type=cache,target=/var/cache/apt"),
            style.continued("    --mount=type=cache,target=/var/lib/apt"),
            "    apt-get update",
        ]
    return lines


def arguments_and_environment(style: Style) -> list[str]:
    pool = [
        f"{style.keyword('ARG')} PYTHON_VERSION=3.12",
        f'{style.keyword("ARG")} A B=2 C="three four"',
        f'{style.keyword("ENV")} PATH="/opt/venv/bin:$PATH" LANG=C.UTF-8',
        f"{style.keyword('ENV')} OLD_FORM a value with spaces",
        f'{style.keyword("ENV")} MESSAGE="say \\"hi\\"" SINGLE=\'it is\'',
        f'{style.keyword("ENV")} EMPTY="" ESCAPED=a\\ b',
        f'{style.keyword("LABEL")} org.opencontainers.image.title="App" version=1.0',
        f'{style.keyword("LABEL")} "quoted key"="quoted value"',
        f"{style.keyword('ENV')} PYTHONDONTWRITEBYTECODE=1{chr(9)}PYTHONUNBUFFERED=1",
    ]
    lines = style.rng.sample(pool, style.rng.randint(1, 3))
    if style.rng.random() < 0.5:
        lines += [
            style.continued(f"{style.keyword('ENV')} A=1"),
            "    # a comment between pairs",
            style.continued('    B="two words"'),
            "    C=3",
        ]
    return lines


def plain_instructions(style: Style) -> list[str]:
    pool = [
        f"{style.keyword('WORKDIR')} /app",
        f"{style.keyword('USER')} app:app",
        f"{style.keyword('EXPOSE')} 8000/tcp 9000",
        f"{style.keyword('STOPSIGNAL')} SIGTERM",
        f"{style.keyword('MAINTAINER')} Jane Doe <jane@example.com>",
        f"{style.keyword('VOLUME')} /data /logs",
        f"{style.keyword('HEALTHCHECK')} NONE",
        f"{style.keyword('HEALTHCHECK')} --interval=5m CMD curl -f http://localhost/ || exit 1",
        f"{style.keyword('CMD')} python -m app",
        f"{style.keyword('SHELL')} /bin/sh",
    ]
    return style.rng.sample(pool, style.rng.randint(1, 4))


def onbuild(style: Style) -> list[str]:
    pool = [
        [f"{style.keyword('ONBUILD')} {style.keyword('RUN')} pip install ."],
        [f"{style.keyword('ONBUILD')} {style.keyword('COPY')} --chown=app . /src"],
        [f"{style.keyword('ONBUILD')} {style.keyword('ADD')} . /app/src"],
        [f'{style.keyword("ONBUILD")} {style.keyword("CMD")} ["serve"]'],
        [f"{style.keyword('ONBUILD')} {style.keyword('RUN')} <<EOF", "echo on build", "EOF"],
        [f"{style.keyword('ONBUILD')} {style.keyword('COPY')} <<-CFG /etc/cfg", "\tkey=value", "\tCFG"],
        [f"{style.keyword('ONBUILD')} {style.keyword('ENV')} A=1 B=2"],
        [
            style.continued(f"{style.keyword('ONBUILD')} {style.keyword('RUN')} echo one"),
            "    && echo two",
        ],
    ]
    return style.rng.choice(pool)


def non_ascii(style: Style) -> list[str]:
    pool = [
        f'{style.keyword("LABEL")} description="Café ☕ 日本語 — ünïcödé"',
        f'{style.keyword("RUN")} echo "naïve résumé" > /tmp/ä.txt',
        "# commentaire : ça marche ✓",
        f"{style.keyword('WORKDIR')} /srv/données",
        f"{style.keyword('ENV')} GREETING=grüß\\ dich",
        f"{style.keyword('RUN')} echo 'emoji 🐳 and RTL שלום'",
    ]
    return style.rng.sample(pool, style.rng.randint(1, 3))


def tabs(style: Style) -> list[str]:
    pool = [
        f"{style.keyword('RUN')}\techo\ttab-separated",
        f"{style.keyword('ENV')}\tFOO\tbar baz",
        f"\t{style.keyword('WORKDIR')} /indented",
        f"  {style.keyword('USER')}   nobody  ",
        f"{style.keyword('COPY')}\t--chown=1000:1000\ta\tb/",
    ]
    return style.rng.sample(pool, style.rng.randint(1, 2))


def windows_paths(style: Style) -> list[str]:
    """Backslash paths, which only a backtick escape leaves alone at the end of a line."""
    if style.escape != "`":
        return [f"{style.keyword('RUN')} echo C:\\\\path\\\\"]
    return [
        f"{style.keyword('COPY')} C:\\src\\app\\ C:\\app\\",
        style.continued(f"{style.keyword('RUN')} powershell -Command"),
        "    Write-Host 'C:\\Windows\\'",
        f"{style.keyword('WORKDIR')} C:\\app",
    ]


def stages(style: Style) -> list[str]:
    return [
        f"{style.keyword('FROM')} --platform=$BUILDPLATFORM python:3.12-slim {style.keyword('AS')} builder",
        f"{style.keyword('RUN')} python -m venv /venv",
        f"{style.keyword('FROM')} python:3.12-slim",
        f"{style.keyword('COPY')} --from=builder /venv /venv",
    ]


def invalid(style: Style) -> list[str]:
    """One construct that BuildKit rejects."""
    pool = [
        [f"{style.keyword('CMD')} [1, 2]"],
        [f'{style.keyword("RUN")} ["echo", ["nested"]]'],
        [f"{style.keyword('ENV')} ONLY_A_NAME"],
        [f"{style.keyword('ENV')} A=1 B"],
        [f"{style.keyword('LABEL')} key=value lonely"],
        [f'{style.keyword("HEALTHCHECK")} CMD ["ok", null]'],
        [f"{style.keyword('ONBUILD')} {style.keyword('ENV')} NAME"],
        [f"{style.keyword('RUN')} <<NEVER_ENDS", "echo no terminator follows"],
    ]
    return style.rng.choice(pool)


FEATURES: list[Feature] = [
    run_chain,
    run_with_comments_inside,
    heredoc_run,
    heredoc_copy,
    heredoc_then_continuation,
    exec_forms,
    almost_exec_forms,
    flags,
    arguments_and_environment,
    plain_instructions,
    onbuild,
    non_ascii,
    tabs,
    windows_paths,
    stages,
]


def _directives(style: Style) -> list[str]:
    """Return parser directive lines.

    `check` comes last because BuildKit v0.12.5 does not know it.
    """
    rng = style.rng
    lines = []
    if rng.random() < 0.4:
        syntax = [
            "# syntax=docker/dockerfile:1",
            "#syntax = docker/dockerfile:1.7",
            "# SYNTAX=example.com/frontend",
        ]
        lines.append(rng.choice(syntax))
    if style.escape == "`" or rng.random() < 0.15:
        escape = [
            f"# escape={style.escape}",
            f"#escape = {style.escape}",
            f"  # Escape={style.escape}  ",
        ]
        lines.append(rng.choice(escape))
    if len(lines) == 2 and rng.random() < 0.5:
        lines.reverse()
    if rng.random() < 0.2:
        lines.append("# check=skip=JSONArgsRecommended;error=true")
    return lines


def _join(rng: random.Random, lines: list[str], endings: str) -> str:
    if endings == "lf":
        return "".join(line + "\n" for line in lines)
    if endings == "crlf":
        return "".join(line + "\r\n" for line in lines)
    return "".join(line + rng.choice(["\n", "\r\n"]) for line in lines)


def generate_file(rng: random.Random, with_error: bool = False) -> str:
    """Return one generated Dockerfile."""
    style = Style(
        rng=rng,
        escape="`" if rng.random() < 0.2 else "\\",
        case=rng.choices(["upper", "lower", "mixed"], weights=[70, 15, 15])[0],
    )
    lines = _directives(style)
    if rng.random() < 0.3:
        lines.append(f"{style.keyword('ARG')} BASE=python:3.12-slim")
    lines.append(f"{style.keyword('FROM')} ${{BASE:-python:3.12-slim}} {style.keyword('AS')} app")
    features = rng.choices(FEATURES, k=rng.randint(3, 8))
    if with_error:
        features.insert(rng.randint(0, len(features)), invalid)
    for feature in features:
        if rng.random() < 0.3:
            lines.append(rng.choice(["", "# a comment between instructions", "  "]))
        lines.extend(feature(style))

    ending = rng.random()
    if ending < 0.1:
        # A continuation at the end of the file, sometimes followed by blank and comment lines.
        lines.append(style.continued(f"{style.keyword('RUN')} echo last"))
        lines.extend(rng.sample(["", "# after the end", "   "], rng.randint(0, 2)))

    text = _join(rng, lines, rng.choices(["lf", "crlf", "mixed"], weights=[60, 25, 15])[0])
    if rng.random() < 0.15:
        text = text.rstrip("\r\n")
    if rng.random() < 0.1:
        text = "\ufeff" + text
    return text


def generate_corpus(
    count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED
) -> Iterator[tuple[str, str]]:
    """Yield `count` generated Dockerfiles as (name, text), the same ones on every run."""
    for index in range(count):
        rng = random.Random(seed * 100_003 + index)
        with_error = index % 12 == 11
        yield f"generated-{index:03d}", generate_file(rng, with_error)


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print("usage: generate.py OUTPUT_FOLDER [COUNT]", file=sys.stderr)
        return 2
    folder = Path(argv[1])
    count = int(argv[2]) if len(argv) == 3 else DEFAULT_COUNT
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in generate_corpus(count):
        (folder / name).with_suffix(".Dockerfile").write_bytes(text.encode("utf-8"))
    print(f"wrote {count} files to {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
