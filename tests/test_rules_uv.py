"""Rules DM106-DM115: uv usage inside Dockerfiles."""

from datetime import date
from pathlib import Path

import pytest

from dockermig.check.context import BuildContext
from dockermig.check.registry import find_rule
from dockermig.check.runner import check_text

TODAY = date(2026, 12, 4)
CACHE = "--mount=type=cache,target=/root/.cache/uv"


def findings(
    text: str, code: str, build_context: BuildContext | None = None
) -> list[tuple[str, int]]:
    rule = find_rule(code)
    found = check_text(text, [rule], today=TODAY, build_context=build_context)
    return [(item.code, item.line) for item in found]


def make_context(tmp_path: Path, files: dict[str, str]) -> BuildContext:
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    return BuildContext.load(tmp_path / "Dockerfile", None)


# --- DM106 sync-not-locked ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "FROM python:3.12-slim-trixie\nRUN uv sync\n", [("DM106", 2)], id="bare"
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nRUN uv sync --locked --no-install-project && \\\n    uv sync --no-dev\n",
            [("DM106", 2)],
            id="second-sync-unlocked",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nRUN <<EOF\nset -e\nuv sync --no-dev\nEOF\n",
            [("DM106", 4)],
            id="heredoc",
        ),
    ],
)
def test_dm106_catches(text, expected):
    assert findings(text, "DM106") == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "FROM python:3.12-slim-trixie\nRUN uv sync --locked\n", id="locked"
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nRUN uv sync --frozen --no-dev\n", id="frozen"
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nENV UV_LOCKED=1\nRUN uv sync\n",
            id="env-locked",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nRUN UV_FROZEN=true uv sync\n",
            id="inline-env",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nRUN uv pip install flask\n", id="not-sync"
        ),
        pytest.param("FROM python:3.12-slim-trixie\nRUN echo uv sync\n", id="echo"),
    ],
)
def test_dm106_leaves_alone(text):
    assert findings(text, "DM106") == []


# --- DM107 no-cache-mount ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "FROM python:3.12-slim-trixie\nRUN uv sync --locked\n",
            [("DM107", 2)],
            id="sync",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nRUN uv pip install --system flask\n",
            [("DM107", 2)],
            id="pip-install",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nENV UV_CACHE_DIR=/cache\nRUN --mount=type=cache,target=/root/.cache/uv uv sync --locked\n",
            [("DM107", 3)],
            id="mount-on-wrong-folder",
        ),
    ],
)
def test_dm107_catches(text, expected):
    assert findings(text, "DM107") == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            f"FROM python:3.12-slim-trixie\nRUN {CACHE} uv sync --locked\n",
            id="default-cache",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nENV UV_CACHE_DIR=/cache\nRUN --mount=type=cache,target=/cache uv sync --locked\n",
            id="uv-cache-dir",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nRUN uv sync --locked --no-cache\n",
            id="no-cache-flag",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nENV UV_NO_CACHE=1\nRUN uv sync --locked\n",
            id="no-cache-env",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nRUN --mount=type=cache,target=/home/app/.cache/uv uv sync --locked\n",
            id="non-root-home",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nRUN uv --version\n", id="no-install"
        ),
    ],
)
def test_dm107_leaves_alone(text):
    assert findings(text, "DM107") == []


# --- DM108 cache-link-mode ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            f"FROM python:3.12-slim-trixie\nRUN {CACHE} uv sync --locked\n",
            [("DM108", 2)],
            id="default",
        ),
        pytest.param(
            f"FROM python:3.12-slim-trixie\nENV UV_LINK_MODE=hardlink\nRUN {CACHE} uv pip install flask\n",
            [("DM108", 3)],
            id="hardlink",
        ),
    ],
)
def test_dm108_catches(text, expected):
    assert findings(text, "DM108") == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            f"FROM python:3.12-slim-trixie\nENV UV_LINK_MODE=copy\nRUN {CACHE} uv sync --locked\n",
            id="env",
        ),
        pytest.param(
            f"FROM python:3.12-slim-trixie\nRUN {CACHE} uv sync --locked --link-mode=copy\n",
            id="flag",
        ),
        pytest.param(
            f"FROM python:3.12-slim-trixie\nRUN {CACHE} UV_LINK_MODE=copy uv sync --locked\n",
            id="inline",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nRUN uv sync --locked\n", id="no-cache-mount"
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie AS base\nENV UV_LINK_MODE=copy\nFROM base\n"
            f"RUN {CACHE} uv sync --locked\n",
            id="inherited-env",
        ),
    ],
)
def test_dm108_leaves_alone(text):
    assert findings(text, "DM108") == []


# --- DM109 python-downloads ---


def test_dm109_catches_default_downloads():
    text = (
        "FROM python:3.12-slim-trixie AS builder\nWORKDIR /app\nRUN uv sync --locked\n"
        "FROM python:3.12-slim-trixie\nCOPY --from=builder /app /app\n"
    )
    assert findings(text, "DM109") == [("DM109", 3)]


def test_dm109_catches_debian_builder():
    text = (
        "FROM debian:trixie-slim AS builder\nCOPY --from=ghcr.io/astral-sh/uv:0.9.5 /uv /bin/\n"
        "WORKDIR /app\nRUN uv sync --locked\nFROM debian:trixie-slim\nCOPY --from=builder /app/.venv /app/.venv\n"
    )
    assert findings(text, "DM109") == [("DM109", 4)]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "FROM python:3.12-slim-trixie AS builder\nENV UV_PYTHON_DOWNLOADS=0\nWORKDIR /app\nRUN uv sync --locked\n"
            "FROM python:3.12-slim-trixie\nCOPY --from=builder /app /app\n",
            id="downloads-off",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie AS builder\nWORKDIR /app\nRUN uv sync --locked --no-python-downloads\n"
            "FROM python:3.12-slim-trixie\nCOPY --from=builder /app /app\n",
            id="flag",
        ),
        pytest.param(
            "FROM debian:trixie-slim AS builder\nENV UV_PYTHON_INSTALL_DIR=/python\nWORKDIR /app\n"
            "RUN uv python install 3.12 && uv sync --locked\nFROM debian:trixie-slim\n"
            "COPY --from=builder /python /python\nCOPY --from=builder /app /app\n",
            id="managed-python-copied",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie AS builder\nRUN python -m venv /venv\n"
            "FROM python:3.12-slim-trixie\nCOPY --from=builder /venv /venv\n",
            id="not-uv",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nRUN uv sync --locked\n", id="single-stage"
        ),
    ],
)
def test_dm109_leaves_alone(text):
    assert findings(text, "DM109") == []


# --- DM110 venv-overwritten ---

OVERWRITE = (
    "FROM python:3.12-slim-trixie AS builder\nWORKDIR /app\nRUN uv sync --locked\n"
    "FROM python:3.12-slim-trixie\nWORKDIR /app\nCOPY --from=builder /app/.venv /app/.venv\nCOPY . .\n"
)


def test_dm110_catches_without_dockerignore(tmp_path):
    assert findings(OVERWRITE, "DM110", make_context(tmp_path, {})) == [("DM110", 7)]


def test_dm110_catches_dockerignore_without_venv(tmp_path):
    context = make_context(tmp_path, {".dockerignore": "__pycache__\n"})
    assert findings(OVERWRITE, "DM110", context) == [("DM110", 7)]


def test_dm110_catches_absolute_destination(tmp_path):
    text = OVERWRITE.replace("COPY . .", "COPY ./ /app/")
    assert findings(text, "DM110", make_context(tmp_path, {})) == [("DM110", 7)]


@pytest.mark.parametrize(
    ("text", "ignore"),
    [
        pytest.param(OVERWRITE, ".venv\n", id="ignored"),
        pytest.param(OVERWRITE, "**/.venv\n", id="ignored-glob"),
        pytest.param(
            OVERWRITE.replace("COPY . .", "COPY . /srv"), "", id="other-folder"
        ),
        pytest.param(
            OVERWRITE.replace(
                "COPY --from=builder /app/.venv /app/.venv\nCOPY . .\n",
                "COPY . .\nCOPY --from=builder /app/.venv /app/.venv\n",
            ),
            "",
            id="copy-before-venv",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nWORKDIR /app\nRUN uv sync --locked --no-install-project\n"
            "COPY . .\nRUN uv sync --locked\n",
            "",
            id="builder-syncs-again",
        ),
    ],
)
def test_dm110_leaves_alone(tmp_path, text, ignore):
    context = make_context(tmp_path, {".dockerignore": ignore} if ignore else {})
    assert findings(text, "DM110", context) == []


def test_dm110_names_dockerfile_ignore_file(tmp_path):
    context = make_context(
        tmp_path, {".dockerignore": ".venv\n", "Dockerfile.dockerignore": "*.pyc\n"}
    )
    found = check_text(OVERWRITE, [find_rule("DM110")], today=TODAY, build_context=context)
    assert [(item.code, item.line) for item in found] == [("DM110", 7)]
    assert "Dockerfile.dockerignore does not exclude .venv" in found[0].message
    assert found[0].fix == "add `.venv` to Dockerfile.dockerignore"


def test_dm110_leaves_alone_dockerfile_ignore_file(tmp_path):
    context = make_context(tmp_path, {"Dockerfile.dockerignore": ".venv\n"})
    assert findings(OVERWRITE, "DM110", context) == []


def test_dm110_leaves_alone_without_context():
    assert findings(OVERWRITE, "DM110", None) == []


# --- DM111 missing-build-file ---

LOCKED_BUILD = (
    "FROM python:3.12-slim-trixie\nWORKDIR /app\n"
    "RUN --mount=type=bind,source=uv.lock,target=uv.lock \\\n"
    "    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \\\n"
    "    uv sync --locked --no-install-project\n"
    "COPY src ./src\n"
)


def test_dm111_catches_missing_lock(tmp_path):
    context = make_context(
        tmp_path, {"pyproject.toml": "[project]\nname='x'\n", "src/app.py": ""}
    )
    assert findings(LOCKED_BUILD, "DM111", context) == [("DM111", 3)]


def test_dm111_catches_missing_copy_source(tmp_path):
    context = make_context(tmp_path, {"uv.lock": "", "pyproject.toml": ""})
    assert findings(LOCKED_BUILD, "DM111", context) == [("DM111", 6)]


def test_dm111_catches_ignored_bind_mount(tmp_path):
    files = {
        "uv.lock": "",
        "pyproject.toml": "",
        "src/app.py": "",
        ".dockerignore": "*.lock\n",
    }
    assert findings(LOCKED_BUILD, "DM111", make_context(tmp_path, files)) == [
        ("DM111", 3)
    ]


@pytest.mark.parametrize(
    "files",
    [
        pytest.param(
            {"uv.lock": "", "pyproject.toml": "", "src/app.py": ""}, id="all-present"
        ),
        pytest.param(
            {
                "uv.lock": "",
                "pyproject.toml": "",
                "src/app.py": "",
                ".dockerignore": ".venv\n",
            },
            id="ignore-other",
        ),
        pytest.param({"README.md": ""}, id="context-elsewhere"),
    ],
)
def test_dm111_leaves_alone(tmp_path, files):
    assert findings(LOCKED_BUILD, "DM111", make_context(tmp_path, files)) == []


def test_dm111_leaves_alone_globs_urls_and_variables(tmp_path):
    text = (
        "FROM python:3.12-slim-trixie\nCOPY *.toml ./\nADD https://example.com/x.tar.gz /tmp/\n"
        "COPY $SRC /app\nCOPY --from=builder /nothing /nothing\n"
    )
    assert findings(text, "DM111", make_context(tmp_path, {"pyproject.toml": ""})) == []


# --- DM112 editable-venv-copy ---

EDITABLE = (
    "FROM python:3.12-slim-trixie AS builder\nWORKDIR /app\nCOPY . .\nRUN uv sync --locked\n"
    "FROM python:3.12-slim-trixie\nCOPY --from=builder /app/.venv /app/.venv\n"
)
PACKAGED = "[project]\nname = 'app'\n[build-system]\nrequires = ['uv_build']\nbuild-backend = 'uv_build'\n"


def test_dm112_catches_packaged_project(tmp_path):
    context = make_context(tmp_path, {"pyproject.toml": PACKAGED})
    assert findings(EDITABLE, "DM112", context) == [("DM112", 6)]


def test_dm112_catches_unknown_project():
    assert findings(EDITABLE, "DM112") == [("DM112", 6)]


@pytest.mark.parametrize(
    ("text", "pyproject"),
    [
        pytest.param(
            EDITABLE.replace("--locked", "--locked --no-editable"),
            PACKAGED,
            id="no-editable",
        ),
        pytest.param(
            EDITABLE.replace("WORKDIR /app\n", "WORKDIR /app\nENV UV_NO_EDITABLE=1\n"),
            PACKAGED,
            id="env",
        ),
        pytest.param(
            EDITABLE.replace("/app/.venv /app/.venv", "/app /app"),
            PACKAGED,
            id="whole-project",
        ),
        pytest.param(EDITABLE, "[project]\nname = 'app'\n", id="no-build-system"),
        pytest.param(
            EDITABLE, PACKAGED + "[tool.uv]\npackage = false\n", id="package-false"
        ),
        pytest.param(
            EDITABLE.replace("--locked", "--locked --no-install-project"),
            PACKAGED,
            id="deps-only",
        ),
    ],
)
def test_dm112_leaves_alone(tmp_path, text, pyproject):
    context = make_context(tmp_path, {"pyproject.toml": pyproject})
    assert findings(text, "DM112", context) == []


# --- DM113 pip-installs-uv ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "FROM python:3.12-slim-trixie\nRUN pip install uv\n",
            [("DM113", 2)],
            id="pip",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nRUN python -m pip install --no-cache-dir uv==0.9.5 && uv sync\n",
            [("DM113", 2)],
            id="python-m-pip-pinned",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nRUN pipx install uv\n",
            [("DM113", 2)],
            id="pipx",
        ),
    ],
)
def test_dm113_catches(text, expected):
    assert findings(text, "DM113") == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "FROM python:3.12-slim-trixie\nCOPY --from=ghcr.io/astral-sh/uv:0.9.5 /uv /bin/\n",
            id="copy",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nRUN pip install uvicorn\n", id="uvicorn"
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nRUN uv pip install flask\n", id="uv-pip"
        ),
    ],
)
def test_dm113_leaves_alone(text):
    assert findings(text, "DM113") == []


# --- DM114 pip-install ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n",
            [("DM114", 3)],
            id="requirements",
        ),
        pytest.param(
            "FROM python:3.11\nRUN pip3 install flask gunicorn\n",
            [("DM114", 2)],
            id="packages",
        ),
    ],
)
def test_dm114_catches(text, expected):
    assert findings(text, "DM114") == expected


def test_dm114_marks_migrate_fix():
    found = check_text(
        "FROM python:3.11\nRUN pip install flask\n", [find_rule("DM114")], today=TODAY
    )
    assert found[0].migrate_fixes


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "FROM python:3.12-slim\nRUN pip install --upgrade pip setuptools wheel\n",
            id="tooling",
        ),
        pytest.param("FROM node:22\nRUN pip install flask\n", id="not-python-image"),
        pytest.param(
            "FROM python:3.12-slim\nRUN uv pip install --system flask\n", id="uv-pip"
        ),
        pytest.param("FROM python:3.12-slim\nRUN pip --version\n", id="no-install"),
    ],
)
def test_dm114_leaves_alone(text):
    assert findings(text, "DM114") == []


# --- DM115 uv-run-without-uv ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            'FROM python:3.12-slim-trixie\nCOPY --from=builder /app /app\nCMD ["uv", "run", "app"]\n',
            [("DM115", 3)],
            id="exec-form",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nENTRYPOINT uv run --no-sync app\n",
            [("DM115", 2)],
            id="shell-form",
        ),
    ],
)
def test_dm115_catches(text, expected):
    assert findings(text, "DM115") == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            'FROM python:3.12-slim-trixie\nCOPY --from=ghcr.io/astral-sh/uv:0.9.5 /uv /uvx /bin/\nCMD ["uv", "run", "app"]\n',
            id="uv-copied",
        ),
        pytest.param(
            'FROM ghcr.io/astral-sh/uv:python3.12-trixie-slim\nCMD ["uv", "run", "app"]\n',
            id="uv-image",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie AS base\nCOPY --from=ghcr.io/astral-sh/uv:0.9.5 /uv /bin/uv\n"
            'FROM base\nCMD ["uv", "run", "app"]\n',
            id="inherited",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nRUN pip install uv\nCMD uv run app\n",
            id="pip-installed",
        ),
        pytest.param('FROM python:3.12-slim-trixie\nCMD ["app"]\n', id="no-uv-run"),
    ],
)
def test_dm115_leaves_alone(text):
    assert findings(text, "DM115") == []
