"""The `dockermig-check` hook, run by the real pre-commit from a copy of this working tree."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "dockermig tests",
    "GIT_AUTHOR_EMAIL": "tests@dockermig.invalid",
    "GIT_COMMITTER_NAME": "dockermig tests",
    "GIT_COMMITTER_EMAIL": "tests@dockermig.invalid",
}

MIGRATED = """\
FROM python:3.12-slim-trixie AS builder
COPY --from=ghcr.io/astral-sh/uv:0.9.5 /uv /uvx /bin/
ENV UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=0
WORKDIR /app
RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-dev
FROM python:3.12-slim-trixie
COPY --from=builder /app /app
CMD ["/app/.venv/bin/app"]
"""

DRIFTED = """\
FROM ghcr.io/astral-sh/uv:python3.12-trixie-slim AS builder
ENV UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=0
WORKDIR /app
RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-dev
FROM python:3.11-slim-trixie
COPY --from=builder /app /app
CMD ["/app/.venv/bin/app"]
"""

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None
    or shutil.which("pre-commit", path=str(Path(sys.executable).parent)) is None,
    reason="needs git and pre-commit",
)


def run(
    command: list[str], cwd: Path, env: dict | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def git(cwd: Path, *arguments: str) -> None:
    result = run(["git", *arguments], cwd, {**os.environ, **GIT_IDENTITY})
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def hook_repository(tmp_path_factory) -> Path:
    """A git repository holding a commit of the current working tree, committed or not."""
    listed = run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT
    )
    assert listed.returncode == 0, listed.stderr
    copy = tmp_path_factory.mktemp("hook-repo")
    for name in filter(None, listed.stdout.split("\0")):
        source = ROOT / name
        if not source.is_file():
            continue
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    git(copy, "init", "-q")
    git(copy, "add", "-A")
    git(copy, "commit", "-q", "-m", "working tree for the hook test")
    return copy


@pytest.fixture(scope="module")
def checked_repository(tmp_path_factory) -> Path:
    repository = tmp_path_factory.mktemp("checked")
    for folder, text in (("good", MIGRATED), ("bad", DRIFTED)):
        (repository / folder).mkdir()
        (repository / folder / "Dockerfile").write_text(text)
        (repository / folder / ".dockerignore").write_text(".venv\n")
    git(repository, "init", "-q")
    git(repository, "add", "-A")
    return repository


def try_repo(
    hook_repository: Path, checked: Path, *arguments: str
) -> subprocess.CompletedProcess:
    pre_commit = str(Path(sys.executable).parent / "pre-commit")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(hook_repository.parent / "pre-commit-home"),
    }
    return run(
        [pre_commit, "try-repo", str(hook_repository), "dockermig-check", *arguments],
        checked,
        env,
    )


def test_hook_fails_on_drifted_file(hook_repository, checked_repository):
    result = try_repo(hook_repository, checked_repository, "--all-files")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "bad/Dockerfile:5:6: DM102" in output
    assert "good/Dockerfile:" not in output


def test_hook_passes_on_migrated_file(hook_repository, checked_repository):
    result = try_repo(hook_repository, checked_repository, "--files", "good/Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr
