"""Helpers for the build tests: builder availability, the CLI as a subprocess, image cleanup."""

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON_IMAGE = "docker.io/library/python:3.11-slim-bookworm"
# Tags that the tests build, kept apart from `dockermig build`'s default prefix.
TEST_TAG_PREFIX = "localhost/dockermig-test/"


def read_uv_image() -> str:
    with open(REPO_ROOT / "rules" / "images.toml", "rb") as file:
        version = tomllib.load(file)["uv"]["version"]
    return f"ghcr.io/astral-sh/uv:{version}"


def buildah_unavailable_reason() -> str | None:
    """Return why buildah cannot build here, or None when it can."""
    if os.geteuid() != 0:
        return "build tests need root: buildah builds with --isolation chroot as root"
    if shutil.which("buildah") is None:
        return (
            "build tests need buildah on PATH (scripts/test installs it with apt-get)"
        )
    return None


def require_buildah() -> None:
    """Skip the calling test when buildah cannot build here.

    With DOCKERMIG_REQUIRE_BUILD=1 (set by CI, where the set-up installs
    buildah) the test fails instead, so a broken set-up cannot pass as skips.
    """
    reason = buildah_unavailable_reason()
    if reason is None:
        return
    if os.environ.get("DOCKERMIG_REQUIRE_BUILD") == "1":
        pytest.fail(f"{reason}, and DOCKERMIG_REQUIRE_BUILD=1 forbids skipping")
    pytest.skip(reason)


def image_exists(reference: str) -> bool:
    result = subprocess.run(
        ["buildah", "inspect", "--type", "image", reference],
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def require_stand_in_images() -> None:
    for reference in (PYTHON_IMAGE, read_uv_image()):
        if not image_exists(reference):
            pytest.fail(
                f"stand-in image {reference} is missing; run scripts/stand-in-images as root"
            )


def remove_test_images() -> None:
    """Remove every image tagged with TEST_TAG_PREFIX."""
    listed = subprocess.run(
        ["buildah", "images", "--json"], capture_output=True, text=True, check=True
    )
    names = [
        name
        for image in json.loads(listed.stdout or "[]")
        for name in image.get("names") or []
        if name.startswith(TEST_TAG_PREFIX)
    ]
    if names:
        subprocess.run(["buildah", "rmi", *names], capture_output=True, check=False)


def run_cli(
    *args: str, cwd: Path | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run `dockermig ARGS` in a new Python process, as a user would."""
    return subprocess.run(
        [sys.executable, "-c", "from dockermig.cli import main; main()", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
        timeout=900,
    )


def write_dockerfile(folder: Path, text: str, name: str = "Dockerfile") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path
