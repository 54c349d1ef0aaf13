"""Rules DM101-DM105: the venv's builder and runtime stages must match."""

from datetime import date

import pytest

from dockermig.check.registry import find_rule
from dockermig.check.runner import check_text

TODAY = date(2026, 12, 4)


def findings(text: str, code: str) -> list[tuple[str, int]]:
    rule = find_rule(code)
    return [(found.code, found.line) for found in check_text(text, [rule], today=TODAY)]


def builder(image: str, sync: str = "uv sync --locked") -> str:
    return f"FROM {image} AS builder\nWORKDIR /app\nRUN {sync}\n"


MATCHED = (
    builder("python:3.12-slim-trixie")
    + "FROM python:3.12-slim-trixie\nCOPY --from=builder /app /app\n"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            builder("python:3.11-slim-bookworm")
            + "FROM python:3.11-slim\nCOPY --from=builder /app /app\n",
            [("DM101", 4)],
            id="floating-runtime-is-trixie",
        ),
        pytest.param(
            builder("ghcr.io/astral-sh/uv:python3.12-bookworm-slim")
            + "FROM python:3.12-slim-trixie\nCOPY --from=builder /app/.venv /app/.venv\n",
            [("DM101", 4)],
            id="uv-bookworm-builder",
        ),
        pytest.param(
            builder("python:3.12-slim-trixie") + "FROM debian:bookworm-slim\n"
            "RUN apt-get update && apt-get install -y python3\nCOPY --from=builder /app /app\n",
            [("DM101", 4)],
            id="debian-runtime-by-codename",
        ),
        pytest.param(
            builder("python:3.12-slim-trixie")
            + "FROM gcr.io/distroless/python3-debian12\n"
            "COPY --from=builder /app /app\n",
            [("DM101", 4)],
            id="distroless-debian12",
        ),
        pytest.param(
            builder("python:3.12-bookworm-slim")
            + "FROM python:3.12-slim-trixie\nCOPY --from=builder /app /app\n",
            [("DM101", 4)],
            id="misordered-builder-tag",
        ),
    ],
)
def test_dm101_catches(text, expected):
    assert findings(text, "DM101") == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(MATCHED, id="same-tag"),
        pytest.param(
            builder("ghcr.io/astral-sh/uv:python3.12-trixie-slim")
            + "FROM python:3.12-slim\nCOPY --from=builder /app /app\n",
            id="floating-runtime-resolves-to-trixie",
        ),
        pytest.param(
            builder("python:3.12-slim-bookworm")
            + "FROM python:3.12-slim-bookworm AS other\n"
            "FROM python:3.12-slim-trixie\nCOPY --from=other /app /app\n",
            id="copy-from-a-stage-without-venv",
        ),
        pytest.param(
            builder("python:3.12-alpine")
            + "FROM python:3.12-slim-trixie\nCOPY --from=builder /app /app\n",
            id="alpine-is-dm103-not-dm101",
        ),
        pytest.param(
            "FROM python:3.12-slim-bookworm\nRUN uv sync --locked\n",
            id="single-stage",
        ),
        pytest.param(
            builder("$BASE")
            + "FROM python:3.12-slim-trixie\nCOPY --from=builder /app /app\n",
            id="unresolved-argument",
        ),
    ],
)
def test_dm101_leaves_alone(text):
    assert findings(text, "DM101") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            builder("ghcr.io/astral-sh/uv:python3.12-trixie-slim")
            + "FROM python:3.11-slim-trixie\nCOPY --from=builder /app /app\n",
            [("DM102", 4)],
            id="uv-builder",
        ),
        pytest.param(
            builder("python:3.13-slim-bookworm") + "FROM debian:bookworm-slim\n"
            "RUN apt-get update && apt-get install -y --no-install-recommends python3\n"
            "COPY --from=builder /app /app\n",
            [("DM102", 4)],
            id="apt-python-is-3.11",
        ),
        pytest.param(
            builder("python:3.12")
            + "FROM python:3-slim\nCOPY --from=builder /app /app\n",
            [("DM102", 4)],
            id="python-3-is-latest-minor",
        ),
        pytest.param(
            builder("python:3.12-bookworm-slim")
            + "FROM python:3.11-slim-bookworm\nCOPY --from=builder /app /app\n",
            [("DM102", 4)],
            id="misordered-builder-tag",
        ),
    ],
)
def test_dm102_catches(text, expected):
    assert findings(text, "DM102") == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(MATCHED, id="same-minor"),
        pytest.param(
            builder("python:3.12.7-slim-trixie")
            + "FROM python:3.12-slim-trixie\nCOPY --from=builder /app /app\n",
            id="patch-version-same-minor",
        ),
        pytest.param(
            builder("ghcr.io/astral-sh/uv:debian-slim")
            + "FROM python:3.12-slim-trixie\nCOPY --from=builder /app /app\n",
            id="builder-minor-unknown",
        ),
        pytest.param(
            builder("python:3.11-slim-trixie")
            + "FROM python:3.12-slim-trixie\nCOPY --from=builder /srv /srv\n",
            id="copy-without-venv",
        ),
        pytest.param(
            builder("python:3.12-bookworm-slim")
            + "FROM python:3.12-slim-bookworm\nCOPY --from=builder /app /app\n",
            id="misordered-tag-same-minor",
        ),
    ],
)
def test_dm102_leaves_alone(text):
    assert findings(text, "DM102") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            builder("ghcr.io/astral-sh/uv:python3.12-alpine")
            + "FROM python:3.12-slim-trixie\n"
            "COPY --from=builder /app /app\n",
            [("DM103", 4)],
            id="alpine-builder",
        ),
        pytest.param(
            builder("python:3.12-slim-trixie")
            + "FROM python:3.12-alpine3.23\nCOPY --from=builder /app /app\n",
            [("DM103", 4)],
            id="alpine-runtime",
        ),
    ],
)
def test_dm103_catches(text, expected):
    assert findings(text, "DM103") == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(MATCHED, id="both-debian"),
        pytest.param(
            builder("python:3.12-alpine3.23")
            + "FROM python:3.12-alpine\nCOPY --from=builder /app /app\n",
            id="both-alpine",
        ),
        pytest.param(
            builder("python:3.12-alpine")
            + "FROM registry.example/runtime:1\nCOPY --from=builder /app /app\n",
            id="unknown-runtime",
        ),
    ],
)
def test_dm103_leaves_alone(text):
    assert findings(text, "DM103") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "FROM python:3.12-slim-trixie AS builder\nWORKDIR /build\nRUN uv sync --locked\n"
            "FROM python:3.12-slim-trixie\nCOPY --from=builder /build/.venv /app/.venv\n",
            [("DM104", 5)],
            id="other-folder",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie AS builder\nWORKDIR /app\nRUN uv sync --locked\n"
            "FROM python:3.12-slim-trixie\nWORKDIR /srv\nCOPY --from=builder /app .\n",
            [("DM104", 6)],
            id="relative-destination",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie AS builder\nRUN python -m venv /opt/venv\n"
            "FROM python:3.12-slim-trixie\nCOPY --from=builder /opt/venv /venv\n",
            [("DM104", 4)],
            id="python-m-venv",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie AS builder\nENV UV_PROJECT_ENVIRONMENT=/opt/venv\nWORKDIR /app\n"
            "RUN uv sync --locked\nFROM python:3.12-slim-trixie\nCOPY --from=builder /opt/venv /app/.venv\n",
            [("DM104", 6)],
            id="uv-project-environment",
        ),
    ],
)
def test_dm104_catches(text, expected):
    assert findings(text, "DM104") == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(MATCHED, id="whole-project-same-path"),
        pytest.param(
            builder("python:3.12-slim-trixie") + "FROM python:3.12-slim-trixie\n"
            "COPY --from=builder /app/.venv /app/.venv\n",
            id="venv-same-path",
        ),
        pytest.param(
            builder("python:3.12-slim-trixie")
            + "FROM python:3.12-slim-trixie\nWORKDIR /app\n"
            "COPY --from=builder /app/.venv ./.venv\n",
            id="relative-destination-same-path",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie AS builder\nRUN uv venv /opt/venv\n"
            "FROM python:3.12-slim-trixie\nCOPY --from=builder /opt/venv /opt/venv\n",
            id="uv-venv-path",
        ),
        pytest.param(
            builder("python:3.12-slim-trixie") + "FROM python:3.12-slim-trixie\n"
            "COPY --from=builder /app/src /srv/src\n",
            id="copy-of-another-folder",
        ),
    ],
)
def test_dm104_leaves_alone(text):
    assert findings(text, "DM104") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            builder("python:3.12-slim-bookworm")
            + "FROM gcr.io/distroless/python3-debian12\n"
            "COPY --from=builder /app /app\n",
            [("DM105", 4)],
            id="distroless-usr-bin",
        ),
        pytest.param(
            builder("python:3.12-slim-trixie")
            + "FROM debian:trixie-slim\nCOPY --from=builder /app /app\n",
            [("DM105", 4)],
            id="no-python-at-all",
        ),
        pytest.param(
            builder("python:3.11-slim-bookworm") + "FROM debian:bookworm-slim\n"
            "RUN apt-get install -y python3\nCOPY --from=builder /app /app\n",
            [("DM105", 4)],
            id="apt-python",
        ),
    ],
)
def test_dm105_catches(text, expected):
    assert findings(text, "DM105") == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(MATCHED, id="python-images"),
        pytest.param(
            builder("ghcr.io/astral-sh/uv:python3.12-trixie-slim")
            + "FROM python:3.12-slim-trixie\nCOPY --from=builder /app /app\n",
            id="uv-image-usr-local",
        ),
        pytest.param(
            builder("python:3.12-slim-trixie") + "FROM debian:trixie-slim\n"
            "COPY --from=builder /usr/local /usr/local\nCOPY --from=builder /app /app\n",
            id="interpreter-copied",
        ),
        pytest.param(
            builder("python:3.12-slim-trixie")
            + "FROM registry.example/base:1\nCOPY --from=builder /app /app\n",
            id="unknown-runtime",
        ),
    ],
)
def test_dm105_leaves_alone(text):
    assert findings(text, "DM105") == []
