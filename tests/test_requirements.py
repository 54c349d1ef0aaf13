"""Tests for reading pip requirements files."""

import codecs
from pathlib import Path

import pytest

from dockermig.companions.requirements import RequirementProblem, read_requirements
from dockermig.errors import InputFileError

FIXTURES = Path(__file__).parent / "fixtures" / "requirements"
TOMLI_WHEEL_URL = (
    "https://files.pythonhosted.org/packages/97/75/"
    "10a9ebee3fd790d20926a90a2547f0bf78f371b2f13aa822c759680ca7b9/"
    "tomli-2.0.1-py3-none-any.whl"
)


def test_layered_file_requirements_in_order():
    result = read_requirements(FIXTURES / "layered" / "requirements.txt")

    assert result.requirements == [
        "six==1.16.0",
        "flask==3.0.0",
        'requests[socks]==2.31.0 ; python_version >= "3.8"',
        'importlib-metadata>=6.0; python_version < "3.10"',
        "attrs==23.2.0",
        f"tomli @ {TOMLI_WHEEL_URL}",
        "six==1.16.0",
    ]


def test_layered_file_constraints_and_files():
    folder = FIXTURES / "layered"
    result = read_requirements(folder / "requirements.txt")

    assert result.constraints == ["urllib3<2.2"]
    assert result.files == [
        folder / "requirements.txt",
        folder / "base.txt",
        folder / "constraints.txt",
    ]
    assert result.problems == []
    assert result.index_url is None


def test_utf16_bom_crlf_file():
    result = read_requirements(FIXTURES / "utf16" / "requirements.txt")

    assert result.requirements == [
        "six==1.16.0",
        'attrs==23.2.0 ; python_version >= "3.7"',
    ]
    assert result.problems == []


def test_utf8_bom_file(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_bytes(codecs.BOM_UTF8 + b"six==1.16.0\r\n")

    assert read_requirements(path).requirements == ["six==1.16.0"]


def test_utf16_big_endian_file(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_bytes(codecs.BOM_UTF16_BE + "six==1.16.0\n".encode("utf-16-be"))

    assert read_requirements(path).requirements == ["six==1.16.0"]


def test_undecodable_file_raises(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_bytes(b"six==1.16.0\n\xc3\x28\n")

    with pytest.raises(InputFileError) as raised:
        read_requirements(path)

    assert raised.value.path == path
    assert "UTF-8" in raised.value.problem


def test_hash_continuation_dropped(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text(
        "six==1.16.0 \\\n"
        "    --hash=sha256:1111 \\\n"
        "    --hash sha256:2222\n"
        "attrs==23.2.0 --hash=sha256:3333\n"
    )

    result = read_requirements(path)

    assert result.requirements == ["six==1.16.0", "attrs==23.2.0"]
    assert result.problems == []


def test_comment_ending_in_backslash_is_not_joined(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("# see C:\\\nsix==1.16.0\n")

    assert read_requirements(path).requirements == ["six==1.16.0"]


def test_hash_sign_inside_url_is_kept(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text(
        "helper @ git+https://github.com/example/helper.git@v2#subdirectory=src\n"
    )

    assert read_requirements(path).requirements == [
        "helper @ git+https://github.com/example/helper.git@v2#subdirectory=src"
    ]


def test_include_cycle_reads_each_file_once():
    folder = FIXTURES / "cycle"
    result = read_requirements(folder / "a.txt")

    assert result.requirements == ["six==1.16.0", "attrs==23.2.0"]
    assert result.files == [folder / "a.txt", folder / "b.txt"]


def test_missing_include_raises():
    folder = FIXTURES / "missing-include"

    with pytest.raises(InputFileError) as raised:
        read_requirements(folder / "requirements.txt")

    assert raised.value.path == folder / "does-not-exist.txt"
    assert raised.value.problem == (
        f"file not found (included with -r from {folder / 'requirements.txt'})"
    )


def test_missing_top_file_raises(tmp_path):
    with pytest.raises(InputFileError) as raised:
        read_requirements(tmp_path / "requirements.txt")

    assert raised.value.problem == "file not found"


def test_problems_list_entries():
    path = FIXTURES / "problems" / "requirements.txt"
    result = read_requirements(path)

    assert result.requirements == [
        "six==1.16.0",
        "helper @ git+https://github.com/example/helper.git@v2.0",
    ]
    assert [(problem.line, problem.text) for problem in result.problems] == [
        (2, "-e ."),
        (3, "."),
        (4, "./libs/client"),
        (6, "git+https://github.com/example/tool.git@v1.0"),
        (8, "--frobnicate"),
        (9, "https://${TOKEN}@example.com/private-1.0.tar.gz"),
        (10, "attrs==23.2.0 --config-settings=editable_mode=compat"),
    ]
    assert all(problem.file == path for problem in result.problems)
    # Line 5, `--no-binary :all:`, becomes a [tool.uv] setting, not a problem.
    assert result.pip_options.binary_options == [("no-binary", ":all:")]


def test_problem_reasons():
    result = read_requirements(FIXTURES / "problems" / "requirements.txt")
    reasons = {problem.text: problem.reason for problem in result.problems}

    assert reasons["-e ."].startswith("editable installs (-e)")
    assert reasons["."].startswith("installs a local path")
    assert reasons["git+https://github.com/example/tool.git@v1.0"] == (
        "is a URL without a package name; write it as `name @ URL`"
    )
    assert reasons["--frobnicate"] == "unknown option --frobnicate"
    assert reasons["https://${TOKEN}@example.com/private-1.0.tar.gz"].startswith(
        "uses an environment variable"
    )
    assert reasons["attrs==23.2.0 --config-settings=editable_mode=compat"] == (
        "per-requirement option --config-settings has no uv equivalent"
    )


def test_problem_is_tuple():
    problem = read_requirements(FIXTURES / "problems" / "requirements.txt").problems[0]

    assert isinstance(problem, RequirementProblem)
    file, line, text, reason = problem
    assert file == FIXTURES / "problems" / "requirements.txt"
    assert (line, text) == (2, "-e .")
    assert reason.startswith("editable installs")


def test_index_options_recorded():
    result = read_requirements(FIXTURES / "indexes" / "requirements.txt")

    assert result.index_url == "https://mirror.example.com/simple"
    assert result.extra_index_urls == ["https://internal.example.com/simple/"]
    assert result.find_links == ["https://wheels.example.com/linux/"]
    assert result.requirements == ["six==1.16.0"]
    assert result.problems == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("-rbase.txt", ["six==1.16.0"]),
        ("-r base.txt", ["six==1.16.0"]),
        ("--requirement=base.txt", ["six==1.16.0"]),
        ("--requirement base.txt", ["six==1.16.0"]),
    ],
)
def test_include_spellings(tmp_path, line, expected):
    (tmp_path / "base.txt").write_text("six==1.16.0\n")
    (tmp_path / "requirements.txt").write_text(line + "\n")

    assert read_requirements(tmp_path / "requirements.txt").requirements == expected


def test_include_relative_to_including_file(tmp_path):
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "base.txt").write_text("six==1.16.0\n")
    (tmp_path / "requirements" / "prod.txt").write_text("-r base.txt\nattrs==23.2.0\n")
    (tmp_path / "requirements.txt").write_text("-r requirements/prod.txt\n")

    result = read_requirements(tmp_path / "requirements.txt")

    assert result.requirements == ["six==1.16.0", "attrs==23.2.0"]


def test_egg_fragment_becomes_named_reference(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text(
        "git+https://github.com/example/helper.git@v2#egg=helper&subdirectory=src\n"
    )

    assert read_requirements(path).requirements == [
        "helper @ git+https://github.com/example/helper.git@v2#subdirectory=src"
    ]


def test_wheel_url_becomes_named_reference(tmp_path):
    url = "https://example.com/wheels/tomli-2.0.1-py3-none-any.whl"
    path = tmp_path / "requirements.txt"
    path.write_text(url + "\n")

    assert read_requirements(path).requirements == [f"tomli @ {url}"]


def test_local_find_links_is_problem(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("--find-links ./wheels\nsix==1.16.0\n")

    result = read_requirements(path)

    assert result.find_links == []
    assert [problem.text for problem in result.problems] == ["--find-links ./wheels"]


def test_file_url_reference_is_problem(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("client @ file:///srv/client-1.0.tar.gz\n")

    result = read_requirements(path)

    assert result.requirements == []
    assert result.problems[0].reason.startswith("refers to a local file")


def test_ignored_options_leave_no_problem(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("--require-hashes\n--prefer-binary\nsix==1.16.0\n")

    result = read_requirements(path)

    assert result.requirements == ["six==1.16.0"]
    assert result.problems == []


def test_continuation_into_comment_line(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("six==1.16.0\\\n# pinned for the old client\nattrs==23.2.0\n")

    assert read_requirements(path).requirements == ["six==1.16.0", "attrs==23.2.0"]
