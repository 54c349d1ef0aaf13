"""`dockermig migrate` keeps requirements files and pip.conf files with index credentials out of the image."""

import pytest

from conftest import write_files
from dockermig.companions.lock import MissingCredentialsError, lock_error_from_stderr
from dockermig.migrate.engine import plan_migration
from dockermig.migrate.outcome import Outcome

TOKEN = "glpat-Q1w2E3r4T5y6"
REQUIREMENTS_WITH_TOKEN = (
    f"--extra-index-url https://build:{TOKEN}@pkgs.corp.example/simple\nsix==1.16.0\n"
)
PIP_CONF_WITH_TOKEN = f"[global]\nindex-url = https://build:{TOKEN}@pkgs.corp.example/simple\n"
# The builder stage that every case below gets, up to the runtime's FROM.
BUILDER = """\
FROM python:3.12-slim-bookworm AS builder
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /uvx /bin/
ENV UV_COMPILE_BYTECODE=1 \\
    UV_LINK_MODE=copy \\
    UV_PYTHON_DOWNLOADS=0
WORKDIR /app
RUN --mount=type=cache,target=/root/.cache/uv \\
    --mount=type=secret,id=uv_index_pkgs_corp_example_username,target=/run/secrets/uv_index_pkgs_corp_example_username \\
    --mount=type=secret,id=uv_index_pkgs_corp_example_password,target=/run/secrets/uv_index_pkgs_corp_example_password \\
    --mount=type=bind,source=uv.lock,target=/app/uv.lock \\
    --mount=type=bind,source=pyproject.toml,target=/app/pyproject.toml \\
    UV_INDEX_PKGS_CORP_EXAMPLE_USERNAME="$(cat /run/secrets/uv_index_pkgs_corp_example_username)" \\
    UV_INDEX_PKGS_CORP_EXAMPLE_PASSWORD="$(cat /run/secrets/uv_index_pkgs_corp_example_password)" \\
    uv sync --frozen --no-dev --no-install-project

"""
VENV_COPY = 'COPY --from=builder /app/.venv /app/.venv\nENV PATH="/app/.venv/bin:$PATH"\n'

# (id, files, expected runtime stage, expected .dockerignore)
CASES = [
    (
        "requirements-copy-dropped",
        {
            "Dockerfile": "FROM python:3.12-slim-bookworm\nWORKDIR /app\nCOPY req.txt .\n"
            "RUN pip install -r req.txt\nCOPY . .\nCMD [\"python\", \"app.py\"]\n",
            "req.txt": REQUIREMENTS_WITH_TOKEN,
        },
        "FROM python:3.12-slim-bookworm\nWORKDIR /app\n" + VENV_COPY
        + 'COPY . .\nCMD ["python", "app.py"]\n',
        ".venv\nreq.txt\n",
    ),
    (
        "pip-conf-and-rm-dropped",
        {
            "Dockerfile": "FROM python:3.12-slim-bookworm\nCOPY pip.conf /etc/pip.conf\n"
            "COPY requirements.txt .\nRUN pip install -r requirements.txt && rm /etc/pip.conf\n",
            "pip.conf": PIP_CONF_WITH_TOKEN,
            "requirements.txt": "six==1.16.0\n",
        },
        "FROM python:3.12-slim-bookworm\nCOPY requirements.txt .\n" + VENV_COPY,
        ".venv\npip.conf\n",
    ),
    (
        "shell-form-source-removed",
        {
            "Dockerfile": "FROM python:3.12-slim-bookworm\nWORKDIR /app\n"
            "COPY req.txt \\\n     app.py /app\nRUN pip install -r req.txt\n",
            "req.txt": REQUIREMENTS_WITH_TOKEN,
            "app.py": "",
        },
        # One source is left, so /app gets a "/" to stay a folder.
        "FROM python:3.12-slim-bookworm\nWORKDIR /app\nCOPY app.py /app/\n" + VENV_COPY,
        ".venv\nreq.txt\n",
    ),
    (
        "json-form-source-removed",
        {
            "Dockerfile": "FROM python:3.12-slim-bookworm\n"
            'COPY ["pip.conf", "settings.cfg", "/etc/"]\n'
            "COPY requirements.txt .\nRUN pip install -r requirements.txt\n",
            "pip.conf": PIP_CONF_WITH_TOKEN,
            "settings.cfg": "",
            "requirements.txt": "six==1.16.0\n",
        },
        'FROM python:3.12-slim-bookworm\nCOPY ["settings.cfg", "/etc/"]\n'
        "COPY requirements.txt .\n" + VENV_COPY,
        ".venv\npip.conf\n",
    ),
    (
        "pattern-with-other-files-kept",
        {
            "Dockerfile": "FROM python:3.12-slim-bookworm\nWORKDIR /app\nCOPY *.txt ./\n"
            "RUN pip install -r req.txt\n",
            "req.txt": REQUIREMENTS_WITH_TOKEN,
            "notes.txt": "",
        },
        # .dockerignore keeps req.txt out of what the pattern copies.
        "FROM python:3.12-slim-bookworm\nWORKDIR /app\nCOPY *.txt ./\n" + VENV_COPY,
        ".venv\nreq.txt\n",
    ),
    (
        "existing-dockerignore-extended",
        {
            "Dockerfile": "FROM python:3.12-slim-bookworm\nWORKDIR /app\nCOPY . .\n"
            "RUN pip install -r config/req.txt\n",
            "config/req.txt": REQUIREMENTS_WITH_TOKEN,
            ".dockerignore": "*.log\n!config/\n",
        },
        "FROM python:3.12-slim-bookworm\nWORKDIR /app\nCOPY . .\n" + VENV_COPY,
        "*.log\n!config/\n.venv\nconfig/req.txt\n",
    ),
]


@pytest.mark.parametrize(
    ("files", "runtime", "dockerignore"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_credential_file_kept_out_of_image(tmp_path, files, runtime, dockerignore):
    write_files(tmp_path, files)

    # No lock: the index host is not reachable from the tests.
    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    assert result.writes[tmp_path / "Dockerfile"] == BUILDER + runtime
    assert result.writes[tmp_path / ".dockerignore"] == dockerignore
    written = "".join(text for text in result.writes.values() if text)
    assert TOKEN not in written
    assert TOKEN not in " ".join(result.notes)


def test_credential_file_notes(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.12-slim-bookworm\nCOPY pip.conf /etc/pip.conf\n"
            "COPY requirements.txt .\nRUN pip install -r requirements.txt && rm /etc/pip.conf\n",
            "pip.conf": PIP_CONF_WITH_TOKEN,
            "requirements.txt": "six==1.16.0\n",
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert (
        "dropped line 2 (`COPY pip.conf /etc/pip.conf`) from the runtime stage, because "
        "pip.conf carries index credentials and the uv builder reads only pyproject.toml "
        "and uv.lock"
    ) in result.notes
    assert (
        "dropped line 4 (`RUN rm /etc/pip.conf`), because it only deleted pip.conf, "
        "which the image no longer gets"
    ) in result.notes
    assert (
        ".dockerignore now excludes pip.conf, which carries index credentials, so no "
        "COPY puts them in the image"
    ) in result.notes
    options = (
        "--secret id=uv_index_pkgs_corp_example_username,env=UV_INDEX_PKGS_CORP_EXAMPLE_USERNAME "
        "--secret id=uv_index_pkgs_corp_example_password,env=UV_INDEX_PKGS_CORP_EXAMPLE_PASSWORD"
    )
    [secret_note] = [note for note in result.notes if note.startswith("the index ")]
    assert f"`dockermig build {options}` or `docker build {options}`" in secret_note
    assert "left out of pyproject.toml, uv.lock, the Dockerfile and the image" in secret_note


def test_credential_file_without_token_kept(tmp_path):
    dockerfile = (
        "FROM python:3.12-slim-bookworm\nWORKDIR /app\nCOPY req.txt .\nRUN pip install -r req.txt\n"
    )
    write_files(
        tmp_path,
        {
            "Dockerfile": dockerfile,
            "req.txt": "--extra-index-url https://pkgs.corp.example/simple\nsix==1.16.0\n",
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    assert "\nCOPY req.txt .\n" in result.writes[tmp_path / "Dockerfile"]
    assert result.writes[tmp_path / ".dockerignore"] == ".venv\n"


@pytest.mark.parametrize(
    ("dockerfile", "reason"),
    [
        (
            "FROM python:3.12-slim-bookworm\nCOPY pip.conf /etc/pip.conf\nCOPY requirements.txt .\n"
            'RUN pip install -r requirements.txt\nCMD ["cat", "/etc/pip.conf"]\n',
            "line 5 uses pip.conf, which carries index credentials that must not reach the "
            "image, so the migrated image does not get it; remove that use first",
        ),
        (
            "FROM python:3.12-slim-bookworm\nCOPY pip.conf /etc/pip.conf\nCOPY requirements.txt .\n"
            "RUN pip install -r requirements.txt\nRUN rm /etc/pip.conf /tmp/cache\n",
            "line 5 uses pip.conf, which carries index credentials that must not reach the "
            "image, so the migrated image does not get it; remove that use first",
        ),
    ],
    ids=["later-command-reads-it", "rm-of-other-files-too"],
)
def test_credential_file_still_used_rejected(tmp_path, dockerfile, reason):
    write_files(
        tmp_path,
        {"Dockerfile": dockerfile, "pip.conf": PIP_CONF_WITH_TOKEN, "requirements.txt": "six==1.16.0\n"},
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.NEEDS_ATTENTION
    assert result.reason == reason
    assert TOKEN not in result.reason


def test_lock_error_missing_credentials(tmp_path):
    """uv 0.13.9's output for an index with `authenticate = "always"` and no credentials."""
    stderr = (
        "error: Failed to fetch: http://127.0.0.1:8000/simple/corp-tools/\n"
        "  cause: Missing credentials for: http://127.0.0.1:8000/simple/corp-tools/\n"
    )

    error = lock_error_from_stderr(tmp_path, stderr)

    assert isinstance(error, MissingCredentialsError)
    assert error.url == "http://127.0.0.1:8000/simple/corp-tools/"
    assert "\n" not in str(error)
    assert "UV_INDEX_<NAME>_USERNAME and UV_INDEX_<NAME>_PASSWORD" in str(error)
