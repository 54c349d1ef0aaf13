"""`dockermig migrate --fix-drift`: venv copy paths, cache mounts and UV_LINK_MODE in uv Dockerfiles."""

from datetime import date

import pytest

from conftest import run_dockermig, snapshot, write_files
from dockermig.check.registry import find_rule
from dockermig.check.runner import check_text
from dockermig.migrate.engine import plan_migration
from dockermig.migrate.outcome import Outcome

TODAY = date(2026, 12, 4)

BUILDER = """\
FROM python:3.12-slim-bookworm AS builder
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /uvx /bin/
ENV UV_LINK_MODE=copy
WORKDIR /build
RUN --mount=type=cache,target=/root/.cache/uv \\
    --mount=type=bind,source=uv.lock,target=/build/uv.lock \\
    --mount=type=bind,source=pyproject.toml,target=/build/pyproject.toml \\
    uv sync --locked --no-dev --no-install-project

"""

MOVED_VENV = BUILDER + """\
FROM python:3.12-slim-bookworm
# The app runs from /srv.
ENV PATH="/app/.venv/bin:$PATH" VIRTUAL_ENV=/app/.venv
COPY --from=builder /build/.venv /app/.venv
WORKDIR /srv
COPY . /srv
CMD ["gunicorn", "app:app"]
"""

NO_CACHE = """\
FROM python:3.12-slim-bookworm AS builder
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /uvx /bin/
WORKDIR /app
RUN uv sync --locked --no-dev

FROM python:3.12-slim-bookworm
COPY --from=builder /app/.venv /app/.venv
"""


# The builder runs Python 3.12 on bookworm, the runtime Python 3.11 on trixie.
MISMATCHED = NO_CACHE.replace(
    "FROM python:3.12-slim-bookworm\nCOPY", "FROM python:3.11-slim-trixie\nCOPY"
)


def fix(tmp_path, text: str):
    write_files(tmp_path, {"Dockerfile": text})
    return plan_migration(tmp_path / "Dockerfile", run_lock=False, fix_drift=True)


def rerun(tmp_path, result):
    """Write the fixed text and plan again, as a second `migrate --fix-drift` would."""
    (tmp_path / "Dockerfile").write_text(result.writes[tmp_path / "Dockerfile"])
    return plan_migration(tmp_path / "Dockerfile", run_lock=False, fix_drift=True)


def test_venv_copy_moved_to_build_path(tmp_path):
    result = fix(tmp_path, MOVED_VENV)

    assert result.outcome is Outcome.MIGRATED, result.reason
    assert result.writes[tmp_path / "Dockerfile"] == MOVED_VENV.replace(
        'ENV PATH="/app/.venv/bin:$PATH" VIRTUAL_ENV=/app/.venv',
        'ENV PATH="/build/.venv/bin:$PATH" VIRTUAL_ENV=/build/.venv',
    ).replace("/build/.venv /app/.venv", "/build/.venv /build/.venv")
    assert result.notes == [
        "line 12: the ENV value that named /app/.venv now names /build/.venv",
        "line 13: copied the venv to /build/.venv, where the builder made it, in place of "
        "/app/.venv, because its scripts' shebangs name /build/.venv/bin/python",
    ]
    assert rerun(tmp_path, result).outcome is Outcome.UNCHANGED


def test_venv_copy_relative_destination(tmp_path):
    text = BUILDER + "FROM python:3.12-slim-bookworm\nWORKDIR /app\nCOPY --from=builder /build/.venv .venv\n"

    result = fix(tmp_path, text)

    assert result.writes[tmp_path / "Dockerfile"] == text.replace(
        "/build/.venv .venv", "/build/.venv /build/.venv"
    )


@pytest.mark.parametrize(
    ("runtime", "reason"),
    [
        (
            "FROM python:3.12-slim-bookworm\nCOPY --from=builder /build/.venv /app/.venv\n"
            'CMD ["/app/.venv/bin/gunicorn", "app:app"]\n',
            "line 11: left the copy of the venv built at /build/.venv to /app/.venv: "
            "line 12 also uses /app/.venv; change both by hand",
        ),
        (
            "FROM python:3.12-slim-bookworm\nCOPY --from=builder /build /app\n",
            "the COPY carries more than the venv",
        ),
        (
            "FROM python:3.12-slim-bookworm\nCOPY --from=builder /build/.venv /app/.venv\nCOPY . /build\n",
            "line 12 copies files into /build, which would hold the venv at /build/.venv",
        ),
    ],
    ids=["command-uses-old-path", "copies-more-than-venv", "later-copy-into-build-path"],
)
def test_venv_copy_left_with_reason(tmp_path, runtime, reason):
    text = BUILDER + runtime
    write_files(tmp_path, {"Dockerfile": text})
    before = snapshot(tmp_path)

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False, fix_drift=True)

    assert result.outcome is Outcome.NEEDS_ATTENTION
    assert reason in result.reason
    assert result.writes == {}
    assert snapshot(tmp_path) == before


def test_cache_mount_and_link_mode_added(tmp_path):
    result = fix(tmp_path, NO_CACHE)

    assert result.outcome is Outcome.MIGRATED, result.reason
    assert result.writes[tmp_path / "Dockerfile"] == NO_CACHE.replace(
        "RUN uv sync --locked --no-dev\n",
        "ENV UV_LINK_MODE=copy\n"
        "RUN --mount=type=cache,target=/root/.cache/uv \\\n"
        "    uv sync --locked --no-dev\n",
    )
    assert result.notes == [
        "line 4: added `--mount=type=cache,target=/root/.cache/uv`, so uv reuses downloads "
        "and builds between image builds",
        "line 4: added `ENV UV_LINK_MODE=copy` before the RUN, because uv cannot hard-link "
        "from a cache mount and copies with a warning on every build",
    ]
    assert rerun(tmp_path, result).outcome is Outcome.UNCHANGED


def test_cache_mount_keeps_crlf_and_other_mounts(tmp_path):
    text = NO_CACHE.replace(
        "RUN uv sync --locked --no-dev",
        "RUN --mount=type=bind,source=uv.lock,target=/app/uv.lock \\\n    uv sync --locked --no-dev",
    ).replace("\n", "\r\n")
    write_files(tmp_path, {"Dockerfile": text.encode()})

    result = plan_migration(tmp_path / "Dockerfile", run_lock=False, fix_drift=True)

    assert result.writes[tmp_path / "Dockerfile"] == text.replace(
        "RUN --mount=type=bind",
        "ENV UV_LINK_MODE=copy\r\nRUN --mount=type=cache,target=/root/.cache/uv \\\r\n    --mount=type=bind",
    )


def test_link_mode_only_when_missing(tmp_path):
    text = NO_CACHE.replace(
        "RUN uv sync", "ENV UV_LINK_MODE=copy\nRUN --mount=type=cache,target=/root/.cache/uv uv sync"
    )

    result = fix(tmp_path, text)

    assert result.outcome is Outcome.UNCHANGED


def test_link_mode_once_per_stage(tmp_path):
    text = NO_CACHE.replace(
        "RUN uv sync --locked --no-dev\n",
        "RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-dev --no-install-project\n"
        "COPY . /app\n"
        "RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-dev\n",
    )

    result = fix(tmp_path, text)

    fixed = result.writes[tmp_path / "Dockerfile"]
    assert fixed.count("ENV UV_LINK_MODE=copy") == 1
    assert fixed == text.replace(
        "RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-dev --no-install-project",
        "ENV UV_LINK_MODE=copy\n"
        "RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-dev --no-install-project",
    )


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (
            "WORKDIR /app\n",
            "USER app\nWORKDIR /app\n",
            "line 5: left `uv sync` without a cache mount, because its cache folder is not /root/.cache/uv",
        ),
        (
            "WORKDIR /app\n",
            "ENV UV_CACHE_DIR=/cache\nWORKDIR /app\n",
            "line 5: left `uv sync` without a cache mount",
        ),
    ],
    ids=["non-root-user", "cache-dir-set"],
)
def test_cache_mount_left_with_reason(tmp_path, old, new, reason):
    result = fix(tmp_path, NO_CACHE.replace(old, new, 1))

    assert result.outcome is Outcome.NEEDS_ATTENTION
    assert reason in result.reason


def test_explicit_link_mode_left_with_reason(tmp_path):
    text = NO_CACHE.replace(
        "RUN uv sync", "ENV UV_LINK_MODE=symlink\nRUN --mount=type=cache,target=/root/.cache/uv uv sync"
    )

    result = fix(tmp_path, text)

    assert result.outcome is Outcome.NEEDS_ATTENTION
    assert result.reason == (
        "line 5: left the uv link mode symlink as written; with a cache mount, uv needs UV_LINK_MODE=copy"
    )


def test_cli_fix_drift_twice_changes_nothing(tmp_path):
    write_files(tmp_path, {"Dockerfile": MOVED_VENV.replace("ENV UV_LINK_MODE=copy\n", "")})

    first = run_dockermig("migrate", "--fix-drift", str(tmp_path))
    after_first = snapshot(tmp_path)
    second = run_dockermig("migrate", "--fix-drift", "--check", str(tmp_path))

    assert first.returncode == 0, first.stderr
    assert "ENV UV_LINK_MODE=copy" in after_first["Dockerfile"].decode()
    assert second.returncode == 0, second.stdout
    assert snapshot(tmp_path) == after_first


@pytest.mark.parametrize(
    ("code", "text", "fixable"),
    [
        ("DM104", MOVED_VENV, True),
        ("DM104", BUILDER + "FROM python:3.12-slim-bookworm\nCOPY --from=builder /build /app\n", False),
        ("DM107", NO_CACHE, True),
        ("DM107", NO_CACHE.replace("WORKDIR /app\n", "USER app\nWORKDIR /app\n"), False),
        ("DM108", NO_CACHE.replace("RUN uv", "RUN --mount=type=cache,target=/root/.cache/uv uv"), True),
        ("DM108", NO_CACHE.replace("RUN uv", "ENV UV_LINK_MODE=hardlink\nRUN --mount=type=cache,target=/root/.cache/uv uv"), False),
        ("DM201", NO_CACHE.replace("3.12-slim-bookworm AS", "3.12-bookworm-slim AS"), True),
        ("DM201", "FROM python:3.12-bookworm-slim\nRUN pip install six\n", False),
        ("DM301", NO_CACHE.replace(" AS builder", " as builder"), True),
        ("DM106", NO_CACHE.replace(" --locked", ""), True),
        ("DM106", NO_CACHE.replace("uv sync --locked --no-dev", "uv sync --no-dev && uv sync"), False),
        ("DM107", MISMATCHED, False),
    ],
    ids=[
        "dm104-fixable", "dm104-left", "dm107-fixable", "dm107-non-root", "dm108-fixable",
        "dm108-explicit-mode", "dm201-fixable", "dm201-pip-file", "dm301-fixable",
        "dm106-fixable", "dm106-two-syncs", "dm107-stages-mismatch",
    ],
)  # fmt: skip
def test_check_marks_drift_fixes(code, text, fixable):
    found = check_text(text, [find_rule(code)], today=TODAY)

    assert found
    assert {finding.code for finding in found} == {code}
    assert [finding.migrate_fixes for finding in found] == [fixable] * len(found)


@pytest.mark.parametrize(
    ("runtime", "difference"),
    [
        ("python:3.11-slim-trixie", "Python 3.12 in 'builder' and Python 3.11 in stage 2"),
        ("python:3.12-slim-trixie", "Debian bookworm in 'builder' and trixie in stage 2"),
    ],
    ids=["python-minor", "debian-release"],
)
def test_stage_mismatch_needs_attention(tmp_path, runtime, difference):
    text = NO_CACHE.replace("FROM python:3.12-slim-bookworm\nCOPY", f"FROM {runtime}\nCOPY")
    result = fix(tmp_path, text)

    assert result.outcome is Outcome.NEEDS_ATTENTION
    assert result.reason.startswith("line 6: the venv is built and run on different images")
    assert difference in result.reason
    assert "--fix-drift does not choose a Python version" in result.reason
    assert result.writes == {}


def test_stage_mismatch_read_through_misordered_tag(tmp_path):
    text = MISMATCHED.replace("3.12-slim-bookworm AS", "3.12-bookworm-slim AS")
    result = fix(tmp_path, text)

    assert result.outcome is Outcome.NEEDS_ATTENTION
    assert "Python 3.12 in 'builder' and Python 3.11 in stage 2" in result.reason


def test_matching_stages_still_fixed(tmp_path):
    result = fix(tmp_path, NO_CACHE)

    assert result.outcome is Outcome.MIGRATED
    assert not any("different images" in note for note in result.notes)
