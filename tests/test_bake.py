"""Tests for `dockermig build --bake`: the bake file's structure, names, paths and caches."""

import json
from pathlib import Path

import jsonschema
import pytest

from build_helpers import run_cli, write_dockerfile
from dockermig.build.bake import bake_definition, cache_settings, target_name
from dockermig.build.runner import plan_jobs
from dockermig.build.secrets import parse_secrets

# The parts of the bake file format (docker/buildx, docs/bake-reference.md and
# bake/bake.go) that dockermig writes. Target names match bake's own pattern,
# and list attributes are arrays of strings. additionalProperties is false so
# a misspelt attribute such as "cache_from" fails here rather than being
# ignored or rejected by bake later.
STRING_LIST = {"type": "array", "items": {"type": "string", "minLength": 1}}
BAKE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["group", "target"],
    "properties": {
        "group": {
            "type": "object",
            "propertyNames": {"pattern": "^[a-zA-Z0-9_-]+$"},
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["targets"],
                "properties": {"targets": STRING_LIST},
            },
        },
        "target": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": "^[a-zA-Z0-9_-]+$"},
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["context", "dockerfile", "tags"],
                "properties": {
                    "context": {"type": "string", "minLength": 1},
                    "dockerfile": {"type": "string", "minLength": 1},
                    "tags": {**STRING_LIST, "minItems": 1},
                    "cache-from": STRING_LIST,
                    "cache-to": STRING_LIST,
                    # Entries in `docker build --secret` syntax, as this
                    # code writes them: an id and one env= or src=.
                    "secret": {
                        "type": "array",
                        "items": {
                            "type": "string",
                            "pattern": "^id=[A-Za-z0-9][A-Za-z0-9._-]*,(env|src)=[^,]+$",
                        },
                    },
                },
            },
        },
    },
}


def validate_bake_file(definition: dict, bake_folder: Path) -> None:
    """Check a bake definition against the schema and against the files it names."""
    jsonschema.validate(definition, BAKE_SCHEMA)
    groups = definition["group"]
    targets = definition["target"]
    assert not set(groups) & set(targets), "a name is both a group and a target"
    for group in groups.values():
        for member in group["targets"]:
            assert member in targets or member in groups, f"unknown member {member}"
    for name, target in targets.items():
        context = bake_folder / target["context"]
        assert context.is_dir(), f"{name}: context {context} is not a folder"
        dockerfile = context / target["dockerfile"]
        assert dockerfile.is_file(), f"{name}: {dockerfile} not found"


def make_tree(root: Path) -> list[Path]:
    base = "FROM python:3.11-slim-bookworm\n"
    return [
        write_dockerfile(root / "services" / "api", base),
        write_dockerfile(root / "services" / "api", base, name="Dockerfile.dev"),
        write_dockerfile(root / "services" / "worker", base),
        write_dockerfile(root / "jobs" / "worker", base),
        write_dockerfile(root / "all", base),
    ]


def test_bake_definition_matches_format(tmp_path):
    dockerfiles = make_tree(tmp_path)
    jobs = plan_jobs(dockerfiles, tag_prefix="registry.example.com/team/")
    definition = bake_definition(jobs, tmp_path)
    validate_bake_file(definition, tmp_path)
    assert len(definition["target"]) == len(dockerfiles)


def test_bake_groups_cover_every_target(tmp_path):
    jobs = plan_jobs(make_tree(tmp_path))
    definition = bake_definition(jobs, tmp_path)
    assert definition["group"]["default"] == {"targets": ["all"]}
    assert sorted(definition["group"]["all"]["targets"]) == sorted(definition["target"])


def test_bake_reserved_name_renamed(tmp_path):
    jobs = plan_jobs(make_tree(tmp_path))
    definition = bake_definition(jobs, tmp_path)
    assert "all-image" in definition["target"]
    assert definition["target"]["all-image"]["context"] == "all"


def test_bake_target_fields(tmp_path):
    dockerfile = write_dockerfile(
        tmp_path / "services" / "api", "FROM scratch\n", name="Dockerfile.dev"
    )
    jobs = plan_jobs([dockerfile], tag_prefix="registry.example.com/team/")
    target = bake_definition(jobs, tmp_path)["target"]["api-dev"]
    assert target["context"] == "services/api"
    assert target["dockerfile"] == "Dockerfile.dev"
    assert target["tags"] == ["registry.example.com/team/api-dev:latest"]
    assert target["cache-from"] == [
        "type=registry,ref=registry.example.com/team/api-dev:buildcache"
    ]
    assert target["cache-to"] == [
        "type=registry,ref=registry.example.com/team/api-dev:buildcache,mode=max"
    ]


def test_bake_paths_relative_to_bake_folder(tmp_path):
    dockerfile = write_dockerfile(tmp_path / "repo" / "svc", "FROM scratch\n")
    bake_folder = tmp_path / "ci"
    bake_folder.mkdir()
    jobs = plan_jobs([dockerfile])
    definition = bake_definition(jobs, bake_folder)
    assert definition["target"]["svc"]["context"] == "../repo/svc"
    validate_bake_file(definition, bake_folder)


@pytest.mark.parametrize(
    ("kind", "cache_from", "cache_to"),
    [
        ("gha", ["type=gha,scope=svc"], ["type=gha,scope=svc,mode=max"]),
        (
            "local",
            ["type=local,src=.buildx-cache/svc"],
            ["type=local,dest=.buildx-cache/svc,mode=max"],
        ),
        ("none", [], []),
    ],
)
def test_bake_cache_kinds(tmp_path, kind, cache_from, cache_to):
    job = plan_jobs([write_dockerfile(tmp_path / "svc", "FROM scratch\n")])[0]
    assert cache_settings(kind, job, "svc") == (cache_from, cache_to)


def test_bake_cache_none_omits_keys(tmp_path):
    jobs = plan_jobs([write_dockerfile(tmp_path / "svc", "FROM scratch\n")])
    target = bake_definition(jobs, tmp_path, cache="none")["target"]["svc"]
    assert "cache-from" not in target
    assert "cache-to" not in target


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("localhost/dockermig/orders:latest", "orders"),
        ("registry.example.com:5000/team/api.v2:1.0", "api_v2"),
        ("host:5000/app", "app"),
    ],
)
def test_target_name_from_tag(tag, expected):
    assert target_name(tag) == expected


def test_bake_secrets_in_every_target(tmp_path):
    jobs = plan_jobs(make_tree(tmp_path))
    secrets = parse_secrets(
        [
            "id=uv_index_corp_password,env=UV_INDEX_CORP_PASSWORD",
            f"id=netrc,src={tmp_path / 'ci' / 'netrc'}",
        ]
    )

    definition = bake_definition(jobs, tmp_path, secrets=secrets)

    validate_bake_file(definition, tmp_path)
    for target in definition["target"].values():
        assert target["secret"] == [
            "id=uv_index_corp_password,env=UV_INDEX_CORP_PASSWORD",
            "id=netrc,src=ci/netrc",
        ]


def test_bake_secret_src_relative_to_bake_folder(tmp_path, monkeypatch):
    dockerfile = write_dockerfile(tmp_path / "repo" / "svc", "FROM scratch\n")
    bake_folder = tmp_path / "repo" / "ci"
    bake_folder.mkdir()
    monkeypatch.chdir(tmp_path / "repo")
    secrets = parse_secrets(["id=netrc,src=secrets/netrc"])

    definition = bake_definition(plan_jobs([dockerfile]), bake_folder, secrets=secrets)

    assert definition["target"]["svc"]["secret"] == ["id=netrc,src=../secrets/netrc"]


def test_bake_without_secrets_omits_key(tmp_path):
    jobs = plan_jobs([write_dockerfile(tmp_path / "svc", "FROM scratch\n")])
    target = bake_definition(jobs, tmp_path)["target"]["svc"]
    assert "secret" not in target


def test_bake_schema_rejects_bad_secret(tmp_path):
    jobs = plan_jobs([write_dockerfile(tmp_path / "svc", "FROM scratch\n")])
    definition = bake_definition(jobs, tmp_path)
    definition["target"]["svc"]["secret"] = ["id=token"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(definition, BAKE_SCHEMA)


def test_cli_bake_secret_not_checked(tmp_path):
    """The bake file is built elsewhere, so an unset variable is no error here."""
    write_dockerfile(tmp_path / "svc", "FROM scratch\n")
    env = {"PATH": str(tmp_path / "empty-bin"), "HOME": str(tmp_path)}

    result = run_cli(
        "build", "--bake", "-", "--bake-cache", "none",
        "--secret", "id=corp_token,env=CORP_TOKEN", cwd=tmp_path, env=env,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    definition = json.loads(result.stdout)
    validate_bake_file(definition, tmp_path)
    assert definition["target"]["svc"]["secret"] == ["id=corp_token,env=CORP_TOKEN"]


def test_cli_bake_writes_file(tmp_path):
    make_tree(tmp_path)
    result = run_cli(
        "build",
        "--bake",
        "docker-bake.json",
        "--tag-prefix",
        "registry.example.com/team/",
        ".",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "wrote docker-bake.json with 5 target(s)" in result.stderr
    definition = json.loads((tmp_path / "docker-bake.json").read_text())
    validate_bake_file(definition, tmp_path)


def test_cli_bake_stdout_builds_nothing(tmp_path):
    write_dockerfile(tmp_path / "svc", "FROM scratch\n")
    # No builder on PATH: --bake must not look for one.
    env = {"PATH": str(tmp_path / "empty-bin"), "HOME": str(tmp_path)}
    result = run_cli("build", "--bake", "-", "--bake-cache", "none", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    definition = json.loads(result.stdout)
    validate_bake_file(definition, tmp_path)
    assert list(definition["target"]) == ["svc"]


def test_cli_bake_into_folder_rejected(tmp_path):
    write_dockerfile(tmp_path / "svc", "FROM scratch\n")
    (tmp_path / "out").mkdir()
    result = run_cli("build", "--bake", "out", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert "out" in result.stderr
