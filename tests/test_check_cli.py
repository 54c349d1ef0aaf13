"""`dockermig check` and `dockermig explain` through the command line: exit codes,
selection, inline ignores, configuration and report formats."""

import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from dockermig.check.registry import all_rules
from dockermig.check.runner import check_bytes
from dockermig.commands.group import cli

GOOD = """\
FROM python:3.12-slim-trixie AS builder
COPY --from=ghcr.io/astral-sh/uv:0.9.5 /uv /uvx /bin/
ENV UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=0 UV_COMPILE_BYTECODE=1
WORKDIR /app
RUN --mount=type=cache,target=/root/.cache/uv \\
    --mount=type=bind,source=uv.lock,target=uv.lock \\
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \\
    uv sync --locked --no-install-project --no-dev
COPY . /app
RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-dev

FROM python:3.12-slim-trixie
COPY --from=builder /app /app
ENV PATH="/app/.venv/bin:$PATH"
WORKDIR /app
CMD ["app"]
"""

DRIFTED = """\
FROM ghcr.io/astral-sh/uv:python3.12-bookworm-slim AS builder
WORKDIR /app
RUN uv sync
FROM python:3.11-slim
COPY --from=builder /app /app
"""


def project(tmp_path: Path, dockerfile: str, **files: str) -> Path:
    (tmp_path / "Dockerfile").write_text(dockerfile)
    (tmp_path / "uv.lock").write_text("")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    (tmp_path / ".dockerignore").write_text(".venv\n")
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    return tmp_path / "Dockerfile"


def invoke(*arguments: str):
    return CliRunner().invoke(cli, ["check", *arguments], catch_exceptions=False)


def test_good_file_exits_zero(tmp_path):
    result = invoke(str(project(tmp_path, GOOD)))
    assert result.output == ""
    assert result.exit_code == 0


def test_drifted_file_exits_one_with_concise_lines(tmp_path):
    path = project(tmp_path, DRIFTED)
    result = invoke(str(path))
    assert result.exit_code == 1
    assert f"{path}:4:6: DM101 " in result.output
    assert f"{path}:4:6: DM102 " in result.output


def test_select_and_ignore(tmp_path):
    path = str(project(tmp_path, DRIFTED))
    selected = invoke("--select", "DM101", "--format", "json", path)
    assert {item["code"] for item in json.loads(selected.stdout)} == {"DM101"}
    ignored = invoke("--ignore", "DM1,floating-base-tag", "--format", "json", path)
    assert {item["code"] for item in json.loads(ignored.stdout)} == {"DM202"}


def test_fail_level(tmp_path):
    path = str(project(tmp_path, DRIFTED))
    assert invoke("--select", "DM203", path).exit_code == 1
    assert invoke("--select", "DM203", "--fail-level", "error", path).exit_code == 0
    assert invoke("--fail-level", "none", path).exit_code == 0


def test_unknown_rule_is_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["check", "--select", "DM999", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown rule code or name 'DM999'" in result.output


def test_missing_path_is_input_error(tmp_path):
    from dockermig.cli import main

    with pytest.raises(SystemExit) as done:
        import sys

        sys.argv = ["dockermig", "check", str(tmp_path / "absent")]
        main()
    assert done.value.code == 2


def test_migrate_marker_in_concise(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text("FROM python:3.12-slim-trixie\nRUN pip install flask\n")
    result = invoke("--select", "DM114", "--fail-level", "info", str(path))
    assert f"{path}:2:9: DM114 [*] installs with pip" in result.output
    assert result.exit_code == 1


def test_no_migrate_marker_when_migrate_refuses(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text("FROM python:3-slim\nRUN pip install flask\n")
    result = invoke("--select", "DM114", "--fail-level", "info", str(path))
    assert f"{path}:2:9: DM114 installs with pip; `dockermig migrate` cannot rewrite" in result.output
    assert "does not name a Python minor version" in result.output
    assert "[*]" not in result.output


def test_json_fields(tmp_path):
    path = project(tmp_path, DRIFTED)
    records = json.loads(
        invoke("--format", "json", "--select", "DM102", str(path)).stdout
    )
    assert records == [
        {
            "path": str(path),
            "line": 4,
            "column": 6,
            "end_line": 4,
            "end_column": 22,
            "code": "DM102",
            "name": "stage-python-mismatch",
            "severity": "error",
            "message": "venv built with Python 3.12 in 'builder' runs on Python 3.11 in stage 2",
            "fix": "use Python 3.12 in both stages",
        }
    ]


def test_github_annotations(tmp_path):
    path = project(tmp_path, DRIFTED)
    output = invoke("--format", "github", "--select", "DM102,DM203", str(path)).stdout
    lines = output.splitlines()
    assert lines[0].startswith(
        f"::error file={path},line=4,col=6,endLine=4,endColumn=22,title=DM102 stage-python-mismatch::"
    )
    assert lines[1].startswith("::warning ")


def test_full_format_shows_source_and_fix(tmp_path):
    path = project(tmp_path, DRIFTED)
    output = invoke("--format", "full", "--select", "DM102", str(path)).stdout
    assert "4 | FROM python:3.11-slim" in output
    assert "fix: use Python 3.12 in both stages" in output


def test_full_format_does_not_wrap_in_pipe(tmp_path):
    path = project(tmp_path, DRIFTED.replace("python:3.11-slim", "python:3.12-slim"))
    output = invoke("--format", "full", "--select", "DM203", str(path)).stdout
    message = next(line for line in output.splitlines() if "DM203" in line)
    assert message.endswith("can change without a change here (today trixie)")
    assert len(message) > 80


def test_non_utf8_message_gives_next_step(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_bytes(b"FROM python:3.12-slim-trixie\nLABEL author=Ren\xe9\n")
    result = invoke("--format", "concise", str(path))
    assert result.stdout == (
        f"{path}:1:1: DM001 the file is not valid UTF-8 (byte 0xe9 on line 2); "
        "convert the file to UTF-8\n"
    )
    assert result.exit_code == 2


def test_non_utf8_fix_names_conversion(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_bytes(b"FROM python:3.12-slim-trixie\nLABEL author=Ren\xe9\n")
    records = json.loads(invoke("--format", "json", str(path)).stdout)
    assert [record["fix"] for record in records] == ["convert the file to UTF-8"]


def test_inline_ignore_before_instruction(tmp_path):
    text = DRIFTED.replace(
        "FROM python:3.11-slim\n",
        "# dockermig: ignore=DM102,DM203 runtime pinned on purpose\nFROM python:3.11-slim\n",
    )
    codes = {
        item["code"]
        for item in json.loads(
            invoke("--format", "json", str(project(tmp_path, text))).stdout
        )
    }
    assert "DM102" not in codes
    assert "DM203" not in codes
    assert "DM101" in codes


def test_inline_ignore_needs_adjacent_comment(tmp_path):
    text = DRIFTED.replace(
        "FROM python:3.11-slim\n",
        "# dockermig: ignore=DM102\n\nFROM python:3.11-slim\n",
    )
    codes = {
        item["code"]
        for item in json.loads(
            invoke("--format", "json", str(project(tmp_path, text))).stdout
        )
    }
    assert "DM102" in codes


def test_ignore_file_pragma_and_hadolint_left_alone(tmp_path):
    text = (
        "# hadolint ignore=DL3008\n" + DRIFTED + "# dockermig: ignore-file=DM1,DM203\n"
    )
    codes = {
        item["code"]
        for item in json.loads(
            invoke("--format", "json", str(project(tmp_path, text))).stdout
        )
    }
    assert codes == {"DM202"}


def test_pyproject_config_with_override(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.dockermig.check]\nignore = ['DM203']\nfail-level = 'error'\n"
        "[[tool.dockermig.check.overrides]]\nfiles = ['legacy/*']\nignore = ['DM1']\n"
    )
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "Dockerfile").write_text(DRIFTED)
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\n")
    result = invoke("--format", "json", str(tmp_path))
    codes = {
        (Path(item["path"]).parent.name, item["code"])
        for item in json.loads(result.stdout)
    }
    assert codes == {("legacy", "DM202")}
    assert result.exit_code == 0


def test_yaml_config_nearest_wins(tmp_path):
    (tmp_path / ".dockermig.yaml").write_text("check:\n  select: [DM203]\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".dockermig.yaml").write_text("check:\n  select: [DM102]\n")
    (tmp_path / "sub" / "Dockerfile").write_text(DRIFTED)
    records = json.loads(invoke("--format", "json", str(tmp_path / "sub")).stdout)
    assert {item["code"] for item in records} == {"DM102"}


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("[tool.dockermig.check]\nselct = ['DM1']\n", "tool.dockermig.check.selct"),
        (
            "[tool.dockermig.check]\nfail-level = 'high'\n",
            "tool.dockermig.check.fail-level",
        ),
        ("[tool.dockermig.check]\nignore = ['DM999']\n", "DM999"),
        (
            "[[tool.dockermig.check.overrides]]\nignore = ['DM1']\n",
            "overrides[0].files",
        ),
    ],
)
def test_invalid_config_names_key(tmp_path, content, named):
    (tmp_path / "pyproject.toml").write_text(content)
    (tmp_path / "Dockerfile").write_text(GOOD)
    result = CliRunner().invoke(cli, ["check", str(tmp_path)])
    assert isinstance(result.exception, Exception)
    assert named in str(result.exception)


def test_explain_prints_docs():
    result = CliRunner().invoke(cli, ["explain", "DM101"])
    assert result.exit_code == 0
    assert result.output.startswith(
        "DM101 stage-release-mismatch (default severity: error)"
    )
    assert "## Why it matters" in result.output


def test_explain_accepts_buildkit_name():
    result = CliRunner().invoke(cli, ["explain", "FromAsCasing"])
    assert "DM301 from-as-casing" in result.output
    assert "BuildKit check: FromAsCasing" in result.output


def test_explain_unknown_code():
    result = CliRunner().invoke(cli, ["explain", "DM999"])
    assert result.exit_code == 2


def test_explain_lists_rules():
    output = CliRunner().invoke(cli, ["explain"]).output
    assert len(output.splitlines()) == len(all_rules())


TOKENS = [
    "FROM ", "RUN ", "COPY ", "ADD ", "ARG ", "ENV ", "CMD ", "WORKDIR ", "EXPOSE ", "from ", " AS ", " as ",
    "python:3.12-slim", "ghcr.io/astral-sh/uv:python3.12-bookworm-slim", "--from=0 ", "--from=b ",
    "uv sync", " --locked", "pip install uv", "--mount=type=cache,target=/x ", "--platform=$X ",
    "<<EOF", "EOF", "$A", "${B:-c}", "[\"uv\", \"run\"]", "/app/.venv", ". .", "\\", "\n", " ", "#",
    "# dockermig: ignore=DM1", "=", ":", "/", "'", '"', "\t", "\r\n", "\ufeff",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(TOKENS) | st.text(max_size=3), max_size=60).map("".join)
)
def test_check_never_raises(text):
    findings, errors = check_bytes(text.encode(), Path("Dockerfile"), list(all_rules()))
    assert errors == []
    for finding in findings:
        assert finding.line >= 1
        assert finding.column >= 1


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=120))
def test_check_never_raises_on_bytes(data):
    findings, errors = check_bytes(data, Path("Dockerfile"), list(all_rules()))
    assert errors == []


# --- SARIF ---

SARIF_SCHEMA_PACKAGE = "@microsoft/jest-sarif@1.0.0-beta.0"
SARIF_SCHEMA_MEMBER = "package/lib/schemas/sarif-2.1.0-rtm.5.json"


@pytest.fixture(scope="session")
def sarif_schema(tmp_path_factory):
    """The SARIF 2.1.0 JSON schema from the npm package that ships it; skip when npm cannot fetch it."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip(
            "npm is not installed, so the SARIF schema package cannot be fetched"
        )
    folder = tmp_path_factory.mktemp("sarif-schema")
    result = subprocess.run(
        [npm, "pack", SARIF_SCHEMA_PACKAGE, "--silent"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        pytest.skip(f"npm pack {SARIF_SCHEMA_PACKAGE} failed: {result.stderr.strip()}")
    archive = folder / result.stdout.strip().splitlines()[-1]
    with tarfile.open(archive) as tar:
        return json.load(tar.extractfile(SARIF_SCHEMA_MEMBER))


def sarif_log(tmp_path) -> dict:
    path = project(tmp_path, DRIFTED)
    return json.loads(invoke("--format", "sarif", str(path)).stdout)


def test_sarif_structure(tmp_path):
    log = sarif_log(tmp_path)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert log["version"] == "2.1.0"
    assert [rule["id"] for rule in rules] == [rule.code for rule in all_rules()]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1
        assert region["startColumn"] >= 1
    assert {result["level"] for result in run["results"]} <= {
        "error",
        "warning",
        "note",
    }


def test_sarif_valid_against_schema(tmp_path, sarif_schema):
    import jsonschema

    jsonschema.Draft4Validator(sarif_schema).validate(sarif_log(tmp_path))


def test_sarif_relative_uri(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    project(tmp_path, DRIFTED)
    log = json.loads(invoke("--format", "sarif", "Dockerfile").stdout)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"
    ]["uri"]
    assert uri == "Dockerfile"


def _run_dockermig(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess, list[str]]:
    """Run dockermig's entry point in a new interpreter; return the result and the click modules it loaded."""
    import sys

    code = (
        "import sys\n"
        "from dockermig.cli import main\n"
        f"sys.argv = ['dockermig', *{list(args)!r}]\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    loaded = sorted(m for m in sys.modules if m == 'click' or m.startswith('click.'))\n"
        "    print('LOADED', loaded, file=sys.stderr)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=False
    )
    loaded_line = [line for line in completed.stderr.splitlines() if line.startswith("LOADED")]
    return completed, loaded_line


def test_plain_check_matches_click_run(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "Dockerfile").write_text(DRIFTED)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "Dockerfile").write_text("FROM python:3.12-slim-trixie\nRUN pip install flask\n")

    plain, plain_loaded = _run_dockermig("check", "a/Dockerfile", "b", cwd=tmp_path)
    # `--jobs 1` is an option, so this run goes through click.
    with_click, click_loaded = _run_dockermig("check", "--jobs", "1", "a/Dockerfile", "b", cwd=tmp_path)

    assert plain_loaded == ["LOADED []"]
    assert click_loaded != ["LOADED []"]
    assert plain.returncode == with_click.returncode == 1
    assert "DM202" in plain.stdout
    assert "b/Dockerfile" in plain.stdout
    assert plain.stdout == with_click.stdout
    assert plain.stderr.replace(plain_loaded[0], "") == with_click.stderr.replace(click_loaded[0], "")


def test_plain_check_missing_file(tmp_path):
    plain, _ = _run_dockermig("check", "absent/Dockerfile", cwd=tmp_path)
    with_click, _ = _run_dockermig("check", "--jobs", "1", "absent/Dockerfile", cwd=tmp_path)

    assert plain.returncode == with_click.returncode == 2
    first_plain = plain.stderr.splitlines()[0]
    assert first_plain == with_click.stderr.splitlines()[0]
    assert "absent/Dockerfile" in first_plain
