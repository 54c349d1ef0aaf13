"""Command-line behaviour shared by migrate, check and build: text with brackets
in rich output, folders without Dockerfiles, the --pull policy, heredocs with
old buildah, the bake cache default and working containers buildah leaves."""

import io
import json
import subprocess
from pathlib import Path

import pytest
from build_helpers import (
    TEST_TAG_PREFIX,
    remove_test_images,
    require_buildah,
    require_stand_in_images,
    run_cli,
    write_dockerfile,
)
from rich.console import Console

from dockermig.build import UnsupportedPullPolicyError
from dockermig.build.backends import (
    BuildahBuilder,
    CommandResult,
    DockerBuilder,
    PodmanBuilder,
)
from dockermig.build.bake import auto_cache_kind, bake_definition
from dockermig.build.runner import BuildResult, build_one, plan_jobs
from dockermig.commands import build as build_command
from dockermig.commands import migrate as migrate_command
from dockermig.migrate.outcome import FileResult, Outcome

HEREDOC_DOCKERFILE = """\
FROM python:3.11-slim-bookworm
WORKDIR /app
RUN <<EOT
set -e
echo hello
EOT
"""


def _capture_stdout(monkeypatch) -> io.StringIO:
    buffer = io.StringIO()
    monkeypatch.setattr("sys.stdout", buffer)
    monkeypatch.setenv("COLUMNS", "250")
    return buffer


# ------------------------------------------------------- brackets in rich output


def test_migrate_table_keeps_brackets(monkeypatch):
    output = _capture_stdout(monkeypatch)
    result = FileResult(
        Path("svc[old]/Dockerfile"),
        Outcome.NEEDS_ATTENTION,
        "the [project] table belongs to the project",
        ["pyproject.toml sets [tool.uv] prerelease", "[bold]not markup[/bold]"],
    )

    migrate_command._report([result], "table", dry_run=False)

    text = output.getvalue()
    assert "svc[old]/Dockerfile" in text
    assert "the [project] table" in text
    assert "[tool.uv] prerelease" in text
    assert "[bold]not markup[/bold]" in text


def test_migrate_cli_bracket_folder(tmp_path):
    write_dockerfile(tmp_path / "svc[old]", "FROM nginx:1.27\n")

    completed = run_cli("migrate", "--check", ".", cwd=tmp_path, env=_wide_env())

    assert completed.returncode == 0, completed.stderr
    assert "svc[old]/Dockerfile" in completed.stdout


def test_build_table_keeps_brackets(monkeypatch):
    output = _capture_stdout(monkeypatch)
    result = BuildResult(
        path="svc[old]/Dockerfile",
        tag="localhost/dockermig/svc-old:latest",
        ok=False,
        seconds=1.0,
        size_bytes=None,
        error="buildah build failed\nError: [red]bracketed[/red] output",
        stage="build",
    )

    build_command._print_table([result], "buildah", 1.0, 1, None)

    text = output.getvalue()
    assert text.count("svc[old]/Dockerfile") == 2
    assert "[red]bracketed[/red] output" in text


def test_check_full_keeps_brackets(tmp_path):
    write_dockerfile(tmp_path / "svc[old]", "FROM python:3.11-slim\nRUN pip install six\n")

    completed = run_cli("check", "--format", "full", ".", cwd=tmp_path, env=_wide_env())

    assert completed.returncode == 1, completed.stderr
    assert "svc[old]/Dockerfile:1:6: DM203 [warning]" in completed.stdout


def _wide_env() -> dict:
    import os

    return {**os.environ, "COLUMNS": "250"}


# ------------------------------------------------------- folders without Dockerfiles


@pytest.mark.parametrize("command", ["check", "migrate", "build"])
def test_empty_folder_same_result(tmp_path, command):
    (tmp_path / "a" / "b").mkdir(parents=True)

    completed = run_cli(command, "a", cwd=tmp_path)

    assert completed.returncode == 2
    assert completed.stderr == "no Dockerfiles found under a\n"
    assert completed.stdout == ""


def test_empty_folders_all_named(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()

    completed = run_cli("migrate", "a", "b", cwd=tmp_path)

    assert completed.returncode == 2
    assert completed.stderr == "no Dockerfiles found under a, b\n"


@pytest.mark.parametrize("command", ["check", "migrate", "build"])
def test_help_states_exit_status(command):
    completed = run_cli(command, "--help")

    assert "Exit status" in completed.stdout
    assert "no Dockerfile" in completed.stdout


# ------------------------------------------------------- --pull


@pytest.mark.parametrize(
    ("builder_class", "policy", "expected", "absent"),
    [
        (BuildahBuilder, "missing", ["--pull=missing"], []),
        (BuildahBuilder, "never", ["--pull=never"], []),
        (BuildahBuilder, "always", ["--pull=always"], []),
        (PodmanBuilder, "missing", ["--pull=missing"], []),
        (PodmanBuilder, "never", ["--pull=never"], []),
        (PodmanBuilder, "always", ["--pull=always"], []),
        (DockerBuilder, "missing", [], ["--pull"]),
        (DockerBuilder, "always", ["--pull"], []),
    ],
)
def test_pull_policy_argv(builder_class, policy, expected, absent):
    builder = builder_class(f"/bin/{builder_class.name}")
    builder.set_pull_policy(policy)

    argv = builder.build_argv(Path("svc/Dockerfile"), Path("svc"), "localhost/x/svc:latest")

    for option in expected:
        assert argv.count(option) == 1
    for option in absent:
        assert option not in argv
    assert [item for item in argv if item.startswith("--pull")] == expected


def test_pull_never_rejected_by_docker():
    builder = DockerBuilder("/bin/docker")

    with pytest.raises(UnsupportedPullPolicyError, match="--pull never is not supported"):
        builder.set_pull_policy("never")


def test_pull_option_invalid(tmp_path):
    write_dockerfile(tmp_path / "svc", "FROM scratch\n")

    completed = run_cli("build", "--pull", "sometimes", str(tmp_path))

    assert completed.returncode == 2
    assert "'sometimes' is not one of 'missing', 'never', 'always'" in completed.stderr


class _FailingBuildah(BuildahBuilder):
    """A buildah that fails every build with a fixed output and reads no version."""

    def __init__(self, output: str) -> None:
        super().__init__("/bin/buildah")
        self.output = output

    def version(self):
        return None

    def build(self, dockerfile, context, tag, timeout=None):
        return CommandResult(returncode=125, output=self.output)


def test_pull_never_missing_base_one_line(tmp_path):
    dockerfile = write_dockerfile(tmp_path / "svc", "FROM python:3.99-slim\n")
    builder = _FailingBuildah(
        "STEP 1/1: FROM python:3.99-slim\n"
        "Error: creating build container: python:3.99-slim: image not known\n"
    )
    builder.set_pull_policy("never")

    result = build_one(builder, plan_jobs([dockerfile])[0])

    assert not result.ok
    assert result.error == (
        "base image python:3.99-slim is not in local storage, and --pull never "
        "forbids pulling it; pull or build it first, or pass --pull missing"
    )


def test_pull_missing_keeps_builder_output(tmp_path):
    dockerfile = write_dockerfile(tmp_path / "svc", "FROM python:3.99-slim\n")
    builder = _FailingBuildah(
        "Error: creating build container: python:3.99-slim: image not known\n"
    )

    result = build_one(builder, plan_jobs([dockerfile])[0])

    assert result.error.startswith("buildah build failed with exit status 125\n")


@pytest.mark.build
def test_pull_never_absent_base_fails_fast(tmp_path):
    require_buildah()
    absent = f"{TEST_TAG_PREFIX}absent:1"
    write_dockerfile(tmp_path / "svc", f"FROM {absent}\nRUN true\n")

    completed = run_cli(
        "build", "--builder", "buildah", "--pull", "never", "--format", "json",
        "--tag-prefix", TEST_TAG_PREFIX, str(tmp_path / "svc"),
    )  # fmt: skip

    assert completed.returncode == 1, completed.stderr
    [result] = json.loads(completed.stdout)
    assert result["error"] == (
        f"base image {absent} is not in local storage, and --pull never forbids "
        "pulling it; pull or build it first, or pass --pull missing"
    )
    assert result["seconds"] < 30


# ------------------------------------------------------- heredocs and old buildah


class _VersionedBuildah(BuildahBuilder):
    """A buildah with a fixed version that records whether a build ran."""

    def __init__(self, version: tuple[int, ...] | None) -> None:
        super().__init__("/bin/buildah")
        self.fixed_version = version
        self.built = False

    def version(self):
        return self.fixed_version

    def build(self, dockerfile, context, tag, timeout=None):
        self.built = True
        return CommandResult(returncode=0, output="")

    def image_size(self, tag):
        return 1


def test_heredoc_old_buildah_fails_early(tmp_path):
    dockerfile = write_dockerfile(tmp_path / "svc", HEREDOC_DOCKERFILE)
    builder = _VersionedBuildah((1, 28, 2))

    result = build_one(builder, plan_jobs([dockerfile])[0])

    assert not builder.built
    assert not result.ok
    assert result.stage == "build"
    assert result.error == (
        f"{dockerfile}:3: buildah 1.28.2 cannot build heredocs (RUN <<EOT); "
        "build with --builder docker (BuildKit) or with buildah 1.33 or newer"
    )


def test_heredoc_new_buildah_builds(tmp_path):
    dockerfile = write_dockerfile(tmp_path / "svc", HEREDOC_DOCKERFILE)
    builder = _VersionedBuildah((1, 39, 0))

    result = build_one(builder, plan_jobs([dockerfile])[0])

    assert builder.built
    assert result.ok


def test_heredoc_check_copy_and_quoted(tmp_path):
    copy = write_dockerfile(tmp_path / "copy", "FROM scratch\nCOPY <<EOF /x\nhi\nEOF\n")
    quoted = write_dockerfile(tmp_path / "quoted", "FROM scratch\nRUN echo '<<EOF'\n")
    builder = _VersionedBuildah((1, 28, 2))

    assert builder.unsupported_feature(copy) is not None
    assert builder.unsupported_feature(quoted) is None


def test_heredoc_onbuild_trigger(tmp_path):
    dockerfile = write_dockerfile(
        tmp_path / "svc", "FROM scratch\nONBUILD RUN <<EOT\necho hi\nEOT\n"
    )

    message = _VersionedBuildah((1, 28, 2)).unsupported_feature(dockerfile)

    assert message is not None
    assert message.startswith(f"{dockerfile}:2: ")


def test_buildah_version_read(tmp_path):
    script = tmp_path / "buildah"
    script.write_text(
        "#!/bin/sh\necho 'buildah version 1.28.2 (image-spec 1.1.0-rc2, runtime-spec 1.0.2-dev)'\n"
    )
    script.chmod(0o755)

    assert BuildahBuilder(str(script)).version() == (1, 28, 2)


@pytest.mark.build
def test_heredoc_real_buildah_message(tmp_path):
    require_buildah()
    write_dockerfile(tmp_path / "svc", HEREDOC_DOCKERFILE)
    version = BuildahBuilder("buildah").version()
    if version is None or version >= (1, 33):
        pytest.skip(f"buildah {version} reads heredocs")

    completed = run_cli(
        "build", "--builder", "buildah", "--pull", "never", "--format", "json",
        "--tag-prefix", TEST_TAG_PREFIX, str(tmp_path / "svc"),
    )  # fmt: skip

    assert completed.returncode == 1
    [result] = json.loads(completed.stdout)
    assert "cannot build heredocs (RUN <<EOT)" in result["error"]
    assert "\n" not in result["error"]


# ------------------------------------------------------- bake cache default


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("localhost/dockermig/", "local"),
        ("localhost:5000/team/", "local"),
        ("127.0.0.1:5000/team/", "local"),
        ("registry.example.com/team/", "registry"),
        ("ghcr.io/acme/", "registry"),
        ("reg:5000/team/", "registry"),
        ("acme/", "registry"),
    ],
)
def test_bake_auto_cache_kind(prefix, expected):
    kind, reason = auto_cache_kind(prefix)

    assert kind == expected
    assert prefix in reason


def _bake_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    write_dockerfile(tmp_path / "svc", "FROM scratch\n")
    return run_cli("build", "--bake", "-", *args, cwd=tmp_path)


def test_bake_default_local_for_localhost(tmp_path):
    completed = _bake_cli(tmp_path)

    assert completed.returncode == 0, completed.stderr
    target = json.loads(completed.stdout)["target"]["svc"]
    assert target["cache-from"] == ["type=local,src=.buildx-cache/svc"]
    assert target["cache-to"] == ["type=local,dest=.buildx-cache/svc,mode=max"]
    assert "bake cache: local, because" in completed.stderr


def test_bake_default_registry_for_host(tmp_path):
    completed = _bake_cli(tmp_path, "--tag-prefix", "registry.example.com/team/")

    assert completed.returncode == 0, completed.stderr
    target = json.loads(completed.stdout)["target"]["svc"]
    reference = "registry.example.com/team/svc:buildcache"
    assert target["cache-from"] == [f"type=registry,ref={reference}"]
    assert target["cache-to"] == [f"type=registry,ref={reference},mode=max"]
    assert "bake cache: registry, because" in completed.stderr


def test_bake_explicit_registry_kept(tmp_path):
    completed = _bake_cli(tmp_path, "--bake-cache", "registry")

    assert completed.returncode == 0, completed.stderr
    target = json.loads(completed.stdout)["target"]["svc"]
    assert target["cache-from"] == ["type=registry,ref=localhost/dockermig/svc:buildcache"]
    assert "bake cache:" not in completed.stderr


def test_bake_definition_default_unchanged(tmp_path):
    jobs = plan_jobs([write_dockerfile(tmp_path / "svc", "FROM scratch\n")])

    target = bake_definition(jobs, tmp_path)["target"]["svc"]

    assert target["cache-from"] == ["type=registry,ref=localhost/dockermig/svc:buildcache"]


# ------------------------------------------------------- buildah working containers


def _container_ids() -> set[str]:
    listed = subprocess.run(
        ["buildah", "containers", "--quiet", "--notruncate"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return set(listed.stdout.split())


@pytest.mark.build
def test_from_only_leaves_no_container(tmp_path):
    require_buildah()
    require_stand_in_images()
    write_dockerfile(tmp_path / "svc", "FROM python:3.11-slim-bookworm\n")
    before = _container_ids()
    try:
        completed = run_cli(
            "build", "--builder", "buildah", "--pull", "never", "--format", "json",
            "--tag-prefix", TEST_TAG_PREFIX, str(tmp_path / "svc"),
        )  # fmt: skip
        after = _container_ids()
    finally:
        remove_test_images()

    assert completed.returncode == 0, completed.stdout + completed.stderr
    # Other processes may remove their own containers meanwhile, but this
    # build must add none.
    assert after - before == set()


def test_migrate_diff_json_is_one_document(tmp_path):
    from conftest import run_dockermig, write_files

    service = tmp_path / "svc"
    write_files(
        service,
        {
            "Dockerfile": "FROM python:3.11-slim-bookworm\nCOPY requirements.txt .\n"
            "RUN pip install -r requirements.txt\n",
            "requirements.txt": "six==1.16.0\n",
        },
    )

    process = run_dockermig("migrate", "--diff", "--format", "json", str(service))

    [row] = json.loads(process.stdout)
    assert process.returncode == 0, process.stderr
    assert row["outcome"] == "migrated"
    assert "+++ " + str(service / "Dockerfile") in row["diff"]
    assert "-RUN pip install -r requirements.txt\n" in row["diff"]
    assert (service / "Dockerfile").read_text().endswith("RUN pip install -r requirements.txt\n")
