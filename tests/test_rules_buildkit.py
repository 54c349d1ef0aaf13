"""Rules DM301-DM320 (BuildKit's Dockerfile checks) and DM001 (parse-error)."""

from datetime import date
from pathlib import Path

import pytest

from dockermig.check.context import BuildContext
from dockermig.check.registry import all_rules, find_rule
from dockermig.check.runner import check_text

TODAY = date(2026, 12, 4)
BASE = "FROM python:3.12-slim-trixie\n"


def findings(
    text: str, code: str, build_context: BuildContext | None = None
) -> list[tuple[str, int]]:
    found = check_text(
        text, [find_rule(code)], today=TODAY, build_context=build_context
    )
    return [(item.code, item.line) for item in found]


CATCHES = [
    ("DM301", "FROM python:3.12-slim-trixie as builder\n", 1),
    ("DM301", "from python:3.12-slim-trixie AS builder\n", 1),
    ("DM302", "FROM python:3.12-slim-trixie AS Builder\n", 1),
    ("DM303", BASE + 'RUN true\nrun true\nCMD ["x"]\n', 3),
    ("DM303", BASE + "Run true\n", 2),
    ("DM304", "FROM alpine:3.22 AS build\nFROM alpine:3.22 AS BUILD\n", 2),
    ("DM305", "FROM alpine:3.22 AS scratch\n", 1),
    ("DM305", "FROM alpine:3.22 AS context\n", 1),
    ("DM306", BASE + "CMD gunicorn app:app\n", 2),
    ("DM306", BASE + "ENTRYPOINT python -m app\n", 2),
    ("DM307", BASE + "MAINTAINER Jane Doe <jane@example.com>\n", 2),
    (
        "DM308",
        "ARG PYTHON_VERSION=3.12\nFROM python:${PYTHON_VERISON}-slim-trixie\n",
        2,
    ),
    ("DM308", "FROM python:$TAG\n", 1),
    ("DM309", BASE + "WORKDIR app\n", 2),
    ("DM310", BASE + "ARG VENV=/app/.venv\nENV PATH=$VNEV/bin:$PATH\n", 3),
    ("DM310", "ARG SRC=src\n" + BASE + "COPY $SRC /app\n", 3),
    ("DM311", BASE + 'CMD ["a"]\nCMD ["b"]\n', 2),
    ("DM311", BASE + "HEALTHCHECK CMD true\nHEALTHCHECK NONE\n", 2),
    ("DM312", BASE + "ENV PYTHONUNBUFFERED 1\n", 2),
    ("DM312", BASE + "LABEL maintainer jane\n", 2),
    ("DM313", "FROM --platform=$TARGETPLATFORM alpine:3.22\n", 1),
    ("DM313", "FROM --platform=${TARGETPLATFORM} alpine:3.22\n", 1),
    ("DM314", BASE + "ARG GITHUB_TOKEN\n", 2),
    ("DM314", BASE + "ENV DB_PASSWORD=x AWS_SECRET_ACCESS_KEY=y\n", 2),
    ("DM315", "ARG TAG\nFROM python:${TAG}\n", 2),
    ("DM315", "ARG IMAGE\nFROM ${IMAGE}\n", 2),
    ("DM316", "FROM --platform=linux/amd64 python:3.12-slim-trixie\n", 1),
    ("DM318", BASE + "EXPOSE 8080/TCP\n", 2),
    ("DM319", BASE + "EXPOSE 8080:80\n", 2),
    ("DM319", BASE + "EXPOSE 127.0.0.1:80\n", 2),
    ("DM320", BASE + "RUN apt-get update && \\\n\n    apt-get install -y curl\n", 3),
    ("DM001", "FROM python:3.12-slim-trixie\nRUNN pip install flask\n", 2),
    ("DM001", "RUN true\nFROM alpine:3.22\n", 1),
    ("DM001", "# only a comment\n", 1),
    ("DM001", "FROM alpine:3.22\nRUN <<EOF\necho never closed\n", 2),
    ("DM001", "FROM\n", 1),
]


@pytest.mark.parametrize(
    ("code", "text", "line"),
    CATCHES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CATCHES)],
)
def test_buildkit_rule_catches(code, text, line):
    found = findings(text, code)
    assert found[:1] == [(code, line)]


LEAVES_ALONE = [
    ("DM301", "FROM python:3.12-slim-trixie AS builder\n"),
    ("DM301", "from python:3.12-slim-trixie as builder\n"),
    ("DM301", "FROM python:3.12-slim-trixie\n"),
    ("DM302", "FROM python:3.12-slim-trixie AS build-env_2\n"),
    ("DM303", BASE + 'RUN true\nCMD ["x"]\n'),
    ("DM303", "from alpine:3.22\nrun true\n"),
    ("DM304", "FROM alpine:3.22 AS a\nFROM alpine:3.22 AS b\n"),
    ("DM305", "FROM alpine:3.22 AS scratchpad\n"),
    ("DM306", BASE + 'CMD ["gunicorn", "app:app"]\n'),
    ("DM306", BASE + 'SHELL ["/bin/bash", "-c"]\nCMD gunicorn app:app\n'),
    ("DM306", BASE + "CMD []\n"),
    ("DM307", BASE + 'LABEL org.opencontainers.image.authors="jane@example.com"\n'),
    ("DM308", "ARG PY=3.12\nFROM python:${PY}-slim-trixie\n"),
    ("DM308", "FROM --platform=$BUILDPLATFORM alpine:3.22\n"),
    ("DM308", "FROM alpine:3.22-$TARGETARCH\n"),
    ("DM309", BASE + "WORKDIR /app\nWORKDIR src\n"),
    ("DM309", BASE + "WORKDIR $HOME\n"),
    ("DM309", "FROM alpine:3.22 AS base\nWORKDIR /app\nFROM base\nWORKDIR src\n"),
    ("DM310", BASE + "ARG VENV=/app/.venv\nENV PATH=$VENV/bin:$PATH\n"),
    ("DM310", BASE + "RUN echo $UNDEFINED_IN_SHELL\n"),
    ("DM310", BASE + "COPY ${SRC:-src} /app\n"),
    ("DM310", BASE + "ENV A=1\nENV B=$A\n"),
    ("DM310", BASE + "ARG TARGETARCH\nCOPY bin-$TARGETARCH /bin/app\n"),
    ("DM310", BASE + "ENV PRICE=\\$5\n"),
    ("DM311", BASE + 'CMD ["a"]\nFROM alpine:3.22\nCMD ["b"]\n'),
    ("DM312", BASE + 'ENV A=1 B="two words"\nLABEL a=b\n'),
    ("DM313", "FROM --platform=$BUILDPLATFORM alpine:3.22\n"),
    ("DM314", BASE + "ARG PUBLIC_KEY\nENV MONKEY=1 KEYBOARD=us\n"),
    ("DM315", "ARG TAG=3.12\nFROM python:${TAG}\n"),
    ("DM315", "FROM python:3.12\n"),
    ("DM316", "FROM --platform=$BUILDPLATFORM alpine:3.22\n"),
    ("DM316", "FROM --platform=linux/arm64 alpine:3.22 AS build-arm64\n"),
    ("DM318", BASE + "EXPOSE 8080/tcp 53/udp 80\n"),
    ("DM319", BASE + "EXPOSE 80 443/tcp $PORT\n"),
    (
        "DM320",
        BASE
        + "RUN apt-get update && \\\n    # a comment\n    apt-get install -y curl\n",
    ),
    ("DM001", BASE + "RUN true\n"),
    ("DM001", "ARG TAG=3.12\nFROM python:${TAG}\n"),
    ("DM001", "# syntax=docker/dockerfile:1\n" + BASE),
]


@pytest.mark.parametrize(
    ("code", "text"),
    LEAVES_ALONE,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(LEAVES_ALONE)],
)
def test_buildkit_rule_leaves_alone(code, text):
    assert findings(text, code) == []


def test_dm001_reports_column_of_unknown_instruction():
    found = check_text(
        "FROM alpine:3.22\n  RUNN true\n", [find_rule("DM001")], today=TODAY
    )
    assert (found[0].line, found[0].column) == (2, 3)


def test_dm001_replaces_other_rules_on_broken_file():
    found = check_text(
        "FROM alpine:3.22\nRUN <<EOF\nno end\n", list(all_rules()), today=TODAY
    )
    assert [item.code for item in found] == ["DM001"]


def test_dm001_on_invalid_utf8():
    from dockermig.check.runner import check_bytes

    found, errors = check_bytes(
        b"FROM alpine\nRUN echo \xff\n", Path("Dockerfile"), [find_rule("DM001")]
    )
    assert errors == []
    assert [(item.code, item.line) for item in found] == [("DM001", 1)]
    assert "line 2" in found[0].message


def test_dm317_catches_ignored_copy(tmp_path):
    (tmp_path / "uv.lock").write_text("")
    (tmp_path / ".dockerignore").write_text("*.lock\n")
    context = BuildContext.load(tmp_path / "Dockerfile", None)
    assert findings(BASE + "COPY uv.lock pyproject.toml ./\n", "DM317", context) == [
        ("DM317", 2)
    ]


def test_dm317_reads_dockerfile_specific_ignore_file(tmp_path):
    (tmp_path / ".dockerignore").write_text("")
    (tmp_path / "app.Dockerfile.dockerignore").write_text("secrets\n")
    context = BuildContext.load(tmp_path / "app.Dockerfile", None)
    assert findings(BASE + "COPY secrets /secrets\n", "DM317", context) == [
        ("DM317", 2)
    ]


@pytest.mark.parametrize(
    "ignore",
    ["", ".venv\n__pycache__\n", "*.lock\n!uv.lock\n"],
    ids=["empty", "other-patterns", "re-included"],
)
def test_dm317_leaves_alone(tmp_path, ignore):
    (tmp_path / ".dockerignore").write_text(ignore)
    context = BuildContext.load(tmp_path / "Dockerfile", None)
    text = BASE + "COPY uv.lock ./\nCOPY . /app\nCOPY --from=builder /app/x.lock /x\n"
    assert findings(text, "DM317", context) == []
