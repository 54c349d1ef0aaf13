"""Shared test helpers: run the real CLI in a subprocess and write small projects."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def run_dockermig(*arguments: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run `python -m dockermig ARGUMENTS` and return the finished process (text output)."""
    return subprocess.run(
        [sys.executable, "-m", "dockermig", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    """Create each file under `root`, making folders as needed."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))


def snapshot(root: Path) -> dict[str, bytes]:
    """Return every file under `root` with its bytes, to prove that nothing changed."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def project(tmp_path: Path):
    """Return a function that writes files into a fresh folder and returns the folder."""

    def make(files: dict[str, str | bytes]) -> Path:
        write_files(tmp_path, files)
        return tmp_path

    return make
