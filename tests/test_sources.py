"""Tests for detecting a project's dependency source and reading it into a ProjectSpec."""

import json
import textwrap
import tomllib
from pathlib import Path

import pytest
from conftest import write_files

from dockermig.companions.managers import ConstraintError, poetry_constraint_to_pep440
from dockermig.companions.pyproject import plan_pyproject_from_spec
from dockermig.companions.sources import (
    detect_dependency_source,
    read_dependency_source,
)
from dockermig.companions.spec import SourceKind

POETRY_PYPROJECT = """\
[tool.poetry]
name = "poetry-demo"
version = "1.2.0"
description = "demo"
authors = ["A <a@example.com>"]

[tool.poetry.dependencies]
python = "^3.11"
requests = "^2.28"
attrs = {version = "~23.1", optional = true}
six = {version = ">=1.15 <2", python = ">=3.8"}
mylib = {git = "https://github.com/example/mylib.git", tag = "v1.0"}

[tool.poetry.extras]
fancy = ["attrs"]

[tool.poetry.group.dev.dependencies]
pytest = "^7.0"

[tool.poetry.scripts]
demo = "poetry_demo.cli:main"

[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
"""


def poetry_lock(packages: dict[str, str], git_package: str | None = None) -> str:
    entries = [
        f'[[package]]\nname = "{name}"\nversion = "{version}"\noptional = false\n'
        'python-versions = "*"\nfiles = []\n'
        for name, version in packages.items()
    ]
    if git_package:
        entries.append(
            f'[[package]]\nname = "{git_package}"\nversion = "1.0.0"\noptional = false\n'
            'python-versions = "*"\nfiles = []\n\n[package.source]\ntype = "git"\n'
            'url = "https://github.com/example/mylib.git"\nreference = "v1.0"\n'
        )
    return "\n".join(entries) + '\n[metadata]\nlock-version = "2.0"\n'


def make(tmp_path: Path, files: dict[str, str]) -> Path:
    write_files(tmp_path, {name: textwrap.dedent(text) for name, text in files.items()})
    return tmp_path


@pytest.mark.parametrize(
    ("files", "kind"),
    [
        (
            {
                "pyproject.toml": '[project]\nname = "a"\n',
                "uv.lock": "",
                "poetry.lock": "",
            },
            SourceKind.UV,
        ),
        ({"pyproject.toml": "[tool.poetry]\n", "Pipfile": ""}, SourceKind.POETRY),
        ({"poetry.lock": "", "requirements.txt": "six\n"}, SourceKind.POETRY),
        ({"Pipfile": "", "requirements.txt": "six\n"}, SourceKind.PIPENV),
        ({"pyproject.toml": '[project]\nname = "a"\n[tool.pdm]\n'}, SourceKind.PDM),
        (
            {
                "requirements.in": "six\n",
                "requirements.txt": "six==1.16.0\n",
                "setup.py": "",
            },
            SourceKind.PIP_TOOLS,
        ),
        ({"setup.py": "", "requirements.txt": "six\n"}, SourceKind.SETUPTOOLS),
        (
            {"setup.py": "", "pyproject.toml": '[project]\nname = "a"\n'},
            SourceKind.PEP621,
        ),
        (
            {"pyproject.toml": "[tool.black]\n", "requirements.txt": "six\n"},
            SourceKind.REQUIREMENTS,
        ),
    ],
)
def test_detection_order(tmp_path, files, kind):
    source = detect_dependency_source(make(tmp_path, files))

    assert source is not None
    assert source.kind is kind


def test_detection_empty_folder(tmp_path):
    assert detect_dependency_source(tmp_path) is None


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ("^1.2.3", ">=1.2.3,<2.0.0"),
        ("^0.2.3", ">=0.2.3,<0.3.0"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("^0", ">=0,<1"),
        ("^1.2", ">=1.2,<2.0"),
        ("~1.2.3", ">=1.2.3,<1.3.0"),
        ("~1.2", ">=1.2,<1.3"),
        ("~1", ">=1,<2"),
        ("~=1.2", "~=1.2"),
        ("*", ""),
        ("1.2.3", "==1.2.3"),
        ("1.2.*", "==1.2.*"),
        ("=1.2", "==1.2"),
        (">= 1.2, < 2", ">=1.2,<2"),
        (">=1.2 <2", ">=1.2,<2"),
        ("^2.0.0b1", ">=2.0.0b1,<3.0.0"),
    ],
)
def test_poetry_constraint_conversion(constraint, expected):
    assert poetry_constraint_to_pep440(constraint) == expected


def test_poetry_union_constraint_raises():
    with pytest.raises(ConstraintError) as raised:
        poetry_constraint_to_pep440("^1.0 || ^2.0")

    assert "union of ranges" in str(raised.value)


def test_poetry_project_read(tmp_path):
    project_dir = make(
        tmp_path,
        {
            "pyproject.toml": POETRY_PYPROJECT,
            "poetry.lock": poetry_lock(
                {"requests": "2.28.1", "urllib3": "1.26.12", "six": "1.16.0"}, "mylib"
            ),
        },
    )

    spec = read_dependency_source(detect_dependency_source(project_dir))

    assert spec.name == "poetry-demo"
    assert spec.version == "1.2.0"
    assert spec.requires_python == ">=3.11,<4.0"
    assert spec.dependencies == [
        "requests>=2.28,<3.0",
        'six>=1.15,<2 ; python_version >= "3.8"',
        "mylib @ git+https://github.com/example/mylib.git@v1.0",
    ]
    assert spec.optional_dependencies == {"fancy": ["attrs>=23.1,<23.2"]}
    assert spec.dev_dependencies == ["pytest>=7.0,<8.0"]
    assert spec.scripts == {"demo": "poetry_demo.cli:main"}
    assert spec.is_package is True
    # The Git package has no registry version to pin.
    assert spec.pins == ["requests==2.28.1", "urllib3==1.26.12", "six==1.16.0"]
    assert spec.problems == []


def test_poetry_union_becomes_problem(tmp_path):
    pyproject = '[tool.poetry]\nname = "x"\n[tool.poetry.dependencies]\npython = "^3.11"\nsix = "^1.0 || ^2.0"\n'
    project_dir = make(tmp_path, {"pyproject.toml": pyproject})

    spec = read_dependency_source(detect_dependency_source(project_dir))

    assert spec.dependencies == []
    assert len(spec.problems) == 1
    assert spec.problems[0].item == "six"
    assert "union of ranges" in spec.problems[0].reason


def test_poetry_package_mode_false(tmp_path):
    pyproject = (
        '[tool.poetry]\nname = "x"\npackage-mode = false\n'
        '[tool.poetry.dependencies]\npython = "~3.11"\nsix = "*"\n'
    )
    project_dir = make(tmp_path, {"pyproject.toml": pyproject})

    spec = read_dependency_source(detect_dependency_source(project_dir))

    assert spec.is_package is False
    assert spec.requires_python == ">=3.11,<3.12"
    assert spec.dependencies == ["six"]


def test_poetry_sources_and_pins(tmp_path):
    pyproject = """\
    [tool.poetry]
    name = "x"
    [tool.poetry.dependencies]
    python = "^3.11"
    internal-lib = {version = "^1.0", source = "corp"}
    six = "*"
    [[tool.poetry.source]]
    name = "corp"
    url = "https://pkgs.corp.example/simple/"
    priority = "explicit"
    [[tool.poetry.source]]
    name = "extra-wheels"
    url = "https://wheels.corp.example/simple/"
    priority = "supplemental"
    """
    project_dir = make(tmp_path, {"pyproject.toml": pyproject})
    spec = read_dependency_source(detect_dependency_source(project_dir))

    document = tomllib.loads(plan_pyproject_from_spec(project_dir, spec, "3.11"))

    uv_table = document["tool"]["uv"]
    assert uv_table["sources"] == {"internal-lib": {"index": "corp"}}
    assert uv_table["index"] == [
        {"name": "pypi", "url": "https://pypi.org/simple"},
        {"name": "corp", "url": "https://pkgs.corp.example/simple/", "explicit": True},
        {
            "name": "extra-wheels",
            "url": "https://wheels.corp.example/simple/",
            "default": True,
        },
    ]


def test_pipfile_read(tmp_path):
    pipfile = """\
    [[source]]
    url = "https://pypi.org/simple"
    verify_ssl = true
    name = "pypi"

    [[source]]
    url = "https://pkgs.corp.example/simple"
    verify_ssl = true
    name = "corp"

    [packages]
    requests = "*"
    flask = {version = ">=2.0", extras = ["async"]}
    pywin32 = {version = "*", sys_platform = "== 'win32'"}
    corp-lib = {version = "==1.0", index = "corp"}

    [dev-packages]
    pytest = "*"

    [requires]
    python_version = "3.11"
    """
    lock = {
        "_meta": {"requires": {"python_version": "3.11"}},
        "default": {
            "requests": {"hashes": [], "version": "==2.28.1", "index": "pypi"},
            "urllib3": {
                "hashes": [],
                "version": "==1.26.12",
                "markers": "python_version >= '3.7'",
            },
            "mylib": {"git": "https://github.com/example/mylib.git", "ref": "abc"},
        },
        "develop": {"pytest": {"hashes": [], "version": "==7.4.4"}},
    }
    project_dir = make(tmp_path, {"Pipfile": pipfile, "Pipfile.lock": json.dumps(lock)})

    spec = read_dependency_source(detect_dependency_source(project_dir))

    assert spec.requires_python == "==3.11.*"
    assert spec.dependencies == [
        "requests",
        "flask[async]>=2.0",
        "pywin32 ; sys_platform == 'win32'",
        "corp-lib==1.0",
    ]
    assert spec.dev_dependencies == ["pytest"]
    assert spec.pins == [
        "requests==2.28.1",
        "urllib3==1.26.12; python_version >= '3.7'",
    ]
    assert spec.index_pins == {"corp-lib": "corp"}
    assert spec.problems == []


def test_pdm_project_read(tmp_path):
    pyproject = """\
    [project]
    name = "pdm-app"
    version = "0.3.0"
    requires-python = ">=3.10"
    dependencies = ["requests>=2"]

    [tool.pdm]
    distribution = false

    [tool.pdm.dev-dependencies]
    test = ["pytest>=7"]
    """
    pdm_lock = """\
    [metadata]
    groups = ["default", "test"]

    [[package]]
    name = "requests"
    version = "2.28.1"
    requires_python = ">=3.7"

    [[package]]
    name = "pytest"
    version = "7.4.4"
    """
    project_dir = make(tmp_path, {"pyproject.toml": pyproject, "pdm.lock": pdm_lock})

    spec = read_dependency_source(detect_dependency_source(project_dir))

    assert spec.name == "pdm-app"
    assert spec.dependencies == ["requests>=2"]
    assert spec.dependency_groups == {"test": ["pytest>=7"]}
    assert spec.is_package is False
    assert spec.pins == ["requests==2.28.1", "pytest==7.4.4"]


def test_pip_tools_read(tmp_path):
    compiled = """\
    #
    # This file is autogenerated by pip-compile with Python 3.11
    #
    certifi==2022.9.24 \\
        --hash=sha256:90c1a32f1d68f940488354e36370f6cca89f0f106db09518524c88d6ed83f382
        # via requests
    idna==3.3
        # via requests
    requests==2.28.1
        # via -r requirements.in
    urllib3==1.26.12 ; python_version >= "3.7"
        # via requests
    """
    project_dir = make(
        tmp_path,
        {
            "requirements.in": "requests>=2.20\n",
            "requirements.txt": compiled,
            "requirements-dev.in": "-c requirements.txt\npytest\n",
            "requirements-dev.txt": "pytest==7.4.4\nrequests==2.31.0\n",
        },
    )

    spec = read_dependency_source(detect_dependency_source(project_dir))

    assert spec.dependencies == ["requests>=2.20"]
    assert spec.dev_dependencies == ["pytest"]
    # The main compiled file wins over the dev one for a package in both.
    assert spec.pins == [
        "certifi==2022.9.24",
        "idna==3.3",
        "requests==2.28.1",
        'urllib3==1.26.12; python_version >= "3.7"',
        "pytest==7.4.4",
    ]


def test_pep621_read(tmp_path):
    pyproject = """\
    [project]
    name = "modern"
    version = "2.0.0"
    requires-python = ">=3.11"
    dependencies = ["httpx>=0.27"]
    [project.optional-dependencies]
    cli = ["typer"]
    [project.scripts]
    modern = "modern.cli:app"
    [dependency-groups]
    test = ["pytest"]
    dev = [{include-group = "test"}, "ruff"]
    [build-system]
    requires = ["hatchling"]
    build-backend = "hatchling.build"
    """
    project_dir = make(tmp_path, {"pyproject.toml": pyproject})

    spec = read_dependency_source(detect_dependency_source(project_dir))

    assert spec.source.kind is SourceKind.PEP621
    assert spec.dependencies == ["httpx>=0.27"]
    assert spec.optional_dependencies == {"cli": ["typer"]}
    assert spec.scripts == {"modern": "modern.cli:app"}
    assert spec.dev_dependencies == ["pytest", "ruff"]
    assert spec.is_package is True
    assert spec.pins == []


def test_pep621_pyproject_unchanged(tmp_path):
    pyproject = '[project]\nname = "modern"\nversion = "2.0.0"\nrequires-python = ">=3.11"\ndependencies = ["httpx"]\n'
    project_dir = make(tmp_path, {"pyproject.toml": pyproject})
    spec = read_dependency_source(detect_dependency_source(project_dir))

    assert plan_pyproject_from_spec(project_dir, spec, "3.12") == pyproject


def test_uv_project_used_as_is(tmp_path):
    pyproject = '[project]\nname = "a"\nversion = "1"\ndependencies = ["six"]\n'
    project_dir = make(
        tmp_path, {"pyproject.toml": pyproject, "uv.lock": "version = 1\n"}
    )
    spec = read_dependency_source(detect_dependency_source(project_dir))

    assert spec.uses_existing_lock is True
    # requires-python is missing, but adding it would make uv.lock stale.
    assert plan_pyproject_from_spec(project_dir, spec, "3.11") == pyproject


def test_requirements_with_dev_file(tmp_path):
    project_dir = make(
        tmp_path,
        {
            "requirements.txt": "flask==3.0.0\n-c constraints.txt\n",
            "constraints.txt": "werkzeug<3.1\n",
            "requirements-dev.txt": "-r requirements.txt\npytest\n",
        },
    )

    spec = read_dependency_source(detect_dependency_source(project_dir))
    document = tomllib.loads(plan_pyproject_from_spec(project_dir, spec, "3.11"))

    assert spec.dependencies == ["flask==3.0.0"]
    assert spec.dev_dependencies == ["pytest"]
    assert document["project"]["requires-python"] == "==3.11.*"
    assert document["dependency-groups"] == {"dev": ["pytest"]}
    assert document["tool"]["uv"]["constraint-dependencies"] == ["werkzeug<3.1"]
    assert "build-system" not in document
