"""Atomic file writes that refuse to overwrite a file changed since it was read."""

import errno
import os
import re
import stat
import tempfile
from pathlib import Path

from dockermig.errors import InputFileError

# Temporary files are hidden and carry the writer's process id, so a later run
# can tell the files of a killed run from the files of a run still writing.
_TEMPORARY_NAME = re.compile(r"^\..+\.dockermig-(\d+)-[a-z0-9_]+\.tmp$")


def check_unchanged(originals: dict[Path, bytes | None]) -> None:
    """Raise InputFileError for the first path whose content is no longer what was read.

    A None value means the file did not exist when it was read. Calling this
    before writing a group of files keeps the whole group unwritten when any
    one of them was changed meanwhile.
    """
    for path, expected in originals.items():
        if path.is_symlink():
            raise _symlink_error(path)
        if _read_current(path)[0] != expected:
            raise _changed_error(path)


def write_atomic(path: Path, text: str, expected: bytes | None) -> None:
    """Replace `path` with `text` (UTF-8) atomically, keeping its mode and owner.

    `expected` is the content the file had when it was read (None: it did not
    exist). When the file now differs, someone else changed it, and it is left
    alone. A symbolic link is never written through. The new content goes to a
    hidden temporary file in the same folder first, and that file is flushed
    to disk before the rename, so the path always contains either the old or
    the new content in full. Temporary files left by a killed run are removed here.
    """
    if path.is_symlink():
        raise _symlink_error(path)
    current, status = _read_current(path)
    if current != expected:
        raise _changed_error(path)
    _remove_stale_temporaries(path.parent)

    try:
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.dockermig-{os.getpid()}-",
            suffix=".tmp",
            dir=path.parent,
        )
    except OSError as error:
        raise _write_error(path, error) from None
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(text.encode("utf-8"))
            file.flush()
            os.fsync(file.fileno())
        _copy_metadata(temporary, status)
        _publish(Path(temporary), path, status)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise _write_error(path, error) from None
    except InputFileError:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _read_current(path: Path) -> tuple[bytes | None, os.stat_result | None]:
    """Return the file's bytes and its status before the read, or (None, None) if missing.

    The status is taken first, so a write during the read changes the
    modification time that `_publish` compares.
    """
    try:
        with open(path, "rb") as file:
            status = os.fstat(file.fileno())
            return file.read(), status
    except FileNotFoundError:
        return None, None
    except OSError as error:
        raise InputFileError(
            path,
            f"cannot read ({error.strerror})",
            "check its permissions and run again",
        ) from None


def _copy_metadata(temporary: str, status: os.stat_result | None) -> None:
    if status is None:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        return
    os.chmod(temporary, stat.S_IMODE(status.st_mode))
    if (status.st_uid, status.st_gid) != (os.getuid(), os.getgid()):
        try:
            os.chown(temporary, status.st_uid, status.st_gid)
        except PermissionError:
            # NOTE: only root may give a file to another user, so a non-root
            # run that rewrites a group-writable file of someone else's makes
            # the new file its own.
            pass


def _publish(temporary: Path, path: Path, status: os.stat_result | None) -> None:
    """Move the finished temporary file to `path`, unless `path` changed since `status`."""
    if status is None:
        # A hard link, unlike a rename, fails when the name already exists, so
        # a file created by someone else meanwhile is never replaced.
        try:
            os.link(temporary, path)
        except FileExistsError:
            raise _changed_error(path) from None
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EMLINK):
                raise
            # File systems without hard links: check, then rename.
            if os.path.lexists(path):
                raise _changed_error(path) from None
            os.replace(temporary, path)
            return
        try:
            temporary.unlink()
        except OSError:
            pass  # a later run removes it as a stale temporary file
        return

    # NOTE: a write between this check and the rename (a window of a few
    # system calls) is still lost. Closing it would need a lock that every
    # editor honours, which does not exist.
    try:
        now = os.lstat(path)
    except FileNotFoundError:
        raise _changed_error(path) from None
    if _identity(now) != _identity(status):
        raise _changed_error(path)
    os.replace(temporary, path)


def _identity(status: os.stat_result) -> tuple[int, ...]:
    return (
        status.st_dev,
        status.st_ino,
        status.st_size,
        status.st_mtime_ns,
        status.st_ctime_ns,
        status.st_mode,
    )


def _remove_stale_temporaries(folder: Path) -> None:
    """Remove the temporary files of killed dockermig runs from `folder`."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        match = _TEMPORARY_NAME.match(entry.name)
        if match is None or _process_is_running(int(match.group(1))):
            continue
        try:
            os.unlink(entry.path)
        except OSError:
            pass


def _process_is_running(pid: int) -> bool:
    # NOTE: a process id is only meaningful on this machine and in this PID
    # namespace. A run on another host or in another container that writes
    # into the same folder can lose its temporary file. Its rename then fails
    # with an error, and no file is damaged.
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _symlink_error(path: Path) -> InputFileError:
    return InputFileError(
        path,
        "is a symbolic link, which dockermig never writes through",
        "migrate the file it points to",
    )


def _changed_error(path: Path) -> InputFileError:
    return InputFileError(
        path,
        "changed while dockermig was running, so it was not overwritten",
        "run dockermig again",
    )


def _write_error(path: Path, error: OSError) -> InputFileError:
    actions = {
        errno.ENOSPC: "free some disk space and run again",
        errno.EDQUOT: "free some space within your disk quota and run again",
        errno.EROFS: "run dockermig on a writable copy, or remount the file system "
        "read-write",
        errno.EACCES: "make the file and its folder writable, or leave it out",
        errno.EPERM: "make the file and its folder writable, or leave it out",
    }
    action = actions.get(error.errno, "check free space and permissions and run again")
    return InputFileError(path, f"cannot write ({error.strerror})", action)


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
