"""Plan the .dockerignore change that keeps a host .venv out of the build context.

Patterns follow the .dockerignore rules that Docker and dockerignore(5) of
containers-common describe. Lines starting with "#" are comments, surrounding
whitespace is trimmed, a leading "/" or "./" and a trailing "/" do not change
the match, "*" and "?" do not cross "/", "**" matches any number of folders,
"!" re-includes, and the last matching line wins.
"""

from __future__ import annotations

import re
from pathlib import Path

from dockermig.errors import InputFileError

VENV_FOLDER = ".venv"


def plan_dockerignore(project_dir: Path) -> str | None:
    """Return the new .dockerignore text that excludes .venv, or None if it already does.

    The existing text is kept byte for byte, including its line endings and a
    missing final newline, and one `.venv` line is appended. The caller must write
    the text without newline translation.
    """
    path = Path(project_dir) / ".dockerignore"
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
    for pattern in _patterns(dockerignore_text):
        negated = pattern.startswith("!")
        if negated:
            pattern = _clean(pattern[1:])
        if not pattern:
            continue
        if not negated:
            if _matches(pattern, folder):
                excluded = True
        elif _matches(pattern, folder) or _may_match_inside(pattern, folder):
            excluded = False
    return excluded


def _patterns(text: str) -> list[str]:
    patterns = []
    for line in text.removeprefix("\ufeff").splitlines():
        if line.startswith("#"):
            continue
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("!"):
            patterns.append("!" + stripped[1:].strip())
        else:
            patterns.append(_clean(stripped))
    return patterns


def _clean(pattern: str) -> str:
    """Normalise a pattern the way Docker's filepath.Clean step does for matching."""
    pattern = re.sub(r"/+", "/", pattern)
    while pattern.startswith("./"):
        pattern = pattern[2:]
    pattern = pattern.lstrip("/")
    if pattern not in ("", "/"):
        pattern = pattern.rstrip("/")
    return "" if pattern == "." else pattern


def _matches(pattern: str, path: str) -> bool:
    return _compile(pattern).fullmatch(path) is not None


def _may_match_inside(pattern: str, folder: str) -> bool:
    """Return whether the pattern can match a path below folder."""
    if pattern.startswith("**"):
        return True
    first_segment = pattern.split("/", 1)[0]
    return "/" in pattern and _matches(first_segment, folder)


def _compile(pattern: str) -> re.Pattern[str]:
    regex = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            regex.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            regex.append(".*")
            index += 2
        elif char == "*":
            regex.append("[^/]*")
            index += 1
        elif char == "?":
            regex.append("[^/]")
            index += 1
        elif char == "[":
            end = pattern.find("]", index + 1)
            if end == -1:
                regex.append(re.escape(char))
                index += 1
            else:
                body = pattern[index + 1 : end]
                if body.startswith("^"):
                    body = "^" + body[1:].replace("\\", "\\\\")
                else:
                    body = body.replace("\\", "\\\\")
                regex.append(f"[{body}]")
                index = end + 1
        elif char == "\\" and index + 1 < len(pattern):
            regex.append(re.escape(pattern[index + 1]))
            index += 2
        else:
            regex.append(re.escape(char))
            index += 1
    return re.compile("".join(regex))
