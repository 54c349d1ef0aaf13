"""Plan the pyproject.toml that a migrated Dockerfile's `uv sync` reads."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import tomlkit
import tomlkit.exceptions
from tomlkit.items import AoT, Array

from dockermig.companions.requirements import RequirementSet
from dockermig.errors import DockermigError, InputFileError

_PYPI_SIMPLE_URLS = {"https://pypi.org/simple", "https://pypi.python.org/simple"}
# Query parameters that commonly carry an access token in index URLs.
_SECRET_QUERY_KEYS = re.compile(
    r"token|key|secret|password|passwd|auth|signature|sig", re.IGNORECASE
)
_NAME_PREFIX = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_PYTHON_MINOR = re.compile(r"^(\d+)\.(\d+)(?:\.\d+)?$")


class PyprojectError(DockermigError):
    """An existing pyproject.toml that cannot be combined with the requirements."""


class IndexCredentialsError(DockermigError):
    """An index URL that carries credentials, which must not be written to a committed file."""

    def __init__(self, url: str) -> None:
        self.url_without_credentials = _strip_credentials(url)
        super().__init__(
            f"index URL {self.url_without_credentials} contains credentials, which dockermig "
            "does not write to pyproject.toml; remove them from the requirements file and "
            "supply them to uv through UV_INDEX_<NAME>_USERNAME and UV_INDEX_<NAME>_PASSWORD "
            "or a build secret"
        )


def plan_pyproject(
    project_dir: Path, requirements: RequirementSet, python_version: str
) -> str:
    """Return the text pyproject.toml should have for these requirements.

    An existing pyproject.toml is edited in place with tomlkit, so its comments,
    order and formatting stay, and only missing entries are added. Without one,
    a new virtual project is planned (no build-system, so uv does not build it).
    `python_version` is the image's Python as "X.Y" and becomes requires-python
    "==X.Y.*" unless the file already sets requires-python.

    Raises IndexCredentialsError for an index URL with credentials, and
    PyprojectError or InputFileError when the existing file cannot be used.
    """
    requires_python = _requires_python(python_version)
    indexes = _planned_indexes(requirements)

    path = Path(project_dir) / "pyproject.toml"
    original = _read_existing(path)
    document = _parse(path, original or "")

    changed = _update_project(
        document, Path(project_dir), requirements, requires_python
    )
    changed |= _update_tool_uv(document, path, requirements, indexes)
    if not changed:
        return original if original is not None else tomlkit.dumps(document)

    text = tomlkit.dumps(document)
    if (
        original is not None
        and "\r\n" in original
        and "\n" not in original.replace("\r\n", "")
    ):
        # tomlkit writes "\n" for the lines it adds. Convert them so a CRLF file stays CRLF.
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    return text


def normalize_project_name(name: str) -> str:
    """Turn a folder name into a valid, PEP 503 normalised project name."""
    normalized = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return normalized or "app"


def requirement_key(requirement: str) -> str:
    """Return a comparison key: whitespace removed and the project name PEP 503 normalised."""
    compact = re.sub(r"\s+", "", requirement)
    match = _NAME_PREFIX.match(compact)
    if not match:
        return compact
    name = re.sub(r"[-_.]+", "-", match.group(0)).lower()
    return name + compact[match.end() :]


def _requirement_name(requirement: str) -> str:
    match = _NAME_PREFIX.match(requirement.strip())
    return re.sub(r"[-_.]+", "-", match.group(0)).lower() if match else ""


def _requires_python(python_version: str) -> str:
    match = _PYTHON_MINOR.match(python_version.strip())
    if not match:
        raise ValueError(f"Python version must look like 3.11, got {python_version!r}")
    return f"=={match.group(1)}.{match.group(2)}.*"


def _read_existing(path: Path) -> str | None:
    try:
        with path.open(encoding="utf-8", newline="") as file:
            return file.read()
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as error:
        raise InputFileError(
            path,
            f"is not valid UTF-8 (invalid byte at offset {error.start})",
            "save it as UTF-8",
        ) from None


def _parse(path: Path, text: str) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as error:
        raise InputFileError(
            path, f"is not valid TOML ({error})", "fix the syntax and run again"
        ) from None


def _update_project(
    document, project_dir: Path, requirements: RequirementSet, requires_python: str
) -> bool:
    dependencies = _unique(requirements.requirements)
    project = document.get("project")
    if project is None:
        project = tomlkit.table()
        name = normalize_project_name(project_dir.resolve().name)
        if name in {_requirement_name(dependency) for dependency in dependencies}:
            # A project named like one of its dependencies would depend on itself.
            name = f"{name}-app"
        project["name"] = name
        project["version"] = "0.1.0"
        project["requires-python"] = requires_python
        project["dependencies"] = _multiline_array(dependencies)
        document["project"] = project
        return True

    changed = False
    dynamic = list(project.get("dynamic", []))
    if "name" not in project:
        project["name"] = normalize_project_name(project_dir.resolve().name)
        changed = True
    if "version" not in project and "version" not in dynamic:
        project["version"] = "0.1.0"
        changed = True
    if "requires-python" not in project:
        # NOTE: an existing requires-python is kept even when it excludes the
        # image's Python; `uv sync` in the image then fails with uv's own message.
        project["requires-python"] = requires_python
        changed = True

    if "dependencies" in dynamic:
        if dependencies:
            raise PyprojectError(
                f"{project_dir / 'pyproject.toml'}: [project] lists dependencies as dynamic, so "
                "dockermig cannot add the requirements to it; move them into "
                '[project] dependencies and remove "dependencies" from dynamic'
            )
        return changed
    changed |= _add_missing(project, "dependencies", dependencies)
    return changed


def _update_tool_uv(
    document, path: Path, requirements: RequirementSet, indexes: list[dict]
) -> bool:
    constraints = _unique(requirements.constraints)
    if not constraints and not indexes and not requirements.no_index:
        return False

    tool = document.get("tool")
    if tool is None:
        tool = tomlkit.table(is_super_table=True)
        document["tool"] = tool
    uv_table = tool.get("uv")
    if uv_table is None:
        uv_table = tomlkit.table()
        tool["uv"] = uv_table

    changed = _add_missing(uv_table, "constraint-dependencies", constraints)
    if requirements.no_index and "no-index" not in uv_table:
        uv_table["no-index"] = True
        changed = True
    changed |= _add_indexes(uv_table, path, indexes)
    return changed


def _add_missing(table, key: str, values: list[str]) -> bool:
    """Append the values missing from the array table[key] and return whether any were added."""
    if not values:
        return False
    existing = table.get(key)
    if existing is None:
        table[key] = _multiline_array(values)
        return True
    if not isinstance(existing, Array):
        raise PyprojectError(f"pyproject.toml: {key} must be an array of strings")
    present = {requirement_key(str(value)) for value in existing}
    missing = [value for value in values if requirement_key(value) not in present]
    for value in missing:
        existing.append(_toml_string(value))
    return bool(missing)


def _add_indexes(uv_table, path: Path, indexes: list[dict]) -> bool:
    if not indexes:
        return False
    existing = uv_table.get("index")
    if existing is None:
        if len(uv_table) > 0:
            # A blank line between the [tool.uv] keys and the first [[tool.uv.index]].
            uv_table.add(tomlkit.nl())
        existing = tomlkit.aot()
        uv_table["index"] = existing
    elif not isinstance(existing, AoT):
        raise PyprojectError(
            f"{path}: [tool.uv] index must be written as [[tool.uv.index]] tables"
        )

    existing_urls = {str(entry.get("url", "")).rstrip("/") for entry in existing}
    existing_names = {str(entry.get("name")) for entry in existing if "name" in entry}
    existing_default = [str(entry["url"]) for entry in existing if entry.get("default")]
    changed = False
    for index in indexes:
        if index["url"].rstrip("/") in existing_urls:
            continue
        if index.get("default") and existing_default:
            raise PyprojectError(
                f"{path}: [tool.uv] already sets {existing_default[0]} as the default index, "
                f"but the requirements use --index-url {index['url']}; make them agree"
            )
        entry = tomlkit.table()
        entry["name"] = _unique_name(index["name"], existing_names)
        existing_names.add(entry["name"])
        entry["url"] = index["url"]
        for key in ("format", "default"):
            if key in index:
                entry[key] = index[key]
        existing.append(entry)
        changed = True
    return changed


def _planned_indexes(requirements: RequirementSet) -> list[dict]:
    """Translate pip's index options into [[tool.uv.index]] entries, in priority order.

    uv searches the entries in order and uses the default index last, so the
    extra indexes (usually internal ones) come before the one from --index-url.
    That keeps an internal package name from being taken from a public index.
    """
    indexes = []
    for url in requirements.extra_index_urls:
        _reject_credentials(url)
        indexes.append({"name": _index_name(url), "url": url})
    for url in requirements.find_links:
        _reject_credentials(url)
        indexes.append({"name": _index_name(url), "url": url, "format": "flat"})
    url = requirements.index_url
    if url is not None:
        _reject_credentials(url)
        if url.rstrip("/") not in _PYPI_SIMPLE_URLS:
            indexes.append({"name": _index_name(url), "url": url, "default": True})
    return indexes


def _reject_credentials(url: str) -> None:
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise IndexCredentialsError(url)
    for key, _value in parse_qsl(parts.query, keep_blank_values=True):
        if _SECRET_QUERY_KEYS.search(key):
            raise IndexCredentialsError(url)


def _strip_credentials(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}"


def _index_name(url: str) -> str:
    host = urlsplit(url).hostname or "index"
    return re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-") or "index"


def _unique_name(name: str, used_names: set[str]) -> str:
    candidate = name
    suffix = 2
    while candidate in used_names:
        candidate = f"{name}-{suffix}"
        suffix += 1
    return candidate


def _unique(values: list[str]) -> list[str]:
    seen = set()
    result = []
    for value in values:
        key = requirement_key(value)
        if key not in seen:
            seen.add(key)
            result.append(value)
    return result


def _toml_string(value: str):
    """Write requirements with double quotes in them, such as markers, as literal strings."""
    literal = '"' in value and "'" not in value and "\n" not in value
    return tomlkit.string(value, literal=literal)


def _multiline_array(values: list[str]) -> Array:
    array = tomlkit.array()
    array.extend(_toml_string(value) for value in values)
    if values:
        array.multiline(True)
    return array
