"""Tests for producing uv.lock with the real uv against PyPI."""

import tomllib
from pathlib import Path

import pytest

from dockermig.companions.lock import (
    LockError,
    find_python,
    lock,
    lock_error_from_stderr,
)
from dockermig.companions.pyproject import plan_pyproject
from dockermig.companions.requirements import RequirementSet, read_requirements

FIXTURES = Path(__file__).parent / "fixtures" / "requirements"


def pyproject(dependencies: list[str], python_version: str = "3.11") -> str:
    items = "".join(f'    "{dependency}",\n' for dependency in dependencies)
    return (
        "[project]\n"
        'name = "locktest"\n'
        'version = "0.1.0"\n'
        f'requires-python = "=={python_version}.*"\n'
        f"dependencies = [\n{items}]\n"
    )


def locked_versions(lock_text: str) -> dict[str, str]:
    return {
        package["name"]: package["version"]
        for package in tomllib.loads(lock_text)["package"]
    }


@pytest.mark.parametrize("python_version", ["3.11", "3.12"])
def test_lock_pins_kept(tmp_path, python_version):
    if python_version != "3.11" and find_python(python_version) is None:
        pytest.skip(f"no Python {python_version} interpreter installed")
    text = pyproject(["six==1.16.0", "attrs==23.2.0"], python_version)

    lock_text = lock(tmp_path, text)

    document = tomllib.loads(lock_text)
    assert document["requires-python"] == f"=={python_version}.*"
    assert locked_versions(lock_text) == {
        "attrs": "23.2.0",
        "locktest": "0.1.0",
        "six": "1.16.0",
    }


@pytest.mark.parametrize("python_version", ["3.11", "3.12"])
def test_lock_layered_fixture(tmp_path, python_version):
    if python_version != "3.11" and find_python(python_version) is None:
        pytest.skip(f"no Python {python_version} interpreter installed")
    requirements = read_requirements(FIXTURES / "layered" / "requirements.txt")
    text = plan_pyproject(tmp_path, requirements, python_version)

    versions = locked_versions(lock(tmp_path, text))

    assert versions["flask"] == "3.0.0"
    assert versions["requests"] == "2.31.0"
    assert versions["attrs"] == "23.2.0"
    assert versions["six"] == "1.16.0"
    assert versions["tomli"] == "2.0.1"
    assert "importlib-metadata" not in versions
    assert tuple(int(part) for part in versions["urllib3"].split(".")[:2]) < (2, 2)
    assert "pysocks" in versions


def test_existing_lock_keeps_pins(tmp_path):
    old_lock = lock(tmp_path, pyproject(["six==1.15.0"]))

    relaxed = pyproject(["six>=1.0"])
    relocked = lock(tmp_path, relaxed, existing_lock=old_lock)
    fresh = lock(tmp_path, relaxed)

    assert locked_versions(relocked)["six"] == "1.15.0"
    assert locked_versions(fresh)["six"] != "1.15.0"


def test_uv_toml_in_project_is_used(tmp_path):
    (tmp_path / "uv.toml").write_text('exclude-newer = "2021-06-01T00:00:00Z"\n')

    lock_text = lock(tmp_path, pyproject(["six"]))

    assert locked_versions(lock_text)["six"] == "1.16.0"


def test_unknown_package_named_in_error(tmp_path):
    text = pyproject(["six==1.16.0", "this-package-does-not-exist-dockermig==1.0"])

    with pytest.raises(LockError) as raised:
        lock(tmp_path, text)

    message = str(raised.value)
    assert raised.value.requirements == ["this-package-does-not-exist-dockermig"]
    assert "could not resolve this-package-does-not-exist-dockermig:" in message
    assert "\n" not in message
    assert message.endswith(
        "fix the name or version in the requirements file, or relax the pin"
    )


def test_missing_version_named_in_error(tmp_path):
    with pytest.raises(LockError) as raised:
        lock(tmp_path, pyproject(["six==99.0"]))

    assert raised.value.requirements == ["six==99.0"]


def test_conflict_names_requirements(tmp_path):
    with pytest.raises(LockError) as raised:
        lock(tmp_path, pyproject(["requests==2.31.0", "urllib3==1.0"]))

    assert raised.value.requirements == ["requests==2.31.0", "urllib3==1.0"]


def test_missing_python_raises(tmp_path):
    assert find_python("3.99") is None

    with pytest.raises(LockError) as raised:
        lock(tmp_path, pyproject(["six"], "3.99"))

    assert str(raised.value) == (
        "uv lock needs an installed Python 3.99 interpreter and dockermig does not download "
        "one; install Python 3.99 (for example `uv python install 3.99`) and run again"
    )


def test_timeout_raises(tmp_path):
    with pytest.raises(LockError) as raised:
        lock(tmp_path, pyproject(["six"]), timeout=0.001)

    assert "timed out after 0.001 seconds" in str(raised.value)


def test_stderr_without_requirement():
    error = lock_error_from_stderr(
        Path("svc"), "error: Failed to parse `pyproject.toml`\n  cause: bad\n"
    )

    assert (
        str(error)
        == "uv lock for svc failed: Failed to parse `pyproject.toml` cause: bad"
    )
    assert error.requirements == []


def test_lock_leaves_project_untouched(tmp_path):
    lock(tmp_path, pyproject(["six==1.16.0"]))

    assert list(tmp_path.iterdir()) == []


def test_empty_requirement_set_locks(tmp_path):
    text = plan_pyproject(tmp_path, RequirementSet(), "3.11")

    assert locked_versions(lock(tmp_path, text)) == {
        tmp_path.name.lower().replace("_", "-"): "0.1.0"
    }
