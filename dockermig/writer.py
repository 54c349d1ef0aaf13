"""Atomic file writes that refuse to overwrite a file changed since it was read."""

import os
import stat
import tempfile
from pathlib import Path

from dockermig.errors import InputFileError


def _current_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def write_atomic(path: Path, text: str, expected: bytes | None) -> None:
    """Replace `path` with `text` (UTF-8) in one rename, keeping its permission bits.

    `expected` is the content the file had when it was read (None: it did not
    exist). When the file now differs, someone else changed it, and it is left
    alone. A symbolic link is never written through.
    """
    if path.is_symlink():
        raise InputFileError(path, "is a symbolic link", "migrate the file it points to")
    if _current_bytes(path) != expected:
        raise InputFileError(
            path, "changed while dockermig was running", "run dockermig again"
        )
    mode = stat.S_IMODE(path.stat().st_mode) if expected is not None else None
    data = text.encode("utf-8")
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as error:
        raise InputFileError(
            path, f"cannot write ({error.strerror})", "check free space and permissions"
        ) from None
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise InputFileError(
            path, f"cannot write ({error.strerror})", "check free space and permissions"
        ) from None
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
