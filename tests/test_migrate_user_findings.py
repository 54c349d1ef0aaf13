"""`dockermig migrate` on shapes that a new user reported.

The pip side: hash-pinned requirements, pip config files mounted at build
time, pip uninstall and upgrade commands, index options on one of several pip
commands and build arguments in pip's arguments. The image side: a private
index without setuptools, a venv made with `python -m venv`, comments inside a
rewritten RUN and ONBUILD installs. Last, the lock files of Poetry and Pipenv.
"""

import base64
import functools
import hashlib
import http.server
import io
import json
import threading
import tomllib
import zipfile

import pytest

from conftest import run_dockermig, snapshot, write_files
from dockermig.migrate.engine import plan_migration
from dockermig.migrate.outcome import Outcome

# The sha256 of six-1.16.0-py2.py3-none-any.whl on PyPI.
SIX_WHEEL_HASH = "8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254"

REFUSED = [
    (
        "hash-mismatch",
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nCOPY requirements.txt .\n"
            "RUN pip install --require-hashes -r requirements.txt\n",
            "requirements.txt": "six==1.16.0 \\\n    --hash=sha256:" + "0" * 64 + "\n",
        },
        "six: none of the --hash values of `six==1.16.0` matches a file that uv.lock "
        "records for six 1.16.0, so pip would have refused to install it",
    ),
    (
        "pip-conf-secret",
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nCOPY requirements.txt .\n"
            "RUN --mount=type=secret,id=pipconf,target=/etc/pip.conf "
            "pip install -r requirements.txt\n",
            "requirements.txt": "six==1.16.0\n",
        },
        "line 3: pip reads index settings from /etc/pip.conf, which the secret mount "
        "gives it only at build time and dockermig cannot see, so uv.lock would resolve "
        "from PyPI; write the index URL (without credentials) into requirements.txt or "
        "the Dockerfile, and pass the credentials as a build secret",
    ),
    (
        "pip-config-file-bind",
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\n"
            "RUN --mount=type=bind,source=conf/pip.ini,target=/tmp/pip.cfg "
            "PIP_CONFIG_FILE=/tmp/pip.cfg pip install six==1.16.0\n",
            "conf/pip.ini": "[global]\nindex-url = https://pypi.example.org/simple\n",
        },
        "line 2: pip reads index settings from /tmp/pip.cfg, which the bind mount gives "
        "it only at build time",
    ),
    (
        "index-url-secret-env",
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\n"
            "RUN --mount=type=secret,id=index,env=PIP_INDEX_URL pip install six==1.16.0\n",
        },
        "line 2: pip reads index settings from PIP_INDEX_URL from a secret, which the "
        "secret mount gives it only at build time",
    ),
    (
        "uninstall-after-install",
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\n"
            "RUN pip install six==1.16.0 attrs==23.1.0 && pip uninstall -y attrs\n",
        },
        "line 2: `pip uninstall` removes attrs after the installs, but uv.lock would "
        "still install them into the venv; remove them from the installs instead",
    ),
    (
        "uninstall-own-run",
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\n"
            "RUN pip install six==1.16.0 attrs==23.1.0\n"
            "RUN python -m pip uninstall --yes attrs\n",
        },
        "line 3: `pip uninstall` removes attrs after the installs",
    ),
    (
        "upgrade-after-pin",
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nCOPY requirements.txt .\n"
            "RUN pip install -r requirements.txt\nRUN pip install -U six\n",
            "requirements.txt": "six==1.15.0\n",
        },
        "line 4: `pip install -U six` upgrades six after an earlier install asked for "
        "six==1.15.0, but uv installs one version that meets both requirements; drop "
        "the upgrade, or change the earlier requirement to the version you want",
    ),
    (
        "index-url-on-one-command",
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\n"
            "RUN pip install localpkg==1.0 --index-url http://127.0.0.1:9/simple\n"
            "RUN pip install six==1.16.0\n",
        },
        "line 2 installs with --index-url http://127.0.0.1:9/simple, but line 3 "
        "installs with no index options, so pip uses PyPI; pip applies index options "
        "only to its own command, and uv locks every package against one set of "
        "indexes, so give every pip install the same index options first",
    ),
    (
        "index-url-in-one-requirements-file",
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\n"
            "COPY private.txt public.txt ./\n"
            "RUN pip install -r private.txt\nRUN pip install -r public.txt\n",
            "private.txt": "--index-url https://user:secret@pypi.example.org/simple\n"
            "localpkg==1.0\n",
            "public.txt": "six==1.16.0\n",
        },
        "line 3 installs with --index-url https://pypi.example.org/simple, but line 4 "
        "installs with no index options",
    ),
    (
        "build-arg-in-requirement",
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nARG SIX_VERSION=1.16.0\n"
            "COPY requirements.txt .\n"
            "RUN pip install -r requirements.txt six==${SIX_VERSION}\n",
            "requirements.txt": "attrs==23.1.0\n",
        },
        "line 4: `pip install six==${SIX_VERSION}` takes $SIX_VERSION from a build "
        "argument or environment variable, which dockermig cannot write into "
        "pyproject.toml; write the requirement out",
    ),
    (
        "venv-with-system-site-packages",
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\n"
            "RUN python -m venv --system-site-packages /opt/venv\n"
            "RUN /opt/venv/bin/pip install six==1.16.0\n",
        },
        "line 2: `python -m venv --system-site-packages /opt/venv` makes a venv that "
        "uv sync would not make the same way",
    ),
    (
        "venv-beside-other-commands",
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\n"
            "RUN python -m venv /opt/venv && mkdir /data\n"
            "RUN /opt/venv/bin/pip install six==1.16.0\n",
        },
        "line 2 runs `python -m venv` together with `mkdir`; give `python -m venv` its "
        "own RUN first",
    ),
]


@pytest.mark.parametrize(
    "files, reason",
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
def test_migrate_refuses_user_shape(tmp_path, files, reason):
    write_files(tmp_path, files)
    before = snapshot(tmp_path)

    process = run_dockermig("migrate", "--format", "json", str(tmp_path))

    assert process.returncode == 0, process.stderr
    [row] = json.loads(process.stdout)
    assert row["outcome"] == Outcome.NEEDS_ATTENTION.value
    assert reason in row["reason"]
    assert snapshot(tmp_path) == before


def test_migrate_checks_matching_hashes(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.12-slim-bookworm\nCOPY requirements.txt .\n"
            "RUN pip install --require-hashes -r requirements.txt\n",
            "requirements.txt": "six==1.16.0 \\\n"
            f"    --hash=sha256:{'1' * 64} \\\n    --hash=sha256:{SIX_WHEEL_HASH}\n",
        },
    )

    result = plan_migration(tmp_path / "Dockerfile")

    assert result.outcome is Outcome.MIGRATED, result.reason
    assert (
        "checked the --hash values of 1 requirement against uv.lock: each matches a "
        "file that uv.lock records, and uv checks those hashes when it installs"
    ) in result.notes


def test_migrate_hashes_without_lock_note(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.12-slim-bookworm\nCOPY requirements.txt .\n"
            "RUN pip install -r requirements.txt\n",
            "requirements.txt": f"six==1.16.0 --hash=sha256:{'0' * 64}\n",
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    assert (
        "the requirements pin files with --hash; migrate checks them against uv.lock "
        "when it makes the lock"
    ) in result.notes


def test_migrate_onbuild_install_reason(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\n"
            "ONBUILD COPY requirements.txt .\n"
            "ONBUILD RUN pip install -r requirements.txt\nCMD [\"python\"]\n",
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.SKIPPED
    assert result.reason == (
        "line 3: pip install runs only in an ONBUILD step, which runs in the images "
        "built FROM this one, so it is left alone"
    )


def test_migrate_keeps_run_comments(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.12-slim-bookworm\n"
            "RUN apt-get update \\\n"
            "    # needed to build\n"
            "    && apt-get install -y --no-install-recommends gcc libpq-dev \\\n"
            "    && pip install --no-cache-dir \\\n"
            "        # the driver\n"
            "        psycopg2==2.9.9 \\\n"
            "    && rm -rf /var/lib/apt/lists/*\n"
            "RUN pip install \\\n"
            "    # the HTTP client\n"
            "    requests==2.31.0\n"
            'CMD ["python", "-c", "import psycopg2"]\n',
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    runtime = result.writes[tmp_path / "Dockerfile"].split("\n\n", 1)[1]
    assert runtime == (
        "FROM python:3.12-slim-bookworm\n"
        "COPY --from=builder /app/.venv /app/.venv\n"
        'ENV PATH="/app/.venv/bin:$PATH"\n'
        "# the driver\n"
        "RUN apt-get update \\\n"
        "    # needed to build\n"
        "    && apt-get install -y --no-install-recommends libpq5 \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
        "# the HTTP client\n"
        'CMD ["python", "-c", "import psycopg2"]\n'
    )


VENV_DOCKERFILE = """\
FROM python:3.12-slim-bookworm
ENV VIRTUAL_ENV=/opt/venv
RUN python -m venv $VIRTUAL_ENV
ENV PATH="$VIRTUAL_ENV/bin:$PATH"
COPY requirements.txt .
RUN pip install -r requirements.txt
CMD ["python"]
"""


def test_migrate_builds_venv_at_its_path(tmp_path):
    write_files(
        tmp_path,
        {"Dockerfile": VENV_DOCKERFILE, "requirements.txt": "six==1.16.0\n"},
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    builder, runtime = result.writes[tmp_path / "Dockerfile"].split("\n\n", 1)
    assert "    UV_PROJECT_ENVIRONMENT=/opt/venv\n" in builder
    assert runtime == (
        "FROM python:3.12-slim-bookworm\n"
        "ENV VIRTUAL_ENV=/opt/venv\n"
        'ENV PATH="$VIRTUAL_ENV/bin:$PATH"\n'
        "COPY requirements.txt .\n"
        "COPY --from=builder /opt/venv /opt/venv\n"
        'CMD ["python"]\n'
    )
    assert (
        "the builder makes the venv at /opt/venv, where line 3 created it, and that "
        "line is dropped"
    ) in result.notes


def test_migrate_venv_and_pip_in_one_run(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.12-slim-bookworm\nWORKDIR /srv\n"
            "RUN python3 -m venv venv && venv/bin/pip install six==1.16.0\n"
            'CMD ["/srv/venv/bin/python"]\n',
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    builder, runtime = result.writes[tmp_path / "Dockerfile"].split("\n\n", 1)
    assert "    UV_PROJECT_ENVIRONMENT=/srv/venv\n" in builder
    assert runtime == (
        "FROM python:3.12-slim-bookworm\nWORKDIR /srv\n"
        "COPY --from=builder /srv/venv /srv/venv\n"
        'ENV PATH="/srv/venv/bin:$PATH"\n'
        'CMD ["/srv/venv/bin/python"]\n'
    )


# Poetry's "3.11.*" becomes requires-python "==3.11.*", so uv lock uses an installed 3.11.
POETRY_FILES = {
    "Dockerfile": "FROM python:3.11-slim-bookworm\nWORKDIR /app\n"
    "COPY pyproject.toml poetry.lock ./\n"
    "RUN pip install poetry && poetry install --no-root\n",
    "pyproject.toml": '[tool.poetry]\nname = "ledger"\nversion = "0.1.0"\n'
    'description = ""\nauthors = []\n\n[tool.poetry.dependencies]\n'
    'python = "3.11.*"\nsix = ">=1.15"\n',
}


def test_migrate_keeps_poetry_lock_versions(tmp_path):
    lock = (
        '[[package]]\nname = "six"\nversion = "1.15.0"\ndescription = ""\n'
        'optional = false\npython-versions = "*"\nfiles = []\n\n'
        '[metadata]\nlock-version = "2.0"\npython-versions = "3.11.*"\n'
        'content-hash = "0"\n'
    )
    write_files(tmp_path, {**POETRY_FILES, "poetry.lock": lock})

    result = plan_migration(tmp_path / "Dockerfile")

    assert result.outcome is Outcome.MIGRATED, result.reason
    locked = tomllib.loads(result.writes[tmp_path / "uv.lock"])
    versions = {package["name"]: package.get("version") for package in locked["package"]}
    assert versions["six"] == "1.15.0"
    assert "uv.lock keeps the versions that poetry.lock pins for 1 package" in result.notes


def test_migrate_empty_poetry_lock_note(tmp_path):
    write_files(tmp_path, {**POETRY_FILES, "poetry.lock": ""})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    assert (
        "poetry.lock pins no package from an index (it is empty, or lists only Git, "
        "URL or path packages), so uv.lock resolves every version anew"
    ) in result.notes


def test_migrate_empty_pipfile_lock_note(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.12-slim-bookworm\nWORKDIR /app\n"
            "COPY Pipfile Pipfile.lock ./\n"
            "RUN pip install pipenv && pipenv install --system --deploy\n",
            "Pipfile": '[packages]\nsix = "==1.16.0"\n\n[requires]\npython_version = "3.12"\n',
            "Pipfile.lock": '{"_meta": {"requires": {}, "sources": []}, "default": {}, '
            '"develop": {}}\n',
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    assert any(note.startswith("Pipfile.lock pins no package") for note in result.notes)


def _wheel(name: str, version: str) -> bytes:
    """Return the bytes of a minimal pure-Python wheel with one empty module."""
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}.py": b"",
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = ""
    for path, content in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=")
        record += f"{path},sha256={digest.decode()},{len(content)}\n"
    files[f"{dist_info}/RECORD"] = (record + f"{dist_info}/RECORD,,\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, content in files.items():
            archive.writestr(path, content)
    return buffer.getvalue()


@pytest.fixture
def private_index(tmp_path_factory):
    """Serve a simple index on 127.0.0.1 with only localpkg 1.0, and return its URL."""
    root = tmp_path_factory.mktemp("index")
    package = root / "simple" / "localpkg"
    package.mkdir(parents=True)
    wheel = "localpkg-1.0-py3-none-any.whl"
    (package / wheel).write_bytes(_wheel("localpkg", "1.0"))
    (package / "index.html").write_text(f'<a href="{wheel}">{wheel}</a>\n')
    (root / "simple" / "index.html").write_text('<a href="localpkg/">localpkg</a>\n')
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(root)
    )
    handler.log_message = lambda *arguments: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/simple"
    server.shutdown()
    server.server_close()


def test_migrate_private_index_without_setuptools(tmp_path, private_index):
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nCOPY requirements.txt .\n"
            f"RUN pip install --index-url {private_index} -r requirements.txt\n",
            "requirements.txt": "localpkg==1.0\n",
        },
    )

    result = plan_migration(tmp_path / "Dockerfile")

    assert result.outcome is Outcome.MIGRATED, result.reason
    pyproject = tomllib.loads(result.writes[tmp_path / "pyproject.toml"])
    assert pyproject["project"]["dependencies"] == ["localpkg==1.0"]
    locked = tomllib.loads(result.writes[tmp_path / "uv.lock"])
    assert [package["name"] for package in locked["package"]] == [
        "localpkg",
        tmp_path.name.lower().replace("_", "-"),
    ]
    assert not any(note.startswith("added setuptools") for note in result.notes)
    assert (
        "the python 3.11 image ships setuptools, but the package indexes do not serve "
        "setuptools<81, so the venv has no setuptools; add it to an index the lock "
        "uses, and to the dependencies, if a package imports pkg_resources"
    ) in result.notes


def test_migrate_names_copy_of_file_outside_folder(tmp_path):
    write_files(
        tmp_path,
        {
            "requirements.txt": "six==1.16.0\n",
            "docker/Dockerfile": "FROM python:3.11-slim-bookworm\nWORKDIR /code\n"
            "COPY requirements.txt /code/\nRUN pip install -r requirements.txt\n",
        },
    )

    result = plan_migration(tmp_path / "docker" / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.NEEDS_ATTENTION
    assert result.reason == (
        f"line 3 copies requirements.txt, but {tmp_path / 'docker'} (the Dockerfile's "
        "folder, which dockermig reads as the build context) has no requirements.txt, "
        "so the requirements of line 4 cannot be read; if the image is built from "
        "another folder, move the Dockerfile there"
    )


def test_migrate_names_every_python_neighbour(tmp_path):
    dockerfile = (
        "FROM python:3.11-slim-bookworm\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\n"
    )
    write_files(
        tmp_path,
        {
            "a.Dockerfile": dockerfile,
            "b.Dockerfile": dockerfile,
            "c.Dockerfile": dockerfile,
            "requirements.txt": "six==1.16.0\n",
        },
    )

    result = plan_migration(tmp_path / "a.Dockerfile", run_lock=False)

    assert result.outcome is Outcome.NEEDS_ATTENTION
    assert "with b.Dockerfile, whose line 1 builds on" in result.reason
    assert "; and with c.Dockerfile, whose line 1 builds on" in result.reason
    assert result.reason.endswith("give each Dockerfile its own folder first")


@pytest.mark.parametrize(
    "requirement, refused",
    [
        ("six @ https://build:tok3n@files.example.invalid/six-1.16.0-py2.py3-none-any.whl", True),
        ("pkg @ git+https://ghp_tok3n@github.com/example/pkg.git", True),
        ("pkg @ https://files.example.invalid/pkg-1.0.tar.gz?token=tok3n", True),
        ("pkg @ git+ssh://git@github.com/example/pkg.git", False),
        ("six @ https://files.example.invalid/six-1.16.0-py2.py3-none-any.whl", False),
    ],
)
def test_migrate_refuses_credentials_in_requirement_urls(tmp_path, requirement, refused):
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nCOPY requirements.txt .\n"
            "RUN pip install -r requirements.txt\n",
            "requirements.txt": requirement + "\n",
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    if refused:
        assert result.outcome is Outcome.NEEDS_ATTENTION
        assert "carries credentials in its URL" in result.reason
        assert "tok3n" not in result.reason
    else:
        assert result.outcome is Outcome.MIGRATED, result.reason


def test_migrate_skips_empty_requirements(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nCOPY requirements.txt .\n"
            "RUN pip install -r requirements.txt\n",
            "requirements.txt": "# nothing yet\n",
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.SKIPPED
    assert result.reason == "requirements.txt lists no packages, so there is no venv to build"
    assert result.writes == {}
