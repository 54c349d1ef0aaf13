"""Plan the .dockerignore change that keeps a host .venv out of the build context.

Patterns are read by dockermig.dockerignore, as BuildKit reads them.
"""

from __future__ import annotations

from pathlib import Path

from dockermig.dockerignore import compile_pattern, parse_dockerignore
from dockermig.errors import InputFileError

VENV_FOLDER = ".venv"


def plan_dockerignore(project_dir: Path, path: Path | None = None) -> str | None:
    """Return the new .dockerignore text that excludes .venv, or None if it already does.

    `path` is the ignore file to extend; by default the .dockerignore in `project_dir`.

    The existing text is kept byte for byte, including its line endings and a
    missing final newline, and one `.venv` line is appended. The caller must write
    the text without newline translation.
    """
    path = Path(path) if path is not None else Path(project_dir) / ".dockerignore"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return VENV_FOLDER + "\n"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputFileError(
            path,
            f"is not valid UTF-8 (invalid byte at offset {error.start})",
            "save it as UTF-8",
        ) from None

    if is_excluded(text, VENV_FOLDER):
        return None

    newline = "\r\n" if "\r\n" in text else "\n"
    if text == "" or text == "\ufeff":
        return text + VENV_FOLDER + newline
    if text.endswith("\n"):
        return text + VENV_FOLDER + newline
    # The file ends without a newline, so the appended line does too.
    return text + newline + VENV_FOLDER


def is_excluded(dockerignore_text: str, folder: str) -> bool:
    """Return whether the patterns exclude the top-level folder and everything in it.

    A negation that could re-include the folder or anything inside it counts
    as not excluded, because the folder would then be partly sent.
    """
    excluded = False
    for pattern in parse_dockerignore(dockerignore_text):
        if not pattern.exclusion:
            if pattern.regex.fullmatch(folder):
                excluded = True
        elif pattern.regex.fullmatch(folder) or _may_match_inside(pattern.text, folder):
            excluded = False
    return excluded


def _may_match_inside(pattern: str, folder: str) -> bool:
    """Return whether the pattern can match a path below folder."""
    if pattern.startswith("**"):
        return True
    first_segment = pattern.split("/", 1)[0]
    return "/" in pattern and compile_pattern(first_segment).fullmatch(folder) is not None
