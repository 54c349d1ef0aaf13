"""Patch-pinned python tags (`python:3.9.16-slim`) moved to a Debian release chosen for them."""

import json
import tomllib
from pathlib import Path

import pytest

from conftest import run_dockermig, snapshot, write_files
from dockermig.images import image_data
from dockermig.migrate.engine import plan_migration
from dockermig.migrate.outcome import Outcome
from dockermig.rules.migrate_base_image import patch_published, releases_with_patch

REQUIREMENTS = "six==1.16.0\n"


def dockerfile(tag: str) -> str:
    return f"FROM python:{tag}\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"


def first_from(text: str) -> str:
    return text.splitlines()[0]


@pytest.mark.parametrize(
    ("version", "release", "expected"),
    [
        ("3.9.16", "bookworm", False),
        ("3.9.17", "bookworm", True),
        ("3.9.25", "bookworm", True),
        ("3.9.26", "bookworm", False),
        ("3.11.4", "trixie", False),
        ("3.11.15", "trixie", True),
        ("3.11.16", "trixie", None),
        ("3.15.0", "trixie", None),
        # python_tags.toml shows that 3.9 never had a stretch tag.
        ("3.9.16", "stretch", False),
    ],
    ids=["before-first", "first", "last-of-dropped", "after-dropped", "before-first-trixie",
         "newest-recorded", "after-newest-still-built", "minor-not-recorded", "release-never-built"],
)  # fmt: skip
def test_patch_published(version, release, expected):
    assert patch_published(version, release) is expected


def test_releases_with_patch():
    assert releases_with_patch("3.9.16") == ["bullseye", "buster"]
    assert releases_with_patch("3.11.4") == ["bookworm", "bullseye", "buster"]


def test_full_image_patch_published():
    """The full image's tags are looked up, not the slim ones."""
    assert patch_published("3.12.0", "bookworm", slim=False) is True
    assert patch_published("3.12.0b1", "bookworm", slim=False) is False


def test_images_toml_has_no_patch_table():
    """rules/python_tags.toml is the one source for published patches."""
    assert "debian_patches" not in image_data()["python"]


def test_published_patch_kept_on_chosen_release(tmp_path):
    write_files(tmp_path, {"Dockerfile": dockerfile("3.11.4-slim"), "requirements.txt": REQUIREMENTS})

    process = run_dockermig("migrate", "--diff", "--debian-release", "bookworm", str(tmp_path))

    assert process.returncode == 0, process.stderr
    assert "+FROM python:3.11.4-slim-bookworm AS builder" in process.stdout
    assert "+FROM python:3.11.4-slim-bookworm\n" in process.stdout


@pytest.mark.parametrize(
    ("tag", "release", "reason"),
    [
        (
            "3.9.16-slim",
            "bookworm",
            "line 1: python:3.9.16-slim cannot be pinned to bookworm, because python 3.9.16 was "
            "never published on bookworm (the python image built 3.9 on bookworm from 3.9.17 to "
            '3.9.25); set python = "3.9" in [tool.dockermig] to move the image to the 3.9 tag',
        ),
        (
            "3.11.4-slim",
            "trixie",
            "line 1: python:3.11.4-slim cannot be pinned to trixie, because python 3.11.4 was never "
            "published on trixie (the python image built 3.11 on trixie from 3.11.13 to 3.11.15, and "
            "still builds it); pass --debian-release bookworm, or set python = \"3.11\" in "
            "[tool.dockermig] to move the image to the 3.11 tag",
        ),
        (
            "3.12.99",
            "trixie",
            "line 1: python:3.12.99 cannot be pinned to trixie, because dockermig's image data cannot "
            'tell whether python 3.12.99 was published on trixie; set python = "3.12" in '
            "[tool.dockermig] to move the image to the 3.12 tag",
        ),
    ],
    ids=["never-on-release", "names-other-release", "newer-than-data"],
)
def test_unpublished_patch_rejected(tmp_path, tag, release, reason):
    write_files(tmp_path, {"Dockerfile": dockerfile(tag), "requirements.txt": REQUIREMENTS})
    before = snapshot(tmp_path)

    process = run_dockermig("migrate", "--format", "json", "--debian-release", release, str(tmp_path))

    assert process.returncode == 0, process.stderr
    row = json.loads(process.stdout)[0]
    assert row["outcome"] == "needs attention"
    assert row["reason"] == reason
    assert snapshot(tmp_path) == before


def test_patch_without_release_names_published_releases(tmp_path):
    write_files(tmp_path, {"Dockerfile": dockerfile("3.9.16-slim"), "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.NEEDS_ATTENTION
    assert result.reason.endswith(
        "python 3.9.16 was published on bullseye and buster, so add one of them to the tag"
    )


def test_patch_without_release_suggests_choosable_release(tmp_path):
    write_files(tmp_path, {"Dockerfile": dockerfile("3.11.4-slim"), "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.reason.endswith("add the release to the tag or pass --debian-release bookworm")


def convention_project(tmp_path: Path, tag: str, convention: str) -> Path:
    write_files(
        tmp_path,
        {
            "pyproject.toml": f"[tool.dockermig]\n{convention}",
            "svc/Dockerfile": dockerfile(tag),
            "svc/requirements.txt": REQUIREMENTS,
        },
    )
    return tmp_path / "svc" / "Dockerfile"


def test_convention_python_moves_to_minor_tag(tmp_path):
    path = convention_project(tmp_path, "3.9.16-slim", 'python = "3.9"\ndebian-release = "bookworm"\n')

    result = plan_migration(path, run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    text = result.writes[path]
    assert first_from(text) == "FROM python:3.9-slim-bookworm AS builder"
    assert "\nFROM python:3.9-slim-bookworm\n" in text
    assert (
        'moved python:3.9.16-slim to the 3.9 tag on bookworm, as the convention\'s python = "3.9" '
        "asks, because python 3.9.16 was never published on bookworm (the python image built 3.9 "
        "on bookworm from 3.9.17 to 3.9.25)"
    ) in result.notes
    pyproject = tomllib.loads(result.writes[tmp_path / "svc" / "pyproject.toml"])
    assert pyproject["project"]["requires-python"] == "==3.9.*"


def test_convention_python_keeps_published_patch(tmp_path):
    path = convention_project(tmp_path, "3.11.4-slim", 'python = "3.11"\ndebian-release = "bookworm"\n')

    result = plan_migration(path, run_lock=False)

    assert first_from(result.writes[path]) == "FROM python:3.11.4-slim-bookworm AS builder"


def test_convention_release_moves_named_release(tmp_path):
    """A tag that names bullseye, moved to bookworm by the convention, is checked too."""
    path = convention_project(tmp_path, "3.9.16-slim-bullseye", 'debian-release = "bookworm"\n')

    result = plan_migration(path, run_lock=False)

    assert result.outcome is Outcome.NEEDS_ATTENTION
    assert "python:3.9.16-slim-bullseye cannot be pinned to bookworm" in result.reason


def test_tag_naming_release_kept(tmp_path):
    write_files(tmp_path, {"Dockerfile": dockerfile("3.9.16-slim-bullseye"), "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False, release="bookworm")

    assert result.outcome is Outcome.MIGRATED, result.reason
    assert first_from(result.writes[tmp_path / "Dockerfile"]) == "FROM python:3.9.16-slim-bullseye AS builder"


def test_alpine_patch_gets_newest_release(tmp_path):
    """3.12.4 had alpine3.19 and alpine3.20 tags, so python:3.12.4-alpine meant alpine3.20."""
    write_files(tmp_path, {"Dockerfile": dockerfile("3.12.4-alpine"), "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    text = result.writes[tmp_path / "Dockerfile"]
    assert first_from(text) == "FROM python:3.12.4-alpine3.20 AS builder"
    assert "\nFROM python:3.12.4-alpine3.20\n" in text
    assert result.notes[0] == (
        "pinned python:3.12.4-alpine to python:3.12.4-alpine3.20, the newest Alpine "
        "release that had python 3.12.4"
    )


def test_alpine_patch_of_ended_minor(tmp_path):
    """A minor past its end of life still gets the release its patch tag used."""
    write_files(tmp_path, {"Dockerfile": dockerfile("3.8.10-alpine"), "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    assert first_from(result.writes[tmp_path / "Dockerfile"]) == "FROM python:3.8.10-alpine3.14 AS builder"


@pytest.mark.parametrize(
    ("tag", "reason"),
    [
        (
            "3.12.99-alpine",
            "line 1: python:3.12.99-alpine pins a patch release but no Alpine release, and "
            "dockermig's image data cannot tell which Alpine releases had python 3.12.99; add "
            '-alpine3.NN to the tag, or set python = "3.12" in [tool.dockermig] to move the '
            "image to the 3.12 tag",
        ),
        (
            "3.12.0b1-alpine",
            "line 1: python:3.12.0b1-alpine is a Python pre-release, which dockermig does not migrate",
        ),
        (
            "3.7.99-alpine",
            "line 1: python:3.7.99-alpine pins a patch release but no Alpine release, and the "
            "python image published 3.7.99 on no alpine3.NN tag; add -alpine3.NN to the tag, or "
            'set python = "3.7" in [tool.dockermig] to move the image to the 3.7 tag',
        ),
    ],
    ids=["newer-than-data", "pre-release", "never-published"],
)
def test_alpine_patch_rejected(tmp_path, tag, reason):
    write_files(tmp_path, {"Dockerfile": dockerfile(tag), "requirements.txt": REQUIREMENTS})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False)

    assert result.outcome is Outcome.NEEDS_ATTENTION
    assert result.reason == reason


def test_alpine_patch_with_convention_python(tmp_path):
    path = convention_project(tmp_path, "3.12.99-alpine", 'python = "3.12"\n')

    result = plan_migration(path, run_lock=False)

    assert result.outcome is Outcome.MIGRATED, result.reason
    latest = image_data()["python"]["latest_alpine"]
    assert first_from(result.writes[path]) == f"FROM python:3.12-alpine{latest} AS builder"
    assert (
        'moved python:3.12.99-alpine to the 3.12 tag, as the convention\'s python = "3.12" asks, '
        "because dockermig's image data cannot tell which Alpine releases had python 3.12.99"
    ) in result.notes
