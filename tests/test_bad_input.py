"""Bad input for `dockermig migrate` and `dockermig check`: each bad file gets a one-line
error naming it, exit status 2, no change on disk, and the run goes on with the other files.

These tests use real files, folders, permissions and mounts. The unreadable-file
tests run the CLI as the user nobody when the suite runs as root, and the
read-only and full-disk tests mount a small tmpfs, so they need root.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import run_dockermig, snapshot

import dockermig.commands.migrate as migrate_command
from dockermig import writer
from dockermig.commands.group import cli
from dockermig.discovery import MAX_DOCKERFILE_BYTES
from dockermig.errors import InputFileError
from dockermig.writer import write_atomic

DOCKERFILE = (
    "FROM python:3.11-slim-bookworm\n"
    "WORKDIR /app\n"
    "COPY requirements.txt .\n"
    "RUN pip install -r requirements.txt\n"
    'CMD ["python", "app.py"]\n'
)
REQUIREMENTS = "six==1.16.0\n"
# The project name in pyproject.toml and uv.lock comes from the folder name, so
# every service folder is called `app` and shares one locked template.
SERVICE_FOLDER = "app"


@dataclass(frozen=True)
class Template:
    """The files one uninterrupted migrate writes for DOCKERFILE and REQUIREMENTS."""

    dockerfile: bytes
    pyproject: bytes
    lock: bytes
    dockerignore: bytes


@pytest.fixture(scope="session")
def template(tmp_path_factory) -> Template:
    folder = tmp_path_factory.mktemp("template") / SERVICE_FOLDER
    folder.mkdir()
    (folder / "Dockerfile").write_text(DOCKERFILE)
    (folder / "requirements.txt").write_text(REQUIREMENTS)

    process = run_dockermig("migrate", "--format", "json", str(folder))

    assert process.returncode == 0, process.stdout + process.stderr
    return Template(
        dockerfile=(folder / "Dockerfile").read_bytes(),
        pyproject=(folder / "pyproject.toml").read_bytes(),
        lock=(folder / "uv.lock").read_bytes(),
        dockerignore=(folder / ".dockerignore").read_bytes(),
    )


def write_service(parent: Path, template: Template | None) -> Path:
    """Write a migratable service under `parent` and return its Dockerfile.

    With a template, pyproject.toml and uv.lock already match the requirements,
    so migrate runs no `uv lock` and writes only .dockerignore and the Dockerfile.
    """
    folder = parent / SERVICE_FOLDER
    folder.mkdir(parents=True)
    (folder / "Dockerfile").write_text(DOCKERFILE)
    (folder / "requirements.txt").write_text(REQUIREMENTS)
    if template is not None:
        (folder / "pyproject.toml").write_bytes(template.pyproject)
        (folder / "uv.lock").write_bytes(template.lock)
    return folder / "Dockerfile"


def migrate_json(root: Path) -> tuple[int, dict[str, dict]]:
    process = run_dockermig("migrate", "--format", "json", str(root))
    assert process.stderr == ""
    rows = {row["path"]: row for row in json.loads(process.stdout)}
    return process.returncode, rows


def temporary_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if ".dockermig-" in path.name]


# Cases: each builds a bad entry under the root and returns its path.


def make_binary(root: Path) -> Path:
    path = root / "binary" / "Dockerfile"
    path.parent.mkdir()
    path.write_bytes(bytes(range(256)) * 8)
    return path


def make_not_utf8(root: Path) -> Path:
    path = root / "latin1" / "Dockerfile"
    path.parent.mkdir()
    path.write_bytes(b"FROM python:3.11-slim\n# caf\xe9\nRUN pip install six\n")
    return path


def make_empty(root: Path) -> Path:
    path = root / "empty" / "Dockerfile"
    path.parent.mkdir()
    path.write_bytes(b"")
    return path


HUGE_LINE = b"RUN echo 'a generated line that makes this Dockerfile large'\n"
HUGE_LINES = 50 * 1000 * 1000 // len(HUGE_LINE)
HUGE_SIZE = len(DOCKERFILE) + len(HUGE_LINE) * HUGE_LINES


def make_huge(root: Path) -> Path:
    """Write a Dockerfile of about 50 MB of real instructions."""
    path = root / "huge" / "Dockerfile"
    path.parent.mkdir()
    with path.open("wb") as file:
        file.write(DOCKERFILE.encode())
        file.write(HUGE_LINE * HUGE_LINES)
    return path


def make_symlink_loop(root: Path) -> Path:
    folder = root / "loop"
    folder.mkdir()
    (folder / "Dockerfile").symlink_to("Dockerfile.other")
    (folder / "Dockerfile.other").symlink_to("Dockerfile")
    # A folder link back up the tree, which the walk must not follow forever.
    (folder / "parent").symlink_to("..")
    return folder / "Dockerfile"


def make_fifo(root: Path) -> Path:
    path = root / "fifo" / "Dockerfile"
    path.parent.mkdir()
    os.mkfifo(path)
    return path


@dataclass(frozen=True)
class Case:
    make: Callable[[Path], Path]
    # The text of migrate's error after the path, from the colon on.
    migrate_error: str
    # check's error after "error: <path>: ", or None when check reports the
    # file as a DM001 finding in place of an error.
    check_error: str | None


CASES = {
    "binary": Case(
        make_binary, ": is a binary file, not a Dockerfile; leave it out", None
    ),
    "not-utf8": Case(
        make_not_utf8,
        ": is not valid UTF-8 (byte 0xe9 on line 2); convert the file to UTF-8",
        None,
    ),
    "empty": Case(
        make_empty,
        ":1:1: file with no instructions; a Dockerfile needs at least a FROM instruction",
        None,
    ),
    "50-mb": Case(
        make_huge,
        f": is {HUGE_SIZE} bytes, larger than the {MAX_DOCKERFILE_BYTES}-byte limit for a "
        "Dockerfile; leave it out, or check that it is a Dockerfile",
        f"is {HUGE_SIZE} bytes, larger than the {MAX_DOCKERFILE_BYTES}-byte limit for a "
        "Dockerfile; leave it out, or check that it is a Dockerfile",
    ),
    "symlink-loop": Case(
        make_symlink_loop,
        ": is a symbolic link loop; fix or remove the link",
        "is a symbolic link loop; fix or remove the link",
    ),
    "fifo": Case(
        make_fifo,
        ": is not a regular file; pass a Dockerfile",
        "is not a regular file; pass a Dockerfile",
    ),
}


def entry_state(path: Path) -> tuple:
    """Return what a bad entry is on disk: a link's target text, or a file's bytes."""
    if path.is_symlink():
        return ("link", os.readlink(path))
    if path.is_fifo():
        return ("fifo",)
    return ("file", path.read_bytes())


@pytest.mark.parametrize("name", CASES)
def test_migrate_bad_file(tmp_path, template, name):
    case = CASES[name]
    bad = case.make(tmp_path)
    before = entry_state(bad)
    good = write_service(tmp_path / "good", template)

    status, rows = migrate_json(tmp_path)

    assert status == 2
    row = rows[str(bad)]
    assert row["outcome"] == "error"
    assert row["reason"] == f"{bad}{case.migrate_error}"
    assert entry_state(bad) == before
    assert rows[str(good)]["outcome"] == "migrated"
    assert good.read_bytes() == template.dockerfile


@pytest.mark.parametrize("name", CASES)
def test_check_bad_file(tmp_path, name):
    case = CASES[name]
    bad = case.make(tmp_path)
    before = entry_state(bad)
    good = write_service(tmp_path / "good", None)

    process = run_dockermig("check", "--format", "concise", str(tmp_path))

    assert entry_state(bad) == before
    assert f"{good}:4:" in process.stdout, "the other file was not checked"
    if case.check_error is None:
        assert f"{bad}:1:1: DM001 " in process.stdout
        return
    assert f"error: {bad}: {case.check_error}\n" in process.stderr
    assert process.returncode == 2


@pytest.mark.parametrize("name", ["binary", "not-utf8", "empty"])
def test_check_bad_file_exit_status(tmp_path, name):
    CASES[name].make(tmp_path)

    process = run_dockermig("check", str(tmp_path))

    assert process.returncode == 2


@pytest.mark.parametrize("command", [["check"], ["migrate", "--check"]])
def test_large_file_below_size_limit(tmp_path, command):
    """A file of 10,000 instructions is handled like a small one (this once took minutes)."""
    path = tmp_path / "Dockerfile"
    lines = [DOCKERFILE] + [f"RUN echo line-{index} && true\n" for index in range(10_000)]
    path.write_text("".join(lines))
    assert path.stat().st_size < MAX_DOCKERFILE_BYTES

    process = subprocess.run(
        [sys.executable, "-m", "dockermig", *command, "--format", "json", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert process.returncode in (0, 1), process.stderr
    assert json.loads(process.stdout) is not None


def test_symlink_outside_repository_not_written(tmp_path, template):
    outside = write_service(tmp_path / "outside", None)
    repository = tmp_path / "repository"
    (repository / "linked").mkdir(parents=True)
    link = repository / "linked" / "Dockerfile"
    link.symlink_to(outside)
    (repository / "linked" / "requirements.txt").write_text(REQUIREMENTS)
    good = write_service(repository / "good", template)
    before = snapshot(tmp_path / "outside")

    status, rows = migrate_json(repository)

    assert status == 2
    assert rows[str(link)]["outcome"] == "error"
    assert rows[str(link)]["reason"].startswith(f"{link}: is a symbolic link")
    assert link.is_symlink()
    assert snapshot(tmp_path / "outside") == before
    assert sorted(path.name for path in link.parent.iterdir()) == [
        "Dockerfile",
        "requirements.txt",
    ]
    assert good.read_bytes() == template.dockerfile


def test_check_reads_symlink_outside_repository(tmp_path):
    outside = write_service(tmp_path / "outside", None)
    repository = tmp_path / "repository"
    repository.mkdir()
    link = repository / "Dockerfile"
    link.symlink_to(outside)
    before = outside.read_bytes()

    process = run_dockermig("check", "--format", "concise", str(repository))

    # DM114 is below the default fail level.
    assert process.returncode == 0
    assert f"{link}:4:" in process.stdout
    assert outside.read_bytes() == before


def test_utf16_requirements_migrate(tmp_path, template):
    folder = tmp_path / SERVICE_FOLDER
    folder.mkdir()
    (folder / "Dockerfile").write_text(DOCKERFILE)
    # Python's utf-16 codec writes a byte order mark first.
    (folder / "requirements.txt").write_bytes(
        REQUIREMENTS.replace("\n", "\r\n").encode("utf-16")
    )
    assert (folder / "requirements.txt").read_bytes()[:2] == b"\xff\xfe"

    status, rows = migrate_json(tmp_path)

    assert status == 0
    assert rows[str(folder / "Dockerfile")]["outcome"] == "migrated"
    assert (folder / "Dockerfile").read_bytes() == template.dockerfile
    assert (folder / "pyproject.toml").read_bytes() == template.pyproject
    assert (folder / "uv.lock").read_bytes() == template.lock


def test_utf16_requirements_check(tmp_path):
    folder = tmp_path / SERVICE_FOLDER
    folder.mkdir()
    (folder / "Dockerfile").write_text(DOCKERFILE)
    (folder / "requirements.txt").write_bytes(
        REQUIREMENTS.replace("\n", "\r\n").encode("utf-16")
    )

    process = run_dockermig("check", "--format", "concise", str(tmp_path))

    assert process.stderr.count("error:") == 0
    # DM114 is below the default fail level.
    assert process.returncode == 0
    assert "DM114" in process.stdout


# Unreadable files and folders: root reads everything, so a root run of the
# suite runs the CLI as nobody.


def run_unprivileged(*arguments: str, cwd: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "dockermig", *arguments]
    if os.geteuid() == 0:
        command = [
            "setpriv",
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            *command,
        ]
    environment = dict(
        os.environ, HOME=str(cwd), PYTHONPATH=str(Path(__file__).parent.parent)
    )
    return subprocess.run(
        command, cwd=cwd, env=environment, capture_output=True, text=True, check=False
    )


@pytest.fixture
def shared_tmp():
    """Return a folder that the user nobody can reach, unlike pytest's tmp_path."""
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.skip(
            "running as root without setpriv, so no unprivileged user can be used"
        )
    root = Path(tempfile.mkdtemp(prefix="dockermig-bad-input-"))
    root.chmod(0o755)
    yield root
    for folder, _, _ in os.walk(root):
        os.chmod(folder, 0o755)
    shutil.rmtree(root)


def open_to_everyone(root: Path) -> None:
    for folder, _, files in os.walk(root):
        os.chmod(folder, 0o777)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o666)


def make_unreadable_tree(root: Path, template: Template) -> tuple[Path, Path, Path]:
    """Write a good service, an unreadable Dockerfile and an unreadable folder under root."""
    good = write_service(root / "good", template)
    unreadable_file = write_service(root / "closed-file", template)
    hidden = write_service(root / "closed-folder", template)
    open_to_everyone(root)
    unreadable_file.chmod(0o000)
    unreadable_folder = hidden.parent.parent
    unreadable_folder.chmod(0o000)
    return good, unreadable_file, unreadable_folder


def test_migrate_unreadable_file_and_folder(shared_tmp, template):
    good, unreadable_file, unreadable_folder = make_unreadable_tree(
        shared_tmp, template
    )

    process = run_unprivileged(
        "migrate", "--format", "json", str(shared_tmp), cwd=shared_tmp
    )

    assert process.returncode == 2, process.stderr
    rows = {row["path"]: row for row in json.loads(process.stdout)}
    assert rows[str(unreadable_file)]["reason"] == (
        f"{unreadable_file}: permission denied; make the file readable or leave it out"
    )
    assert rows[str(unreadable_folder)]["reason"] == (
        f"{unreadable_folder}: permission denied; make the folder readable, "
        "or pass paths that leave it out"
    )
    assert rows[str(good)]["outcome"] == "migrated"
    assert good.read_bytes() == template.dockerfile
    unreadable_file.chmod(0o644)
    assert unreadable_file.read_text() == DOCKERFILE


def test_check_unreadable_file_and_folder(shared_tmp, template):
    good, unreadable_file, unreadable_folder = make_unreadable_tree(
        shared_tmp, template
    )
    good.write_text(DOCKERFILE + "RUN pip install requests\n")

    process = run_unprivileged(
        "check", "--format", "concise", str(shared_tmp), cwd=shared_tmp
    )

    assert process.returncode == 2
    assert (
        f"error: {unreadable_file}: permission denied; make the file readable or leave it out\n"
        in process.stderr
    )
    assert (
        f"error: {unreadable_folder}: permission denied; make the folder readable, "
        "or pass paths that leave it out\n" in process.stderr
    )
    assert f"{good}:4:" in process.stdout


def test_check_unreadable_folder_path_as_given(shared_tmp, template):
    _, _, unreadable_folder = make_unreadable_tree(shared_tmp, template)

    process = run_unprivileged("check", "--format", "concise", ".", cwd=shared_tmp)

    relative = unreadable_folder.relative_to(shared_tmp)
    assert process.returncode == 2
    assert f"error: {relative}: permission denied; make the folder readable" in process.stderr
    assert "./" not in process.stderr


# A file changed by someone else between read and write.


def test_write_atomic_rejects_changed_file(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text("FROM a\n")
    expected = path.read_bytes()
    path.write_text("FROM edited\n")

    with pytest.raises(InputFileError) as raised:
        write_atomic(path, "FROM migrated\n", expected)

    assert str(raised.value) == (
        f"{path}: changed while dockermig was running, so it was not overwritten; "
        "run dockermig again"
    )
    assert path.read_text() == "FROM edited\n"
    assert temporary_files(tmp_path) == []


def test_write_atomic_rejects_created_file(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text("[project]\n")

    with pytest.raises(InputFileError):
        write_atomic(path, "[tool.other]\n", None)

    assert path.read_text() == "[project]\n"


def test_write_atomic_rejects_symlink(tmp_path):
    target = tmp_path / "target"
    target.write_text("FROM a\n")
    link = tmp_path / "Dockerfile"
    link.symlink_to(target)

    with pytest.raises(InputFileError) as raised:
        write_atomic(link, "FROM b\n", b"FROM a\n")

    assert "symbolic link" in str(raised.value)
    assert link.is_symlink()
    assert target.read_text() == "FROM a\n"


def change_during_fsync(monkeypatch, path: Path, text: str) -> None:
    """Make another thread rewrite `path` while write_atomic flushes its temporary file."""
    real_fsync = os.fsync

    def fsync_then_edit(descriptor: int) -> None:
        real_fsync(descriptor)
        editor = threading.Thread(target=path.write_text, args=(text,))
        editor.start()
        editor.join()

    monkeypatch.setattr(writer.os, "fsync", fsync_then_edit)


def test_write_atomic_detects_change_during_write(tmp_path, monkeypatch):
    path = tmp_path / "Dockerfile"
    path.write_text("FROM a\n")
    path.chmod(0o640)
    change_during_fsync(monkeypatch, path, "FROM edited meanwhile\n")

    with pytest.raises(InputFileError) as raised:
        write_atomic(path, "FROM migrated\n", b"FROM a\n")

    assert "changed while dockermig was running" in str(raised.value)
    assert path.read_text() == "FROM edited meanwhile\n"
    assert temporary_files(tmp_path) == []


def test_write_atomic_detects_creation_during_write(tmp_path, monkeypatch):
    path = tmp_path / ".dockerignore"
    change_during_fsync(monkeypatch, path, "node_modules\n")

    with pytest.raises(InputFileError):
        write_atomic(path, ".venv\n", None)

    assert path.read_text() == "node_modules\n"
    assert temporary_files(tmp_path) == []


def test_write_atomic_keeps_mode(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text("FROM a\n")
    path.chmod(0o640)

    write_atomic(path, "FROM b\n", b"FROM a\n")

    assert path.read_text() == "FROM b\n"
    assert path.stat().st_mode & 0o777 == 0o640
    assert temporary_files(tmp_path) == []


def test_migrate_dockerfile_edited_during_lock(tmp_path, template, monkeypatch):
    """An edit made while `uv lock` runs leaves the Dockerfile and all its companions unwritten."""
    edited = write_service(tmp_path / "edited", None)
    good = write_service(tmp_path / "good", template)
    real_plan = migrate_command.plan_migration

    def plan_then_edit(path, *arguments, **keywords):
        result = real_plan(path, *arguments, **keywords)
        if path == edited:
            edited.write_text(DOCKERFILE + "# saved by an editor\n")
        return result

    monkeypatch.setattr(migrate_command, "plan_migration", plan_then_edit)

    outcome = CliRunner().invoke(
        cli, ["migrate", "--format", "json", "--jobs", "1", str(tmp_path)]
    )

    assert outcome.exit_code == 2, outcome.output
    rows = {row["path"]: row for row in json.loads(outcome.stdout)}
    assert rows[str(edited)]["outcome"] == "error"
    assert "changed while dockermig was running" in rows[str(edited)]["reason"]
    assert edited.read_text() == DOCKERFILE + "# saved by an editor\n"
    assert sorted(path.name for path in edited.parent.iterdir()) == [
        "Dockerfile",
        "requirements.txt",
    ]
    assert good.read_bytes() == template.dockerfile


# Read-only and full file systems, on a tmpfs this test mounts.


@pytest.fixture
def mount_point(tmp_path):
    """Return a function that mounts a tmpfs of the given options; unmounts it afterwards."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    mounted: list[Path] = []

    def mount(options: str) -> Path:
        target = tmp_path / f"mount{len(mounted)}"
        target.mkdir()
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs: {result.stderr.strip()}")
        mounted.append(target)
        return target

    yield mount
    for target in reversed(mounted):
        subprocess.run(["umount", str(target)], check=True)


def test_migrate_read_only_file_system(mount_point, template):
    root = mount_point("size=1m,mode=0755")
    first = write_service(root / "one", template)
    second = write_service(root / "two", template)
    before = snapshot(root)
    subprocess.run(["mount", "-o", "remount,ro", str(root)], check=True)

    status, rows = migrate_json(root)

    assert status == 2
    for dockerfile in (first, second):
        reason = rows[str(dockerfile)]["reason"]
        assert reason == (
            f"{dockerfile.parent / '.dockerignore'}: cannot write (Read-only file system); "
            "run dockermig on a writable copy, or remount the file system read-write"
        )
    assert snapshot(root) == before


def test_check_read_only_file_system(mount_point):
    root = mount_point("size=1m,mode=0755")
    dockerfile = write_service(root, None)
    subprocess.run(["mount", "-o", "remount,ro", str(root)], check=True)

    process = run_dockermig("check", "--format", "concise", str(root))

    # DM114 is below the default fail level.
    assert process.returncode == 0
    assert process.stderr.count("error:") == 0
    assert f"{dockerfile}:4:" in process.stdout


def fill(path: Path) -> None:
    """Write to `path` until the file system is full."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while True:
            os.write(descriptor, b"\0" * 1024)
    except OSError as error:
        assert error.strerror == "No space left on device"
    finally:
        os.close(descriptor)


def test_migrate_full_disk(mount_point, template):
    root = mount_point("size=64k,mode=0755")
    dockerfile = write_service(root, template)
    filler = root / "filler"
    fill(filler)
    before = snapshot(root)

    status, rows = migrate_json(root)

    assert status == 2
    assert rows[str(dockerfile)]["reason"].endswith(
        "cannot write (No space left on device); free some disk space and run again"
    )
    assert snapshot(root) == before
    assert temporary_files(root) == []

    filler.unlink()
    status, rows = migrate_json(root)

    assert status == 0
    assert dockerfile.read_bytes() == template.dockerfile
    assert (dockerfile.parent / ".dockerignore").read_bytes() == template.dockerignore
