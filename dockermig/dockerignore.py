"""Match paths against .dockerignore patterns as BuildKit does.

A line whose first character is `#` is a comment. BuildKit (moby/patternmatcher)
cleans each pattern, drops a leading `/`, reads `*`, `?` and `[...]` within one
path segment and `**` across segments, and lets the last matching pattern win,
where a `!pattern` re-includes. A path is excluded when it or one of its
parent folders matches. check and migrate both read .dockerignore with this.
"""

import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Pattern:
    """One cleaned pattern; `exclusion` is True for a `!` line, which re-includes."""

    text: str
    regex: re.Pattern
    exclusion: bool


def ignore_file_path(dockerfile: Path, context: Path) -> Path:
    """Return the ignore file that BuildKit reads when it builds `dockerfile` in `context`.

    BuildKit prefers `<Dockerfile name>.dockerignore` beside the Dockerfile
    (`Dockerfile.prod.dockerignore` for Dockerfile.prod), and reads the
    context's `.dockerignore` only when that file does not exist.
    """
    own = dockerfile.with_name(dockerfile.name + ".dockerignore")
    if os.path.lexists(own):
        return own
    return context / ".dockerignore"


def parse_dockerignore(text: str) -> list[Pattern]:
    patterns = []
    for raw in text.removeprefix("\ufeff").splitlines():
        # The comment test comes before trimming, as in BuildKit.
        if raw.startswith("#"):
            continue
        line = raw.strip()
        if not line:
            continue
        exclusion = line.startswith("!")
        if exclusion:
            line = line[1:].strip()
        cleaned = posixpath.normpath(line).lstrip("/")
        if cleaned in ("", "."):
            continue
        patterns.append(Pattern(cleaned, compile_pattern(cleaned), exclusion))
    return patterns


def is_excluded(patterns: list[Pattern], path: str) -> bool:
    """Return whether `path` (relative to the context root) is left out of the context."""
    cleaned = posixpath.normpath(path).lstrip("/")
    if cleaned in ("", "."):
        return False
    parts = cleaned.split("/")
    candidates = ["/".join(parts[: index + 1]) for index in range(len(parts))]
    excluded = False
    for pattern in patterns:
        if any(pattern.regex.fullmatch(candidate) for candidate in candidates):
            excluded = not pattern.exclusion
    return excluded


def compile_pattern(pattern: str) -> re.Pattern:
    """Return the regular expression for one cleaned pattern, to match whole paths."""
    regex = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**", index):
            index += 2
            if pattern.startswith("/", index):
                index += 1
                regex.append("(?:.*/)?")
            else:
                regex.append(".*")
            continue
        if char == "*":
            regex.append("[^/]*")
        elif char == "?":
            regex.append("[^/]")
        elif char == "[":
            closing = pattern.find("]", index + 1)
            if closing == -1:
                regex.append(re.escape(char))
            else:
                body = pattern[index + 1 : closing].replace("\\", "\\\\")
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                regex.append(f"[{body}]")
                index = closing
        elif char == "\\" and index + 1 < len(pattern):
            index += 1
            regex.append(re.escape(pattern[index]))
        else:
            regex.append(re.escape(char))
        index += 1
    return re.compile("".join(regex))
