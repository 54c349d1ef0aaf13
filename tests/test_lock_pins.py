"""Tests for locking with the old lock's pins, with the real uv against PyPI."""

import json
import subprocess
import textwrap
import tomllib
from pathlib import Path

import pytest
import uv
from conftest import write_files

from dockermig.companions.lock import (
    LockError,
    find_python,
    lock_with_pins,
    with_constraints,
)
from dockermig.companions.pyproject import plan_pyproject_from_spec
from dockermig.companions.sources import (
    detect_dependency_source,
    read_dependency_source,
)

OLD_REQUESTS = {
    "requests": "2.28.1",
    "urllib3": "1.26.12",
    "idna": "3.3",
    "certifi": "2022.9.24",
    "charset-normalizer": "2.1.1",
}


def locked_versions(lock_text: str) -> dict[str, str]:
    return {
        package["name"]: package["version"]
        for package in tomllib.loads(lock_text)["package"]
    }


def lock_check(
    folder: Path, pyproject_text: str, lock_text: str
) -> subprocess.CompletedProcess:
    """Run `uv lock --check` on the final files, as `uv sync --locked` would check them."""
    folder.mkdir()
    (folder / "pyproject.toml").write_text(pyproject_text, encoding="utf-8")
    (folder / "uv.lock").write_text(lock_text, encoding="utf-8")
    return subprocess.run(
        [
            uv.find_uv_bin(),
            "lock",
            "--check",
            "--directory",
            str(folder),
            "--python",
            find_python("3.11"),
            "--no-python-downloads",
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def migrate_and_lock(project_dir: Path, check_dir: Path) -> tuple[str, str]:
    spec = read_dependency_source(detect_dependency_source(project_dir))
    assert spec.problems == []
    pyproject_text = plan_pyproject_from_spec(project_dir, spec, "3.11")
    lock_text = lock_with_pins(project_dir, pyproject_text, spec.pins)

    assert "constraint-dependencies" not in pyproject_text
    assert "[manifest]" not in lock_text
    completed = lock_check(check_dir, pyproject_text, lock_text)
    assert completed.returncode == 0, completed.stderr
    return pyproject_text, lock_text


def test_poetry_lock_versions_kept(tmp_path):
    pyproject = """\
    [tool.poetry]
    name = "poetry-demo"
    version = "1.2.0"
    description = ""
    authors = []
    package-mode = false

    [tool.poetry.dependencies]
    python = "~3.11"
    requests = "^2.28"
    """
    packages = "\n".join(
        f'[[package]]\nname = "{name}"\nversion = "{version}"\noptional = false\n'
        'python-versions = "*"\nfiles = []\n'
        for name, version in OLD_REQUESTS.items()
    )
    project_dir = tmp_path / "project"
    write_files(
        project_dir,
        {
            "pyproject.toml": textwrap.dedent(pyproject),
            "poetry.lock": packages + '\n[metadata]\nlock-version = "2.0"\n',
        },
    )

    _, lock_text = migrate_and_lock(project_dir, tmp_path / "check")

    versions = locked_versions(lock_text)
    for name, version in OLD_REQUESTS.items():
        assert versions[name] == version


def test_pipfile_lock_versions_kept(tmp_path):
    pipfile = '[packages]\nrequests = "*"\n\n[requires]\npython_version = "3.11"\n'
    lock = {
        "_meta": {},
        "default": {
            name: {"hashes": [], "version": f"=={version}"}
            for name, version in OLD_REQUESTS.items()
        },
        "develop": {},
    }
    project_dir = tmp_path / "project"
    write_files(project_dir, {"Pipfile": pipfile, "Pipfile.lock": json.dumps(lock)})

    pyproject_text, lock_text = migrate_and_lock(project_dir, tmp_path / "check")

    assert tomllib.loads(pyproject_text)["project"]["dependencies"] == ["requests"]
    versions = locked_versions(lock_text)
    for name, version in OLD_REQUESTS.items():
        assert versions[name] == version


def test_pip_tools_compiled_pins_kept(tmp_path):
    compiled = "".join(
        f"{name}=={version}\n    # via requests\n"
        for name, version in OLD_REQUESTS.items()
    )
    project_dir = tmp_path / "project"
    write_files(
        project_dir, {"requirements.in": "requests\n", "requirements.txt": compiled}
    )

    pyproject_text, lock_text = migrate_and_lock(project_dir, tmp_path / "check")

    assert tomllib.loads(pyproject_text)["project"]["dependencies"] == ["requests"]
    versions = locked_versions(lock_text)
    for name, version in OLD_REQUESTS.items():
        assert versions[name] == version


def test_conflicting_pin_raises(tmp_path):
    pyproject = (
        '[project]\nname = "a"\nversion = "1"\nrequires-python = "==3.11.*"\n'
        'dependencies = ["six>=1.16"]\n'
    )

    with pytest.raises(LockError) as raised:
        lock_with_pins(tmp_path, pyproject, ["six==1.15.0"])

    assert "cannot all be kept" in str(raised.value)


def test_existing_constraint_not_overridden():
    pyproject = (
        '[project]\nname = "a"\nversion = "1"\ndependencies = ["six"]\n\n'
        '[tool.uv]\nconstraint-dependencies = ["six<1.16"]\n'
    )

    text, added = with_constraints(pyproject, ["six==1.16.0", "attrs==23.2.0"])

    assert added == ["attrs==23.2.0"]
    assert tomllib.loads(text)["tool"]["uv"]["constraint-dependencies"] == [
        "six<1.16",
        "attrs==23.2.0",
    ]


def test_no_pins_plain_lock(tmp_path):
    pyproject = (
        '[project]\nname = "a"\nversion = "1"\nrequires-python = "==3.11.*"\n'
        'dependencies = ["six==1.16.0"]\n'
    )

    lock_text = lock_with_pins(tmp_path, pyproject, [])

    assert locked_versions(lock_text)["six"] == "1.16.0"
