"""Rule DM116 convention-mismatch, run through the CLI on files with a convention beside them."""

import json

from conftest import run_dockermig, write_files

CONVENTION = (
    '[tool.dockermig]\npython = "3.12"\ndebian-release = "trixie"\n'
    'uv-version = "0.13.9"\nsync = "locked"\nvenv = "/opt/venv"\n'
)
FOLLOWS = """\
FROM python:3.12-slim-trixie AS builder
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /uvx /bin/
ENV UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=0 UV_PROJECT_ENVIRONMENT=/opt/venv
WORKDIR /app
RUN --mount=type=cache,target=/root/.cache/uv \\
    --mount=type=bind,source=uv.lock,target=/app/uv.lock \\
    --mount=type=bind,source=pyproject.toml,target=/app/pyproject.toml \\
    uv sync --locked --no-dev --no-install-project

FROM python:3.12-slim-trixie
COPY --from=builder /opt/venv /opt/venv
"""


def dm116_findings(tmp_path, dockerfile: str) -> list[tuple[int, str]]:
    write_files(
        tmp_path,
        {
            "pyproject.toml": CONVENTION,
            "svc/Dockerfile": dockerfile,
            "svc/pyproject.toml": '[project]\nname = "svc"\nversion = "0"\n',
            "svc/uv.lock": "version = 1\n",
        },
    )
    process = run_dockermig("check", "--select", "DM116", "--format", "json", str(tmp_path / "svc"))
    assert process.returncode in (0, 1), process.stderr
    return [(item["line"], item["message"]) for item in json.loads(process.stdout)]


def test_dm116_leaves_following_image_alone(tmp_path):
    assert dm116_findings(tmp_path, FOLLOWS) == []


def test_dm116_catches_every_drift(tmp_path):
    drifted = (
        FOLLOWS.replace("python:3.12-slim-trixie AS builder", "python:3.11-slim-bookworm AS builder")
        .replace("uv:0.13.9", "uv:0.12.5")
        .replace("--locked", "--frozen")
        .replace("COPY --from=builder /opt/venv /opt/venv", "COPY --from=builder /opt/venv /srv/venv")
    )

    found = dm116_findings(tmp_path, drifted)

    assert found == [
        (1, "Python 3.11 differs from the convention's 3.12 (pyproject.toml)"),
        (1, "Debian bookworm differs from the convention's trixie (pyproject.toml)"),
        (2, "uv 0.12.5 differs from the convention's 0.13.9 (pyproject.toml)"),
        (8, "`uv sync --frozen` differs from the convention's --locked (pyproject.toml)"),
        (11, "the venv lands at /srv/venv, not the convention's /opt/venv (pyproject.toml)"),
    ]


def test_dm116_silent_without_convention(tmp_path):
    write_files(tmp_path, {"svc/Dockerfile": FOLLOWS.replace("3.12", "3.10")})

    process = run_dockermig("check", "--select", "DM116", "--format", "json", str(tmp_path / "svc"))

    assert json.loads(process.stdout) == []
