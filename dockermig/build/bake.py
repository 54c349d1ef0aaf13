"""Write a BuildKit bake file (docker-bake.json) that builds every planned Dockerfile.

`docker buildx bake --file docker-bake.json` builds all targets of the
"default" group in parallel on whichever BuildKit builder is selected, local,
remote or Kubernetes. Its format, as read by docker/buildx (bake/bake.go):

- "target" maps a name to its build settings. Names contain only letters,
  digits, "_" and "-".
- "context" is the build context folder. Bake resolves a relative context
  against the working directory of the `bake` command, so the paths written
  here are relative to the bake file's folder, and bake must run there.
- "dockerfile" is resolved relative to the context.
- "tags", "cache-from" and "cache-to" are lists of strings.
- "secret" is a list of strings in the syntax of `docker build --secret`,
  such as "id=token,env=TOKEN" or "id=netrc,src=secrets/netrc". Bake reads
  the variable or file when it builds, so the bake file holds no value.
- "group" maps a name to {"targets": [...]}, and a group may name other groups.
  With no target on the command line, bake builds the group "default".
"""

import json
import os
import re
import tempfile
from pathlib import Path

from dockermig.build.runner import BuildJob
from dockermig.build.secrets import BuildSecret
from dockermig.errors import InputFileError

# Kinds of BuildKit cache export and import that --bake-cache offers.
CACHE_KINDS = ("registry", "gha", "local", "none")
# --bake-cache auto picks one of CACHE_KINDS from the tag prefix (see auto_cache_kind).
AUTO_CACHE = "auto"
ALL_GROUP = "all"
DEFAULT_GROUP = "default"
LOCAL_CACHE_FOLDER = ".buildx-cache"


def image_repository(tag: str) -> str:
    """Return an image reference without its tag: "host:5000/team/app:1" gives "host:5000/team/app"."""
    last = tag.rsplit("/", 1)[-1]
    return tag.rsplit(":", 1)[0] if ":" in last else tag


def target_name(tag: str) -> str:
    """Return a bake target name from an image tag: its last path part, without the tag.

    For example "registry.example.com/team/orders-dev:latest" gives "orders-dev".
    Characters that bake does not accept in names become "_".
    """
    name = image_repository(tag).rsplit("/", 1)[-1]
    return re.sub(r"[^a-zA-Z0-9_-]", "_", name) or "image"


def _unique_names(jobs: list[BuildJob]) -> list[str]:
    """Return one target name per job, never "all" or "default" and never repeated."""
    reserved = {ALL_GROUP, DEFAULT_GROUP}
    names = []
    taken: set[str] = set()
    for job in jobs:
        base = target_name(job.tag)
        if base in reserved:
            base = f"{base}-image"
        name = base
        number = 2
        while name in taken:
            name = f"{base}-{number}"
            number += 1
        taken.add(name)
        names.append(name)
    return names


def _is_local_host(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name == "localhost" or name.startswith("127.") or name in ("[::1]", "::1")


def auto_cache_kind(tag_prefix: str) -> tuple[str, str]:
    """Return the cache kind that --bake-cache auto picks for tag_prefix, and the reason.

    registry when the images go to a registry that a remote builder can reach
    too: a registry host other than localhost, or Docker Hub for a prefix that
    names no host. local otherwise, because a builder on another machine cannot
    push a `localhost/...:buildcache` tag to this machine, while buildx copies a
    local cache back to the folder of the bake command.
    """
    first = tag_prefix.split("/", 1)[0]
    # As in docker's reference parsing, the first part is a registry host when
    # it contains "." or ":", or is "localhost".
    names_host = "." in first or ":" in first or first == "localhost"
    if names_host and _is_local_host(first):
        return "local", (
            f"the tag prefix {tag_prefix!r} names this machine, which a remote "
            "builder cannot push to"
        )
    registry = first if names_host else "Docker Hub"
    return "registry", f"the tag prefix {tag_prefix!r} names the registry {registry}"


def cache_settings(kind: str, job: BuildJob, name: str) -> tuple[list[str], list[str]]:
    """Return the cache-from and cache-to entries of one target for a cache kind.

    registry: a `buildcache` tag in the image's own repository, so every
    builder that can push the image can share its cache. gha: the GitHub
    Actions cache, one scope per target. local: a folder per target under
    .buildx-cache beside the bake file. mode=max exports the layers of every
    stage, so a builder stage such as `uv sync` is reused too, not only the
    final image's layers.
    """
    if kind == "none":
        return [], []
    if kind == "registry":
        reference = f"{image_repository(job.tag)}:buildcache"
        return [f"type=registry,ref={reference}"], [
            f"type=registry,ref={reference},mode=max"
        ]
    if kind == "gha":
        return [f"type=gha,scope={name}"], [f"type=gha,scope={name},mode=max"]
    if kind == "local":
        folder = f"{LOCAL_CACHE_FOLDER}/{name}"
        return [f"type=local,src={folder}"], [f"type=local,dest={folder},mode=max"]
    raise ValueError(f"unknown cache kind {kind!r}; expected one of {', '.join(CACHE_KINDS)}")


def _relative(path: Path, start: Path) -> str:
    relative = os.path.relpath(path.resolve(), start.resolve())
    return Path(relative).as_posix()


def bake_definition(
    jobs: list[BuildJob],
    bake_folder: Path,
    cache: str = "registry",
    secrets: list[BuildSecret] | None = None,
) -> dict:
    """Return the bake file as a dict: one target per job and the groups "all" and "default".

    Context paths, and the files of src= secrets, are relative to
    bake_folder, the folder the bake file is written to. Every target gets
    every secret.
    """
    # NOTE: a relative src= path assumes that bake opens secret files from its
    # working directory, as it resolves contexts; not checked with buildx.
    secret_entries = [secret.option(src_folder=bake_folder) for secret in secrets or []]
    names = _unique_names(jobs)
    targets = {}
    for job, name in zip(jobs, names, strict=True):
        cache_from, cache_to = cache_settings(cache, job, name)
        target = {
            "context": _relative(job.context, bake_folder),
            "dockerfile": _relative(job.dockerfile, job.context),
            "tags": [job.tag],
        }
        if cache_from:
            target["cache-from"] = cache_from
            target["cache-to"] = cache_to
        if secret_entries:
            target["secret"] = list(secret_entries)
        targets[name] = target
    return {
        "group": {
            DEFAULT_GROUP: {"targets": [ALL_GROUP]},
            ALL_GROUP: {"targets": names},
        },
        "target": targets,
    }


def render(definition: dict) -> str:
    """Return the bake file's JSON text."""
    return json.dumps(definition, indent=2) + "\n"


def write_bake_file(path: Path, definition: dict) -> None:
    """Write the bake file in one rename, so a reader never sees half of it."""
    if path.is_dir():
        raise InputFileError(path, "is a folder", "pass a file name such as docker-bake.json")
    folder = path.parent
    if not folder.is_dir():
        raise InputFileError(folder, "folder not found", "create it or pass another path")
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    except OSError as error:
        raise InputFileError(
            path, f"cannot write ({error.strerror})", "check permissions and free space"
        ) from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(render(definition))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise InputFileError(
            path, f"cannot write ({error.strerror})", "check permissions and free space"
        ) from None
