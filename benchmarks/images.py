"""Measure image size and build times of the example services, before and after migration.

For each Python service of examples/monorepo whose base image exists in
buildah's local storage, this builds the original pip Dockerfile and the
one `dockermig migrate` writes, each in its own copy of the service folder:

- cold: a new buildah storage that holds only the base images, and an
  empty uv cache mount, so every step runs;
- source change: one line appended to the service's main source file,
  then a build that may reuse cached layers;
- dependency change: one pinned package added (to requirements.txt for
  the original, or to pyproject.toml where the original installs the
  project itself, and with `uv add` for the migrated copy), then a build. The
  migrated copy builds without `--layers` here (see `measure_variant`), and
  the script checks that the new image contains the added package.

Each variant builds in its own storage (`buildah --root`), filled from an
OCI archive of the local base images, so no other build on the machine adds
or removes its cached layers. (With `--no-cache` in place of a new storage,
buildah 1.28 re-ran the builder stage of a multi-stage file on the next
build after it.) buildah keeps `--mount=type=cache` folders under
$TMPDIR/buildah-cache, so each variant also gets its own TMPDIR: the uv
cache starts empty. Writes one JSON object to --out.

Usage: python benchmarks/images.py --out FILE [--work DIR]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVICES_ROOT = REPO_ROOT / "examples" / "monorepo" / "services"
TAG_PREFIX = "localhost/dockermig-bench/"
# A small pure-Python package with no dependencies of its own, pinned so the
# dependency-change build does the same work on every run.
ADDED_REQUIREMENT = "six==1.16.0"

# Each service, the file its source-change step edits, and the base image its
# original Dockerfile names.
SERVICES = {
    "accounts": ("app.py", "python:3.11-slim"),
    "billing": ("billing.py", "python:3.11-slim-bookworm"),
    "orders": ("orders/__main__.py", "python:3.11-slim-bookworm"),
    "notifier": ("notifier.py", "python:3.11-slim"),
    "reports": ("reports.py", "python:3.12-slim-bookworm"),
    "tally": ("src/tally/__init__.py", "python:3.11-slim-bookworm"),
}
# buildah 1.28 sometimes fails to seal its memfd copy of itself when a `run`
# starts. The command never started then, so the run is retried.
RUN_RETRY_MESSAGE = "sealing memfd copy"
RUN_ATTEMPTS = 3
STAND_IN = "docker.io/library/python:3.11-slim-bookworm"
SLIM_ALIAS = "docker.io/library/python:3.11-slim"
UV_IMAGE = "ghcr.io/astral-sh/uv:" + tomllib.loads(
    (REPO_ROOT / "rules" / "images.toml").read_text()
)["uv"]["version"]


class Storage:
    """A buildah storage of its own: `buildah --root ROOT --runroot RUNROOT ...`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.options = ["--root", str(folder / "root"), "--runroot", str(folder / "run")]
        self.env = {**os.environ, "TMPDIR": str(folder / "tmp")}
        (folder / "tmp").mkdir(parents=True, exist_ok=True)

    def run(self, *arguments: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(["buildah", *self.options, *arguments], env=self.env, **kwargs)

    def remove(self) -> None:
        self.run("rmi", "--all", "--force", capture_output=True, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def image_exists(reference: str) -> bool:
    result = subprocess.run(
        ["buildah", "inspect", "--type", "image", reference],
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def image_size(storage: Storage, tag: str) -> int:
    """Return the sum of the image's uncompressed layer sizes in bytes."""
    output = storage.run(
        "inspect", "--type", "image", "--format", "{{.Manifest}}", tag,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sum(int(layer["size"]) for layer in json.loads(output)["layers"])


def build(storage: Storage, folder: Path, tag: str, log: Path, layers: bool) -> float:
    """Build folder/Dockerfile and return the wall time in seconds.

    With layers, buildah reuses cached layers (`buildah build --layers`).
    Without them, every step runs again, and only the cache mounts carry over.
    """
    argv = [
        "buildah",
        *storage.options,
        "build",
        "--isolation",
        "chroot",
        "--pull=never",
        *(["--layers"] if layers else []),
        "--file",
        str(folder / "Dockerfile"),
        "--tag",
        tag,
        str(folder),
    ]
    started = time.perf_counter()
    with log.open("a") as output:
        output.write(f"\n$ {' '.join(argv)}\n")
        output.flush()
        result = subprocess.run(
            argv, stdout=output, stderr=subprocess.STDOUT, env=storage.env, check=False
        )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"build of {folder} failed; see {log}")
    return seconds


def add_dependency(folder: Path, migrated: bool) -> None:
    if migrated:
        # uv add updates pyproject.toml and uv.lock together, as a developer
        # of the migrated service would.
        subprocess.run(
            [sys.executable, "-m", "uv", "add", "--no-sync", ADDED_REQUIREMENT],
            cwd=folder,
            check=True,
            capture_output=True,
        )
    elif (folder / "requirements.txt").is_file():
        with (folder / "requirements.txt").open("a") as requirements:
            requirements.write(f"{ADDED_REQUIREMENT}\n")
    else:
        # A project installed with `pip install .` lists its dependencies in
        # pyproject.toml; --frozen adds it there without making a uv.lock.
        subprocess.run(
            [sys.executable, "-m", "uv", "add", "--frozen", ADDED_REQUIREMENT],
            cwd=folder,
            check=True,
            capture_output=True,
        )


def installed_version(storage: Storage, tag: str, distribution: str) -> str | None:
    """Return the version of a Python distribution installed in the image, or None.

    Runs the image's own `python` (the venv's in a migrated image, through the
    PATH it sets) in a working container.
    """
    container = storage.run(
        "from", "--pull=never", "--quiet", tag,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    script = (
        "import importlib.metadata, sys\n"
        "try:\n"
        f"    print(importlib.metadata.version({distribution!r}))\n"
        "except importlib.metadata.PackageNotFoundError:\n"
        "    sys.exit(3)\n"
    )
    try:
        for _ in range(RUN_ATTEMPTS):
            result = storage.run(
                "run", "--isolation", "chroot", container, "--", "python", "-c", script,
                capture_output=True,
                text=True,
                check=False,
            )
            if RUN_RETRY_MESSAGE not in result.stderr:
                break
    finally:
        storage.run("rm", container, capture_output=True, check=False)
    if result.returncode == 3:
        return None
    if result.returncode != 0:
        raise RuntimeError(
            f"checking {distribution} in {tag} failed (exit {result.returncode}): "
            f"{result.stderr.strip()}"
        )
    return result.stdout.strip()


def check_dependency_added(storage: Storage, tag: str) -> None:
    """Raise RuntimeError unless the image contains ADDED_REQUIREMENT at its pinned version."""
    distribution, expected = ADDED_REQUIREMENT.split("==")
    found = installed_version(storage, tag, distribution)
    if found != expected:
        raise RuntimeError(
            f"{tag} was rebuilt after adding {ADDED_REQUIREMENT} but contains "
            f"{distribution} {found or '(not installed)'}: "
            "the build most likely reused a stale layer"
        )


def measure_variant(
    storage: Storage, name: str, folder: Path, source: str, migrated: bool, log: Path
) -> dict:
    tag = f"{TAG_PREFIX}{name}-{'migrated' if migrated else 'original'}:latest"
    cold = build(storage, folder, tag, log, layers=True)
    size = image_size(storage, tag)
    with (folder / source).open("a") as source_file:
        source_file.write("# benchmark: source-only change\n")
    # The source change leaves uv.lock and pyproject.toml as the cached layers
    # saw them, so --layers reuses only layers that are still correct.
    source_rebuild = build(storage, folder, tag, log, layers=True)
    add_dependency(folder, migrated)
    # buildah 1.28 leaves the files of a RUN's --mount=type=bind out of its
    # layer cache key, so with --layers the migrated `uv sync` step, which
    # bind-mounts uv.lock and pyproject.toml, would be reused from before the
    # dependency change. The original's pip step has no bind mount, and its
    # `COPY requirements.txt` key covers the file's contents.
    dependency_layers = not migrated
    dependency_rebuild = build(storage, folder, tag, log, layers=dependency_layers)
    check_dependency_added(storage, tag)
    return {
        "size_bytes": size,
        "cold_seconds": round(cold, 1),
        "source_change_seconds": round(source_rebuild, 1),
        "dependency_change_seconds": round(dependency_rebuild, 1),
        "dependency_change_layers": dependency_layers,
    }


def migrate_copy(folder: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dockermig", "migrate", "--format", "json", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    outcomes = json.loads(result.stdout or "[]")
    if result.returncode != 0 or not any(o["outcome"] == "migrated" for o in outcomes):
        raise RuntimeError(f"migrate of {folder} failed: {result.stdout}{result.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument(
        "--service",
        action="append",
        choices=sorted(SERVICES),
        help="measure only this service (repeatable); default: all",
    )
    arguments = parser.parse_args()

    work = arguments.work or Path(tempfile.mkdtemp(prefix="dockermig-images-"))
    work.mkdir(parents=True, exist_ok=True)
    log = work / "build.log"
    log.write_text("")
    results = measure_services(work, log, arguments.service or sorted(SERVICES))
    arguments.out.write_text(json.dumps(results, indent=2) + "\n")


def export_bases(work: Path) -> dict[str, Path]:
    """Save each local base image that a build needs as an OCI archive; return them by reference."""
    archives = {}
    for reference in {STAND_IN, UV_IMAGE}:
        if not image_exists(reference):
            continue
        archive = work / (reference.rsplit("/", 1)[-1].replace(":", "_") + ".tar")
        if not archive.exists():
            subprocess.run(
                ["buildah", "push", "--quiet", reference, f"oci-archive:{archive}"],
                check=True,
                capture_output=True,
            )
        archives[reference] = archive
    return archives


def new_storage(folder: Path, archives: dict[str, Path]) -> Storage:
    """Return a new buildah storage with the base images loaded from archives."""
    shutil.rmtree(folder, ignore_errors=True)
    storage = Storage(folder)
    for reference, archive in archives.items():
        pulled = storage.run(
            "pull", "--quiet", f"oci-archive:{archive}",
            check=True,
            capture_output=True,
            text=True,
        )
        image_id = pulled.stdout.split()[-1]
        storage.run("tag", image_id, reference, check=True)
    # The originals of accounts and notifier name python:3.11-slim. The real
    # tag cannot be pulled here, so the bookworm stand-in gets that name too.
    if STAND_IN in archives:
        storage.run("tag", STAND_IN, "docker.io/library/python:3.11-slim", check=True)
    return storage


def measure_services(work: Path, log: Path, names: list[str]) -> dict:
    archives = export_bases(work)
    bases = {STAND_IN, SLIM_ALIAS} if STAND_IN in archives else set()
    results = {"services": {}, "skipped": {}, "added_requirement": ADDED_REQUIREMENT}
    for name in names:
        source, base = SERVICES[name]
        if f"docker.io/library/{base}" not in bases:
            results["skipped"][name] = f"no local image for {base}"
            print(f"images: skipping {name}: no local image for {base}", file=sys.stderr)
            continue
        service = {}
        for migrated in (False, True):
            folder = work / ("migrated" if migrated else "original") / name
            shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(SERVICES_ROOT / name, folder)
            if migrated:
                migrate_copy(folder)
            variant = "migrated" if migrated else "original"
            print(f"images: {name} {variant}", file=sys.stderr)
            storage = new_storage(work / "storage", archives)
            try:
                service[variant] = measure_variant(
                    storage, name, folder, source, migrated, log
                )
            finally:
                storage.remove()
        results["services"][name] = service
    return results


if __name__ == "__main__":
    main()
