"""pip's --pre, --trusted-host, --no-binary and --only-binary, read and written as [tool.uv] settings."""

import tomllib

import pytest

from conftest import snapshot, write_files
from dockermig.companions.lock import lock
from dockermig.companions.pip_options import (
    PipOptionError,
    PipOptions,
    format_control,
    uv_settings,
)
from dockermig.companions.pyproject import PyprojectError, plan_pyproject
from dockermig.companions.requirements import read_requirements
from dockermig.migrate.engine import plan_migration
from dockermig.migrate.outcome import Outcome

SLIM = "FROM python:3.12-slim-bookworm\nCOPY requirements.txt .\n"


# --- reading requirements files ---


def test_option_lines_recorded(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text(
        "--pre\n--trusted-host pypi.internal:8080\n--no-binary psycopg2,lxml\n"
        "--only-binary=:all:\nsix==1.16.0\n"
    )

    result = read_requirements(path)

    assert result.problems == []
    assert result.requirements == ["six==1.16.0"]
    assert result.pip_options.prerelease
    assert result.pip_options.trusted_hosts == ["pypi.internal:8080"]
    assert result.pip_options.binary_options == [
        ("no-binary", "psycopg2,lxml"),
        ("only-binary", ":all:"),
    ]


@pytest.mark.parametrize(
    "line",
    ["psycopg2==2.9.9 --no-binary psycopg2", "psycopg2==2.9.9 --no-binary=psycopg2"],
    ids=["separate-value", "attached-value"],
)
def test_requirement_line_no_binary(tmp_path, line):
    path = tmp_path / "requirements.txt"
    path.write_text(f"{line}\n")

    result = read_requirements(path)

    assert result.problems == []
    assert result.requirements == ["psycopg2==2.9.9"]
    assert result.pip_options.binary_options == [("no-binary", "psycopg2")]


def test_requirement_line_keeps_hash_with_binary_option(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("lxml==5.2.2 --only-binary lxml --hash=sha256:abc\n")

    result = read_requirements(path)

    assert result.problems == []
    assert result.requirements == ["lxml==5.2.2"]
    assert result.pip_options.binary_options == [("only-binary", "lxml")]


@pytest.mark.parametrize("option", ["--pre", "--trusted-host pypi.internal"])
def test_requirement_line_option_pip_ignores(tmp_path, option):
    path = tmp_path / "requirements.txt"
    path.write_text(f"six==1.16.0 {option}\n")

    result = read_requirements(path)

    assert result.requirements == []
    assert result.problems[0].reason.startswith(
        f"pip ignores {option.split()[0]} on a requirement line"
    )


def test_requirement_line_binary_option_without_value(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("six==1.16.0 --no-binary\n")

    result = read_requirements(path)

    assert result.problems[0].reason == "option --no-binary needs a value"


# --- pip's format control and the uv settings ---


@pytest.mark.parametrize(
    ("options", "no_binary", "only_binary"),
    [
        ([("no-binary", "A_b,c")], {"a-b", "c"}, set()),
        ([("no-binary", "a"), ("only-binary", "a")], set(), {"a"}),
        ([("no-binary", "a"), ("no-binary", ":all:")], {":all:"}, set()),
        ([("only-binary", "b"), ("no-binary", ":all:")], {":all:"}, set()),
        ([("no-binary", ":all:"), ("no-binary", ":none:")], set(), set()),
        ([("no-binary", ":all:,:none:,a")], {"a"}, set()),
    ],
    ids=["names", "later-wins", "all-replaces", "all-clears-other", "none-clears", "all-none-names"],
)
def test_format_control_follows_pip(options, no_binary, only_binary):
    assert format_control(options) == (no_binary, only_binary)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (PipOptions(prerelease=True), {"prerelease": "allow"}),
        (PipOptions(trusted_hosts=["a.example", "b.example"]), {"allow-insecure-host": ["a.example", "b.example"]}),
        (PipOptions(binary_options=[("no-binary", ":all:")]), {"no-binary": True}),
        (PipOptions(binary_options=[("only-binary", ":all:")]), {"no-build": True}),
        (PipOptions(binary_options=[("no-binary", "lxml,psycopg2")]), {"no-binary-package": ["lxml", "psycopg2"]}),
        (PipOptions(binary_options=[("only-binary", "numpy")]), {"no-build-package": ["numpy"]}),
        (PipOptions(binary_options=[("no-binary", "a"), ("only-binary", "b")]), {"no-binary-package": ["a"], "no-build-package": ["b"]}),
        (PipOptions(binary_options=[("no-binary", ":all:"), ("no-binary", ":none:")]), {}),
    ],
    ids=["pre", "trusted-host", "no-binary-all", "only-binary-all", "no-binary-names",
         "only-binary-names", "both-names", "cleared"],
)  # fmt: skip
def test_uv_settings_for_pip_options(options, expected):
    assert uv_settings(options) == expected


def test_uv_settings_reject_all_with_other_names():
    options = PipOptions(binary_options=[("only-binary", ":all:"), ("no-binary", "psycopg2")])

    with pytest.raises(PipOptionError) as error:
        uv_settings(options)

    assert "--no-binary psycopg2 and --only-binary :all:" in str(error.value)
    assert "set [tool.uv] no-binary" in str(error.value)


# --- pyproject.toml ---


def test_pyproject_gets_uv_settings(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("--pre\n--trusted-host pypi.internal\npsycopg2==2.9.9 --no-binary psycopg2\n")

    text = plan_pyproject(tmp_path, read_requirements(path), "3.12")

    assert text.endswith(
        '[tool.uv]\nprerelease = "allow"\nallow-insecure-host = [\n    "pypi.internal",\n]\n'
        'no-binary-package = [\n    "psycopg2",\n]\n'
    )


def test_pyproject_existing_setting_conflicts(tmp_path):
    (tmp_path / "requirements.txt").write_text("--pre\nsix==1.16.0\n")
    (tmp_path / "pyproject.toml").write_text('[tool.uv]\nprerelease = "disallow"\n')

    with pytest.raises(PyprojectError) as error:
        plan_pyproject(tmp_path, read_requirements(tmp_path / "requirements.txt"), "3.12")

    assert 'sets prerelease = "disallow", but keeping pip\'s options needs prerelease = "allow"' in str(
        error.value
    )


def test_pyproject_existing_host_list_extended(tmp_path):
    (tmp_path / "requirements.txt").write_text("--trusted-host b.example\nsix==1.16.0\n")
    (tmp_path / "pyproject.toml").write_text('[tool.uv]\nallow-insecure-host = ["a.example"]\n')

    text = plan_pyproject(tmp_path, read_requirements(tmp_path / "requirements.txt"), "3.12")

    assert tomllib.loads(text)["tool"]["uv"]["allow-insecure-host"] == ["a.example", "b.example"]


def test_uv_lock_accepts_settings(tmp_path):
    """The real uv 0.13.9 locks a project with every setting these options write."""
    (tmp_path / "requirements.txt").write_text(
        "--pre\n--trusted-host pypi.org\n--only-binary six\nsix==1.16.0\n"
        "attrs==23.2.0 --no-binary attrs\n"
    )
    pyproject = plan_pyproject(tmp_path, read_requirements(tmp_path / "requirements.txt"), "3.11")

    lock_text = lock(tmp_path, pyproject)

    assert 'prerelease-mode = "allow"' in lock_text
    names = {package["name"] for package in tomllib.loads(lock_text)["package"]}
    assert {"six", "attrs"} <= names


# --- migrate ---


def test_migrate_translates_command_line_options(tmp_path):
    write_files(
        tmp_path,
        {
            "Dockerfile": SLIM + "RUN pip install --pre --trusted-host=pypi.internal "
            "--only-binary numpy --no-binary psycopg2 -r requirements.txt\n",
            "requirements.txt": "numpy==2.0.0\npsycopg2==2.9.9\n",
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    settings = tomllib.loads(result.writes[tmp_path / "pyproject.toml"])["tool"]["uv"]
    assert settings == {
        "prerelease": "allow",
        "allow-insecure-host": ["pypi.internal"],
        "no-binary-package": ["psycopg2"],
        "no-build-package": ["numpy"],
    }
    assert any("[tool.uv] allow-insecure-host and uv skips TLS certificate checks" in note for note in result.notes)
    assert any('prerelease = "allow"' in note for note in result.notes)


def test_migrate_file_options_follow_command_line(tmp_path):
    """pip reads the command line first, so the file's :none: undoes it."""
    write_files(
        tmp_path,
        {
            "Dockerfile": SLIM + "RUN pip install --no-binary :all: -r requirements.txt\n",
            "requirements.txt": "--no-binary :none:\n--no-binary lxml\nlxml==5.2.2\n",
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    settings = tomllib.loads(result.writes[tmp_path / "pyproject.toml"])["tool"]["uv"]
    assert settings == {"no-binary-package": ["lxml"]}


def test_migrate_options_with_index_settings(tmp_path):
    """Index settings send the requirements through the project path; the settings still arrive."""
    write_files(
        tmp_path,
        {
            "Dockerfile": SLIM + "RUN pip install -r requirements.txt\n",
            "requirements.txt": "--extra-index-url https://pypi.internal/simple\n"
            "--trusted-host pypi.internal\nsix==1.16.0\n",
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    uv_table = tomllib.loads(result.writes[tmp_path / "pyproject.toml"])["tool"]["uv"]
    assert uv_table["allow-insecure-host"] == ["pypi.internal"]
    assert uv_table["index"][0]["url"] == "https://pypi.internal/simple"
    assert sum("--trusted-host" in note for note in result.notes) == 1


@pytest.mark.parametrize(
    ("dockerfile", "requirements", "reason"),
    [
        (
            SLIM + "RUN pip install --pre -r requirements.txt && pip install gunicorn\n",
            "six==1.16.0\n",
            "the image runs 2 pip install commands, and --pre or an :all: value",
        ),
        (
            SLIM + "RUN pip install --only-binary :all: --no-binary six -r requirements.txt\n",
            "six==1.16.0\n",
            "dockermig does not translate :all: together with package names",
        ),
        (
            SLIM + "ARG HOST=pypi.internal\nRUN pip install --trusted-host $HOST -r requirements.txt\n",
            "six==1.16.0\n",
            "the value of `pip install --trusted-host` comes from a variable",
        ),
        (
            SLIM + "RUN pip install -r requirements.txt\n",
            "six==1.16.0 --pre\n",
            "pip ignores --pre on a requirement line",
        ),
    ],
    ids=["pre-with-two-commands", "all-with-other-names", "host-from-variable", "pre-on-requirement-line"],
)
def test_migrate_rejects_untranslatable_options(tmp_path, dockerfile, requirements, reason):
    write_files(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": requirements})
    before = snapshot(tmp_path)

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.NEEDS_ATTENTION
    assert reason in result.reason
    assert snapshot(tmp_path) == before


def test_migrate_pre_with_tooling_upgrade(tmp_path):
    """Upgrading pip in another command installs nothing the lock covers, so --pre still translates."""
    write_files(
        tmp_path,
        {
            "Dockerfile": SLIM + "RUN pip install --upgrade pip && pip install --pre -r requirements.txt\n",
            "requirements.txt": "six==1.16.0\n",
        },
    )

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    uv_table = tomllib.loads(result.writes[tmp_path / "pyproject.toml"])["tool"]["uv"]
    assert uv_table == {"prerelease": "allow"}
