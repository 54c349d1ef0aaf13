"""Tests for `dockermig build`: tag planning, builder choice, exit codes, and real buildah builds."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from build_helpers import (
    TEST_TAG_PREFIX,
    read_uv_image,
    remove_test_images,
    require_buildah,
    require_stand_in_images,
    run_cli,
    write_dockerfile,
)

from dockermig.build import (
    BuilderNotFoundError,
    default_jobs,
    detect_builder,
    get_builder,
    plan_jobs,
    run_builds,
)
from dockermig.build.backends import (
    BuildahBuilder,
    Builder,
    DockerBuilder,
    PodmanBuilder,
)
from dockermig.build.runner import MEMORY_PER_BUILD_BYTES, build_one, last_lines
from dockermig.build.secrets import (
    BuildSecret,
    InvalidSecretSpecError,
    SecretUnavailableError,
    check_secrets_available,
    parse_secrets,
)

BASE = "FROM python:3.11-slim-bookworm\n"


# ---------------------------------------------------------------- tag planning


def test_plan_jobs_tags_by_folder(tmp_path):
    dockerfile = write_dockerfile(tmp_path / "Web_API", BASE)

    [job] = plan_jobs([dockerfile])

    assert job.tag == "localhost/dockermig/web_api:latest"
    assert job.context == dockerfile.parent
    assert job.dockerfile == dockerfile


def test_plan_jobs_variant_suffix(tmp_path):
    folder = tmp_path / "svc"
    plain = write_dockerfile(folder, BASE)
    dev = write_dockerfile(folder, BASE, name="Dockerfile.dev")
    worker = write_dockerfile(folder, BASE, name="worker.Dockerfile")

    tags = [
        job.tag for job in plan_jobs([plain, dev, worker], tag_prefix="reg:5000/team/")
    ]

    assert tags == [
        "reg:5000/team/svc:latest",
        "reg:5000/team/svc-dev:latest",
        "reg:5000/team/svc-worker:latest",
    ]


def test_plan_jobs_same_folder_names_differ(tmp_path):
    first = write_dockerfile(tmp_path / "a" / "api", BASE)
    second = write_dockerfile(tmp_path / "b" / "api", BASE)

    tags = [job.tag for job in plan_jobs([first, second])]

    assert tags[0] != tags[1]
    assert tags[0].startswith("localhost/dockermig/api-")
    assert tags[1].startswith("localhost/dockermig/api-")
    # Stable: planning again gives the same tags.
    assert [job.tag for job in plan_jobs([first, second])] == tags


def test_default_jobs_bounds():
    cores = len(os.sched_getaffinity(0))

    plenty = MEMORY_PER_BUILD_BYTES * (cores + 1)
    assert default_jobs(1, memory=plenty) == 1
    assert default_jobs(1000, memory=plenty) == cores
    assert default_jobs(0, memory=plenty) == 1


def test_default_jobs_memory_bound():
    assert default_jobs(1000, memory=MEMORY_PER_BUILD_BYTES * 1 + 1) == 1
    assert default_jobs(1000, memory=0) == 1
    many_cores = len(os.sched_getaffinity(0)) >= 2
    if many_cores:
        assert default_jobs(1000, memory=MEMORY_PER_BUILD_BYTES * 2) == 2


def test_last_lines_keeps_tail():
    output = "\n".join(f"line {number}" for number in range(40)) + "\n\n"

    tail = last_lines(output, 3)

    assert tail == "line 37\nline 38\nline 39"


# ------------------------------------------------------ builders, without building


def _fake_executables(folder: Path, names: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        path = folder / name
        path.write_text("#!/bin/sh\nexit 0\n")
        path.chmod(0o755)


@pytest.mark.parametrize(
    ("present", "expected"),
    [
        (["buildah", "podman", "docker"], "buildah"),
        (["podman", "docker"], "podman"),
        (["docker"], "docker"),
    ],
)
def test_detect_builder_preference(tmp_path, monkeypatch, present, expected):
    _fake_executables(tmp_path / "bin", present)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))

    builder = detect_builder()

    assert builder.name == expected
    assert builder.executable == str(tmp_path / "bin" / expected)


def test_detect_builder_none_found(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(BuilderNotFoundError, match="no image builder found"):
        detect_builder()


@pytest.mark.build
def test_build_uses_each_folders_lock(tmp_path):
    """Two migrated folders whose Dockerfiles differ only in uv.lock get their own venvs."""
    require_buildah()
    dockerfile = (
        "FROM python:3.11-slim-bookworm\nWORKDIR /srv/locktest\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\n"
    )
    for name, requirement in (("first", "six==1.16.0"), ("second", "idna==3.7")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "Dockerfile").write_text(dockerfile)
        (tmp_path / name / "requirements.txt").write_text(requirement + "\n")
    migrated = run_cli("migrate", str(tmp_path))
    assert migrated.returncode == 0, migrated.stderr

    results = []
    for name, module in (("first", "six"), ("second", "idna")):
        process = run_cli(
            "build", "--builder", "buildah", "--format", "json",
            "--tag-prefix", TEST_TAG_PREFIX, "--smoke", f"python -c 'import {module}'",
            str(tmp_path / name),
        )  # fmt: skip
        results.extend(json.loads(process.stdout))

    assert [result["ok"] for result in results] == [True, True], results


def test_buildah_cache_folder_sets_tmpdir(tmp_path):
    builder = BuildahBuilder("/usr/bin/buildah")

    builder.use_cache_folder(tmp_path / "cache")

    assert builder.environment["TMPDIR"] == str((tmp_path / "cache").resolve())
    assert builder.cache_folder() == (tmp_path / "cache").resolve() / "buildah-cache"
    assert (tmp_path / "cache").is_dir()


def test_docker_cache_folder_rejected(tmp_path):
    with pytest.raises(BuilderNotFoundError, match="--cache-dir is not supported"):
        DockerBuilder("/usr/bin/docker").use_cache_folder(tmp_path)


def test_cli_cache_dir_with_docker(tmp_path):
    _fake_executables(tmp_path / "bin", ["docker"])
    write_dockerfile(tmp_path / "svc", BASE)
    env = {**os.environ, "PATH": str(tmp_path / "bin")}

    completed = run_cli(
        "build", "--builder", "docker", "--cache-dir", str(tmp_path / "c"), str(tmp_path),
        env=env,
    )

    assert completed.returncode == 2
    assert "--cache-dir is not supported with docker" in completed.stderr


def test_get_builder_missing(tmp_path, monkeypatch):
    _fake_executables(tmp_path / "bin", ["docker"])
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))

    with pytest.raises(BuilderNotFoundError, match="'podman' not found"):
        get_builder("podman")


# ------------------------------------------------------------- build secrets


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("id=token,env=CORP_TOKEN", BuildSecret("token", env="CORP_TOKEN")),
        ("env=_T2,id=a.b-c", BuildSecret("a.b-c", env="_T2")),
        ("id=netrc,src=secrets/netrc", BuildSecret("netrc", src=Path("secrets/netrc"))),
        ("id=x,src=/etc/a=b", BuildSecret("x", src=Path("/etc/a=b"))),
    ],
)
def test_secret_parse_valid(spec, expected):
    assert BuildSecret.parse(spec) == expected


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("", "'' is not KEY=VALUE"),
        ("id=x", "exactly one of env= and src="),
        ("id=x,env=A,src=f", "exactly one of env= and src="),
        ("env=A", "the id is missing"),
        ("id=,env=A", "the id is missing"),
        ("id=a b,env=A", "invalid id 'a b'"),
        ("id=x,env=1A", "'1A' is not an environment variable name"),
        ("id=x,env=", "'' is not an environment variable name"),
        ("id=x,src=", "src= is empty"),
        ("id=x,type=env,env=A", "unknown key 'type'"),
        ("id=x,id=y,env=A", "'id' is given twice"),
        ("id=x,envA", "'envA' is not KEY=VALUE"),
    ],
)
def test_secret_parse_invalid(spec, reason):
    with pytest.raises(InvalidSecretSpecError) as raised:
        BuildSecret.parse(spec)

    message = str(raised.value)
    assert reason in message
    assert "use id=NAME,env=VARIABLE or id=NAME,src=FILE" in message
    assert "\n" not in message


def test_secret_ids_unique():
    with pytest.raises(InvalidSecretSpecError, match="'token' is given more than once"):
        parse_secrets(["id=token,env=A", "id=token,src=f"])


def test_secret_option_src_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    option = BuildSecret.parse("id=netrc,src=conf/netrc").option()

    assert option == f"id=netrc,src={tmp_path}/conf/netrc"


def test_secret_check_reports_all_missing(tmp_path):
    present = tmp_path / "present"
    present.write_text("value-never-shown")
    secrets = parse_secrets(
        [
            "id=a,env=SET_VARIABLE",
            "id=b,env=UNSET_VARIABLE",
            f"id=c,src={present}",
            f"id=d,src={tmp_path / 'absent'}",
            f"id=e,src={tmp_path}",
        ]
    )

    with pytest.raises(SecretUnavailableError) as raised:
        check_secrets_available(secrets, {"SET_VARIABLE": "value-never-shown"})

    message = str(raised.value)
    assert "secret b: environment variable UNSET_VARIABLE is not set" in message
    assert f"secret d: file {tmp_path / 'absent'} not found" in message
    assert f"secret e: file {tmp_path} is not a readable file" in message
    assert "secret a" not in message
    assert "secret c" not in message
    assert "value-never-shown" not in message


def test_secret_check_empty_value_passes():
    check_secrets_available(parse_secrets(["id=a,env=EMPTY"]), {"EMPTY": ""})


SECRETS = ["id=uv_index_corp_password,env=UV_INDEX_CORP_PASSWORD", "id=netrc,src=/etc/netrc"]


@pytest.mark.parametrize(
    ("builder_class", "expected"),
    [
        (
            BuildahBuilder,
            [
                "/bin/buildah", "build", "--isolation", "chroot", "--pull=missing",
                "--no-cache", "--force-rm", "--file", "svc/Dockerfile", "--tag", "localhost/x/svc:latest",
                "--secret", "id=uv_index_corp_password,env=UV_INDEX_CORP_PASSWORD",
                "--secret", "id=netrc,src=/etc/netrc", "svc",
            ],
        ),
        (
            PodmanBuilder,
            [
                "/bin/podman", "build", "--pull=missing",
                "--file", "svc/Dockerfile", "--tag", "localhost/x/svc:latest",
                "--secret", "id=uv_index_corp_password,env=UV_INDEX_CORP_PASSWORD",
                "--secret", "id=netrc,src=/etc/netrc", "svc",
            ],
        ),
        (
            DockerBuilder,
            [
                "/bin/docker", "build",
                "--file", "svc/Dockerfile", "--tag", "localhost/x/svc:latest",
                "--secret", "id=uv_index_corp_password,env=UV_INDEX_CORP_PASSWORD",
                "--secret", "id=netrc,src=/etc/netrc", "svc",
            ],
        ),
    ],
)  # fmt: skip
def test_build_argv_with_secrets(builder_class, expected):
    builder = builder_class(f"/bin/{builder_class.name}")
    builder.secrets = parse_secrets(SECRETS)

    argv = builder.build_argv(Path("svc/Dockerfile"), Path("svc"), "localhost/x/svc:latest")

    assert argv == expected


@pytest.mark.parametrize("builder_class", [BuildahBuilder, PodmanBuilder, DockerBuilder])
def test_build_argv_without_secrets(builder_class):
    builder = builder_class(f"/bin/{builder_class.name}")

    argv = builder.build_argv(Path("svc/Dockerfile"), Path("svc"), "localhost/x/svc:latest")

    assert "--secret" not in argv
    assert argv[-1] == "svc"


def _recording_docker(folder: Path, log: Path) -> None:
    """Write a fake docker that appends its arguments and the secret's variable to log."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "docker"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$*" >> "{log}"\n'
        f'printf "CORP_TOKEN=%s\\n" "$CORP_TOKEN" >> "{log}"\n'
        "exit 0\n"
    )
    script.chmod(0o755)


def test_cli_secret_reaches_builder(tmp_path):
    log = tmp_path / "docker.log"
    _recording_docker(tmp_path / "bin", log)
    write_dockerfile(tmp_path / "svc", BASE)
    env = {**os.environ, "PATH": str(tmp_path / "bin"), "CORP_TOKEN": "tok-7f3a"}

    completed = run_cli(
        "build", "--builder", "docker", "--format", "json",
        "--secret", "id=corp_token,env=CORP_TOKEN", str(tmp_path / "svc"),
        env=env,
    )  # fmt: skip

    assert completed.returncode == 0, completed.stderr
    calls = log.read_text().splitlines()
    assert calls[0].startswith("build ")
    assert "--secret id=corp_token,env=CORP_TOKEN" in calls[0]
    # The builder inherits the variable; the value is on no command line and in no output.
    assert calls[1] == "CORP_TOKEN=tok-7f3a"
    assert not any("tok-7f3a" in call for call in calls if not call.startswith("CORP_TOKEN="))
    assert "tok-7f3a" not in completed.stdout + completed.stderr


def test_cli_secret_missing_variable_builds_nothing(tmp_path):
    log = tmp_path / "docker.log"
    _recording_docker(tmp_path / "bin", log)
    write_dockerfile(tmp_path / "svc", BASE)
    env = {**os.environ, "PATH": str(tmp_path / "bin")}
    env.pop("CORP_TOKEN", None)

    completed = run_cli(
        "build", "--builder", "docker", "--secret", "id=corp_token,env=CORP_TOKEN",
        str(tmp_path / "svc"), env=env,
    )  # fmt: skip

    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines() == [
        (
            "error: secret corp_token: environment variable CORP_TOKEN is not set; "
            "set the variables and fix the paths, then run again"
        )
    ]
    assert not log.exists()


def test_cli_secret_invalid_spec(tmp_path):
    write_dockerfile(tmp_path / "svc", BASE)

    completed = run_cli("build", "--secret", "id=corp_token", str(tmp_path))

    assert completed.returncode == 2
    assert completed.stdout == ""
    error_lines = [line for line in completed.stderr.splitlines() if line.startswith("Error:")]
    assert error_lines == [
        (
            "Error: Invalid value for '--secret': 'id=corp_token' is not a valid secret: "
            "give exactly one of env= and src=; use id=NAME,env=VARIABLE or id=NAME,src=FILE"
        )
    ]


class ShellBuilder(Builder):
    """A builder whose build step is a shell script, for testing the runner without images."""

    name = "shell"

    def __init__(self, script: str) -> None:
        super().__init__("/bin/sh")
        self.script = script

    def build_argv(self, dockerfile, context, tag):
        return ["/bin/sh", "-c", self.script]

    def smoke_argv(self, tag, command):
        return ["/bin/sh", "-c", command]

    def image_size(self, tag):
        return 1234


def test_build_timeout_stops_process_group(tmp_path):
    dockerfile = write_dockerfile(tmp_path / "slow", BASE)
    [job] = plan_jobs([dockerfile])
    # The background sleep keeps the output pipe open: only killing the whole
    # process group lets the runner return before it ends.
    builder = ShellBuilder("sleep 30 & echo started; wait")

    result = build_one(builder, job, timeout=0.5)

    assert result.ok is False
    assert result.stage == "build"
    assert result.error.startswith("shell build timed out after 0.5 s")
    assert "started" in result.error
    assert result.seconds < 15


def test_smoke_failure_keeps_build_size(tmp_path):
    dockerfile = write_dockerfile(tmp_path / "svc", BASE)
    [job] = plan_jobs([dockerfile])

    result = build_one(ShellBuilder("true"), job, smoke="echo smoke-broke; exit 7")

    assert result.ok is False
    assert result.stage == "smoke"
    assert result.size_bytes == 1234
    assert "exit status 7" in result.error
    assert "smoke-broke" in result.error


# --------------------------------------------------- CLI input errors (exit 2)


def test_cli_unknown_builder_choice(tmp_path):
    write_dockerfile(tmp_path / "svc", BASE)

    completed = run_cli("build", "--builder", "kaniko", str(tmp_path))

    assert completed.returncode == 2
    assert "kaniko" in completed.stderr


def test_cli_builder_not_on_path(tmp_path):
    write_dockerfile(tmp_path / "svc", BASE)
    env = {**os.environ, "PATH": str(tmp_path / "empty")}

    completed = run_cli("build", "--builder", "podman", str(tmp_path), env=env)

    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines() == [
        "error: builder 'podman' not found on PATH; install it or choose another with --builder"
    ]


def test_cli_no_dockerfiles(tmp_path):
    (tmp_path / "README.md").write_text("no images here\n")

    completed = run_cli("build", str(tmp_path))

    assert completed.returncode == 2
    assert "no Dockerfiles found under" in completed.stderr
    assert completed.stdout == ""


def test_cli_missing_path(tmp_path):
    completed = run_cli("build", str(tmp_path / "absent"))

    assert completed.returncode == 2
    assert "no such file or folder" in completed.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--jobs", "0"],
        ["--tag-prefix", "Upper/Case/"],
        ["--tag-prefix", "no-trailing-slash"],
        ["--format", "yaml"],
        ["--timeout", "0"],
    ],
)
def test_cli_invalid_options(tmp_path, args):
    write_dockerfile(tmp_path / "svc", BASE)

    completed = run_cli("build", *args, str(tmp_path))

    assert completed.returncode == 2
    assert completed.stdout == ""


# ------------------------------------------------------- real builds (buildah)


@pytest.fixture
def buildah_images():
    """Check that buildah and the stand-in images are there; remove the test's images after."""
    require_buildah()
    require_stand_in_images()
    yield
    remove_test_images()


def _build_json(
    *args: str, cwd: Path | None = None
) -> tuple[subprocess.CompletedProcess, list]:
    completed = run_cli(
        "build",
        "--builder",
        "buildah",
        "--tag-prefix",
        TEST_TAG_PREFIX,
        "--format",
        "json",
        *args,
        cwd=cwd,
    )
    assert completed.stdout, f"no JSON on stdout; stderr:\n{completed.stderr}"
    return completed, json.loads(completed.stdout)


def _image_config(tag: str) -> dict:
    inspected = subprocess.run(
        ["buildah", "inspect", "--type", "image", tag],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(inspected.stdout)["OCIv1"]["config"]


@pytest.mark.build
def test_build_and_smoke_pass(tmp_path, buildah_images):
    write_dockerfile(
        tmp_path / "hello",
        BASE + 'RUN echo hello-from-build > /hello\nENV GREETING=hi\nCMD ["python3"]\n',
    )
    smoke = (
        'test "$(cat /hello)" = hello-from-build && test "$GREETING" = hi && '
        "python3 -c 'import sys; assert sys.version_info[:2] == (3, 11)'"
    )

    completed, rows = _build_json("--smoke", smoke, str(tmp_path))

    assert completed.returncode == 0, completed.stderr
    [row] = rows
    assert row["path"] == str(tmp_path / "hello" / "Dockerfile")
    assert row["ok"] is True
    assert row["error"] is None
    assert isinstance(row["seconds"], float)
    assert row["seconds"] > 0
    assert isinstance(row["size_bytes"], int)
    # The image is the stand-in Python base plus one small layer.
    assert row["size_bytes"] > 50_000_000
    assert row["tag"] == f"{TEST_TAG_PREFIX}hello:latest"
    assert "GREETING=hi" in _image_config(row["tag"])["Env"]


@pytest.mark.build
def test_build_failing_run(tmp_path, buildah_images):
    write_dockerfile(
        tmp_path / "broken",
        BASE + "RUN echo before-failure && echo failure-marker >&2 && exit 3\n",
    )

    completed, rows = _build_json(str(tmp_path))

    assert completed.returncode == 1
    [row] = rows
    assert row["ok"] is False
    assert row["size_bytes"] is None
    assert row["failed_stage"] == "build"
    assert row["error"].startswith("buildah build failed with exit status")
    assert "failure-marker" in row["error"]
    assert "exit status 3" in row["error"]


@pytest.mark.build
def test_build_failing_smoke(tmp_path, buildah_images):
    write_dockerfile(tmp_path / "nosmoke", BASE + "RUN true\n")

    completed, rows = _build_json(
        "--smoke", "echo smoke-marker >&2; exit 4", str(tmp_path)
    )

    assert completed.returncode == 1
    [row] = rows
    assert row["ok"] is False
    assert row["failed_stage"] == "smoke"
    assert isinstance(row["size_bytes"], int)
    assert "smoke-marker" in row["error"]
    assert "exit status 4" in row["error"]


@pytest.mark.build
def test_build_table_mixed_results(tmp_path, buildah_images):
    write_dockerfile(tmp_path / "good", BASE + "RUN true\n")
    write_dockerfile(tmp_path / "bad", BASE + "RUN echo table-marker >&2; exit 9\n")

    completed = run_cli(
        "build", "--builder", "buildah", "--tag-prefix", TEST_TAG_PREFIX, str(tmp_path)
    )

    assert completed.returncode == 1
    assert "build failed" in completed.stdout
    assert "table-marker" in completed.stdout
    assert "1 ok, 1 failed" in completed.stdout
    assert "ok: " in completed.stderr
    assert "build failed: " in completed.stderr


@pytest.mark.build
def test_build_default_path_is_cwd(tmp_path, buildah_images):
    write_dockerfile(tmp_path / "here", BASE + "RUN true\n")

    completed, rows = _build_json(cwd=tmp_path)

    assert completed.returncode == 0, completed.stderr
    assert [row["path"] for row in rows] == ["here/Dockerfile"]


@pytest.mark.build
def test_build_two_jobs_overlap(tmp_path, buildah_images):
    """Two builds with --jobs 2 run at the same time; with one job they do not."""
    paths = [
        write_dockerfile(
            tmp_path / name, BASE + f"RUN sleep 3 && echo {name} > /name\n"
        )
        for name in ("first", "second")
    ]
    builder = get_builder("buildah")
    jobs = plan_jobs(paths, tag_prefix=TEST_TAG_PREFIX)

    # The serial run gets its own tags, so it leaves no untagged images behind.
    serial_jobs = plan_jobs(paths, tag_prefix=f"{TEST_TAG_PREFIX}serial/")

    parallel = run_builds(builder, jobs, max_workers=2)
    serial = run_builds(builder, serial_jobs, max_workers=1)

    assert [result.ok for result in parallel] == [True, True]
    assert [result.ok for result in serial] == [True, True]
    first, second = parallel
    assert first.started < second.finished
    assert second.started < first.finished
    first, second = serial
    assert second.started >= first.finished


@pytest.mark.build
def test_build_cli_jobs_two(tmp_path, buildah_images):
    for name in ("one", "two"):
        write_dockerfile(tmp_path / name, BASE + f"RUN echo {name} > /name\n")

    completed, rows = _build_json(
        "--jobs", "2", "--smoke", "test -s /name", str(tmp_path)
    )

    assert completed.returncode == 0, completed.stderr
    assert [Path(row["path"]).parent.name for row in rows] == ["one", "two"]
    assert [row["ok"] for row in rows] == [True, True]
    assert len({row["tag"] for row in rows}) == 2


@pytest.mark.build
def test_build_uv_pattern_with_mounts(tmp_path, buildah_images):
    """A Dockerfile shaped like migrate's output builds against the stand-ins:
    COPY --from the uv image, cache and bind mounts, `uv sync --frozen` from
    PyPI and apt-get install from Debian."""
    from uv import find_uv_bin

    service = tmp_path / "service"
    service.mkdir()
    (service / "pyproject.toml").write_text(
        '[project]\nname = "service"\nversion = "0"\nrequires-python = ">=3.11"\n'
        'dependencies = ["six==1.17.0"]\n'
    )
    subprocess.run(
        [find_uv_bin(), "lock", "--quiet"], cwd=service, check=True, timeout=300
    )
    write_dockerfile(
        service,
        BASE.replace("\n", " AS builder\n")
        + f"COPY --from={read_uv_image()} /uv /uvx /bin/\n"
        "ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=0\n"
        "WORKDIR /app\n"
        "RUN --mount=type=cache,target=/root/.cache/uv \\\n"
        "    --mount=type=bind,source=uv.lock,target=/app/uv.lock \\\n"
        "    --mount=type=bind,source=pyproject.toml,target=/app/pyproject.toml \\\n"
        "    uv sync --frozen --no-dev --no-install-project\n"
        "\n"
        + BASE
        + "RUN apt-get update && apt-get install -y --no-install-recommends libpq5 \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
        "COPY --from=builder /app/.venv /app/.venv\n"
        'ENV PATH="/app/.venv/bin:$PATH"\n',
    )
    smoke = "python -c 'import six; assert six.__version__ == \"1.17.0\"' && ldconfig -p | grep -q libpq.so.5"

    completed, rows = _build_json("--smoke", smoke, str(tmp_path))

    assert completed.returncode == 0, completed.stderr
    [row] = rows
    assert row["ok"] is True, row["error"]


@pytest.mark.build
def test_build_shares_cache_mount(tmp_path, buildah_images):
    """Two separate builds with one --cache-dir see the same cache mount, as
    uv's cache is shared between the services of a monorepo."""
    cache_dir = tmp_path / "cache"
    mount = "RUN --mount=type=cache,target=/root/.cache/uv "
    write_dockerfile(tmp_path / "first", BASE + mount + "touch /root/.cache/uv/first\n")
    write_dockerfile(
        tmp_path / "second", BASE + mount + "test -f /root/.cache/uv/first\n"
    )
    prefix = ["--tag-prefix", TEST_TAG_PREFIX, "--cache-dir", str(cache_dir)]

    first = run_cli("build", *prefix, str(tmp_path / "first"))
    second = run_cli("build", *prefix, str(tmp_path / "second"))

    assert first.returncode == 0, first.stdout + first.stderr
    assert second.returncode == 0, second.stdout + second.stderr
    marker = cache_dir / "buildah-cache" / "root" / ".cache" / "uv" / "first"
    assert marker.is_file()
    assert f"cache mounts shared by all builds, such as uv's: {cache_dir.resolve()}" in (
        second.stdout.replace("\n", "")
    )


def test_cli_short_help_matches_commands():
    """`dockermig --help` lists SHORT_HELP without importing the subcommands,
    so each entry must stay equal to the command's own first help sentence."""
    import click

    from dockermig.commands.group import SHORT_HELP, SUBCOMMANDS, cli

    context = click.Context(cli)
    assert set(SHORT_HELP) == set(SUBCOMMANDS)
    for name in SUBCOMMANDS:
        command = cli.get_command(context, name)
        assert SHORT_HELP[name] == command.get_short_help_str(limit=300), name


def test_cli_help_imports_no_subcommand():
    code = (
        "import sys\n"
        "from dockermig.cli import main\n"
        "sys.argv = ['dockermig', '--help']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('dockermig.commands.')\n"
        "                and m != 'dockermig.commands.group')\n"
        "print('LOADED', loaded)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )

    assert "LOADED []" in completed.stdout, completed.stdout + completed.stderr


# ------------------------------------------------ check over many files at once


def _many_dockerfiles(root: Path, count: int) -> list[Path]:
    paths = []
    for number in range(count):
        text = (
            f"FROM python:3.{9 + number % 4}-slim\n"
            "RUN apt-get update && apt-get install -y gcc\n"
            "COPY requirements.txt .\n"
            "RUN pip install -r requirements.txt\n"
        )
        paths.append(write_dockerfile(root / f"svc{number:03d}", text))
    return paths


def test_check_parallel_equals_serial(tmp_path):
    from dockermig.check.runner import CheckOptions, check_paths

    paths = _many_dockerfiles(tmp_path, 40)

    serial = check_paths(paths, CheckOptions(), jobs=1)
    parallel = check_paths(paths, CheckOptions(), jobs=2)

    assert serial.findings
    assert parallel.findings == serial.findings
    assert parallel.errors == serial.errors
    assert parallel.files == serial.files == 40
    assert parallel.fail_levels == serial.fail_levels


def test_check_parallel_unreadable_file(tmp_path):
    from dockermig.check.runner import CheckOptions, check_paths
    from dockermig.errors import DockermigError

    paths = _many_dockerfiles(tmp_path, 40)
    missing = tmp_path / "gone" / "Dockerfile"

    with pytest.raises(DockermigError, match="gone/Dockerfile: cannot read"):
        check_paths([*paths, missing], CheckOptions(), jobs=2)


def test_buildah_smoke_retries_memfd_race(tmp_path):
    counter = tmp_path / "attempts"

    class FlakyBuildah(BuildahBuilder):
        def smoke_argv(self, tag, command):
            # Fails like buildah's memfd race on the first attempt, then runs.
            script = (
                f'echo x >> "{counter}"\n'
                f'if [ "$(wc -l < "{counter}")" -eq 1 ]; then\n'
                '  echo "Close_Fd sealing memfd copy: Device or resource busy" >&2; exit 1\n'
                "fi\n"
                "exit 0\n"
            )
            return ["/bin/sh", "-c", script]

    result = FlakyBuildah("/usr/bin/buildah").smoke("localhost/x:latest", "true")

    assert result.returncode == 0
    assert counter.read_text().count("x") == 2


def test_buildah_smoke_does_not_retry_real_failure(tmp_path):
    counter = tmp_path / "attempts"

    class FailingBuildah(BuildahBuilder):
        def smoke_argv(self, tag, command):
            return ["/bin/sh", "-c", f'echo x >> "{counter}"; echo "No module named app" >&2; exit 1']

    result = FailingBuildah("/usr/bin/buildah").smoke("localhost/x:latest", "true")

    assert result.returncode == 1
    assert counter.read_text().count("x") == 1
