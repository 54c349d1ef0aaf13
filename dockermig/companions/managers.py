"""Read Poetry, Pipenv and PDM projects into a ProjectSpec.

Poetry's caret and tilde constraints are rewritten as PEP 440 ranges with the
bounds Poetry documents: `^1.2.3` is `>=1.2.3,<2.0.0`, `^0.2.3` is
`>=0.2.3,<0.3.0`, `~1.2.3` is `>=1.2.3,<1.3.0` and `~1` is `>=1,<2`.
"""

from __future__ import annotations

import re
from pathlib import Path

from dockermig.companions.indexes import IndexSettings, is_pypi
from dockermig.companions.lockfiles import (
    normalize_name,
    read_pdm_lock,
    read_pipfile_lock,
    read_poetry_lock,
)
from dockermig.companions.pep621 import load_pyproject, read_project_table
from dockermig.companions.spec import ProjectSpec

_RELEASE = re.compile(r"^(\d+(?:\.\d+)*)(.*)$")
# An operator followed by spaces, as in `>= 1.2`, which Poetry accepts.
_SPACED_OPERATOR = re.compile(r"(~=|===|==|!=|<=|>=|<|>|=|\^|~)\s+")
_PEP440_OPERATOR = re.compile(r"^(~=|===|==|!=|<=|>=|<|>)")
# Pipfile keys that are environment markers written as their own keys.
_PIPFILE_MARKER_KEYS = (
    "os_name",
    "sys_platform",
    "platform_machine",
    "platform_system",
    "platform_python_implementation",
    "python_version",
    "python_full_version",
    "implementation_name",
)


class ConstraintError(ValueError):
    """A Poetry version constraint with no single PEP 440 equivalent."""


def poetry_constraint_to_pep440(constraint: str) -> str:
    """Rewrite a Poetry version constraint as a PEP 440 specifier ("" for any version).

    Raises ConstraintError for `||` (a union of ranges), which PEP 440 cannot express.
    """
    text = constraint.strip()
    if "||" in text or re.search(r"(^|\s)\|(\s|$)", text):
        raise ConstraintError(
            f"the constraint {constraint!r} is a union of ranges (||), which PEP 440 "
            "cannot express; replace it with one range"
        )
    text = _SPACED_OPERATOR.sub(r"\1", text)
    clauses = [clause for clause in re.split(r"[,\s]+", text) if clause]
    specifiers = [_convert_clause(clause, constraint) for clause in clauses]
    return ",".join(specifier for specifier in specifiers if specifier)


def _convert_clause(clause: str, constraint: str) -> str:
    if clause in ("*", ""):
        return ""
    if clause.startswith("^"):
        return _caret(clause[1:], constraint)
    if clause.startswith("~") and not clause.startswith("~="):
        return _tilde(clause[1:], constraint)
    if _PEP440_OPERATOR.match(clause):
        return clause
    if clause.startswith("="):
        return "=" + clause
    return f"=={clause}"


def _release_parts(version: str, constraint: str) -> list[int]:
    match = _RELEASE.match(version)
    if match is None:
        raise ConstraintError(
            f"the constraint {constraint!r} has an invalid version {version!r}"
        )
    return [int(part) for part in match.group(1).split(".")]


def _caret(version: str, constraint: str) -> str:
    parts = _release_parts(version, constraint)
    position = next((i for i, part in enumerate(parts) if part != 0), len(parts) - 1)
    upper = parts[:position] + [parts[position] + 1] + [0] * (len(parts) - position - 1)
    return f">={version},<{'.'.join(map(str, upper))}"


def _tilde(version: str, constraint: str) -> str:
    parts = _release_parts(version, constraint)
    position = 0 if len(parts) == 1 else 1
    upper = parts[:position] + [parts[position] + 1] + [0] * (len(parts) - position - 1)
    return f">={version},<{'.'.join(map(str, upper))}"


def python_marker(specifier: str) -> str:
    """Turn a requires-python style specifier into an environment marker."""
    clauses = []
    for clause in specifier.split(","):
        match = re.match(r"^\s*(~=|===|==|!=|<=|>=|<|>)\s*([^\s]+)\s*$", clause)
        if match is None:
            continue
        operator, version = match.groups()
        if version.endswith(".*"):
            version = version[:-2]
            variable = "python_version"
        else:
            variable = (
                "python_full_version" if version.count(".") >= 2 else "python_version"
            )
        clauses.append(f'{variable} {operator} "{version}"')
    return " and ".join(clauses)


# Poetry


def read_poetry(spec: ProjectSpec, pyproject_path: Path) -> None:
    """Read [tool.poetry] (and [project] for Poetry 2), its sources and poetry.lock."""
    document = load_pyproject(pyproject_path) if pyproject_path.is_file() else {}
    poetry = document.get("tool", {}).get("poetry", {})
    project_table = document.get("project")
    spec.is_package = poetry.get("package-mode", True) is not False

    if project_table:
        # Poetry 2 reads [project] first, and [tool.poetry.dependencies] only adds
        # details (sources, develop) to what [project] declares.
        read_project_table(spec, document, pyproject_path)
        spec.is_package = poetry.get("package-mode", True) is not False
        for name, value in poetry.get("dependencies", {}).items():
            if isinstance(value, dict) and value.get("source"):
                spec.index_pins[normalize_name(name)] = value["source"]
    else:
        spec.name = poetry.get("name")
        spec.version = poetry.get("version")
        dependencies = dict(poetry.get("dependencies", {}))
        python = dependencies.pop("python", None)
        if isinstance(python, str):
            try:
                spec.requires_python = poetry_constraint_to_pep440(python) or None
            except ConstraintError as error:
                spec.add_problem(pyproject_path, "python", str(error))
        optional: dict[str, list[str]] = {}
        for name, value in dependencies.items():
            for requirement, is_optional in _poetry_requirements(
                spec, pyproject_path, name, value
            ):
                if is_optional:
                    optional.setdefault(normalize_name(name), []).append(requirement)
                else:
                    spec.dependencies.append(requirement)
        for extra, names in poetry.get("extras", {}).items():
            spec.optional_dependencies[extra] = [
                requirement
                for package in names
                for requirement in optional.get(
                    normalize_name(package.split("[")[0]), []
                )
            ]
        spec.scripts = _poetry_scripts(spec, pyproject_path, poetry.get("scripts", {}))

    groups = {"dev": poetry.get("dev-dependencies", {})}
    for group, table in poetry.get("group", {}).items():
        groups.setdefault(group, {}).update(table.get("dependencies", {}))
    for group, table in groups.items():
        requirements = [
            requirement
            for name, value in table.items()
            if name != "python"
            for requirement, _ in _poetry_requirements(
                spec, pyproject_path, name, value
            )
        ]
        if requirements:
            spec.dependency_groups.setdefault(group, []).extend(requirements)

    _poetry_sources(spec, pyproject_path, poetry.get("source", []))
    lock_path = spec.source.lock_file
    if lock_path is not None:
        pins, notes = read_poetry_lock(lock_path)
        spec.pins = pins
        spec.notes.extend(notes)


def _poetry_requirements(spec, path, name, value) -> list[tuple[str, bool]]:
    """Return (PEP 508 requirement, optional) pairs for one Poetry dependency."""
    entries = value if isinstance(value, list) else [value]
    results = []
    for entry in entries:
        if isinstance(entry, str):
            entry = {"version": entry}
        try:
            requirement = _poetry_requirement(name, entry, spec, path)
        except ConstraintError as error:
            spec.add_problem(path, name, str(error))
            continue
        if requirement is not None:
            results.append((requirement, bool(entry.get("optional"))))
    return results


def _poetry_requirement(
    name: str, entry: dict, spec: ProjectSpec, path: Path
) -> str | None:
    extras = entry.get("extras") or []
    head = f"{name}[{','.join(extras)}]" if extras else name
    markers = []
    if entry.get("python"):
        markers.append(python_marker(poetry_constraint_to_pep440(entry["python"])))
    if entry.get("platform"):
        markers.append(f'sys_platform == "{entry["platform"]}"')
    if entry.get("markers"):
        markers.append(f"({entry['markers']})" if len(markers) else entry["markers"])
    marker = " and ".join(m for m in markers if m)
    suffix = f" ; {marker}" if marker else ""

    if "path" in entry:
        spec.add_problem(
            path,
            name,
            f"is a local path dependency ({entry['path']}), which pyproject.toml cannot "
            "point at inside the Docker build; publish it or add it to [tool.uv.sources] by hand",
        )
        return None
    if "git" in entry:
        reference = entry.get("rev") or entry.get("tag") or entry.get("branch")
        url = f"git+{entry['git']}" + (f"@{reference}" if reference else "")
        if entry.get("subdirectory"):
            url += f"#subdirectory={entry['subdirectory']}"
        return f"{head} @ {url}{suffix}"
    if "url" in entry:
        return f"{head} @ {entry['url']}{suffix}"
    if entry.get("source"):
        spec.index_pins[normalize_name(name)] = entry["source"]
    if entry.get("allow-prereleases"):
        spec.notes.append(
            f"{name} allows pre-releases in Poetry; set [tool.uv] prerelease by hand if needed"
        )
    specifier = poetry_constraint_to_pep440(str(entry.get("version", "*")))
    return f"{head}{specifier}{suffix}"


def _poetry_scripts(spec, path, scripts: dict) -> dict[str, str]:
    result = {}
    for name, value in scripts.items():
        if isinstance(value, str):
            result[name] = value
        elif isinstance(value, dict) and isinstance(value.get("callable"), str):
            result[name] = value["callable"]
        elif (
            isinstance(value, dict)
            and value.get("type", "console") == "console"
            and "reference" in value
        ):
            result[name] = value["reference"]
        else:
            spec.add_problem(
                path,
                f"scripts.{name}",
                "is not a console script (module:function), which [project.scripts] "
                "cannot declare",
            )
    return result


def _poetry_sources(spec: ProjectSpec, path: Path, sources: list[dict]) -> None:
    """Translate [[tool.poetry.source]] by priority (Poetry 1.8 and later).

    A primary source turns off Poetry's implicit PyPI unless PyPI is itself a
    source. "default" (deprecated) acts like the first primary source.
    """
    settings = IndexSettings(origin=str(path))
    primary: list[str] = []
    for source in sources:
        name = source.get("name", "")
        url = source.get("url")
        priority = source.get(
            "priority", "default" if source.get("default") else "primary"
        )
        if source.get("secondary"):
            priority = "supplemental"
        if url is None and name.lower() == "pypi":
            url = "https://pypi.org/simple"
        if url is None:
            continue
        settings.names[url] = name
        if priority == "default":
            primary.insert(0, url)
        elif priority == "primary":
            primary.append(url)
        elif priority == "supplemental":
            settings.supplemental_urls.append(url)
        elif priority == "explicit":
            settings.explicit_urls.append(url)
    if primary:
        settings.extra_index_urls = primary[:-1]
        settings.index_url = primary[-1]
        if any(is_pypi(url) for url in primary[:-1]):
            # PyPI listed before the last primary source: keep that order by
            # moving PyPI to the end, where uv searches its default index.
            settings.extra_index_urls = [u for u in primary if not is_pypi(u)]
            settings.index_url = "https://pypi.org/simple"
    if not settings.is_empty():
        spec.index_settings.append(settings)


# Pipenv


def read_pipenv(spec: ProjectSpec, pipfile_path: Path) -> None:
    """Read a Pipfile ([packages], [dev-packages], [requires], [[source]]) and Pipfile.lock."""
    document = load_pyproject(pipfile_path) if pipfile_path.is_file() else {}
    requires = document.get("requires", {})
    if requires.get("python_full_version"):
        spec.requires_python = f"=={requires['python_full_version']}"
    elif requires.get("python_version"):
        spec.requires_python = f"=={requires['python_version']}.*"

    sources = document.get("source", [])
    names = {source.get("name"): source.get("url") for source in sources}
    for name, value in document.get("packages", {}).items():
        requirement = _pipfile_requirement(spec, pipfile_path, name, value, names)
        if requirement is not None:
            spec.dependencies.append(requirement)
    for name, value in document.get("dev-packages", {}).items():
        requirement = _pipfile_requirement(spec, pipfile_path, name, value, names)
        if requirement is not None:
            spec.dependency_groups.setdefault("dev", []).append(requirement)
    if document.get("scripts"):
        spec.notes.append(
            "the Pipfile's [scripts] are shell commands for `pipenv run`, not console "
            "scripts, so they were not copied"
        )

    # The first source replaces PyPI, and the others serve only the packages
    # that name them with `index = ...`. NOTE: this follows Pipenv's index
    # restriction (pypa/pipenv pull request 4983, 2022); older Pipenv searched
    # every source, so a package found only on a later source fails to lock.
    if sources:
        settings = IndexSettings(origin=str(pipfile_path))
        first, *others = sources
        settings.index_url = first.get("url")
        settings.explicit_urls = [s["url"] for s in others if s.get("url")]
        settings.names = {s["url"]: s.get("name", "") for s in sources if s.get("url")}
        spec.index_settings.append(settings)
    if spec.source.lock_file is not None:
        spec.pins = read_pipfile_lock(spec.source.lock_file)


def _pipfile_requirement(spec, path, name, value, sources) -> str | None:
    entry = {"version": value} if isinstance(value, str) else dict(value)
    extras = entry.get("extras") or []
    head = f"{name}[{','.join(extras)}]" if extras else name
    # Pipenv writes these markers as keys, such as sys_platform = "== 'win32'".
    markers = []
    for key in _PIPFILE_MARKER_KEYS:
        if key in entry:
            value = str(entry[key]).strip()
            if _PEP440_OPERATOR.match(value):
                markers.append(f"{key} {value}")
            else:
                markers.append(f'{key} == "{value}"')
    if entry.get("markers"):
        markers.append(entry["markers"])
    suffix = f" ; {' and '.join(markers)}" if markers else ""

    is_local_file = "file" in entry and not str(entry["file"]).startswith(
        ("http:", "https:")
    )
    if "path" in entry or is_local_file:
        spec.add_problem(
            path,
            name,
            "is a local path dependency, which pyproject.toml cannot point at inside "
            "the Docker build; publish it or add it to [tool.uv.sources] by hand",
        )
        return None
    if "git" in entry:
        reference = entry.get("ref")
        url = entry["git"] if entry["git"].startswith("git+") else f"git+{entry['git']}"
        return f"{head} @ {url}{'@' + reference if reference else ''}{suffix}"
    if "file" in entry:
        return f"{head} @ {entry['file']}{suffix}"
    if entry.get("index"):
        if entry["index"] not in sources:
            spec.add_problem(
                path,
                name,
                f"names the index {entry['index']}, which no [[source]] defines",
            )
        else:
            spec.index_pins[normalize_name(name)] = entry["index"]
    version = str(entry.get("version", "*")).strip()
    if version in ("*", ""):
        version = ""
    elif not _PEP440_OPERATOR.match(version):
        version = f"=={version}"
    return f"{head}{version}{suffix}"


# PDM


def read_pdm(spec: ProjectSpec, pyproject_path: Path) -> None:
    """Read a PDM project: [project], PDM's dev groups and sources, and pdm.lock."""
    document = load_pyproject(pyproject_path) if pyproject_path.is_file() else {}
    read_project_table(spec, document, pyproject_path)
    pdm = document.get("tool", {}).get("pdm", {})
    if pdm.get("distribution") is False or pdm.get("package-type") == "application":
        spec.is_package = False
    elif pdm.get("distribution") is True:
        spec.is_package = True
    for group, values in pdm.get("dev-dependencies", {}).items():
        for value in values:
            if value.startswith("-e"):
                spec.add_problem(
                    pyproject_path,
                    value,
                    "is an editable local dependency, which the Docker build does not use",
                )
                continue
            spec.dependency_groups.setdefault(group, []).append(value)

    sources = pdm.get("source", [])
    if sources:
        # PDM searches every source and merges them, like pip. A source named
        # "pypi" replaces PyPI.
        settings = IndexSettings(origin=str(pyproject_path))
        for source in sources:
            url = source.get("url")
            if not url:
                continue
            settings.names[url] = source.get("name", "")
            if source.get("name", "").lower() == "pypi":
                settings.index_url = url
            elif source.get("type") == "find_links":
                settings.find_links.append(url)
            else:
                settings.extra_index_urls.append(url)
        spec.index_settings.append(settings)
    if spec.source.lock_file is not None:
        spec.pins = read_pdm_lock(spec.source.lock_file)
