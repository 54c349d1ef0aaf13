"""The bundled example monorepo: migrate it, then build and smoke-run the migrated images."""

import json
import shutil
import tomllib
from pathlib import Path

import pytest

from build_helpers import TEST_TAG_PREFIX, require_buildah
from conftest import REPO_ROOT, run_dockermig, snapshot

EXPECTED_OUTCOMES = {
    "accounts": "migrated",
    "billing": "migrated",
    "orders": "migrated",
    "reports": "migrated",
    "notifier": "migrated",
    "gateway": "skipped",
    "legacy-sync": "needs attention",
    "tally": "migrated",
}


@pytest.fixture(scope="module")
def migrated_monorepo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("example") / "monorepo"
    shutil.copytree(REPO_ROOT / "examples" / "monorepo", root)
    process = run_dockermig("migrate", "--format", "json", str(root))
    assert process.returncode == 0, process.stderr
    rows = json.loads(process.stdout)
    root.joinpath("outcomes.json").write_text(json.dumps(rows))
    return root


def _outcomes(root: Path) -> dict[str, dict]:
    rows = json.loads(root.joinpath("outcomes.json").read_text())
    return {Path(row["path"]).parent.name: row for row in rows}


def test_example_outcomes(migrated_monorepo):
    outcomes = _outcomes(migrated_monorepo)

    assert {name: row["outcome"] for name, row in outcomes.items()} == EXPECTED_OUTCOMES
    assert "cloned from the network" in outcomes["legacy-sync"]["reason"]
    assert outcomes["gateway"]["reason"] == "not a Python image"


def test_example_untouched_services_stay_identical(migrated_monorepo):
    for name in ("gateway", "legacy-sync"):
        original = snapshot(REPO_ROOT / "examples" / "monorepo" / "services" / name)
        assert snapshot(migrated_monorepo / "services" / name) == original


def test_example_companions_written(migrated_monorepo):
    services = migrated_monorepo / "services"
    for name in ("accounts", "billing", "orders", "reports", "notifier"):
        assert (services / name / ".dockerignore").read_text() == ".venv\n"
        lock = tomllib.loads((services / name / "uv.lock").read_text())
        assert lock["requires-python"].startswith("==3.1")
    reports = tomllib.loads((services / "reports" / "pyproject.toml").read_text())
    assert reports["project"]["requires-python"] == "==3.12.*"
    assert reports["project"]["dependencies"][:2] == [
        "jinja2>=3.1,<4",
        "python-dateutil==2.9.0.post0",
    ]


def test_example_runtime_keeps_libpq_and_curl(migrated_monorepo):
    services = migrated_monorepo / "services"
    orders = (services / "orders" / "Dockerfile").read_text()
    builder, runtime = orders.split("\n\n", 1)
    assert "gcc libc6-dev libpq-dev" in builder
    assert "libpq5" in runtime
    assert "gcc" not in runtime
    assert "libc6-dev" not in runtime
    notifier_runtime = (services / "notifier" / "Dockerfile").read_text().split("\n\n", 1)[1]
    assert "install -y --no-install-recommends curl" in notifier_runtime


def test_example_second_migrate_changes_nothing(migrated_monorepo):
    before = snapshot(migrated_monorepo)

    process = run_dockermig("migrate", "--check", str(migrated_monorepo))

    assert process.returncode == 0, process.stdout
    assert snapshot(migrated_monorepo) == before


@pytest.mark.build
@pytest.mark.parametrize(
    "service, smoke",
    [
        ("accounts", "python -c 'import flask, gunicorn' && gunicorn --version"),
        ("orders", "python -c 'import psycopg2; print(psycopg2.__version__)' && python -m orders"),
        ("billing", "python billing.py"),
        ("tally", "tally /etc/hostname && test ! -e /opt/tally/.venv/bin/pytest"),
    ],
)
def test_example_migrated_image_builds_and_runs(migrated_monorepo, service, smoke):
    require_buildah()
    dockerfile = migrated_monorepo / "services" / service / "Dockerfile"

    process = run_dockermig(
        "build",
        "--builder",
        "buildah",
        "--format",
        "json",
        "--tag-prefix",
        TEST_TAG_PREFIX,
        "--smoke",
        smoke,
        str(dockerfile),
    )

    [result] = json.loads(process.stdout)
    assert result["ok"], result["error"]
    assert process.returncode == 0
    assert result["size_bytes"] > 10_000_000


def test_example_migrated_files_pass_check(migrated_monorepo):
    services = migrated_monorepo / "services"
    migrated = [
        str(services / name / "Dockerfile")
        for name, outcome in EXPECTED_OUTCOMES.items()
        if outcome == "migrated"
    ]

    process = run_dockermig("check", "--format", "json", *migrated)

    assert json.loads(process.stdout) == []
    assert process.returncode == 0


def test_project_dockerfile_passes_check():
    process = run_dockermig("check", "--format", "json", str(REPO_ROOT / "Dockerfile"))

    assert json.loads(process.stdout) == []
    assert process.returncode == 0
