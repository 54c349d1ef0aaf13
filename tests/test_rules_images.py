"""Rules DM201-DM204: image tags that do not exist, are frozen, float or are past end of life."""

import json
from datetime import date

import pytest

from conftest import run_dockermig

from dockermig.check.registry import find_rule
from dockermig.check.runner import check_text
from dockermig.images import describe_image

TODAY = date(2026, 12, 4)


def run(text: str, code: str, today: date = TODAY):
    return check_text(text, [find_rule(code)], today=today)


def findings(text: str, code: str, today: date = TODAY) -> list[tuple[str, int]]:
    return [(item.code, item.line) for item in run(text, code, today)]


@pytest.mark.parametrize(
    ("text", "line", "fix"),
    [
        pytest.param(
            "FROM python:3.11-bookworm-slim\n",
            1,
            "use python:3.11-slim-bookworm",
            id="python-order",
        ),
        pytest.param(
            "FROM ghcr.io/astral-sh/uv:python3.11-slim-bookworm AS b\n",
            1,
            "use ghcr.io/astral-sh/uv:python3.11-bookworm-slim",
            id="uv-order",
        ),
        pytest.param(
            "FROM ghcr.io/astral-sh/uv:python3.11-slim\n",
            1,
            "use ghcr.io/astral-sh/uv:python3.11-trixie-slim",
            id="uv-without-release",
        ),
        pytest.param("FROM python:3.13-buster\n", 1, None, id="minor-never-on-release"),
        pytest.param(
            "FROM python:3.12-slim-trixie\nCOPY --from=ghcr.io/astral-sh/uv:0.5.0-trixie /uv /bin/\n",
            2,
            None,
            id="base-newer-than-version",
        ),
        pytest.param(
            "ARG UV=ghcr.io/astral-sh/uv:0.8.10-python3.12-bookworm-slim\nFROM $UV\n",
            2,
            None,
            id="missing-release-through-arg",
        ),
        pytest.param(
            "FROM python:3.9.16-slim-bookworm\n",
            1,
            "use python:3.9.17-slim-bookworm",
            id="patch-older-than-release",
        ),
        pytest.param(
            "FROM python:3.8.17-alpine3.19\n",
            1,
            "use python:3.8.18-alpine3.19",
            id="patch-older-than-alpine",
        ),
        pytest.param(
            "FROM python:3.8-alpine3.24\n",
            1,
            "use python:3.8-alpine3.20",
            id="minor-never-on-alpine",
        ),
        pytest.param(
            "FROM python:3.14.6-bullseye\n",
            1,
            "use python:3.14.6-bookworm",
            id="current-patch-on-dropped-release",
        ),
    ],
)
def test_dm201_catches(text, line, fix):
    found = run(text, "DM201")
    assert [(item.code, item.line) for item in found] == [("DM201", line)]
    if fix:
        assert found[0].fix == fix


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("FROM python:3.11-slim-bookworm\n", id="python-slim-release"),
        pytest.param("FROM python:3.12\n", id="python-minor"),
        pytest.param("FROM python:3.12.7-alpine3.20\n", id="python-patch-alpine"),
        pytest.param("FROM python:3.9.18-slim-bookworm\n", id="patch-on-release"),
        pytest.param("FROM python:3.11.9-slim-bookworm\n", id="patch-on-default-release"),
        pytest.param("FROM python:3.9.16-slim\n", id="patch-without-release"),
        pytest.param("FROM python:3.8.18-alpine3.19\n", id="patch-on-later-alpine"),
        pytest.param("FROM python:3.12-slim\n", id="python-slim"),
        pytest.param("FROM python:3.13.0rc2-slim-bookworm\n", id="pre-release"),
        pytest.param("FROM python:3.14.7-slim-trixie\n", id="patch-newer-than-data"),
        pytest.param("FROM python:3.16.0-alpine3.25\n", id="minor-newer-than-data"),
        pytest.param("FROM python:3.14-alpine3.25\n", id="alpine-newer-than-data"),
        pytest.param("FROM python:3.15-rc-slim-trixie\n", id="python-rc"),
        pytest.param("FROM python:3.16-slim-trixie\n", id="newer-than-data"),
        pytest.param(
            "FROM ghcr.io/astral-sh/uv:python3.12-trixie-slim\n", id="uv-current"
        ),
        pytest.param(
            "FROM ghcr.io/astral-sh/uv:0.9.5-python3.12-bookworm-slim\n",
            id="uv-pinned-old-base",
        ),
        pytest.param("FROM ghcr.io/astral-sh/uv:0.9-bookworm\n", id="uv-minor-series"),
        pytest.param(
            "FROM python:3.12-slim-trixie\nCOPY --from=ghcr.io/astral-sh/uv:0.9.5 /uv /bin/\n",
            id="uv-distroless",
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nCOPY --from=ghcr.io/astral-sh/uv:latest /uv /bin/\n",
            id="uv-latest",
        ),
        pytest.param("FROM node:22-bookworm-slim\n", id="other-image"),
        pytest.param("FROM python\n", id="no-tag"),
    ],
)
def test_dm201_leaves_alone(text):
    assert findings(text, "DM201") == []


def test_dm201_names_nearest_published_tags():
    found = run("FROM python:3.9.16-slim-bookworm\n", "DM201")
    assert len(found) == 1
    assert "python:3.9.17-slim-bookworm" in found[0].message
    assert "python:3.9-slim-bookworm" in found[0].message
    assert "python:3.9.16-slim-bullseye" in found[0].message


def test_dm202_catches_bookworm_base():
    found = run(
        "FROM ghcr.io/astral-sh/uv:python3.12-bookworm-slim AS builder\n", "DM202"
    )
    assert [(item.code, item.line) for item in found] == [("DM202", 1)]
    assert "0.9.30-python3.12-bookworm-slim" in found[0].fix
    assert "python3.12-trixie-slim" in found[0].fix


@pytest.mark.parametrize(
    "text",
    [
        "FROM ghcr.io/astral-sh/uv:alpine3.21\n",
        "FROM ghcr.io/astral-sh/uv:python3.8-alpine\n",
        "FROM debian:trixie-slim\nCOPY --from=ghcr.io/astral-sh/uv:bookworm /usr/local/bin/uv /bin/\n",
    ],
    ids=["alpine3.21", "python3.8", "copy-from"],
)
def test_dm202_catches_other_dropped_bases(text):
    assert [code for code, _ in findings(text, "DM202")] == ["DM202"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "FROM ghcr.io/astral-sh/uv:python3.12-trixie-slim\n", id="current"
        ),
        pytest.param(
            "FROM ghcr.io/astral-sh/uv:0.9.30-python3.12-bookworm-slim\n", id="pinned"
        ),
        pytest.param("FROM ghcr.io/astral-sh/uv:debian-slim\n", id="moved-not-dropped"),
        pytest.param("FROM python:3.12-slim-bookworm\n", id="python-image"),
        pytest.param(
            "FROM ghcr.io/astral-sh/uv:python3.12-slim\n", id="unknown-is-dm201"
        ),
    ],
)
def test_dm202_leaves_alone(text):
    assert findings(text, "DM202") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("FROM python:3.12-slim\n", [("DM203", 1)], id="slim"),
        pytest.param("FROM python:3.12\n", [("DM203", 1)], id="full"),
        pytest.param("FROM python:3-slim-trixie\n", [("DM203", 1)], id="python-floats"),
        pytest.param("FROM python\n", [("DM203", 1)], id="latest"),
        pytest.param("FROM python:3.12-alpine\n", [("DM203", 1)], id="alpine"),
        pytest.param("FROM debian:stable-slim\n", [("DM203", 1)], id="debian-stable"),
        pytest.param(
            "FROM ghcr.io/astral-sh/uv:debian-slim\n", [("DM203", 1)], id="uv-debian"
        ),
        pytest.param(
            "ARG PY=3.12\nFROM python:${PY}-slim AS app\n",
            [("DM203", 2)],
            id="through-arg",
        ),
    ],
)
def test_dm203_catches(text, expected):
    assert findings(text, "DM203") == expected


def test_dm203_suggests_migrate_release():
    found = run("FROM python:3.12-slim\n", "DM203")
    assert found[0].fix == (
        "use python:3.12-slim-bookworm, the release `dockermig migrate` pins; "
        "pass --debian-release to migrate to choose another"
    )


def test_dm203_suggests_convention_release(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.dockermig]\ndebian-release = "trixie"\n')
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "Dockerfile").write_text("FROM python:3.12\n")
    process = run_dockermig(
        "check", "--select", "DM203", "--format", "json", str(tmp_path / "svc")
    )
    fixes = [item["fix"] for item in json.loads(process.stdout)]
    assert fixes == ["use python:3.12-trixie, the convention's Debian release"]


def test_dm203_python_floating_names_no_migrate():
    found = run("FROM python:3-slim\n", "DM203")
    assert found[0].fix == "use python:3.14-slim-bookworm"


def test_describe_image_reads_misordered_tag():
    facts = describe_image("python:3.12-bookworm-slim", TODAY)
    assert facts is not None
    assert facts.python_minor == "3.12"
    assert facts.release == "bookworm"
    assert facts.floating == ()


@pytest.mark.parametrize(
    "tag", ["3.12-slim-bookworm-slim", "3.12-bookworm-alpine", "3.12-sid-slim"]
)
def test_describe_image_rejects_other_misorders(tag):
    assert describe_image(f"python:{tag}", TODAY) is None


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("FROM python:3.12-slim-trixie\n", id="python-pinned"),
        pytest.param("FROM python:3.12-alpine3.23\n", id="alpine-pinned"),
        pytest.param("FROM debian:bookworm-slim\n", id="debian-codename"),
        pytest.param("FROM debian:12\n", id="debian-number"),
        pytest.param(
            "FROM ghcr.io/astral-sh/uv:python3.12-trixie-slim\n", id="uv-python"
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie AS base\nFROM base\n", id="stage-reference"
        ),
        pytest.param(
            "FROM python:3.12-slim-trixie\nCOPY --from=python:3.12 /usr/local /usr/local\n",
            id="copy-from",
        ),
        pytest.param("FROM node:22\n", id="other-image"),
        pytest.param("FROM scratch\n", id="scratch"),
    ],
)
def test_dm203_leaves_alone(text):
    assert findings(text, "DM203") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "FROM python:3.8-slim-bookworm\n", [("DM204", 1)], id="python-3.8"
        ),
        pytest.param(
            "FROM ghcr.io/astral-sh/uv:python3.9-trixie-slim\n",
            [("DM204", 1)],
            id="uv-3.9",
        ),
        pytest.param("FROM python:2.7\n", [("DM204", 1)], id="python-2"),
    ],
)
def test_dm204_catches(text, expected):
    assert findings(text, "DM204") == expected


@pytest.mark.parametrize(
    ("text", "today"),
    [
        pytest.param("FROM python:3.12-slim-trixie\n", TODAY, id="supported"),
        pytest.param(
            "FROM python:3.10-slim-trixie\n", date(2026, 6, 1), id="before-end"
        ),
        pytest.param("FROM debian:trixie-slim\n", TODAY, id="no-python"),
        pytest.param("FROM python:3.16-slim\n", TODAY, id="unknown-minor"),
    ],
)
def test_dm204_leaves_alone(text, today):
    assert findings(text, "DM204", today) == []


def test_dm203_patch_pinned_tag_is_not_floating():
    found = check_text(
        "FROM python:3.9.16-slim\nRUN true\n", [find_rule("DM203")], today=date(2026, 12, 4)
    )
    assert found == []
