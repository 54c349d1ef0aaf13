"""Tests for planning pyproject.toml from requirements."""

import tomllib
from pathlib import Path

import pytest

from dockermig.companions.pyproject import (
    IndexCredentialsError,
    PyprojectError,
    normalize_project_name,
    plan_pyproject,
)
from dockermig.companions.requirements import RequirementSet, read_requirements
from dockermig.errors import DockermigError, InputFileError

FIXTURES = Path(__file__).parent / "fixtures" / "requirements"
TOMLI_WHEEL_URL = (
    "https://files.pythonhosted.org/packages/97/75/"
    "10a9ebee3fd790d20926a90a2547f0bf78f371b2f13aa822c759680ca7b9/"
    "tomli-2.0.1-py3-none-any.whl"
)


def make_project(tmp_path: Path, name: str = "web-app") -> Path:
    project_dir = tmp_path / name
    project_dir.mkdir()
    return project_dir


def test_new_file_exact_text(tmp_path):
    project_dir = make_project(tmp_path)
    requirements = RequirementSet(
        requirements=[
            "flask==3.0.0",
            'requests==2.31.0 ; python_version >= "3.8"',
            "flask==3.0.0",
        ],
    )

    text = plan_pyproject(project_dir, requirements, "3.11")

    assert text == (
        "[project]\n"
        'name = "web-app"\n'
        'version = "0.1.0"\n'
        'requires-python = "==3.11.*"\n'
        "dependencies = [\n"
        '    "flask==3.0.0",\n'
        "    'requests==2.31.0 ; python_version >= \"3.8\"',\n"
        "]\n"
    )


def test_new_file_from_layered_fixture(tmp_path):
    project_dir = make_project(tmp_path)
    requirements = read_requirements(FIXTURES / "layered" / "requirements.txt")

    document = tomllib.loads(plan_pyproject(project_dir, requirements, "3.12"))

    assert document["project"]["requires-python"] == "==3.12.*"
    assert document["project"]["dependencies"] == [
        "six==1.16.0",
        "flask==3.0.0",
        'requests[socks]==2.31.0 ; python_version >= "3.8"',
        'importlib-metadata>=6.0; python_version < "3.10"',
        "attrs==23.2.0",
        f"tomli @ {TOMLI_WHEEL_URL}",
    ]
    assert document["tool"]["uv"]["constraint-dependencies"] == ["urllib3<2.2"]
    assert "build-system" not in document


def test_python_patch_version_becomes_minor(tmp_path):
    project_dir = make_project(tmp_path)

    text = plan_pyproject(project_dir, RequirementSet(requirements=["six"]), "3.11.9")

    assert tomllib.loads(text)["project"]["requires-python"] == "==3.11.*"


def test_invalid_python_version_raises(tmp_path):
    with pytest.raises(ValueError):
        plan_pyproject(make_project(tmp_path), RequirementSet(), "latest")


@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("My_Service.v2", "my-service-v2"),
        ("__api__", "api"),
        ("---", "app"),
        ("svc", "svc"),
    ],
)
def test_project_name_normalised(folder, expected):
    assert normalize_project_name(folder) == expected


def test_project_named_like_dependency(tmp_path):
    project_dir = make_project(tmp_path, "Flask")

    text = plan_pyproject(
        project_dir, RequirementSet(requirements=["flask==3.0.0"]), "3.11"
    )

    assert tomllib.loads(text)["project"]["name"] == "flask-app"


EXISTING = """\
# Project metadata, kept by hand.
[project]
name = "billing"   # the service name
version = "2.1.0"
dependencies = [
  "flask==3.0.0",  # web framework
  "Requests >= 2.0",
]

[tool.black]
line-length = 100  # wider than the default
"""


def test_existing_file_gets_only_additions(tmp_path):
    project_dir = make_project(tmp_path)
    (project_dir / "pyproject.toml").write_text(EXISTING)
    requirements = RequirementSet(
        requirements=["flask==3.0.0", "requests>=2.0", "six==1.16.0"],
        constraints=["urllib3<2.2"],
    )

    text = plan_pyproject(project_dir, requirements, "3.11")

    assert text == (
        "# Project metadata, kept by hand.\n"
        "[project]\n"
        'name = "billing"   # the service name\n'
        'version = "2.1.0"\n'
        "dependencies = [\n"
        '  "flask==3.0.0",  # web framework\n'
        '  "Requests >= 2.0",\n'
        '  "six==1.16.0",\n'
        "]\n"
        'requires-python = "==3.11.*"\n'
        "\n"
        "[tool.black]\n"
        "line-length = 100  # wider than the default\n"
        "\n"
        "[tool.uv]\n"
        "constraint-dependencies = [\n"
        '    "urllib3<2.2",\n'
        "]\n"
    )


def test_existing_requires_python_kept(tmp_path):
    project_dir = make_project(tmp_path)
    original = '[project]\nname = "x"\nversion = "1"\nrequires-python = ">=3.10"\ndependencies = []\n'
    (project_dir / "pyproject.toml").write_text(original)

    text = plan_pyproject(project_dir, RequirementSet(requirements=["six"]), "3.11")

    assert tomllib.loads(text)["project"]["requires-python"] == ">=3.10"
    assert tomllib.loads(text)["project"]["dependencies"] == ["six"]


def test_existing_file_unchanged_is_identical(tmp_path):
    project_dir = make_project(tmp_path)
    original = EXISTING.replace(
        'version = "2.1.0"\n', 'version = "2.1.0"\nrequires-python = ">=3.11"\n'
    )
    (project_dir / "pyproject.toml").write_text(original)

    text = plan_pyproject(
        project_dir, RequirementSet(requirements=["flask==3.0.0"]), "3.11"
    )

    assert text == original


def test_existing_crlf_file_stays_crlf(tmp_path):
    project_dir = make_project(tmp_path)
    original = '[project]\r\nname = "x"\r\nversion = "1"\r\n'
    (project_dir / "pyproject.toml").write_bytes(original.encode())

    text = plan_pyproject(project_dir, RequirementSet(requirements=["six"]), "3.11")

    assert text.startswith(original)
    assert "\n" not in text.replace("\r\n", "")


def test_existing_file_without_project_table(tmp_path):
    project_dir = make_project(tmp_path)
    original = "[tool.black]\nline-length = 100\n"
    (project_dir / "pyproject.toml").write_text(original)

    text = plan_pyproject(
        project_dir, RequirementSet(requirements=["six==1.16.0"]), "3.11"
    )

    assert text.startswith(original)
    document = tomllib.loads(text)
    assert document["project"] == {
        "name": "web-app",
        "version": "0.1.0",
        "requires-python": "==3.11.*",
        "dependencies": ["six==1.16.0"],
    }
    assert document["tool"]["black"] == {"line-length": 100}


@pytest.mark.parametrize("python_version", ["3.11", "3.12"])
def test_plan_is_idempotent(tmp_path, python_version):
    project_dir = make_project(tmp_path)
    requirements = read_requirements(FIXTURES / "layered" / "requirements.txt")
    requirements.extra_index_urls = ["https://internal.example.com/simple/"]

    first = plan_pyproject(project_dir, requirements, python_version)
    (project_dir / "pyproject.toml").write_text(first)
    second = plan_pyproject(project_dir, requirements, python_version)

    assert second == first


def test_idempotent_on_edited_file(tmp_path):
    project_dir = make_project(tmp_path)
    (project_dir / "pyproject.toml").write_text(EXISTING)
    requirements = RequirementSet(
        requirements=["six==1.16.0"], constraints=["urllib3<2.2"]
    )

    first = plan_pyproject(project_dir, requirements, "3.11")
    (project_dir / "pyproject.toml").write_text(first)

    assert plan_pyproject(project_dir, requirements, "3.11") == first


def test_indexes_written_in_priority_order(tmp_path):
    project_dir = make_project(tmp_path)
    requirements = read_requirements(FIXTURES / "indexes" / "requirements.txt")

    document = tomllib.loads(plan_pyproject(project_dir, requirements, "3.11"))

    assert document["tool"]["uv"]["index"] == [
        {"name": "internal-example-com", "url": "https://internal.example.com/simple/"},
        {
            "name": "wheels-example-com",
            "url": "https://wheels.example.com/linux/",
            "format": "flat",
        },
        {
            "name": "mirror-example-com",
            "url": "https://mirror.example.com/simple",
            "default": True,
        },
    ]


def test_pypi_index_url_not_written(tmp_path):
    project_dir = make_project(tmp_path)
    requirements = RequirementSet(
        requirements=["six"], index_url="https://pypi.org/simple/"
    )

    document = tomllib.loads(plan_pyproject(project_dir, requirements, "3.11"))

    assert "tool" not in document


def test_no_index_written(tmp_path):
    project_dir = make_project(tmp_path)
    requirements = RequirementSet(
        requirements=["six"], no_index=True, find_links=["https://wheels.example.com/"]
    )

    document = tomllib.loads(plan_pyproject(project_dir, requirements, "3.11"))

    assert document["tool"]["uv"]["no-index"] is True


@pytest.mark.parametrize(
    "url",
    [
        "https://deploy:s3cret-pass@internal.example.com/simple/",
        "https://glpat-abcdef123456@gitlab.example.com/api/v4/projects/1/packages/pypi/simple",
        "https://internal.example.com/simple/?token=abcdef123456",
    ],
)
def test_index_credentials_rejected(tmp_path, url):
    project_dir = make_project(tmp_path)
    requirements = RequirementSet(requirements=["six"], extra_index_urls=[url])

    with pytest.raises(IndexCredentialsError) as raised:
        plan_pyproject(project_dir, requirements, "3.11")

    message = str(raised.value)
    assert isinstance(raised.value, DockermigError)
    assert "s3cret-pass" not in message
    assert "glpat-abcdef123456" not in message
    assert "abcdef123456" not in message
    assert "contains credentials" in message


def test_credentials_in_index_url_option_rejected(tmp_path):
    project_dir = make_project(tmp_path)
    requirements = RequirementSet(index_url="https://user:pw@mirror.example.com/simple")

    with pytest.raises(IndexCredentialsError):
        plan_pyproject(project_dir, requirements, "3.11")


def test_dynamic_dependencies_raise(tmp_path):
    project_dir = make_project(tmp_path)
    (project_dir / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\ndynamic = ["dependencies"]\n'
    )

    with pytest.raises(PyprojectError) as raised:
        plan_pyproject(project_dir, RequirementSet(requirements=["six"]), "3.11")

    assert "lists dependencies as dynamic" in str(raised.value)


def test_invalid_toml_raises(tmp_path):
    project_dir = make_project(tmp_path)
    (project_dir / "pyproject.toml").write_text("[project\nname = 1\n")

    with pytest.raises(InputFileError) as raised:
        plan_pyproject(project_dir, RequirementSet(requirements=["six"]), "3.11")

    assert raised.value.path == project_dir / "pyproject.toml"
    assert raised.value.problem.startswith("is not valid TOML")
