"""Plan the pyproject.toml that a migrated Dockerfile's `uv sync` reads."""

from __future__ import annotations

import re
from pathlib import Path

import tomlkit
import tomlkit.exceptions
from tomlkit.items import AoT, Array

from dockermig.companions.indexes import (
    IndexPlan,
    PlannedIndex,
    has_credentials,
    index_settings_from_requirements,
    plan_indexes,
    strip_credentials,
)
from dockermig.companions.pip_options import uv_settings
from dockermig.companions.requirements import RequirementSet
from dockermig.companions.spec import ProjectSpec
from dockermig.errors import CompanionError, InputFileError

_NAME_PREFIX = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_PYTHON_MINOR = re.compile(r"^(\d+)\.(\d+)(?:\.\d+)?$")


class PyprojectError(CompanionError):
    """An existing pyproject.toml that cannot be combined with the requirements."""


class IndexCredentialsError(CompanionError):
    """An index URL that carries credentials, which must not be written to a committed file."""

    def __init__(self, url: str) -> None:
        self.url_without_credentials = strip_credentials(url)
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

    return _keep_line_endings(original, tomlkit.dumps(document))


def plan_pyproject_from_spec(
    project_dir: Path,
    spec: ProjectSpec,
    python_version: str,
    index_plan: IndexPlan | None = None,
) -> str:
    """Return the text pyproject.toml should have for a project read by read_dependency_source.

    An existing pyproject.toml is edited in place with tomlkit: its content,
    comments and order stay, and only missing entries are added, so a value
    the file already sets wins over the spec's. The old tool's tables, such
    as [tool.poetry], are kept. requires-python is the spec's, or "==X.Y.*"
    for `python_version` "X.Y" when the spec states none. Console scripts are
    written only for a package, because uv installs no scripts for a project
    it does not build. `index_plan` defaults to `plan_indexes(spec.index_settings)`.

    A uv project with its own uv.lock is returned unchanged.

    Raises PyprojectError when an index cannot be written safely or a package
    names an unknown index, and InputFileError when the existing file cannot be used.
    """
    default_requires_python = _requires_python(python_version)
    plan = index_plan if index_plan is not None else plan_indexes(spec.index_settings)
    if plan.problems:
        raise PyprojectError(plan.problems[0])
    for index in plan.indexes:
        _reject_credentials(index.url)

    project_dir = Path(project_dir)
    path = project_dir / "pyproject.toml"
    original = _read_existing(path)
    if spec.uses_existing_lock and original is not None:
        # Any edit would make the project's own uv.lock stale.
        return original
    document = _parse(path, original or "")

    changed = _update_project_from_spec(
        document, project_dir, spec, spec.requires_python or default_requires_python
    )
    changed |= _update_groups(document, spec)
    changed |= _update_build_system(document, spec)
    changed |= _update_tool_uv_from_spec(document, path, spec, plan)
    if not changed:
        return original if original is not None else tomlkit.dumps(document)
    return _keep_line_endings(original, tomlkit.dumps(document))


def _update_project_from_spec(
    document, project_dir: Path, spec: ProjectSpec, requires_python: str
) -> bool:
    project = document.get("project")
    is_new = project is None
    if is_new:
        project = tomlkit.table()
        document["project"] = project
    changed = is_new
    dynamic = [str(value) for value in project.get("dynamic", [])]

    if "name" not in project:
        name = normalize_project_name(spec.name or project_dir.resolve().name)
        dependency_names = {_requirement_name(d) for d in spec.dependencies}
        if not spec.name and name in dependency_names:
            # A project named like one of its dependencies would depend on itself.
            name = f"{name}-app"
        project["name"] = name
        changed = True
    if "version" not in project and "version" not in dynamic:
        if spec.version:
            project["version"] = spec.version
        elif spec.dynamic_version and spec.is_package:
            # The build backend computes it, as setup.py or setup.cfg did.
            dynamic_array = tomlkit.array()
            dynamic_array.extend([*dynamic, "version"])
            project["dynamic"] = dynamic_array
        else:
            project["version"] = "0.1.0"
        changed = True
    if "requires-python" not in project:
        project["requires-python"] = requires_python
        changed = True

    if "dependencies" not in dynamic:
        changed |= _add_missing(project, "dependencies", _unique(spec.dependencies))
        if is_new and "dependencies" not in project:
            project["dependencies"] = tomlkit.array()
    if spec.optional_dependencies and "optional-dependencies" not in dynamic:
        extras = project.setdefault("optional-dependencies", tomlkit.table())
        for extra, requirements in spec.optional_dependencies.items():
            changed |= _add_missing(extras, extra, _unique(requirements))
    if spec.scripts and spec.is_package and "scripts" not in dynamic:
        scripts = project.setdefault("scripts", tomlkit.table())
        for name, target in spec.scripts.items():
            if name not in scripts:
                scripts[name] = target
                changed = True
    return changed


def _update_groups(document, spec: ProjectSpec) -> bool:
    groups = {name: values for name, values in spec.dependency_groups.items() if values}
    if not groups:
        return False
    table = document.get("dependency-groups")
    if table is None:
        table = tomlkit.table()
        document["dependency-groups"] = table
    changed = False
    for name, requirements in groups.items():
        changed |= _add_missing(table, name, _unique(requirements))
    return changed


def _update_build_system(document, spec: ProjectSpec) -> bool:
    if not spec.is_package or "build-system" in document:
        return False
    # A setup.py or setup.cfg project without pyproject.toml is built by
    # setuptools' legacy backend. Release 61 is the first that reads [project].
    build_system = tomlkit.table()
    build_system["requires"] = ["setuptools>=61"]
    build_system["build-backend"] = "setuptools.build_meta"
    document["build-system"] = build_system
    return True


def _update_tool_uv_from_spec(
    document, path: Path, spec: ProjectSpec, plan: IndexPlan
) -> bool:
    constraints = _unique(spec.constraints)
    needs_package_flag = not spec.is_package and "build-system" in document
    if not (
        constraints
        or plan.indexes
        or plan.no_index
        or spec.index_pins
        or spec.uv_settings
        or needs_package_flag
    ):
        return False
    uv_table = _tool_uv_table(document)

    changed = False
    if needs_package_flag and "package" not in uv_table:
        # The old tool did not build this project (Poetry's package-mode = false,
        # PDM's distribution = false), so uv must not build it either.
        uv_table["package"] = False
        changed = True
    changed |= _add_missing(uv_table, "constraint-dependencies", constraints)
    if plan.no_index and "no-index" not in uv_table:
        uv_table["no-index"] = True
        changed = True
    changed |= _add_settings(uv_table, path, spec.uv_settings)
    changed |= _add_index_sources(uv_table, path, spec, plan)
    changed |= _add_indexes(uv_table, path, plan.indexes)
    return changed


def _add_index_sources(
    uv_table, path: Path, spec: ProjectSpec, plan: IndexPlan
) -> bool:
    """Write [tool.uv.sources] entries for packages the old tool took from a named index."""
    if not spec.index_pins:
        return False
    names = {
        index.source_name: index.name for index in plan.indexes if index.source_name
    }
    sources = uv_table.get("sources")
    if sources is None:
        sources = tomlkit.table()
        uv_table["sources"] = sources
    changed = False
    for package, source_name in spec.index_pins.items():
        if package in sources:
            continue
        if source_name not in names:
            if source_name.lower() == "pypi":
                continue
            raise PyprojectError(
                f"{path}: {package} must come from the index {source_name!r}, which has no "
                "usable URL; define that index with its URL"
            )
        source = tomlkit.inline_table()
        source["index"] = names[source_name]
        sources[package] = source
        changed = True
    return changed


def _keep_line_endings(original: str | None, text: str) -> str:
    if (
        original is not None
        and "\r\n" in original
        and "\n" not in original.replace("\r\n", "")
    ):
        # tomlkit writes "\n" for the lines it adds. Convert them so a CRLF file stays CRLF.
        return text.replace("\r\n", "\n").replace("\n", "\r\n")
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


def _tool_uv_table(document):
    """Return the document's [tool.uv] table, adding [tool] and [tool.uv] when missing."""
    tool = document.get("tool")
    if tool is None:
        tool = tomlkit.table(is_super_table=True)
        document["tool"] = tool
    uv_table = tool.get("uv")
    if uv_table is None:
        uv_table = tomlkit.table()
        tool["uv"] = uv_table
    return uv_table


def _update_tool_uv(
    document, path: Path, requirements: RequirementSet, indexes: list[PlannedIndex]
) -> bool:
    constraints = _unique(requirements.constraints)
    settings = uv_settings(requirements.pip_options)
    if not constraints and not indexes and not requirements.no_index and not settings:
        return False

    uv_table = _tool_uv_table(document)

    changed = _add_missing(uv_table, "constraint-dependencies", constraints)
    if requirements.no_index and "no-index" not in uv_table:
        uv_table["no-index"] = True
        changed = True
    changed |= _add_settings(uv_table, path, settings)
    changed |= _add_indexes(uv_table, path, indexes)
    return changed


def _add_settings(uv_table, path: Path, settings: dict[str, object]) -> bool:
    """Add [tool.uv] keys such as prerelease; raise PyprojectError when the file sets another value.

    A list setting gets the missing entries appended, so the file's own entries stay.
    """
    changed = False
    for key, value in settings.items():
        existing = uv_table.get(key)
        if existing is None:
            uv_table[key] = _multiline_array(value) if isinstance(value, list) else value
            changed = True
        elif isinstance(value, list) and isinstance(existing, Array):
            present = {str(item) for item in existing}
            for item in value:
                if item not in present:
                    existing.append(item)
                    changed = True
        elif existing != value:
            raise PyprojectError(
                f"{path}: [tool.uv] sets {key} = {tomlkit.item(existing).as_string()}, but "
                f"keeping pip's options needs {key} = {tomlkit.item(value).as_string()}; "
                "make them agree"
            )
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


def _add_indexes(uv_table, path: Path, indexes: list[PlannedIndex]) -> bool:
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

    existing_names = {
        str(entry.get("url", "")).rstrip("/"): str(entry.get("name"))
        for entry in existing
    }
    used_names = {str(entry.get("name")) for entry in existing if "name" in entry}
    existing_default = [str(entry["url"]) for entry in existing if entry.get("default")]
    changed = False
    for index in indexes:
        url_key = index.url.rstrip("/")
        if url_key in existing_names:
            if index.authenticated and existing_names[url_key] != index.name:
                raise PyprojectError(
                    f"{path}: the index {index.url} is named {existing_names[url_key]!r}, but "
                    f"dockermig planned its credentials for the name {index.name!r}; rename "
                    "the existing [[tool.uv.index]] entry or remove it"
                )
            continue
        if index.default and existing_default:
            raise PyprojectError(
                f"{path}: [tool.uv] already sets {existing_default[0]} as the default index, "
                f"but the requirements use the index URL {index.url}; make them agree"
            )
        entry = tomlkit.table()
        for key, value in index.toml_entry().items():
            entry[key] = value
        if index.name in used_names:
            if index.authenticated:
                raise PyprojectError(
                    f"{path}: an index named {index.name!r} already exists with another URL, "
                    f"so the credentials planned for {index.url} would go to it; rename "
                    "the existing entry"
                )
            entry["name"] = _unique_name(index.name, used_names)
        used_names.add(str(entry["name"]))
        existing.append(entry)
        changed = True
    return changed


def _planned_indexes(requirements: RequirementSet) -> list[PlannedIndex]:
    """Translate pip's index options into [[tool.uv.index]] entries, in priority order.

    The order is that of `plan_indexes`: private indexes first, PyPI and its
    public mirrors last, so an internal package name is never taken from a
    public index.
    """
    urls = [
        requirements.index_url,
        *requirements.extra_index_urls,
        *requirements.find_links,
    ]
    for url in urls:
        if url is not None:
            _reject_credentials(url)
    settings = index_settings_from_requirements(requirements, "the requirements file")
    return plan_indexes([settings]).indexes


def _reject_credentials(url: str) -> None:
    if has_credentials(url):
        raise IndexCredentialsError(url)


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
