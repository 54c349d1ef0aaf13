"""Exception types for errors the user can fix. They print as one line, never a traceback."""

from pathlib import Path


class DockermigError(Exception):
    """An error caused by input or environment, reported as one line with exit code 2."""


class InputFileError(DockermigError):
    """A file that cannot be read or used: names the file and what to do."""

    def __init__(self, path: Path | str, problem: str, action: str) -> None:
        self.path = Path(path)
        self.problem = problem
        self.action = action
        super().__init__(f"{path}: {problem}; {action}")


def unreadable_error(
    path: Path | str,
    error: OSError,
    action: str = "make the file readable or leave it out",
) -> InputFileError:
    """Return the error for a file or folder that `error` kept from being read.

    A permission error reads "permission denied" with `action`, so every caller
    words it the same. Any other error gives its own text and "check the path".
    """
    if isinstance(error, PermissionError):
        return InputFileError(path, "permission denied", action)
    return InputFileError(path, f"cannot read ({error.strerror})", "check the path")


class ParseError(DockermigError):
    """A Dockerfile that does not parse, with the 1-based line and column."""

    def __init__(self, path: Path | str, line: int, column: int, problem: str) -> None:
        self.path = Path(path)
        self.line = line
        self.column = column
        self.problem = problem
        super().__init__(f"{path}:{line}:{column}: {problem}")


class CompanionError(DockermigError):
    """A companion file (pyproject.toml, an index setting) that cannot be written safely.

    migrate reports the Dockerfile as needing attention rather than as an error.
    """
