"""Read pip requirements files into the parts a uv project needs.

The reader follows the steps of pip 23.2's `pip/_internal/req/req_file.py`.
Backslash continuations are joined first, then comments are removed, then each
logical line is either an option line or a requirement with optional per-line
options. Anything that has no faithful uv equivalent is listed in
`RequirementSet.problems` instead of being guessed at.
"""

from __future__ import annotations

import codecs
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from dockermig.companions.pip_options import PipOptions
from dockermig.errors import InputFileError, unreadable_error

# pip treats "#" as a comment at the start of a line or after whitespace.
_COMMENT = re.compile(r"(^|\s+)#.*$")
# pip expands ${NAME} in requirements files at install time.
_ENV_VARIABLE = re.compile(r"\$\{[A-Z0-9_]+\}")
_PROJECT_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+")
# A PEP 508 direct reference: `name[extras] @ url`.
_DIRECT_REFERENCE = re.compile(
    r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?\s*(?:\[[^\]]*\])?\s*@\s*(?P<url>\S+)"
)
_LOCAL_FILE_REASON = (
    "refers to a local file (file: URL), which the Docker build does not mount"
)

# Option spellings that take a value, mapped to one canonical name.
_VALUE_OPTIONS = {
    "-r": "requirement",
    "--requirement": "requirement",
    "-c": "constraint",
    "--constraint": "constraint",
    "-i": "index-url",
    "--index-url": "index-url",
    "--extra-index-url": "extra-index-url",
    "-f": "find-links",
    "--find-links": "find-links",
    "-e": "editable",
    "--editable": "editable",
    "--no-binary": "no-binary",
    "--only-binary": "only-binary",
    "--trusted-host": "trusted-host",
    "--use-feature": "use-feature",
}
# Flag options that take no value.
_FLAG_OPTIONS = {
    "--no-index": "no-index",
    "--pre": "pre",
    "--prefer-binary": "prefer-binary",
    "--require-hashes": "require-hashes",
}

# Reasons for lines that cannot be carried over to pyproject.toml.
_REJECTED_OPTION_REASONS = {
    "editable": "editable installs (-e) have no equivalent in a locked uv environment; "
    "list the dependency by name, or install the project itself in a second step",
}
# Options that pip reads from requirement lines too: pip 26 applies their
# package names to the whole install, like an option line (req_file.py
# hands the shared format control to the parser of every line).
_REQUIREMENT_LINE_BINARY_OPTIONS = ("--no-binary", "--only-binary")
# Options that change nothing in a uv lock: uv.lock always records hashes,
# and pip feature flags do not apply to uv.
_IGNORED_OPTIONS = {"require-hashes", "prefer-binary", "use-feature"}


class RequirementProblem(NamedTuple):
    """A requirements line that cannot be translated for uv."""

    file: Path
    line: int
    text: str
    reason: str


@dataclass
class RequirementSet:
    """Requirements, constraints and index options collected from pip requirements files.

    `requirements` and `constraints` hold each requirement's text as written,
    without comments and `--hash` options. `files` lists every file read, in
    the order the reader opened them.
    """

    requirements: list[str] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)
    index_url: str | None = None
    extra_index_urls: list[str] = field(default_factory=list)
    find_links: list[str] = field(default_factory=list)
    no_index: bool = False
    # --pre, --trusted-host, --no-binary and --only-binary, for [tool.uv].
    pip_options: PipOptions = field(default_factory=PipOptions)
    problems: list[RequirementProblem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    # The files that name each index or find-links URL, which may carry credentials.
    url_files: dict[str, list[Path]] = field(default_factory=dict)
    # The --hash values ("sha256:...") of each requirement that has any, by its text.
    hashes: dict[str, list[str]] = field(default_factory=dict)


def read_requirements(path: Path) -> RequirementSet:
    """Read a pip requirements file and every file it includes with -r or -c.

    Raises InputFileError when a file is missing or is not UTF-8 or UTF-16 text.
    """
    result = RequirementSet()
    _read_file(Path(path), result, as_constraints=False, visited=set())
    return result


def decode_text_file(path: Path) -> str:
    """Decode a file the way pip and uv do: UTF-8, or UTF-8/UTF-16/UTF-32 with a BOM.

    Raises InputFileError when the file is missing or cannot be decoded.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(
            path, "file not found", "create it or fix the path that names it"
        ) from None
    except OSError as error:
        raise unreadable_error(path, error, "make the file readable") from None

    # UTF-32 BOMs start with the UTF-16 ones, so they are checked first.
    boms = (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    )
    encoding = "utf-8"
    for bom, bom_encoding in boms:
        if data.startswith(bom):
            encoding = bom_encoding
            break
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise InputFileError(
            path,
            f"is not valid {encoding.upper()} text (invalid byte at offset {error.start})",
            "save it as UTF-8 and run again",
        ) from None


def _read_file(
    path: Path, result: RequirementSet, as_constraints: bool, visited: set
) -> None:
    # A file already read in the same role is skipped, which also ends include cycles.
    key = (path.resolve(), as_constraints)
    if key in visited:
        return
    visited.add(key)

    text = decode_text_file(path)
    result.files.append(path)
    for line_number, line in _logical_lines(text):
        _read_line(path, line_number, line, result, as_constraints, visited)


def _logical_lines(text: str):
    """Yield (first physical line number, logical line) pairs without comments or blanks."""
    pending: list[str] = []
    first_line_number = 0
    physical_lines = list(enumerate(text.splitlines(), start=1))
    for line_number, line in physical_lines:
        # pip joins a line ending in a backslash with the next one,
        # unless the line is a comment.
        if line.endswith("\\") and not _COMMENT.match(line):
            if not pending:
                first_line_number = line_number
            pending.append(line.rstrip("\\"))
            continue
        if pending:
            # pip adds a space before a comment line that ends a continuation,
            # so the comment is still removed.
            pending.append(" " + line if _COMMENT.match(line) else line)
            joined = "".join(pending)
            pending = []
            yield from _without_comment(first_line_number, joined)
        else:
            yield from _without_comment(line_number, line)
    if pending:
        yield from _without_comment(first_line_number, "".join(pending))


def _without_comment(line_number: int, line: str):
    stripped = _COMMENT.sub("", line).strip()
    if stripped:
        yield line_number, stripped


def _read_line(
    path: Path,
    line_number: int,
    line: str,
    result: RequirementSet,
    as_constraints: bool,
    visited: set,
) -> None:
    def reject(reason: str) -> None:
        result.problems.append(RequirementProblem(path, line_number, line, reason))

    if _ENV_VARIABLE.search(line):
        reject(
            "uses an environment variable that pip expands at install time; "
            "write the value, or pass secrets to the build as a build secret"
        )
        return
    if line.startswith("-"):
        _read_option_line(path, line, result, as_constraints, visited, reject)
        return

    requirement, options = _split_requirement_options(line)
    binary_options = []
    hashes: list[str] = []
    position = 0
    while position < len(options):
        option = options[position]
        spelling, equals, attached = option.partition("=")
        if option.startswith("--hash="):
            hashes.append(option.split("=", 1)[1])
            position += 1
        elif option == "--hash":
            # The value follows as the next token, as in `--hash sha256:...`.
            if position + 1 < len(options):
                hashes.append(options[position + 1])
            position += 2
        elif spelling in _REQUIREMENT_LINE_BINARY_OPTIONS:
            value = attached if equals else None
            if value is None and position + 1 < len(options):
                value = options[position + 1]
            if not value or value.startswith("-"):
                reject(f"option {spelling} needs a value")
                return
            binary_options.append((spelling[2:], value))
            position += 1 if equals else 2
        elif spelling in ("--pre", "--trusted-host", "--prefer-binary"):
            reject(
                f"pip ignores {spelling} on a requirement line (there only --hash and "
                "--config-settings apply); move it to a line of its own, or remove it"
            )
            return
        else:
            reject(
                f"per-requirement option {spelling} has no uv equivalent"
            )
            return
    translated, reason = _translate_requirement(requirement)
    if translated is None:
        reject(reason)
        return
    target = result.constraints if as_constraints else result.requirements
    target.append(translated)
    result.pip_options.binary_options.extend(binary_options)
    if hashes and not as_constraints:
        result.hashes.setdefault(translated, []).extend(hashes)


def _read_option_line(path, line, result, as_constraints, visited, reject) -> None:
    try:
        tokens = shlex.split(line)
    except ValueError as error:
        reject(f"cannot be split into options ({error})")
        return

    index = 0
    while index < len(tokens):
        token = tokens[index]
        name, value, index = _take_option(tokens, index)
        if name is None:
            reject(f"unknown option {token}")
            return
        if name in _FLAG_OPTIONS.values():
            if value is not None:
                reject(f"option {token} takes no value")
                return
        elif value is None:
            reject(f"option {token} needs a value")
            return

        if name == "requirement":
            # pip reads -r inside a constraints file as ordinary requirements.
            _include(path, value, result, False, visited, reject)
        elif name == "constraint":
            _include(path, value, result, True, visited, reject)
        elif name == "index-url":
            result.index_url = value
            _record_url_file(result, value, path)
        elif name == "extra-index-url":
            if value not in result.extra_index_urls:
                result.extra_index_urls.append(value)
            _record_url_file(result, value, path)
        elif name == "find-links":
            if not _URL_SCHEME.match(value):
                reject(
                    "--find-links names a local folder, which the Docker build does not "
                    "mount; publish the wheels to an index or a URL"
                )
            else:
                if value not in result.find_links:
                    result.find_links.append(value)
                _record_url_file(result, value, path)
        elif name == "no-index":
            result.no_index = True
        elif name == "pre":
            result.pip_options.prerelease = True
        elif name == "trusted-host":
            result.pip_options.add_trusted_host(value)
        elif name in ("no-binary", "only-binary"):
            result.pip_options.binary_options.append((name, value))
        elif name in _REJECTED_OPTION_REASONS:
            reject(_REJECTED_OPTION_REASONS[name])
        elif name not in _IGNORED_OPTIONS:
            reject(f"unknown option {token}")


def _record_url_file(result: RequirementSet, url: str, path: Path) -> None:
    files = result.url_files.setdefault(url, [])
    if path not in files:
        files.append(path)


def _take_option(tokens: list[str], index: int) -> tuple[str | None, str | None, int]:
    """Parse the option at tokens[index] and return (name, value, next index)."""
    token = tokens[index]
    if token.startswith("--"):
        spelling, equals, attached = token.partition("=")
        if spelling in _FLAG_OPTIONS:
            return _FLAG_OPTIONS[spelling], (attached if equals else None), index + 1
        if spelling not in _VALUE_OPTIONS:
            return None, None, index + 1
        if equals:
            return _VALUE_OPTIONS[spelling], attached, index + 1
    else:
        # Short options accept the value attached, as in -rbase.txt.
        spelling, attached = token[:2], token[2:]
        if spelling not in _VALUE_OPTIONS:
            return None, None, index + 1
        if attached:
            return _VALUE_OPTIONS[spelling], attached.removeprefix("="), index + 1
    if index + 1 < len(tokens):
        return _VALUE_OPTIONS[spelling], tokens[index + 1], index + 2
    return _VALUE_OPTIONS[spelling], None, index + 1


def _include(path, target, result, as_constraints, visited, reject) -> None:
    if _URL_SCHEME.match(target):
        reject("includes a requirements file by URL; download it into the project")
        return
    included = path.parent / target
    if not included.is_file():
        option = "-c" if as_constraints else "-r"
        raise InputFileError(
            included,
            f"file not found (included with {option} from {path})",
            f"create it or fix the {option} line in {path}",
        )
    _read_file(included, result, as_constraints, visited)


def _split_requirement_options(line: str) -> tuple[str, list[str]]:
    """Split a requirement line at its first option, as pip does: tokens are split on spaces."""
    tokens = line.split(" ")
    for position, token in enumerate(tokens):
        if token.startswith("-"):
            requirement = " ".join(tokens[:position]).strip()
            return requirement, [t for t in tokens[position:] if t]
    return line.strip(), []


def _translate_requirement(requirement: str) -> tuple[str | None, str]:
    """Return (PEP 508 text, "") or (None, reason) for one requirement."""
    if _URL_SCHEME.match(requirement) or requirement.startswith(_VCS_PREFIXES):
        return _translate_bare_url(requirement)
    direct_reference = _DIRECT_REFERENCE.match(requirement)
    if direct_reference:
        if direct_reference.group("url").startswith("file:"):
            return None, _LOCAL_FILE_REASON
        return requirement, ""
    if _is_local_path(requirement):
        return None, (
            "installs a local path, which pyproject.toml dependencies cannot name "
            "portably; install the project in its own step, or publish the package"
        )
    if not _PROJECT_NAME.match(requirement):
        return None, "is not a requirement pip or uv can read"
    return requirement, ""


def _is_local_path(requirement: str) -> bool:
    if requirement in (".", ".."):
        return True
    if requirement.startswith((".", "/", "~", "\\")):
        return True
    # Paths without a leading dot, such as dist/app-1.0.tar.gz.
    path_part = requirement.split(";")[0].strip()
    return "/" in path_part or "\\" in path_part


def _translate_bare_url(requirement: str) -> tuple[str | None, str]:
    """Turn `url#egg=name` or a wheel URL into `name @ url`, or return a reason for other URLs."""
    url, semicolon, marker = requirement.partition(";")
    url = url.strip()
    marker_suffix = f"; {marker.strip()}" if semicolon else ""
    if url.startswith("file:"):
        return None, _LOCAL_FILE_REASON

    base, hash_sign, fragment = url.partition("#")
    egg_name = None
    kept_fragment_parts = []
    for part in fragment.split("&") if hash_sign else []:
        key, _, value = part.partition("=")
        if key == "egg":
            egg_name = value
        elif part:
            kept_fragment_parts.append(part)
    if egg_name and _PROJECT_NAME.fullmatch(egg_name.split("[")[0]):
        kept_fragment = (
            "#" + "&".join(kept_fragment_parts) if kept_fragment_parts else ""
        )
        return f"{egg_name} @ {base}{kept_fragment}{marker_suffix}", ""

    filename = urlsplit(base).path.rsplit("/", 1)[-1]
    if (
        not base.startswith(_VCS_PREFIXES)
        and filename.endswith(".whl")
        and filename.count("-") >= 4
    ):
        # A wheel file name starts with the distribution name, then "-".
        return f"{filename.split('-')[0]} @ {url}{marker_suffix}", ""
    return None, "is a URL without a package name; write it as `name @ URL`"
