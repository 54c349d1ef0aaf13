"""`dockermig migrate` killed with SIGKILL part-way, and `uv lock` failing.

After a kill every Dockerfile is either as it was or fully migrated, every
companion file is whole, the only leftovers are hidden temporary files, and a
second run produces the same bytes as one uninterrupted run and removes them.
"""

import json
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from conftest import run_dockermig, snapshot

DOCKERFILE = (
    "FROM python:3.11-slim-bookworm\n"
    "WORKDIR /app\n"
    "COPY requirements.txt .\n"
    "RUN pip install -r requirements.txt\n"
    'CMD ["python", "app.py"]\n'
)
REQUIREMENTS = "six==1.16.0\n"
# Services whose pyproject.toml and uv.lock already match run no `uv lock`, so a
# run over hundreds of them spends its time planning and writing files.
PRELOCKED_SERVICES = 300
# These run a real `uv lock`, which resolves six from uv's cache after the first time.
UNLOCKED_SERVICES = 2
KILLS = 5
# Hidden temporary files that dockermig.writer names after the writing process.
TEMPORARY_NAME = re.compile(r"^\..+\.dockermig-\d+-[a-z0-9_]+\.tmp$")


def build_tree(root: Path) -> None:
    """Write the services; every folder is named `app`, so all share one pyproject and lock."""
    template = root.parent / "template" / "app"
    template.mkdir(parents=True)
    (template / "Dockerfile").write_text(DOCKERFILE)
    (template / "requirements.txt").write_text(REQUIREMENTS)
    process = run_dockermig("migrate", str(template))
    assert process.returncode == 0, process.stdout + process.stderr

    for index in range(PRELOCKED_SERVICES + UNLOCKED_SERVICES):
        folder = root / f"service{index:03d}" / "app"
        folder.mkdir(parents=True)
        (folder / "Dockerfile").write_text(DOCKERFILE)
        (folder / "requirements.txt").write_text(REQUIREMENTS)
        if index < PRELOCKED_SERVICES:
            shutil.copyfile(template / "pyproject.toml", folder / "pyproject.toml")
            shutil.copyfile(template / "uv.lock", folder / "uv.lock")


@pytest.fixture(scope="module")
def trees(tmp_path_factory) -> tuple[Path, dict[str, bytes], float]:
    """Return the original tree, the files of an uninterrupted run over a copy, and its seconds."""
    base = tmp_path_factory.mktemp("interrupted")
    original = base / "original"
    build_tree(original)
    finished = base / "finished"
    shutil.copytree(original, finished, symlinks=True)

    started = time.monotonic()
    process = run_dockermig("migrate", "--format", "json", str(finished))
    seconds = time.monotonic() - started

    assert process.returncode == 0, process.stdout + process.stderr
    outcomes = {row["outcome"] for row in json.loads(process.stdout)}
    assert outcomes == {"migrated"}
    return original, snapshot(finished), seconds


def check_consistent(
    root: Path, original: dict[str, bytes], finished: dict[str, bytes]
) -> int:
    """Assert that no file under root is partial; return how many Dockerfiles are migrated."""
    migrated = 0
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        name = str(path.relative_to(root))
        if TEMPORARY_NAME.match(path.name):
            continue
        data = path.read_bytes()
        assert data in (original.get(name), finished[name]), f"{name} is partial"
        if path.name in ("pyproject.toml", "uv.lock"):
            tomllib.loads(data.decode("utf-8"))
        if path.name == "Dockerfile" and data == finished[name]:
            migrated += 1
            # Companions are written before the Dockerfile.
            for companion in ("pyproject.toml", "uv.lock", ".dockerignore"):
                companion_name = str(path.parent.relative_to(root) / companion)
                assert (root / companion_name).read_bytes() == finished[companion_name]
    return migrated


def temporary_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if ".dockermig-" in path.name]


def test_kill_during_migrate(tmp_path, trees):
    original_root, finished, seconds = trees
    original = snapshot(original_root)
    dockerfiles = sum(1 for name in finished if name.endswith("/Dockerfile"))
    seed = random.randrange(2**32)
    generator = random.Random(seed)
    partial_runs = 0

    for kill in range(KILLS):
        root = tmp_path / f"run{kill}"
        shutil.copytree(original_root, root, symlinks=True)
        # One moment in each of KILLS equal slices of the uninterrupted run.
        delay = seconds * (kill + generator.random()) / KILLS
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dockermig",
                "migrate",
                "--format",
                "json",
                str(root),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()

        context = f"seed {seed}, kill {kill} after {delay:.3f} s"
        migrated = check_consistent(root, original, finished)
        if 0 < migrated < dockerfiles:
            partial_runs += 1
        for leftover in temporary_files(root):
            assert TEMPORARY_NAME.match(leftover.name), (
                f"{context}: {leftover} is not hidden"
            )

        rerun = run_dockermig("migrate", "--format", "json", str(root))

        assert rerun.returncode == 0, f"{context}: {rerun.stdout}{rerun.stderr}"
        assert temporary_files(root) == [], context
        assert snapshot(root) == finished, context

    # Otherwise every kill landed before the first write or after the last.
    assert partial_runs > 0, f"seed {seed}: no kill interrupted the run part-way"


def test_stale_temporary_file_removed(tmp_path, trees):
    original_root, finished, _ = trees
    root = tmp_path / "tree"
    shutil.copytree(original_root / "service000", root / "service000")
    # Process id 2**22 + 1 is above Linux's maximum, so no process has it.
    stale = root / "service000" / "app" / ".Dockerfile.dockermig-4194305-abc123_x.tmp"
    stale.write_text("FROM half-writ")

    process = run_dockermig("migrate", str(root))

    assert process.returncode == 0, process.stdout
    assert not stale.exists()
    assert (root / "service000" / "app" / "Dockerfile").read_bytes() == finished[
        "service000/app/Dockerfile"
    ]


def test_lock_failure_leaves_files(tmp_path, trees):
    original_root, finished, _ = trees
    failing = tmp_path / "failing" / "app"
    failing.mkdir(parents=True)
    (failing / "Dockerfile").write_text(DOCKERFILE)
    (failing / "requirements.txt").write_text(
        "six==1.16.0\nthis-package-does-not-exist-dockermig==1.0\n"
    )
    shutil.copytree(original_root / "service000", tmp_path / "good")
    before = snapshot(failing)

    process = run_dockermig("migrate", "--format", "json", str(tmp_path))

    assert process.returncode == 2
    rows = {row["path"]: row for row in json.loads(process.stdout)}
    row = rows[str(failing / "Dockerfile")]
    assert row["outcome"] == "error"
    assert "this-package-does-not-exist-dockermig" in row["reason"]
    assert "\n" not in row["reason"]
    assert snapshot(failing) == before
    assert sorted(path.name for path in failing.iterdir()) == [
        "Dockerfile",
        "requirements.txt",
    ]
    assert rows[str(tmp_path / "good" / "app" / "Dockerfile")]["outcome"] == "migrated"
    assert (tmp_path / "good" / "app" / "Dockerfile").read_bytes() == finished[
        "service000/app/Dockerfile"
    ]
