"""Tests for ordering uv indexes and keeping index credentials out of every written file."""

import textwrap
import tomllib

import pytest
from conftest import write_files

from dockermig.companions.indexes import (
    IndexSettings,
    env_variable_name,
    index_settings_from_build_args,
    plan_indexes,
    read_pip_conf,
)
from dockermig.companions.pyproject import (
    PyprojectError,
    plan_pyproject,
    plan_pyproject_from_spec,
)
from dockermig.companions.requirements import RequirementSet
from dockermig.companions.sources import (
    detect_dependency_source,
    read_dependency_source,
)

SECRET_PASSWORD = "s3cr3t-Pa55w0rd-7f1e"
SECRET_TOKEN = "glpat-Z9y8X7w6V5u4"
SECRET_USER = "deploy-bot-4411"


def entries(plan) -> list[dict]:
    return [index.toml_entry() for index in plan.indexes]


def test_private_index_url_with_pypi_extra():
    # pip would merge both indexes, but uv must ask the internal index first.
    settings = IndexSettings(
        origin="requirements.txt",
        index_url="https://pkgs.corp.example/simple",
        extra_index_urls=["https://pypi.org/simple"],
    )

    plan = plan_indexes([settings])

    assert entries(plan) == [
        {"name": "pkgs-corp-example", "url": "https://pkgs.corp.example/simple"}
    ]
    assert len(plan.notes) == 1
    assert "in this order: pkgs-corp-example, PyPI" in plan.notes[0]


def test_private_extra_before_pypi():
    settings = IndexSettings(
        origin="requirements.txt",
        extra_index_urls=["https://pkgs.corp.example/simple/"],
    )

    plan = plan_indexes([settings])

    assert entries(plan) == [
        {"name": "pkgs-corp-example", "url": "https://pkgs.corp.example/simple/"}
    ]
    assert "pkgs-corp-example, PyPI" in plan.notes[0]


def test_public_mirror_after_private_index():
    settings = IndexSettings(
        origin="requirements.txt",
        index_url="https://pkgs.corp.example/simple",
        extra_index_urls=["https://pypi.tuna.tsinghua.edu.cn/simple"],
    )

    plan = plan_indexes([settings])

    assert entries(plan) == [
        {"name": "pkgs-corp-example", "url": "https://pkgs.corp.example/simple"},
        {
            "name": "pypi-tuna-tsinghua-edu-cn",
            "url": "https://pypi.tuna.tsinghua.edu.cn/simple",
            "default": True,
        },
    ]


def test_only_private_index_replaces_pypi():
    settings = IndexSettings(
        origin="pip.conf", index_url="https://pkgs.corp.example/simple"
    )

    plan = plan_indexes([settings])

    assert entries(plan) == [
        {
            "name": "pkgs-corp-example",
            "url": "https://pkgs.corp.example/simple",
            "default": True,
        }
    ]
    assert plan.notes == []


def test_first_index_url_takes_precedence():
    requirements = IndexSettings(
        origin="requirements.txt", index_url="https://a.corp.example/simple"
    )
    pip_conf = IndexSettings(
        origin="pip.conf", index_url="https://b.corp.example/simple"
    )

    plan = plan_indexes([requirements, pip_conf])

    assert [index.url for index in plan.indexes] == ["https://a.corp.example/simple"]
    assert "pip.conf sets the index URL https://b.corp.example/simple" in plan.notes[0]


def test_query_token_is_problem():
    settings = IndexSettings(
        origin="requirements.txt",
        extra_index_urls=[f"https://pkgs.corp.example/simple?token={SECRET_TOKEN}"],
    )

    plan = plan_indexes([settings])

    assert plan.indexes == []
    assert len(plan.problems) == 1
    assert "query string (token)" in plan.problems[0]
    assert SECRET_TOKEN not in plan.problems[0]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("corp", "CORP"), ("pkgs-corp-example", "PKGS_CORP_EXAMPLE"), ("a.b_c", "A_B_C")],
)
def test_env_variable_name(name, expected):
    assert env_variable_name(name) == expected


def test_credentials_stripped_everywhere(tmp_path):
    requirements = (
        f"--extra-index-url https://{SECRET_USER}:{SECRET_PASSWORD}@pkgs.corp.example/simple/\n"
        "corp-lib==1.0\nsix==1.16.0\n"
    )
    pip_conf = f"""\
    [global]
    index-url = https://__token__:{SECRET_TOKEN}@mirror.corp.example/simple
    """
    write_files(
        tmp_path,
        {"requirements.txt": requirements, "pip.conf": textwrap.dedent(pip_conf)},
    )
    spec = read_dependency_source(detect_dependency_source(tmp_path))
    spec.index_settings.append(read_pip_conf(tmp_path / "pip.conf"))

    plan = plan_indexes(spec.index_settings)
    pyproject_text = plan_pyproject_from_spec(tmp_path, spec, "3.11", plan)

    everything = "\n".join(
        [
            pyproject_text,
            *plan.notes,
            *plan.problems,
            repr(plan),
            repr(spec.index_settings[0].origin),
        ]
    )
    for secret in (SECRET_PASSWORD, SECRET_TOKEN, SECRET_USER):
        assert secret not in everything
    assert [index.toml_entry() for index in plan.indexes] == [
        {
            "name": "pkgs-corp-example",
            "url": "https://pkgs.corp.example/simple/",
            "authenticate": "always",
        },
        {
            "name": "mirror-corp-example",
            "url": "https://mirror.corp.example/simple",
            "default": True,
            "authenticate": "always",
        },
    ]
    assert [secret.variable for secret in plan.secrets] == [
        "UV_INDEX_PKGS_CORP_EXAMPLE_USERNAME",
        "UV_INDEX_PKGS_CORP_EXAMPLE_PASSWORD",
        "UV_INDEX_MIRROR_CORP_EXAMPLE_USERNAME",
        "UV_INDEX_MIRROR_CORP_EXAMPLE_PASSWORD",
    ]
    assert plan.secrets[1].mount_option == (
        "--mount=type=secret,id=uv_index_pkgs_corp_example_password,"
        "target=/run/secrets/uv_index_pkgs_corp_example_password"
    )
    assert plan.secrets[1].assignment == (
        'UV_INDEX_PKGS_CORP_EXAMPLE_PASSWORD="$(cat /run/secrets/uv_index_pkgs_corp_example_password)"'
    )
    assert plan.secrets[2].origin == str(tmp_path / "pip.conf")
    document = tomllib.loads(pyproject_text)
    assert document["tool"]["uv"]["index"][0]["authenticate"] == "always"


def test_credentials_from_build_args():
    arguments = {
        "PIP_EXTRA_INDEX_URL": f"https://oauth2accesstoken:{SECRET_TOKEN}@europe-python.pkg.dev/p/r/simple/",
        "UV_INDEX": "corp=https://pkgs.corp.example/simple",
        "UNRELATED": "x",
    }

    plan = plan_indexes([index_settings_from_build_args(arguments)])

    assert [index.name for index in plan.indexes] == ["europe-python-pkg-dev", "corp"]
    assert plan.secrets[0].origin == "ARG PIP_EXTRA_INDEX_URL"
    assert plan.secrets[1].variable == "UV_INDEX_EUROPE_PYTHON_PKG_DEV_PASSWORD"
    assert all(SECRET_TOKEN not in note for note in plan.notes)
    assert "ARG PIP_EXTRA_INDEX_URL" in plan.notes[0]


def test_token_as_user_name_only():
    settings = IndexSettings(
        origin="requirements.txt",
        extra_index_urls=[
            f"https://{SECRET_TOKEN}@gitlab.corp.example/api/v4/packages/pypi/simple"
        ],
    )

    plan = plan_indexes([settings])

    assert [secret.variable for secret in plan.secrets] == [
        "UV_INDEX_GITLAB_CORP_EXAMPLE_USERNAME"
    ]
    assert SECRET_TOKEN not in plan.indexes[0].url


def test_existing_index_name_conflict_with_credentials(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "a"\nversion = "1"\nrequires-python = ">=3.11"\ndependencies = []\n\n'
        '[[tool.uv.index]]\nname = "pkgs-corp-example"\nurl = "https://other.example/simple"\n'
    )
    spec = read_dependency_source(detect_dependency_source(tmp_path))
    spec.index_settings.append(
        IndexSettings(
            origin="requirements.txt",
            extra_index_urls=[f"https://u:{SECRET_PASSWORD}@pkgs.corp.example/simple"],
        )
    )

    with pytest.raises(PyprojectError) as raised:
        plan_pyproject_from_spec(tmp_path, spec, "3.11")

    assert "already exists with another URL" in str(raised.value)
    assert SECRET_PASSWORD not in str(raised.value)


def test_plan_pyproject_orders_pypi_extra_last(tmp_path):
    requirements = RequirementSet(
        requirements=["corp-lib"],
        index_url="https://pkgs.corp.example/simple",
        extra_index_urls=["https://pypi.org/simple"],
    )

    document = tomllib.loads(plan_pyproject(tmp_path, requirements, "3.11"))

    assert document["tool"]["uv"]["index"] == [
        {"name": "pkgs-corp-example", "url": "https://pkgs.corp.example/simple"}
    ]
