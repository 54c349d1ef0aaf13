"""Tests for reading setup.py statically with libcst and setup.cfg with configparser."""

import textwrap
from pathlib import Path

import pytest
from conftest import write_files

from dockermig.companions.setuppy import read_setup_py_keywords
from dockermig.companions.sources import (
    detect_dependency_source,
    read_dependency_source,
)
from dockermig.companions.spec import SourceKind
from dockermig.errors import InputFileError

STATIC_SETUP_PY = """\
import os
from setuptools import find_packages, setup

BASE = ["requests>=2.28", "click"]
WEB = ("flask",)
BASE += ["rich"]
DESCRIPTION = "demo " "app"

setup(
    name="demo-app",
    version="1.4.0",
    packages=find_packages(),
    install_requires=BASE + ["attrs==23.2.0"],
    python_requires=">=3.9",
    extras_require={"web": WEB + ("gunicorn",), "docs": "sphinx\\nfuro"},
    entry_points={
        "console_scripts": [
            "demo = demo.cli:main",
            "demo-web = demo.web:run [web]",
        ],
    },
)
"""


def read_project(tmp_path: Path, files: dict[str, str]):
    write_files(tmp_path, {name: textwrap.dedent(text) for name, text in files.items()})
    source = detect_dependency_source(tmp_path)
    return source, read_dependency_source(source)


def test_static_setup_py_read(tmp_path):
    source, spec = read_project(tmp_path, {"setup.py": STATIC_SETUP_PY})

    assert source.kind is SourceKind.SETUPTOOLS
    assert spec.name == "demo-app"
    assert spec.version == "1.4.0"
    assert spec.dependencies == ["requests>=2.28", "click", "rich", "attrs==23.2.0"]
    assert spec.requires_python == ">=3.9"
    assert spec.optional_dependencies == {
        "web": ["flask", "gunicorn"],
        "docs": ["sphinx", "furo"],
    }
    assert spec.scripts == {"demo": "demo.cli:main", "demo-web": "demo.web:run"}
    assert spec.is_package is True
    assert spec.problems == []


def test_setup_py_never_executed(tmp_path):
    marker = tmp_path / "executed"
    setup_py = f"""\
    import pathlib
    pathlib.Path({str(marker)!r}).write_text("ran")
    from setuptools import setup
    setup(name="x", install_requires=["six"])
    """
    _, spec = read_project(tmp_path, {"setup.py": setup_py})

    assert spec.dependencies == ["six"]
    assert not marker.exists()


@pytest.mark.parametrize(
    ("value", "expected_description"),
    [
        ('open("requirements.txt").read().splitlines()', "a call to open("),
        ('[line.strip() for line in ["a", "b"]]', "the comprehension"),
        ("REQUIREMENTS", "assigned conditionally"),
        ("UNKNOWN_NAME", "has no module-level literal value"),
        ('[f"pkg=={VERSION}"]', "the f-string"),
    ],
)
def test_dynamic_install_requires_problem(tmp_path, value, expected_description):
    setup_py = f"""\
    import sys
    from setuptools import setup
    VERSION = "1.0"
    if sys.version_info >= (3, 8):
        REQUIREMENTS = ["six"]
    else:
        REQUIREMENTS = ["six<1.16"]
    setup(name="x", version=VERSION, install_requires={value}, python_requires=">=3.8")
    """
    _, spec = read_project(tmp_path, {"setup.py": setup_py})

    assert len(spec.problems) == 1
    problem = spec.problems[0]
    assert problem.item == "install_requires"
    assert "install_requires is dynamic" in problem.reason
    assert expected_description in problem.reason
    assert spec.requires_python == ">=3.8"
    assert spec.version == "1.0"


def test_dynamic_version_marked_not_problem(tmp_path):
    setup_py = """\
    from setuptools import setup
    setup(name="x", version=open("VERSION").read().strip(), install_requires=["six"])
    """
    _, spec = read_project(tmp_path, {"setup.py": setup_py})

    assert spec.problems == []
    assert spec.dynamic_version is True
    assert spec.version is None


def test_double_star_kwargs_from_literal_dict(tmp_path):
    setup_py = """\
    import setuptools
    OPTIONS = {"install_requires": ["six"], "python_requires": ">=3.10"}
    setuptools.setup(name="x", **OPTIONS)
    """
    _, spec = read_project(tmp_path, {"setup.py": setup_py})

    assert spec.dependencies == ["six"]
    assert spec.requires_python == ">=3.10"
    assert spec.problems == []


def test_entry_points_ini_string(tmp_path):
    setup_py = '''\
    from setuptools import setup
    setup(name="x", entry_points="""
    [console_scripts]
    tool = x.cli:main
    """)
    '''
    _, spec = read_project(tmp_path, {"setup.py": setup_py})

    assert spec.scripts == {"tool": "x.cli:main"}


def test_setup_py_without_setup_call_raises(tmp_path):
    path = tmp_path / "setup.py"
    path.write_text("print('hello')\n")

    with pytest.raises(InputFileError) as raised:
        read_setup_py_keywords(path)

    assert "calls no setup() function" in str(raised.value)


def test_setup_py_syntax_error_raises(tmp_path):
    path = tmp_path / "setup.py"
    path.write_text("setup(name=\n")

    with pytest.raises(InputFileError) as raised:
        read_setup_py_keywords(path)

    assert "is not valid Python" in str(raised.value)


def test_setup_cfg_read(tmp_path):
    setup_cfg = """\
    [metadata]
    name = cfg-app
    version = attr: cfg_app.__version__

    [options]
    packages = find:
    python_requires = >=3.10
    install_requires =
        requests>=2
        tomli; python_version < "3.11"

    [options.extras_require]
    yaml = pyyaml

    [options.entry_points]
    console_scripts =
        cfg-app = cfg_app.main:run

    [flake8]
    max-line-length = 100
    """
    source, spec = read_project(
        tmp_path,
        {"setup.cfg": setup_cfg, "setup.py": "import setuptools\nsetuptools.setup()\n"},
    )

    assert source.kind is SourceKind.SETUPTOOLS
    assert spec.name == "cfg-app"
    assert spec.dynamic_version is True
    assert spec.dependencies == ["requests>=2", 'tomli; python_version < "3.11"']
    assert spec.requires_python == ">=3.10"
    assert spec.optional_dependencies == {"yaml": ["pyyaml"]}
    assert spec.scripts == {"cfg-app": "cfg_app.main:run"}
    assert spec.problems == []


def test_setup_cfg_file_directive(tmp_path):
    setup_cfg = """\
    [metadata]
    name = cfg-app

    [options]
    install_requires = file: requirements.txt
    """
    _, spec = read_project(
        tmp_path, {"setup.cfg": setup_cfg, "requirements.txt": "six==1.16.0\n"}
    )

    assert spec.dependencies == ["six==1.16.0"]


def test_tool_only_setup_cfg_not_detected(tmp_path):
    write_files(tmp_path, {"setup.cfg": "[flake8]\nmax-line-length = 100\n"})

    assert detect_dependency_source(tmp_path) is None
