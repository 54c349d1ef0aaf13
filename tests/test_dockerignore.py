"""Tests for planning the .dockerignore change that excludes .venv."""

import codecs

import pytest

from dockermig.check.context import BuildContext
from dockermig.companions.dockerignore import is_excluded, plan_dockerignore
from dockermig.discovery import discover_dockerfiles, is_dockerfile_name
from dockermig.dockerignore import ignore_file_path
from dockermig.errors import InputFileError


def write_dockerignore(tmp_path, data: bytes) -> None:
    (tmp_path / ".dockerignore").write_bytes(data)


def test_absent_file_created(tmp_path):
    assert plan_dockerignore(tmp_path) == ".venv\n"


def test_empty_file(tmp_path):
    write_dockerignore(tmp_path, b"")

    assert plan_dockerignore(tmp_path) == ".venv\n"


@pytest.mark.parametrize(
    "pattern",
    [
        ".venv",
        ".venv/",
        "/.venv",
        "./.venv/",
        "**/.venv",
        "  .venv  ",
        ".venv*",
        "*",
        ".*",
        "**",
    ],
)
def test_already_excluded(tmp_path, pattern):
    write_dockerignore(tmp_path, f"node_modules\n{pattern}\n".encode())

    assert plan_dockerignore(tmp_path) is None


@pytest.mark.parametrize(
    "content",
    [
        "venv\n",
        ".venv2\n",
        "# .venv\n",
        "src/.venv\n",
        ".venv\n!.venv\n",
        ".venv/\n!.venv/bin/python\n",
        "*\n!**/*.py\n",
        ".venv/**\n",
    ],
)
def test_not_excluded_gets_line(tmp_path, content):
    write_dockerignore(tmp_path, content.encode())

    assert plan_dockerignore(tmp_path) == content + ".venv\n"


def test_negation_before_exclusion(tmp_path):
    write_dockerignore(tmp_path, b"!.venv\n.venv\n")

    assert plan_dockerignore(tmp_path) is None


def test_crlf_kept(tmp_path):
    write_dockerignore(tmp_path, b"node_modules\r\n*.pyc\r\n")

    assert plan_dockerignore(tmp_path) == "node_modules\r\n*.pyc\r\n.venv\r\n"


def test_missing_final_newline_kept(tmp_path):
    write_dockerignore(tmp_path, b"node_modules\n*.pyc")

    assert plan_dockerignore(tmp_path) == "node_modules\n*.pyc\n.venv"


def test_missing_final_newline_crlf(tmp_path):
    write_dockerignore(tmp_path, b"node_modules\r\n*.pyc")

    assert plan_dockerignore(tmp_path) == "node_modules\r\n*.pyc\r\n.venv"


def test_utf8_bom_kept(tmp_path):
    write_dockerignore(tmp_path, codecs.BOM_UTF8 + b"node_modules\n")

    assert plan_dockerignore(tmp_path) == "\ufeffnode_modules\n.venv\n"


def test_utf8_bom_before_venv_line(tmp_path):
    write_dockerignore(tmp_path, codecs.BOM_UTF8 + b".venv\n")

    assert plan_dockerignore(tmp_path) is None


def test_plan_is_idempotent(tmp_path):
    write_dockerignore(tmp_path, b"*.pyc\n.venv\n!.venv\n")
    planned = plan_dockerignore(tmp_path)
    write_dockerignore(tmp_path, planned.encode())

    assert plan_dockerignore(tmp_path) is None


def test_undecodable_file_raises(tmp_path):
    write_dockerignore(tmp_path, b"\xc3\x28\n")

    with pytest.raises(InputFileError) as raised:
        plan_dockerignore(tmp_path)

    assert raised.value.path == tmp_path / ".dockerignore"


def test_is_excluded_character_class():
    assert is_excluded("[.]venv\n", ".venv")
    assert not is_excluded("[^.]venv\n", ".venv")


def test_plan_extends_given_ignore_file(tmp_path):
    (tmp_path / ".dockerignore").write_text(".venv\n")
    own = tmp_path / "Dockerfile.prod.dockerignore"
    own.write_text("*.pyc\n")
    assert plan_dockerignore(tmp_path, own) == "*.pyc\n.venv\n"


def test_ignore_file_prefers_dockerfile_own(tmp_path):
    (tmp_path / ".dockerignore").write_text("")
    (tmp_path / "Dockerfile.prod.dockerignore").write_text("")
    path = ignore_file_path(tmp_path / "Dockerfile.prod", tmp_path)
    assert path == tmp_path / "Dockerfile.prod.dockerignore"


def test_ignore_file_falls_back_to_context(tmp_path):
    (tmp_path / "Dockerfile.dockerignore").write_text("")
    context = tmp_path / "context"
    path = ignore_file_path(tmp_path / "Dockerfile.prod", context)
    assert path == context / ".dockerignore"


def test_build_context_reads_dockerfile_own_ignore(tmp_path):
    (tmp_path / ".dockerignore").write_text(".venv\n")
    (tmp_path / "Dockerfile.prod.dockerignore").write_text("*.pyc\n")
    context = BuildContext.load(tmp_path / "Dockerfile.prod", None)
    assert context.ignore_file == "Dockerfile.prod.dockerignore"
    assert context.excluded("app.pyc")
    assert not context.excluded(".venv")


def test_build_context_reads_context_dockerignore(tmp_path):
    (tmp_path / ".dockerignore").write_text(".venv\n")
    context = BuildContext.load(tmp_path / "Dockerfile.prod", None)
    assert context.ignore_file == ".dockerignore"
    assert context.excluded(".venv")


@pytest.mark.parametrize(
    "name",
    ["Dockerfile.prod.dockerignore", "Dockerfile.dockerignore", "api.Dockerfile.dockerignore"],
)
def test_ignore_file_is_not_dockerfile_name(name):
    assert not is_dockerfile_name(name)


@pytest.mark.parametrize("name", ["Dockerfile.prod", "Dockerfile", "api.Dockerfile"])
def test_dockerfile_names_still_found(name):
    assert is_dockerfile_name(name)


def test_discovery_skips_ignore_files(tmp_path):
    (tmp_path / "Dockerfile.prod").write_text("FROM scratch\n")
    (tmp_path / "Dockerfile.prod.dockerignore").write_text("*.pyc\n")
    assert discover_dockerfiles([tmp_path]).dockerfiles == [tmp_path / "Dockerfile.prod"]
