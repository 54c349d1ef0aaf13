"""`dockermig migrate` on shapes where a rewrite is easy to get wrong.

Installers that pip installs and a later command runs, images that install
no packages, a Python version that the dependency files disagree on, the
setuptools that old python images ship, and a folder shared with another
Dockerfile.
"""

import json
import tomllib

import pytest

from conftest import run_dockermig, snapshot, write_files
from dockermig.migrate.engine import plan_migration
from dockermig.migrate.outcome import Outcome

POETRY_PYPROJECT = """\
[tool.poetry]
name = "ledger"
version = "0.1.0"
description = ""
authors = []

[tool.poetry.dependencies]
python = "{python}"
six = "^1.16.0"
"""

POETRY_LOCK = """\
[[package]]
name = "six"
version = "1.16.0"
description = ""
optional = false
python-versions = "*"
files = []

[metadata]
lock-version = "2.0"
python-versions = "^3.11"
content-hash = "0"
"""

PIPFILE = """\
[[source]]
url = "https://pypi.org/simple"
verify_ssl = true
name = "pypi"

[packages]
{package} = "=={version}"

[requires]
{requires}
"""

PIPFILE_LOCK = """\
{{
    "_meta": {{"requires": {{}}, "sources": []}},
    "default": {{"{package}": {{"version": "=={version}"}}}},
    "develop": {{}}
}}
"""

PIPENV_DOCKERFILE = """\
FROM python:3.11-slim-bookworm
WORKDIR /app
COPY Pipfile Pipfile.lock ./
RUN pip install pipenv && pipenv install --system --deploy
COPY . .
CMD ["python", "-m", "tally"]
"""

PIPENV_AFTER_RUNTIME = """\
FROM python:3.11-slim-bookworm
WORKDIR /app
COPY Pipfile Pipfile.lock ./
COPY --from=builder /app/.venv /app/.venv
ENV PATH="/app/.venv/bin:$PATH"
COPY . .
CMD ["python", "-m", "tally"]
"""

SETUPTOOLS_NOTE = (
    "added setuptools<81 to the dependencies: the python 3.11 image ships "
    "setuptools, and some packages import pkg_resources without declaring it"
)


def _pipenv_files(package: str, version: str, requires: str) -> dict[str, str]:
    return {
        "Dockerfile": PIPENV_DOCKERFILE,
        "Pipfile": PIPFILE.format(package=package, version=version, requires=requires),
        "Pipfile.lock": PIPFILE_LOCK.format(package=package, version=version),
    }


# (id, files, outcome, text the reason must contain)
LEFT_ALONE = [
    (
        "pip-upgrades-itself-only",
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nRUN pip install --upgrade pip\n"
            "WORKDIR /work\nCOPY requirements.txt /work\n",
            "requirements.txt": "six==1.16.0\n",
        },
        Outcome.SKIPPED,
        "pip installs only pip, setuptools or wheel, and no packages for the app, "
        "so there is no venv to build",
    ),
    (
        "pip-upgrades-tooling-only",
        {
            "Dockerfile": "FROM python:3.12-slim-bookworm\n"
            'RUN python -m pip install -U pip setuptools wheel\nCMD ["python"]\n',
        },
        Outcome.SKIPPED,
        "pip installs only pip, setuptools or wheel",
    ),
    (
        "poetry-only-for-export",
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nWORKDIR /tmp\n"
            'RUN pip install "poetry==1.8.5"\nCOPY pyproject.toml poetry.lock* /tmp/\n'
            "RUN poetry export -f requirements.txt --output requirements.txt\n",
            "pyproject.toml": POETRY_PYPROJECT.format(python="^3.11"),
            "poetry.lock": POETRY_LOCK,
        },
        Outcome.SKIPPED,
        "pip installs only poetry, which line 5 runs, and no packages for the app",
    ),
    (
        "tool-installed-and-run-later",
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nWORKDIR /app\n"
            "COPY requirements.txt .\nRUN pip install pip-tools && pip install -r requirements.txt\n"
            "COPY requirements.in .\nRUN pip-compile --dry-run requirements.in\n",
            "requirements.txt": "six==1.16.0\n",
            "requirements.in": "six\n",
        },
        Outcome.NEEDS_ATTENTION,
        "line 4 installs pip-tools with pip, and line 6 still runs it, but the "
        "migrated image has only the venv from uv.lock and no pip-tools",
    ),
    (
        "poetry-run-in-command",
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nWORKDIR /app\nCOPY . .\n"
            "RUN pip install poetry && poetry config virtualenvs.create false "
            "&& poetry install --no-root\n"
            'CMD ["poetry", "run", "python", "-m", "ledger"]\n',
            "pyproject.toml": POETRY_PYPROJECT.format(python="^3.11"),
            "poetry.lock": POETRY_LOCK,
        },
        Outcome.NEEDS_ATTENTION,
        "line 4 installs poetry with pip, and line 5 still runs it",
    ),
    (
        "requirements-from-poetry-export",
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nWORKDIR /code\n"
            "COPY poetry.lock pyproject.toml /tmp/\nRUN pip install poetry\n"
            "RUN cd /tmp && poetry export -f requirements.txt -o requirements.txt\n"
            "RUN pip install -r /tmp/requirements.txt\nCOPY . /code\n",
            "pyproject.toml": POETRY_PYPROJECT.format(python="^3.11"),
            "poetry.lock": POETRY_LOCK,
        },
        Outcome.NEEDS_ATTENTION,
        "line 6 installs /tmp/requirements.txt, which line 5 generates with `poetry "
        "export` at build time, and dockermig reads requirements only from files in "
        "the build context; install from pyproject.toml and poetry.lock with `poetry "
        "install`",
    ),
    (
        "requirements-from-redirect",
        {
            "Dockerfile": "FROM python:3.12-slim-bookworm\nWORKDIR /srv\nCOPY base.txt .\n"
            "RUN cat base.txt > all.txt\nRUN pip install -r /srv/all.txt\n",
            "base.txt": "six==1.16.0\n",
        },
        Outcome.NEEDS_ATTENTION,
        "line 5 installs /srv/all.txt, which line 4 generates with `cat base.txt` at "
        "build time, and dockermig reads requirements only from files in the build "
        "context; commit the generated file and COPY it in",
    ),
    (
        "poetry-install-without-poetry-table",
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nWORKDIR /app\nCOPY . /app\n"
            'RUN pip install "poetry==1.7.0" \\\n    && poetry config virtualenvs.create false \\\n'
            "    && poetry install --no-interaction\n",
            "pyproject.toml": "[tool.black]\nline-length = 100\n",
        },
        Outcome.NEEDS_ATTENTION,
        "line 4 runs `poetry install`, but {root}/pyproject.toml has no [tool.poetry] "
        "or [project] table to install",
    ),
    (
        "pipenv-install-without-pipfile",
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nWORKDIR /app\nCOPY . /app\n"
            "RUN pip install pipenv && pipenv install --system\n",
        },
        Outcome.NEEDS_ATTENTION,
        "line 4 runs `pipenv install`, but {root} has no Pipfile or Pipfile.lock to read",
    ),
    (
        "install-project-without-project-table",
        {
            "Dockerfile": "FROM python:3.12-slim-bookworm\nWORKDIR /app\nCOPY . .\n"
            "RUN pip install .\n",
            "pyproject.toml": "[tool.ruff]\nline-length = 100\n",
        },
        Outcome.NEEDS_ATTENTION,
        "line 4 installs the project in /app, but {root}/pyproject.toml has no "
        "[project] table and {root} has no setup.py or setup.cfg to read it from",
    ),
    (
        "poetry-python-excludes-image",
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nWORKDIR /app\nCOPY . .\n"
            "RUN pip install poetry && poetry install --no-root\n",
            "pyproject.toml": POETRY_PYPROJECT.format(python="^3.12"),
            "poetry.lock": POETRY_LOCK,
        },
        Outcome.NEEDS_ATTENTION,
        "{root}/pyproject.toml: [tool.poetry.dependencies] python allows only "
        ">=3.12,<4.0, which excludes the image's Python 3.11",
    ),
    (
        "project-python-excludes-image",
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nWORKDIR /app\nCOPY . .\n"
            "RUN pip install .\n",
            "pyproject.toml": '[project]\nname = "ledger"\nversion = "1.0"\n'
            'requires-python = ">=3.12"\ndependencies = ["six==1.16.0"]\n',
        },
        Outcome.NEEDS_ATTENTION,
        "{root}/pyproject.toml sets requires-python = '>=3.12', which excludes the "
        "image's Python 3.11",
    ),
    (
        "project-python-excludes-patch-tag",
        {
            "Dockerfile": "FROM python:3.11.4-slim-bookworm\nWORKDIR /app\nCOPY . .\n"
            "RUN pip install .\n",
            "pyproject.toml": '[project]\nname = "ledger"\nversion = "1.0"\n'
            'requires-python = ">=3.11.6"\ndependencies = ["six==1.16.0"]\n',
        },
        Outcome.NEEDS_ATTENTION,
        "which excludes the image's Python 3.11.4",
    ),
    (
        "requirements-beside-poetry-project",
        {
            "Dockerfile": "FROM python:3.12-slim-bookworm\nCOPY requirements.txt .\n"
            "RUN pip install -r requirements.txt\n",
            "requirements.txt": "six==1.16.0\n",
            "pyproject.toml": POETRY_PYPROJECT.format(python="^3.12"),
        },
        Outcome.NEEDS_ATTENTION,
        "{root}/pyproject.toml describes a Poetry project, but the image installs "
        "requirements files and not that project",
    ),
]


@pytest.mark.parametrize(
    "files, outcome, reason",
    [case[1:] for case in LEFT_ALONE],
    ids=[case[0] for case in LEFT_ALONE],
)
def test_migrate_leaves_shape_alone(tmp_path, files, outcome, reason):
    write_files(tmp_path, files)
    before = snapshot(tmp_path)

    process = run_dockermig("migrate", "--format", "json", str(tmp_path))

    assert process.returncode == 0, process.stderr
    [row] = json.loads(process.stdout)
    assert row["outcome"] == outcome.value
    assert reason.format(root=tmp_path) in row["reason"]
    assert snapshot(tmp_path) == before


def test_migrate_pipfile_python_follows_image(tmp_path):
    write_files(
        tmp_path,
        _pipenv_files(
            "six", "1.16.0", 'python_version = "3.12"\npython_full_version = "3.12.1"'
        ),
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    assert result.writes[tmp_path / "pyproject.toml"] == (
        "[project]\n"
        f'name = "{tmp_path.name.lower().replace("_", "-")}"\n'
        'version = "0.1.0"\n'
        'requires-python = "==3.11.*"\n'
        "dependencies = [\n"
        '    "six==1.16.0",\n'
        '    "setuptools<81",\n'
        "]\n"
    )
    assert (
        result.writes[tmp_path / "Dockerfile"].split("\n\n", 1)[1]
        == PIPENV_AFTER_RUNTIME
    )
    assert (
        "requires-python is ==3.11.*, the image's Python, although the Pipfile asks "
        "for Python 3.12.1"
    ) in result.notes


def test_migrate_pipfile_same_minor_no_note(tmp_path):
    write_files(tmp_path, _pipenv_files("six", "1.16.0", 'python_version = "3.11"'))

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    pyproject = tomllib.loads(result.writes[tmp_path / "pyproject.toml"])
    assert pyproject["project"]["requires-python"] == "==3.11.*"
    assert not any("Pipfile asks for Python" in note for note in result.notes)


def test_migrate_pipfile_gets_image_setuptools(tmp_path):
    write_files(
        tmp_path, _pipenv_files("drf-yasg", "1.21.7", 'python_version = "3.11"')
    )

    result = plan_migration(tmp_path / "Dockerfile")

    assert result.outcome is Outcome.MIGRATED, result.reason
    pyproject = tomllib.loads(result.writes[tmp_path / "pyproject.toml"])
    assert pyproject["project"]["dependencies"] == ["drf-yasg==1.21.7", "setuptools<81"]
    assert SETUPTOOLS_NOTE in result.notes
    lock = tomllib.loads(result.writes[tmp_path / "uv.lock"])
    versions = {package["name"]: package.get("version") for package in lock["package"]}
    assert versions["drf-yasg"] == "1.21.7"
    assert int(versions["setuptools"].split(".")[0]) < 81


def test_migrate_poetry_gets_image_setuptools(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nWORKDIR /app\n"
            "COPY pyproject.toml poetry.lock ./\n"
            "RUN pip install poetry && poetry install --no-root\n",
            "pyproject.toml": POETRY_PYPROJECT.format(python="^3.11"),
            "poetry.lock": POETRY_LOCK,
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    pyproject = tomllib.loads(result.writes[tmp_path / "pyproject.toml"])
    assert pyproject["project"]["requires-python"] == ">=3.11,<4.0"
    assert pyproject["project"]["dependencies"] == [
        "six>=1.16.0,<2.0.0",
        "setuptools<81",
    ]
    assert SETUPTOOLS_NOTE in result.notes


def test_migrate_poetry_keeps_newer_locked_setuptools(tmp_path):
    lock = POETRY_LOCK.replace(
        "[metadata]",
        '[[package]]\nname = "setuptools"\nversion = "82.0.0"\ndescription = ""\n'
        'optional = false\npython-versions = "*"\nfiles = []\n\n[metadata]',
    )
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nWORKDIR /app\n"
            "COPY pyproject.toml poetry.lock ./\n"
            "RUN pip install poetry && poetry install --no-root\n",
            "pyproject.toml": POETRY_PYPROJECT.format(python="^3.11"),
            "poetry.lock": lock,
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    pyproject = tomllib.loads(result.writes[tmp_path / "pyproject.toml"])
    assert pyproject["project"]["dependencies"][-1] == "setuptools"


def test_migrate_extra_index_gets_image_setuptools(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nCOPY requirements.txt .\n"
            "RUN pip install --extra-index-url https://wheels.example.org/simple "
            "-r requirements.txt\n",
            "requirements.txt": "six==1.16.0\n",
        },
    )

    # No lock: the index host is not reachable from the tests.
    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    pyproject = tomllib.loads(result.writes[tmp_path / "pyproject.toml"])
    assert pyproject["project"]["dependencies"] == ["six==1.16.0", "setuptools<81"]
    assert SETUPTOOLS_NOTE in result.notes


def test_migrate_existing_project_table_gets_note(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nWORKDIR /app\nCOPY . .\n"
            "RUN pip install .\n",
            "pyproject.toml": '[project]\nname = "ledger"\nversion = "1.0"\n'
            'requires-python = ">=3.10"\ndependencies = ["six==1.16.0"]\n',
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    assert tmp_path / "pyproject.toml" not in result.writes
    assert (
        "the python 3.11 image ships setuptools, but the venv has it only when a "
        "dependency requires it, and the [project] table of pyproject.toml belongs "
        "to the project; add setuptools<81 to its dependencies if a package imports "
        "pkg_resources"
    ) in result.notes


NGINX_DOCKERFILE = "FROM nginx:1.27\nCOPY nginx.conf /etc/nginx/nginx.conf\n"
APP_DOCKERFILE = (
    "FROM python:3.12-slim-bookworm\nWORKDIR /app\nCOPY requirements.txt .\n"
    "RUN pip install -r requirements.txt\nCOPY . .\n"
)


def test_migrate_beside_nginx_dockerfile(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile.app": APP_DOCKERFILE,
            "Dockerfile.web": NGINX_DOCKERFILE,
            "nginx.conf": "events {}\n",
            "requirements.txt": "six==1.16.0\n",
        },
    )

    result = plan_migration(tmp_path / "Dockerfile.app", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    assert (
        "Dockerfile.web shares the folder and its .dockerignore, but it is not a "
        "Python image and copies none of the files migrate writes"
    ) in result.notes


@pytest.mark.parametrize(
    "neighbour, reason",
    [
        (
            "FROM nginx:1.27\nCOPY . /usr/share/nginx/html\n",
            "with Dockerfile.web, whose line 2 copies . from the build context, which "
            "would then include the files migrate writes",
        ),
        (
            "FROM nginx:1.27\nCOPY *.toml /etc/app/\n",
            "whose line 2 copies *.toml from the build context",
        ),
        (
            "FROM python:3.12-slim-bookworm\nCOPY app.py /\n",
            "with Dockerfile.web, whose line 1 builds on python:3.12-slim-bookworm, a "
            "Python image that would use the same files",
        ),
        (
            "FROM debian:bookworm-slim\nRUN apt-get install -y python3-pip && pip install six\n",
            "whose line 2 runs Python packaging tools that would use the same files",
        ),
    ],
    ids=["copies-context", "copies-glob", "python-image", "runs-pip"],
)
def test_migrate_refuses_affected_neighbour(tmp_path, neighbour, reason):
    write_files(
        tmp_path,
        {
            "Dockerfile.app": APP_DOCKERFILE,
            "Dockerfile.web": neighbour,
            "app.py": "",
            "requirements.txt": "six==1.16.0\n",
        },
    )

    result = plan_migration(tmp_path / "Dockerfile.app", run_lock=False)

    assert result.outcome is Outcome.NEEDS_ATTENTION
    assert reason in result.reason
    assert result.reason.endswith("give each Dockerfile its own folder first")
