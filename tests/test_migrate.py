"""`dockermig migrate`: what it rewrites, what it leaves alone and why, and the files it writes."""

import json
import os
import tomllib
from pathlib import Path

import pytest

from conftest import run_dockermig, snapshot, write_files
from dockermig.migrate.engine import plan_migration
from dockermig.migrate.outcome import Outcome

REQUIREMENTS = "flask==3.0.3\n"

# (id, Dockerfile, expected outcome, text the reason must contain)
LEFT_ALONE = [
    (
        "go-image",
        "FROM golang:1.23 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n",
        Outcome.SKIPPED,
        "not a Python image",
    ),
    (
        "python-without-pip",
        "FROM python:3.12-slim\nCOPY tool.py /\nCMD [\"python\", \"/tool.py\"]\n",
        Outcome.SKIPPED,
        "without pip installs",
    ),
    (
        "already-uv",
        "FROM python:3.12-slim-bookworm\nRUN --mount=type=cache,target=/root/.cache/uv uv sync --locked\n",
        Outcome.UNCHANGED,
        "uv sync",
    ),
    (
        "builder-does-more",
        "FROM python:3.12-slim AS build\nCOPY . /src\nRUN pip install --prefix=/install -r /src/requirements.txt\n"
        "RUN python /src/build_assets.py\n"
        "FROM python:3.12-slim\nCOPY --from=build /install /usr/local\n",
        Outcome.NEEDS_ATTENTION,
        "the first stage runs `python`, which the uv builder would drop",
    ),
    (
        "runtime-copies-other-output",
        "FROM python:3.12-slim AS build\nCOPY requirements.txt .\nRUN pip wheel -w /wheels -r requirements.txt\n"
        "FROM python:3.12-slim\nCOPY --from=build /wheels /wheels\nCOPY --from=build /etc/motd /etc/motd\n"
        "RUN pip install /wheels/*\n",
        Outcome.NEEDS_ATTENTION,
        "copies /etc/motd from the first stage",
    ),
    (
        "three-stages",
        "FROM python:3.12-slim AS a\nRUN pip install x\nFROM python:3.12-slim AS b\nFROM python:3.12-slim\n",
        Outcome.NEEDS_ATTENTION,
        "has 3 stages",
    ),
    (
        "floating-minor",
        "FROM python:3-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
        Outcome.NEEDS_ATTENTION,
        "does not name a Python minor version",
    ),
    (
        "whole-image-from-argument",
        "ARG BASE=python:3.12-slim\nFROM ${BASE}\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
        Outcome.NEEDS_ATTENTION,
        "only the version part may be a variable",
    ),
    (
        "digest-with-unknown-release",
        "FROM python:3.12-slim@sha256:" + "a" * 64 + "\n"
        "RUN apt-get update && apt-get install -y gcc libpq-dev\n"
        "COPY requirements.txt .\nRUN pip install -r requirements.txt\n",
        Outcome.NEEDS_ATTENTION,
        "names no Debian release",
    ),
    (
        "not-a-python-base",
        "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y python3-pip\n"
        "COPY requirements.txt .\nRUN pip install -r requirements.txt\n",
        Outcome.NEEDS_ATTENTION,
        "not a python image",
    ),
    (
        "git-clone",
        "FROM python:3.12-slim\nRUN git clone https://example.com/app.git /app "
        "&& pip install -r /app/requirements.txt\n",
        Outcome.NEEDS_ATTENTION,
        "cloned from the network",
    ),
    (
        "add-git-repository",
        "FROM python:3.12-slim\nADD https://example.com/app.git /app\nRUN pip install -r /app/requirements.txt\n",
        Outcome.NEEDS_ATTENTION,
        "git repository",
    ),
    (
        "editable-project",
        "FROM python:3.12-slim\nCOPY . /app\nRUN pip install -e /app\n",
        Outcome.NEEDS_ATTENTION,
        "has no pyproject.toml",
    ),
    (
        "install-project",
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install .\n",
        Outcome.NEEDS_ATTENTION,
        "has no pyproject.toml, setup.py, setup.cfg, Pipfile or poetry.lock",
    ),
    (
        "target-folder",
        "FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install --target /deps -r requirements.txt\n",
        Outcome.NEEDS_ATTENTION,
        "--target",
    ),
    (
        "pip-in-python-heredoc",
        "# syntax=docker/dockerfile:1\nFROM python:3.12-slim\nCOPY requirements.txt .\n"
        "RUN <<EOF python3\nimport os\nos.system('pip install -r requirements.txt')\nEOF\n",
        Outcome.NEEDS_ATTENTION,
        "heredoc for another interpreter",
    ),
    (
        "requirements-not-copied",
        "FROM python:3.12-slim\nRUN pip install -r /srv/requirements.txt\n",
        Outcome.NEEDS_ATTENTION,
        "not copied into the image",
    ),
    (
        "pip-or-operator",
        "FROM python:3.12-slim\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt || echo failed\n",
        Outcome.NEEDS_ATTENTION,
        "other than `&&`",
    ),
    (
        "workdir-from-build-arg",
        "FROM python:3.12-slim\nARG HOME_DIR\nWORKDIR $HOME_DIR\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\n",
        Outcome.NEEDS_ATTENTION,
        "WORKDIR $HOME_DIR uses a value the Dockerfile does not set",
    ),
    (
        "image-python-path",
        "FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
        'ENTRYPOINT ["/usr/local/bin/python", "-m", "app"]\n',
        Outcome.NEEDS_ATTENTION,
        "/usr/local/bin/python is the image's own path",
    ),
    (
        "pip-index-in-env",
        "FROM python:3.12-slim\nARG PIP_INDEX_URL\n"
        "COPY requirements.txt .\nRUN pip install -r requirements.txt\n",
        Outcome.NEEDS_ATTENTION,
        "PIP_INDEX_URL is given only when the image is built",
    ),
    (
        "pip-in-if",
        "FROM python:3.12-slim\nCOPY requirements.txt .\n"
        "RUN if [ -f requirements.txt ]; then pip install -r requirements.txt; fi\n",
        Outcome.NEEDS_ATTENTION,
        "shell control flow",
    ),
    (
        "pip-exec-form",
        'FROM python:3.12-slim\nCOPY requirements.txt .\nRUN ["pip", "install", "-r", "requirements.txt"]\n',
        Outcome.NEEDS_ATTENTION,
        "exec-form",
    ),
    (
        "patch-pin-without-release",
        "FROM python:3.9.16-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
        Outcome.NEEDS_ATTENTION,
        "pins a patch release but no OS release",
    ),
    (
        "alpine-past-end-of-life",
        "FROM python:3.8-alpine\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
        Outcome.NEEDS_ATTENTION,
        "Python 3.8 is past its end of life",
    ),
    (
        "setup-py-install-after-pip",
        "FROM python:3.11-slim-bookworm\nCOPY requirements.txt /r.txt\nRUN pip install -r /r.txt\n"
        "COPY ./pkg /pkg\nWORKDIR /pkg\nRUN python setup.py install\n",
        Outcome.NEEDS_ATTENTION,
        "`setup.py install` or easy_install would run with the venv's Python",
    ),
    (
        "runtime-from-first-stage",
        "FROM python:3.11-slim-bookworm AS base\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
        "FROM base\nCOPY . /app\n",
        Outcome.NEEDS_ATTENTION,
        "the final stage builds FROM the first stage 'base'",
    ),
    (
        "no-image-for-release",
        "FROM python:3.6-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
        Outcome.NEEDS_ATTENTION,
        "has no 3.6 build on bookworm",
    ),
    (
        "windows-escape",
        "# escape=`\nFROM python:3.12-windowsservercore\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\n",
        Outcome.NEEDS_ATTENTION,
        "backtick",
    ),
]


@pytest.mark.parametrize(
    "dockerfile, outcome, reason",
    [case[1:] for case in LEFT_ALONE],
    ids=[case[0] for case in LEFT_ALONE],
)
def test_migrate_leaves_file_alone(tmp_path, dockerfile, outcome, reason):
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})
    before = snapshot(tmp_path)

    process = run_dockermig("migrate", "--format", "json", str(tmp_path))

    assert process.returncode == 0, process.stderr
    [row] = json.loads(process.stdout)
    assert row["outcome"] == outcome.value
    assert reason in row["reason"]
    assert snapshot(tmp_path) == before


ORDERS_BEFORE = """\
FROM python:3.11-slim

LABEL org.opencontainers.image.title="orders"
ENV PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends \\
        gcc \\
        libpq-dev \\
        curl \\
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir --upgrade pip && pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --create-home app
USER app
EXPOSE 8000
HEALTHCHECK CMD curl -f http://localhost:8000/health || exit 1
CMD ["flask", "run", "--host=0.0.0.0"]
"""

ORDERS_AFTER = """\
FROM python:3.11-slim-bookworm AS builder
COPY --from=ghcr.io/astral-sh/uv:{uv} /uv /uvx /bin/
ENV UV_COMPILE_BYTECODE=1 \\
    UV_LINK_MODE=copy \\
    UV_PYTHON_DOWNLOADS=0
RUN apt-get update \\
    && apt-get install -y --no-install-recommends gcc libpq-dev \\
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
RUN --mount=type=cache,target=/root/.cache/uv \\
    --mount=type=bind,source=uv.lock,target=/app/uv.lock \\
    --mount=type=bind,source=pyproject.toml,target=/app/pyproject.toml \\
    uv sync --frozen --no-dev --no-install-project

FROM python:3.11-slim-bookworm

LABEL org.opencontainers.image.title="orders"
ENV PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends \\
        libpq5 \\
        curl \\
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
COPY --from=builder /app/.venv /app/.venv
ENV PATH="/app/.venv/bin:$PATH"
COPY . .
RUN useradd --create-home app
USER app
EXPOSE 8000
HEALTHCHECK CMD curl -f http://localhost:8000/health || exit 1
CMD ["flask", "run", "--host=0.0.0.0"]
"""


def _uv_version() -> str:
    from dockermig.images import pinned_uv_version

    return pinned_uv_version()


def test_migrate_rewrites_into_two_stages(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": ORDERS_BEFORE,
            "requirements.txt": "# web\nflask==3.0.3\npsycopg2==2.9.10 ; sys_platform == 'linux'\n",
        },
    )

    process = run_dockermig("migrate", "--format", "json", str(tmp_path))

    assert process.returncode == 0, process.stderr
    [row] = json.loads(process.stdout)
    assert row["outcome"] == "migrated"
    assert row["notes"] == [
        "pinned python:3.11-slim to python:3.11-slim-bookworm (python:3.11-slim means trixie today)",
        "builder installs gcc libpq-dev",
        "runtime no longer installs gcc",
        "runtime installs libpq5 in place of libpq-dev",
        "added setuptools<81 to the dependencies: the python 3.11 image ships "
        "setuptools, and some packages import pkg_resources without declaring it",
    ]
    assert (tmp_path / "Dockerfile").read_text() == ORDERS_AFTER.format(uv=_uv_version())
    project = tomllib.loads((tmp_path / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == "==3.11.*"
    assert project["dependencies"] == [
        "flask==3.0.3",
        "psycopg2==2.9.10 ; sys_platform == 'linux'",
        "setuptools<81",
    ]
    lock = tomllib.loads((tmp_path / "uv.lock").read_text())
    versions = {package["name"]: package.get("version") for package in lock["package"]}
    assert versions["flask"] == "3.0.3"
    assert versions["psycopg2"] == "2.9.10"
    assert (tmp_path / ".dockerignore").read_text() == ".venv\n"


def test_migrate_second_run_changes_nothing(tmp_path):
    write_files(tmp_path, {"Dockerfile": ORDERS_BEFORE, "requirements.txt": REQUIREMENTS})
    assert run_dockermig("migrate", str(tmp_path)).returncode == 0
    after_first = snapshot(tmp_path)

    second = run_dockermig("migrate", "--format", "json", str(tmp_path))

    assert json.loads(second.stdout)[0]["outcome"] == "unchanged"
    assert snapshot(tmp_path) == after_first
    assert run_dockermig("migrate", "--check", str(tmp_path)).returncode == 0


def test_migrate_check_and_diff_write_nothing(tmp_path):
    write_files(tmp_path, {"Dockerfile": ORDERS_BEFORE, "requirements.txt": REQUIREMENTS})
    before = snapshot(tmp_path)

    checked = run_dockermig("migrate", "--check", str(tmp_path))
    diffed = run_dockermig("migrate", "--diff", str(tmp_path))

    assert checked.returncode == 1
    assert diffed.returncode == 0
    assert "+FROM python:3.11-slim-bookworm AS builder" in diffed.stdout
    assert "-        gcc \\" in diffed.stdout
    assert "uv.lock: would be created by `uv lock`" in diffed.stdout
    assert snapshot(tmp_path) == before


def test_migrate_keeps_crlf_bom_and_mode(tmp_path):
    text = "\ufeffFROM python:3.12-slim-bookworm\r\nWORKDIR /app\r\nCOPY requirements.txt .\r\n" \
        "RUN pip install -r requirements.txt\r\nCMD [\"python\"]\r\n"
    write_files(tmp_path, {"Dockerfile": text, "requirements.txt": REQUIREMENTS})
    os.chmod(tmp_path / "Dockerfile", 0o640)

    result = run_dockermig("migrate", str(tmp_path))

    assert result.returncode == 0, result.stderr
    data = (tmp_path / "Dockerfile").read_bytes()
    assert data.startswith("\ufeff".encode())
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"COPY --from=builder /app/.venv /app/.venv\r\n" in data
    assert (tmp_path / "Dockerfile").stat().st_mode & 0o777 == 0o640


def test_migrate_keeps_other_commands_of_pip_run(tmp_path):
    dockerfile = (
        "FROM python:3.12-slim-bookworm\nWORKDIR /app\nCOPY . .\n"
        "RUN pip install -r requirements.txt && python -m compileall -q . \\\n"
        "    && rm -rf /tmp/*\n"
    )
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED
    text = result.writes[tmp_path / "Dockerfile"]
    assert "COPY --from=builder /app/.venv /app/.venv\nENV PATH=\"/app/.venv/bin:$PATH\"\n" \
        "RUN python -m compileall -q . \\\n    && rm -rf /tmp/*\n" in text
    assert "pip install" not in text


@pytest.mark.parametrize(
    "packages, builder, runtime",
    [
        ("gcc libpq-dev", "gcc libpq-dev", "libpq5"),
        ("gcc python3-dev", "gcc python3-dev", None),
        ("build-essential libffi-dev curl", "build-essential libffi-dev", "libffi8 curl"),
        ("gcc libxml2-dev libxslt1-dev", "gcc libxml2-dev libxslt1-dev", "libxml2 libxslt1.1"),
        ("curl git", None, "curl git"),
        ("gcc libfoo-dev", "gcc libfoo-dev", "libfoo-dev"),
    ],
    ids=["libpq", "all-build-only", "ffi", "lxml", "tools-only", "unknown-dev-kept"],
)
def test_migrate_splits_apt_packages(tmp_path, packages, builder, runtime):
    dockerfile = (
        "FROM python:3.12-slim-bookworm\n"
        f"RUN apt-get update && apt-get install -y --no-install-recommends {packages} "
        "&& rm -rf /var/lib/apt/lists/*\n"
        "COPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    )
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    text = result.writes[tmp_path / "Dockerfile"]
    builder_text, runtime_text = text.split("\n\n", 1)
    if builder is None:
        assert "apt-get" not in builder_text
    else:
        assert f"apt-get install -y --no-install-recommends {builder} \\\n" in builder_text
    if runtime is None:
        assert "apt-get" not in runtime_text
    else:
        assert f"--no-install-recommends {runtime} &&" in runtime_text


def test_migrate_keeps_build_tool_used_later(tmp_path):
    dockerfile = (
        "FROM python:3.12-slim-bookworm\nRUN apt-get update && apt-get install -y make gcc\n"
        "COPY . .\nRUN pip install -r requirements.txt\nCMD [\"make\", \"serve\"]\n"
    )
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    runtime_text = result.writes[tmp_path / "Dockerfile"].split("\n\n", 1)[1]
    assert "RUN apt-get update && apt-get install -y make\n" in runtime_text


def test_migrate_reads_included_requirements(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.12-slim-bookworm\nWORKDIR /srv\nCOPY requirements/ requirements/\n"
            "RUN pip install -r requirements/prod.txt gunicorn==23.0.0\n",
            "requirements/base.txt": "# shared\njinja2>=3.1,<4  # templates\n",
            "requirements/prod.txt": "-r base.txt\nuvloop==0.21.0 ; sys_platform != 'win32'\n",
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    pyproject = tomllib.loads(result.writes[tmp_path / "pyproject.toml"])
    assert pyproject["project"]["dependencies"] == [
        "jinja2>=3.1,<4",
        "uvloop==0.21.0 ; sys_platform != 'win32'",
        "gunicorn==23.0.0",
    ]
    assert "--mount=type=bind,source=uv.lock,target=/srv/uv.lock" in result.writes[
        tmp_path / "Dockerfile"
    ]


def test_migrate_edits_existing_companions(tmp_path):
    existing = "# team notes\n[tool.ruff]\nline-length = 100\n"
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nCOPY requirements.txt .\n"
            "RUN pip install -r requirements.txt\n",
            "requirements.txt": REQUIREMENTS,
            "pyproject.toml": existing,
            ".dockerignore": "*.log",
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    new_pyproject = result.writes[tmp_path / "pyproject.toml"]
    assert new_pyproject.startswith(existing)
    assert tomllib.loads(new_pyproject)["project"]["dependencies"] == [
        "flask==3.0.3",
        "setuptools<81",
    ]
    assert tomllib.loads(new_pyproject)["tool"]["ruff"] == {"line-length": 100}
    assert result.writes[tmp_path / ".dockerignore"] == "*.log\n.venv"


def test_migrate_writes_dockerfile_ignore_file(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile.prod": "FROM python:3.11-slim-bookworm\nCOPY requirements.txt .\n"
            "RUN pip install -r requirements.txt\nCOPY . .\n",
            "requirements.txt": REQUIREMENTS,
            "Dockerfile.prod.dockerignore": "*.pyc\n",
        },
    )

    result = plan_migration(tmp_path / "Dockerfile.prod", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    assert result.writes[tmp_path / "Dockerfile.prod.dockerignore"] == "*.pyc\n.venv\n"
    assert tmp_path / ".dockerignore" not in result.writes
    assert not any("Dockerfile.prod.dockerignore" in note for note in result.notes)


def test_migrate_writes_dockerignore_without_own_ignore_file(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile.prod": "FROM python:3.11-slim-bookworm\nCOPY requirements.txt .\n"
            "RUN pip install -r requirements.txt\n",
            "requirements.txt": REQUIREMENTS,
        },
    )

    result = plan_migration(tmp_path / "Dockerfile.prod", run_lock=False)

    assert result.writes[tmp_path / ".dockerignore"] == ".venv\n"
    assert tmp_path / "Dockerfile.prod.dockerignore" not in result.writes


def test_migrate_reports_bad_files_and_goes_on(tmp_path):
    write_files(
        tmp_path,
        {
            "bad/Dockerfile": b"\x00\x01binary",
            "latin/Dockerfile": "FROM python:3.12-slim\n# caf\xe9\n".encode("latin-1"),
            "good/Dockerfile": ORDERS_BEFORE,
            "good/requirements.txt": REQUIREMENTS,
        },
    )
    bad_before = snapshot(tmp_path / "bad")

    process = run_dockermig("migrate", "--format", "json", str(tmp_path))

    assert process.returncode == 2
    rows = {Path(row["path"]).parent.name: row for row in json.loads(process.stdout)}
    assert rows["bad"]["outcome"] == "error"
    assert "binary" in rows["bad"]["reason"]
    assert rows["latin"]["outcome"] == "error"
    assert "not valid UTF-8" in rows["latin"]["reason"]
    assert rows["good"]["outcome"] == "migrated"
    assert snapshot(tmp_path / "bad") == bad_before


def test_migrate_missing_path_is_usage_error(tmp_path):
    process = run_dockermig("migrate", str(tmp_path / "nope"))

    assert process.returncode == 2
    assert process.stderr.strip() == f"error: {tmp_path / 'nope'}: no such file or folder; check the path"


def test_migrate_lock_failure_writes_nothing(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": ORDERS_BEFORE,
            "requirements.txt": "this-package-does-not-exist-dockermig==1.0\n",
        },
    )
    before = snapshot(tmp_path)

    process = run_dockermig("migrate", "--format", "json", str(tmp_path))

    assert process.returncode == 2
    [row] = json.loads(process.stdout)
    assert row["outcome"] == "error"
    assert "this-package-does-not-exist-dockermig" in row["reason"]
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "base, expected",
    [
        ("python:3.11-slim", "python:3.11-slim-bookworm"),
        ("python:3.11.9-slim-bookworm", "python:3.11.9-slim-bookworm"),
        ("python:3.12-slim-trixie", "python:3.12-slim-trixie"),
        ("docker.io/library/python:3.10-slim-bullseye", "docker.io/library/python:3.10-slim-bullseye"),
    ],
    ids=["floating-release", "patch-pin-kept", "trixie-kept", "registry-kept"],
)
def test_migrate_base_image_choice(tmp_path, base, expected):
    dockerfile = f"FROM {base}\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    text = result.writes[tmp_path / "Dockerfile"]
    assert text.startswith(f"FROM {expected} AS builder\n")
    assert f"\nFROM {expected}\n" in text


def test_migrate_refuses_prerelease(tmp_path):
    dockerfile = "FROM python:3.15-rc-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.NEEDS_ATTENTION
    assert "pre-release" in result.reason


def test_migrate_resolves_workdir_from_env(tmp_path):
    dockerfile = (
        "FROM python:3.12-slim-bookworm\nENV APP_HOME=/srv/app\nWORKDIR $APP_HOME\n"
        "COPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    )
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    text = result.writes[tmp_path / "Dockerfile"]
    assert "WORKDIR /srv/app\n" in text
    assert "COPY --from=builder /srv/app/.venv /srv/app/.venv\n" in text


def test_migrate_keeps_tools_later_commands_run(tmp_path):
    dockerfile = (
        "FROM python:3.12-slim-bookworm\n"
        "RUN apt-get update && apt-get install -y build-essential gcc libffi-dev\n"
        "COPY . .\nRUN pip install -r requirements.txt\nRUN cc -shared -o fast.so fast.c\n"
        'CMD ["make", "serve"]\n'
    )
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    runtime_text = result.writes[tmp_path / "Dockerfile"].split("\n\n", 1)[1]
    assert "apt-get install -y build-essential gcc libffi8\n" in runtime_text


def test_migrate_builder_gets_git_for_vcs(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.12-slim-bookworm\nCOPY requirements.txt .\n"
            "RUN pip install -r requirements.txt\n",
            "requirements.txt": "tool @ git+https://example.com/tool.git@v1\n",
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    builder_text = result.writes[tmp_path / "Dockerfile"].split("\n\n", 1)[0]
    assert "apt-get install -y --no-install-recommends git \\\n" in builder_text


def test_migrate_refuses_shared_folder(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
            "Dockerfile.dev": "FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
            "requirements.txt": REQUIREMENTS,
        },
    )
    before = snapshot(tmp_path)

    process = run_dockermig("migrate", "--format", "json", str(tmp_path))

    rows = json.loads(process.stdout)
    assert [row["outcome"] for row in rows] == ["needs attention", "needs attention"]
    assert "shares its folder" in rows[0]["reason"]
    assert snapshot(tmp_path) == before


def test_migrate_refuses_changing_existing_project(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
            "requirements.txt": REQUIREMENTS,
            "pyproject.toml": '[project]\nname = "lib"\nversion = "1.0"\ndependencies = ["attrs>=22"]\n',
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.NEEDS_ATTENTION
    assert "already describes a project" in result.reason


def test_migrate_symlinked_dockerfile_writes_nothing(tmp_path):
    outside = tmp_path / "outside"
    write_files(outside, {"Dockerfile": ORDERS_BEFORE})
    write_files(tmp_path / "repo", {"requirements.txt": REQUIREMENTS})
    (tmp_path / "repo" / "Dockerfile").symlink_to(outside / "Dockerfile")
    before = snapshot(tmp_path)

    process = run_dockermig("migrate", "--format", "json", str(tmp_path / "repo"))

    assert process.returncode == 2
    [row] = json.loads(process.stdout)
    assert row["outcome"] == "error"
    assert "symbolic link" in row["reason"]
    assert row["notes"] == []
    assert snapshot(tmp_path) == before


def test_migrate_keeps_lock_files_in_context(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.12-slim\nCOPY requirements.txt app.py ./\nRUN pip install -r requirements.txt\n",
            "requirements.txt": REQUIREMENTS,
            ".dockerignore": "*\n!requirements.txt\n!app.py\n",
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.writes[tmp_path / ".dockerignore"] == (
        "*\n!requirements.txt\n!app.py\n!pyproject.toml\n!uv.lock\n"
    )


def test_migrate_debian_release_option(tmp_path):
    write_files(tmp_path, {"Dockerfile": ORDERS_BEFORE, "requirements.txt": REQUIREMENTS})

    process = run_dockermig("migrate", "--diff", "--debian-release", "trixie", str(tmp_path))

    assert process.returncode == 0, process.stderr
    assert "+FROM python:3.11-slim-trixie AS builder" in process.stdout
    assert "+        libpq5 \\" in process.stdout


@pytest.mark.parametrize(
    "from_line, builder_from, runtime_from",
    [
        ("FROM python:3.12", "FROM python:3.12-bookworm AS builder", "FROM python:3.12-bookworm"),
        (
            "FROM python:3.12-slim@sha256:" + "b" * 64,
            "FROM python:3.12-slim@sha256:" + "b" * 64 + " AS builder",
            "FROM python:3.12-slim@sha256:" + "b" * 64,
        ),
        (
            "ARG PYTHON_VERSION=3.12\nFROM python:${PYTHON_VERSION}-slim",
            "FROM python:${PYTHON_VERSION}-slim-bookworm AS builder",
            "FROM python:${PYTHON_VERSION}-slim-bookworm",
        ),
        (
            "FROM --platform=linux/amd64 python:3.12-slim-bookworm AS app",
            "FROM --platform=linux/amd64 python:3.12-slim-bookworm AS builder",
            "FROM --platform=linux/amd64 python:3.12-slim-bookworm AS app",
        ),
    ],
    ids=["full-image", "digest-kept", "version-argument", "platform-and-name"],
)
def test_migrate_base_image_shapes(tmp_path, from_line, builder_from, runtime_from):
    dockerfile = f"{from_line}\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    text = result.writes[tmp_path / "Dockerfile"]
    builder_text, runtime_text = text.split("\n\n", 1)
    assert f"\n{builder_from}\n" in f"\n{builder_text}\n"
    assert runtime_text.startswith(f"{runtime_from}\n")
    pyproject = tomllib.loads(result.writes[tmp_path / "pyproject.toml"])
    assert pyproject["project"]["requires-python"] == "==3.12.*"


def test_migrate_converts_uv_pip_install(tmp_path):
    dockerfile = (
        "FROM python:3.12-slim-bookworm\n"
        "COPY --from=ghcr.io/astral-sh/uv:0.5.0 /uv /bin/uv\n"
        "RUN pip install --no-cache-dir uv\n"
        "COPY requirements.txt .\n"
        "RUN uv pip install --system --no-cache -r requirements.txt\n"
    )
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    runtime_text = result.writes[tmp_path / "Dockerfile"].split("\n\n", 1)[1]
    assert runtime_text == (
        "FROM python:3.12-slim-bookworm\n"
        "COPY requirements.txt .\n"
        "COPY --from=builder /app/.venv /app/.venv\n"
        'ENV PATH="/app/.venv/bin:$PATH"\n'
    )
    pyproject = tomllib.loads(result.writes[tmp_path / "pyproject.toml"])
    assert pyproject["project"]["dependencies"] == ["flask==3.0.3"]


def test_migrate_allows_tools_the_dockerfile_installs(tmp_path):
    dockerfile = (
        "FROM python:3.12-slim-bookworm\n"
        "COPY --chmod=755 gosu /usr/local/bin/gosu\n"
        "COPY requirements.txt .\nRUN pip install -r requirements.txt\n"
        'ENTRYPOINT ["/usr/local/bin/gosu", "nobody", "python", "-m", "app"]\n'
    )
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason


MULTI_STAGE_CASES = [
    (
        "wheels",
        "FROM python:3.11-slim-bookworm AS build\n"
        "RUN apt-get update && apt-get install -y gcc libpq-dev\n"
        "WORKDIR /src\nCOPY requirements.txt .\n"
        "RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt\n"
        "\n"
        "FROM python:3.11-slim-bookworm\n"
        "RUN apt-get update && apt-get install -y libpq5\n"
        "COPY --from=build /wheels /wheels\n"
        "RUN pip install --no-cache /wheels/* && rm -rf /wheels\n"
        'CMD ["python", "-m", "app"]\n',
        "/src/.venv",
        'COPY --from=build /src/.venv /src/.venv\nENV PATH="/src/.venv/bin:$PATH"\nCMD',
    ),
    (
        "prefix",
        "FROM python:3.11-slim-bookworm AS build\nCOPY requirements.txt /\n"
        "RUN pip install --prefix=/install -r /requirements.txt\n"
        "FROM python:3.11-slim-bookworm\nCOPY --from=build /install /usr/local\nCOPY . /app\n",
        "/app/.venv",
        'COPY --from=build /app/.venv /app/.venv\nENV PATH="/app/.venv/bin:$PATH"\nCOPY . /app\n',
    ),
    (
        "venv",
        "FROM python:3.11-slim-bookworm AS build\nRUN python -m venv /opt/venv\n"
        "ENV PATH=/opt/venv/bin:$PATH\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
        "FROM python:3.11-slim-bookworm\nCOPY --from=build /opt/venv /opt/venv\n"
        "ENV PATH=/opt/venv/bin:$PATH\n",
        "/opt/venv",
        "COPY --from=build /opt/venv /opt/venv\nENV PATH=/opt/venv/bin:$PATH\n",
    ),
    (
        "user",
        "FROM python:3.11-slim-bookworm AS build\nCOPY requirements.txt .\n"
        "RUN pip install --user --no-cache-dir -r requirements.txt\n"
        "FROM python:3.11-slim-bookworm\nCOPY --from=build /root/.local /root/.local\n"
        "ENV PATH=/root/.local/bin:$PATH\n",
        "/app/.venv",
        'COPY --from=build /app/.venv /app/.venv\nENV PATH="/app/.venv/bin:$PATH"\nENV PATH=/root/.local/bin:$PATH\n',
    ),
]


@pytest.mark.parametrize(
    "dockerfile, venv, runtime_part",
    [case[1:] for case in MULTI_STAGE_CASES],
    ids=[case[0] for case in MULTI_STAGE_CASES],
)
def test_migrate_two_stage_pip_builds(tmp_path, dockerfile, venv, runtime_part):
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    text = result.writes[tmp_path / "Dockerfile"]
    builder_text, runtime_text = text.split("\n\n", 1)
    assert builder_text.startswith("FROM python:3.11-slim-bookworm AS build\n")
    assert "pip" not in text
    assert runtime_part in runtime_text
    assert f"target={venv.rsplit('/.venv', 1)[0] if venv.endswith('/.venv') else '/app'}/uv.lock" in builder_text
    if venv == "/opt/venv":
        assert "UV_PROJECT_ENVIRONMENT=/opt/venv" in builder_text
    pyproject = tomllib.loads(result.writes[tmp_path / "pyproject.toml"])
    assert pyproject["project"]["dependencies"] == ["flask==3.0.3", "setuptools<81"]


def test_migrate_two_stage_keeps_build_packages(tmp_path):
    write_files(tmp_path, {"Dockerfile": MULTI_STAGE_CASES[0][1], "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    builder_text, runtime_text = result.writes[tmp_path / "Dockerfile"].split("\n\n", 1)
    assert "apt-get install -y --no-install-recommends gcc libpq-dev \\\n" in builder_text
    assert "RUN apt-get update && apt-get install -y libpq5\n" in runtime_text


def test_migrate_alpine_keeps_musl(tmp_path):
    dockerfile = (
        "FROM python:3.12-alpine3.22\n"
        "RUN apk add --no-cache postgresql-dev gcc musl-dev curl\n"
        "WORKDIR /app\nCOPY requirements.txt .\n"
        "RUN apk add --no-cache --virtual .build-deps libffi-dev \\\n"
        "    && pip install --no-cache-dir -r requirements.txt \\\n"
        "    && apk del .build-deps\n"
        'CMD ["python", "-m", "app"]\n'
    )
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    builder_text, runtime_text = result.writes[tmp_path / "Dockerfile"].split("\n\n", 1)
    assert builder_text.startswith("FROM python:3.12-alpine3.22 AS builder\n")
    assert "RUN apk add --no-cache postgresql-dev gcc musl-dev libffi-dev\n" in builder_text
    assert runtime_text == (
        "FROM python:3.12-alpine3.22\n"
        "RUN apk add --no-cache libpq curl\n"
        "WORKDIR /app\nCOPY requirements.txt .\n"
        "COPY --from=builder /app/.venv /app/.venv\n"
        'ENV PATH="/app/.venv/bin:$PATH"\n'
        'CMD ["python", "-m", "app"]\n'
    )


def test_migrate_alpine_pins_release(tmp_path):
    dockerfile = "FROM python:3.12-alpine\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    from dockermig.images import image_data

    latest = image_data()["python"]["latest_alpine"]
    assert result.writes[tmp_path / "Dockerfile"].startswith(f"FROM python:3.12-alpine{latest} AS builder\n")
    assert result.notes[0] == f"pinned python:3.12-alpine to python:3.12-alpine{latest}"


@pytest.mark.parametrize(
    "run, kept",
    [
        ("RUN <<EOF\nset -e\npip install -r requirements.txt\nEOF\n", ""),
        (
            "RUN <<EOF bash\nset -eux\npip install --no-cache-dir -r requirements.txt\n"
            "python -m compileall -q /app\nEOF\n",
            "RUN <<EOF bash\nset -eux\npython -m compileall -q /app\nEOF\n",
        ),
    ],
    ids=["only-pip", "other-commands-kept"],
)
def test_migrate_pip_in_shell_heredoc(tmp_path, run, kept):
    dockerfile = f"# syntax=docker/dockerfile:1\nFROM python:3.12-slim-bookworm\nWORKDIR /app\nCOPY requirements.txt .\n{run}CMD [\"python\"]\n"
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    runtime_text = result.writes[tmp_path / "Dockerfile"].split("\n\n", 1)[1]
    assert runtime_text.endswith(
        'COPY --from=builder /app/.venv /app/.venv\nENV PATH="/app/.venv/bin:$PATH"\n'
        f'{kept}CMD ["python"]\n'
    )


def test_migrate_follows_convention(tmp_path):
    write_files(
        tmp_path,
        {
            "pyproject.toml": '[tool.dockermig]\npython = "3.12"\ndebian-release = "trixie"\n'
            'uv-version = "0.12.5"\nsync = "locked"\nvenv = "/opt/venv"\n',
            "svc/Dockerfile": "FROM python:3.11-slim-bookworm\nCOPY requirements.txt .\n"
            "RUN pip install -r requirements.txt\n",
            "svc/requirements.txt": REQUIREMENTS,
        },
    )

    result = plan_migration(tmp_path / "svc" / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    builder_text, runtime_text = result.writes[tmp_path / "svc" / "Dockerfile"].split("\n\n", 1)
    assert builder_text.startswith(
        "FROM python:3.12-slim-trixie AS builder\nCOPY --from=ghcr.io/astral-sh/uv:0.12.5 /uv /uvx /bin/\n"
    )
    assert "UV_PROJECT_ENVIRONMENT=/opt/venv\n" in builder_text
    assert builder_text.endswith("uv sync --locked --no-dev --no-install-project")
    assert runtime_text.startswith("FROM python:3.12-slim-trixie\n")
    assert "COPY --from=builder /opt/venv /opt/venv\n" in runtime_text
    assert result.notes[:2] == [
        "moved Python 3.11 to 3.12, as the convention asks",
        "moved bookworm to trixie, as the convention asks",
    ]
    pyproject = tomllib.loads(result.writes[tmp_path / "svc" / "pyproject.toml"])
    assert pyproject["project"]["requires-python"] == "==3.12.*"


def test_migrate_uv_image_builder(tmp_path):
    write_files(
        tmp_path,
        {
            ".dockermig.yaml": "builder: uv-image\ndebian-release: trixie\nuv-version: 0.13.9\n",
            "svc/Dockerfile": "FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
            "svc/requirements.txt": REQUIREMENTS,
        },
    )

    result = plan_migration(tmp_path / "svc" / "Dockerfile", run_lock=False)

    builder_text = result.writes[tmp_path / "svc" / "Dockerfile"].split("\n\n", 1)[0]
    assert builder_text.startswith(
        "FROM ghcr.io/astral-sh/uv:0.13.9-python3.12-trixie-slim AS builder\nENV UV_COMPILE_BYTECODE=1"
    )


def test_migrate_uv_image_needs_trixie(tmp_path):
    write_files(
        tmp_path,
        {
            ".dockermig.yaml": "builder: uv-image\n",
            "svc/Dockerfile": "FROM python:3.12-slim-bookworm\nCOPY requirements.txt .\n"
            "RUN pip install -r requirements.txt\n",
            "svc/requirements.txt": REQUIREMENTS,
        },
    )

    result = plan_migration(tmp_path / "svc" / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.NEEDS_ATTENTION
    assert "uv publishes no image for python:3.12-slim-bookworm" in result.reason


def test_migrate_rejects_bad_convention(tmp_path):
    write_files(
        tmp_path,
        {
            "pyproject.toml": '[tool.dockermig]\ndebian-release = "buster"\n',
            "svc/Dockerfile": "FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
            "svc/requirements.txt": REQUIREMENTS,
        },
    )

    process = run_dockermig("migrate", "--format", "json", str(tmp_path / "svc"))

    assert process.returncode == 2
    [row] = json.loads(process.stdout)
    assert row["reason"] == (
        f"{tmp_path / 'pyproject.toml'}: invalid debian-release 'buster'; use one of bookworm, trixie"
    )


PACKAGE_PYPROJECT = """\
[project]
name = "tally"
version = "1.2.0"
requires-python = ">=3.11"
dependencies = ["click==8.1.7"]

[project.scripts]
tally = "tally:main"

[dependency-groups]
dev = ["pytest>=8"]

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
"""


def test_migrate_installs_project_in_two_steps(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.12-slim-bookworm\nWORKDIR /app\nCOPY . .\n"
            "RUN pip install --no-cache-dir -e .\nCMD [\"tally\"]\n",
            "pyproject.toml": PACKAGE_PYPROJECT,
            "tally/__init__.py": "def main():\n    print('tally')\n",
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    builder_text, runtime_text = result.writes[tmp_path / "Dockerfile"].split("\n\n", 1)
    assert builder_text.endswith(
        "uv sync --frozen --no-dev --no-install-project\n"
        "COPY . /app\n"
        "RUN --mount=type=cache,target=/root/.cache/uv \\\n"
        "    uv sync --frozen --no-dev --no-editable"
    )
    assert runtime_text == (
        "FROM python:3.12-slim-bookworm\nWORKDIR /app\nCOPY . .\n"
        'COPY --from=builder /app/.venv /app/.venv\nENV PATH="/app/.venv/bin:$PATH"\n'
        'CMD ["tally"]\n'
    )
    assert "installs the project non-editable, so the runtime needs only the venv" in result.notes
    assert tmp_path / "pyproject.toml" not in result.writes


def test_migrate_poetry_keeps_locked_versions(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nRUN pip install poetry==1.8.3\n"
            "WORKDIR /app\nCOPY pyproject.toml poetry.lock ./\n"
            "RUN poetry config virtualenvs.create false && poetry install --no-root --only main\n"
            "COPY . .\nCMD [\"python\", \"-m\", \"app\"]\n",
            "pyproject.toml": '[tool.poetry]\nname = "app"\nversion = "0.1.0"\ndescription = ""\n'
            'authors = []\npackage-mode = false\n\n[tool.poetry.dependencies]\npython = "^3.11"\n'
            'six = "^1.15"\n',
            "poetry.lock": '[[package]]\nname = "six"\nversion = "1.16.0"\ndescription = ""\n'
            'optional = false\npython-versions = "*"\nfiles = []\n\n[metadata]\n'
            'lock-version = "2.0"\npython-versions = "^3.11"\ncontent-hash = "x"\n',
        },
    )

    result = plan_migration(tmp_path / "Dockerfile")

    assert result.outcome is Outcome.MIGRATED, result.reason
    runtime_text = result.writes[tmp_path / "Dockerfile"].split("\n\n", 1)[1]
    assert "poetry install" not in runtime_text
    assert "pip install" not in runtime_text
    lock = tomllib.loads(result.writes[tmp_path / "uv.lock"])
    versions = {package["name"]: package.get("version") for package in lock["package"]}
    assert versions["six"] == "1.16.0"


def test_migrate_moves_index_credentials_to_secret(tmp_path):
    token = "s3cr3t-t0ken-value"
    dockerfile = (
        "FROM python:3.12-slim-bookworm\n"
        f"ENV PIP_EXTRA_INDEX_URL=https://build:{token}@pypi.corp.example/simple\n"
        "COPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    )
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": "corp-tools==1.0\n"})

    # No lock: the index host is not reachable from the tests.
    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    written = "".join(text for text in result.writes.values() if text)
    assert token not in written
    assert token not in " ".join(result.notes)
    text = result.writes[tmp_path / "Dockerfile"]
    assert "ENV PIP_EXTRA_INDEX_URL" not in text
    assert "--mount=type=secret,id=uv_index_pypi_corp_example_password,target=/run/secrets/uv_index_pypi_corp_example_password" in text
    assert 'UV_INDEX_PYPI_CORP_EXAMPLE_PASSWORD="$(cat /run/secrets/uv_index_pypi_corp_example_password)"' in text
    indexes = tomllib.loads(result.writes[tmp_path / "pyproject.toml"])["tool"]["uv"]["index"]
    assert [index["url"] for index in indexes] == ["https://pypi.corp.example/simple"]
    assert any("docker build --secret id=" in note for note in result.notes)


CHECKED_SHAPES = {
    "apt-split": (ORDERS_BEFORE, {}),
    "two-stage-wheels": (MULTI_STAGE_CASES[0][1], {}),
    "two-stage-venv": (MULTI_STAGE_CASES[2][1], {}),
    "full-image": ("FROM python:3.12\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n", {}),
    "alpine": (
        "FROM python:3.12-alpine3.22\nRUN apk add --no-cache gcc musl-dev libffi-dev\n"
        "COPY requirements.txt .\nRUN pip install -r requirements.txt\n",
        {},
    ),
    "heredoc": (
        "# syntax=docker/dockerfile:1\nFROM python:3.12-slim-bookworm\nWORKDIR /app\n"
        "COPY requirements.txt .\nRUN <<EOF\nset -e\npip install -r requirements.txt\nEOF\n",
        {},
    ),
    "project": (
        "FROM python:3.12-slim-bookworm\nWORKDIR /app\nCOPY . .\nRUN pip install .\nCMD [\"tally\"]\n",
        {"pyproject.toml": PACKAGE_PYPROJECT, "tally/__init__.py": "def main():\n    pass\n"},
    ),
}


@pytest.mark.parametrize("shape", sorted(CHECKED_SHAPES))
def test_migrate_output_passes_check(tmp_path, shape):
    dockerfile, extra = CHECKED_SHAPES[shape]
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS, **extra})
    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)
    assert result.outcome is Outcome.MIGRATED, result.reason
    for path, text in result.writes.items():
        # A lock is not made here (no network in this test); check needs only that it exists.
        path.write_text(text if text is not None else "version = 1\n")

    process = run_dockermig("check", "--format", "json", str(tmp_path / "Dockerfile"))

    findings = json.loads(process.stdout)
    assert [(item["code"], item["message"]) for item in findings if item["severity"] != "info"] == []
    assert process.returncode == 0


def test_migrate_patch_pin_with_chosen_release(tmp_path):
    dockerfile = "FROM python:3.11.9-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False, release="bookworm")

    assert result.outcome is Outcome.MIGRATED, result.reason
    assert result.writes[tmp_path / "Dockerfile"].startswith("FROM python:3.11.9-slim-bookworm AS builder\n")


def test_migrate_no_today_note_for_old_python(tmp_path):
    dockerfile = "FROM python:3.8-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.notes[0] == "pinned python:3.8-slim to python:3.8-slim-bookworm"


def test_migrate_leaves_setuptools_package_metadata(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nCOPY requirements.txt .\n"
            "RUN pip install -r requirements.txt\n",
            "requirements.txt": REQUIREMENTS,
            "setup.py": "from setuptools import setup\nsetup(name='certbot-dns-x', install_requires=['six'])\n",
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.NEEDS_ATTENTION
    assert "holds a setuptools package" in result.reason


def test_migrate_alpine_keeps_libraries_of_undeleted_group(tmp_path):
    dockerfile = (
        "FROM python:3.12-alpine3.22\n"
        "RUN apk add --virtual .build-deps --no-cache mariadb-dev build-base bash\n"
        "COPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    )
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    runtime_text = result.writes[tmp_path / "Dockerfile"].split("\n\n", 1)[1]
    assert "RUN apk add --virtual .build-deps --no-cache mariadb-connector-c bash\n" in runtime_text


def test_migrate_poetry_without_package_folder(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nWORKDIR /app\nCOPY . /app/\n"
            "RUN pip install poetry\n"
            "RUN poetry config virtualenvs.create false && poetry install --no-interaction\n"
            'CMD ["python", "main.py"]\n',
            "pyproject.toml": '[tool.poetry]\nname = "demo-service"\nversion = "0.1.0"\n'
            'description = ""\nauthors = []\n\n[tool.poetry.dependencies]\npython = "^3.11"\n'
            'six = "1.16.0"\n\n[build-system]\nrequires = ["poetry-core"]\n'
            'build-backend = "poetry.core.masonry.api"\n',
            "main.py": "import six\n",
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    text = result.writes[tmp_path / "Dockerfile"]
    assert "--no-editable" not in text
    assert "demo-service has no package folder, so only its dependencies are installed, as Poetry does" in result.notes


DRIFTED_UV = """\
FROM python:3.12-bookworm-slim as builder
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /uvx /bin/
ENV UV_LINK_MODE=copy
WORKDIR /app
RUN --mount=type=cache,target=/root/.cache/uv \\
    uv sync --no-dev --no-install-project

FROM python:3.12-slim-bookworm
COPY --from=builder /app/.venv /app/.venv
"""


def test_migrate_fixes_drift_when_asked(tmp_path):
    write_files(tmp_path, {"Dockerfile": DRIFTED_UV})

    untouched = plan_migration(tmp_path / "Dockerfile", run_lock=False)
    fixed = plan_migration(tmp_path / "Dockerfile", run_lock=False, fix_drift=True)

    assert untouched.outcome is Outcome.UNCHANGED
    assert fixed.outcome is Outcome.MIGRATED
    assert fixed.writes[tmp_path / "Dockerfile"] == DRIFTED_UV.replace(
        "python:3.12-bookworm-slim as builder", "python:3.12-slim-bookworm AS builder"
    ).replace("uv sync --no-dev", "uv sync --frozen --no-dev")
    assert fixed.notes == [
        "line 1: replaced python:3.12-bookworm-slim, which does not exist, with python:3.12-slim-bookworm",
        "line 1: wrote `AS` in the case of FROM",
        "line 5: added --frozen to uv sync, so the image installs what uv.lock records",
    ]


def test_migrate_fix_drift_leaves_clean_file(tmp_path):
    clean = DRIFTED_UV.replace("python:3.12-bookworm-slim as", "python:3.12-slim-bookworm AS").replace(
        "uv sync --no-dev", "uv sync --locked --no-dev"
    )
    write_files(tmp_path, {"Dockerfile": clean})

    process = run_dockermig("migrate", "--fix-drift", "--format", "json", str(tmp_path))

    assert json.loads(process.stdout)[0]["outcome"] == "unchanged"
    assert (tmp_path / "Dockerfile").read_text() == clean


def test_migrate_no_setuptools_for_newer_python(tmp_path):
    dockerfile = "FROM python:3.12-slim-bookworm\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    pyproject = tomllib.loads(result.writes[tmp_path / "pyproject.toml"])
    assert pyproject["project"]["dependencies"] == ["flask==3.0.3"]


def test_migrate_sees_pip_options_before_install(tmp_path):
    dockerfile = "FROM python:3.12-slim-bookworm\nCOPY requirements.txt .\nRUN pip --no-cache-dir install -r requirements.txt\n"
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason


def test_migrate_two_stage_wheels_copied_elsewhere(tmp_path):
    dockerfile = (
        "FROM python:3.12-slim-bookworm AS builder\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip wheel --wheel-dir /app/wheels -r requirements.txt\n"
        "FROM python:3.12-slim-bookworm\nCOPY --from=builder /app/wheels /wheels\n"
        "RUN pip install --no-cache /wheels/*\n"
    )
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason


def test_migrate_image_python_pip_command_allowed(tmp_path):
    dockerfile = (
        "FROM python:3.12-slim-bookworm\nCOPY requirements.txt .\n"
        "RUN /usr/local/bin/python -m pip install --upgrade pip && pip install -r requirements.txt\n"
    )
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason


def test_migrate_diff_marks_missing_newline(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.12-slim-bookworm\nCOPY requirements.txt .\nRUN pip install -r requirements.txt",
            "requirements.txt": REQUIREMENTS,
        },
    )

    process = run_dockermig("migrate", "--diff", str(tmp_path))

    assert "-RUN pip install -r requirements.txt\n\\ No newline at end of file\n" in process.stdout


def test_migrate_translates_index_on_command_line(tmp_path):
    dockerfile = (
        "FROM python:3.12-slim-bookworm\nCOPY requirements.txt .\n"
        "RUN pip install --extra-index-url https://download.example.org/whl/cpu -r requirements.txt\n"
    )
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})

    # No lock: the index host is not reachable from the tests.
    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    indexes = tomllib.loads(result.writes[tmp_path / "pyproject.toml"])["tool"]["uv"]["index"]
    assert [index["url"] for index in indexes] == ["https://download.example.org/whl/cpu"]
    assert any("uv takes each package from the first index that has it" in note for note in result.notes)
