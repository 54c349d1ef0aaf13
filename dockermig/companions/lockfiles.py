"""Read the locked versions of poetry.lock, Pipfile.lock, pdm.lock and pip-compile output.

Each reader returns "name==version" pins, with the environment marker when
the lock records one. Packages that come from Git, a URL or a local path are
left out, because a version pin does not say where to get them.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from dockermig.companions.requirements import decode_text_file, read_requirements
from dockermig.errors import InputFileError

_NON_REGISTRY_SOURCES = {"git", "url", "file", "directory", "hg", "svn", "bzr"}
_EXACT_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(?:\[[^\]]*\])?\s*==\s*(?P<version>[^\s;,*]+)\s*(?:;(?P<marker>.*))?$"
)


def normalize_name(name: str) -> str:
    """Return the PEP 503 normalised form of a project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_poetry_lock(path: Path) -> tuple[list[str], list[str]]:
    """Return (pins, notes) from a poetry.lock of any format version."""
    packages = _load_toml(path).get("package", [])
    pins, notes = [], []
    versions: dict[str, set[str]] = {}
    for package in packages:
        source_type = (package.get("source") or {}).get("type")
        if source_type in _NON_REGISTRY_SOURCES or package.get("develop"):
            continue
        versions.setdefault(normalize_name(package["name"]), set()).add(
            str(package["version"])
        )
    for name, found in versions.items():
        if len(found) > 1:
            # Poetry locks several versions of one package for different markers,
            # which a single constraint cannot express.
            notes.append(
                f"{path.name} locks {name} at {', '.join(sorted(found))} for different "
                "environments; uv chooses its versions again"
            )
            continue
        pins.append(f"{name}=={found.pop()}")
    return pins, notes


def read_pipfile_lock(path: Path) -> list[str]:
    """Return the pins of the `default` section of a Pipfile.lock.

    The `develop` section is not read: it may lock other versions of the same
    packages, which would contradict the default pins.
    """
    try:
        document = json.loads(decode_text_file(path))
    except json.JSONDecodeError as error:
        raise InputFileError(
            path,
            f"is not valid JSON ({error.msg} at line {error.lineno})",
            "run `pipenv lock`",
        ) from None
    pins = []
    for name, entry in (document.get("default") or {}).items():
        version = entry.get("version") if isinstance(entry, dict) else None
        if not isinstance(version, str) or not version.startswith("=="):
            continue
        marker = entry.get("markers")
        pin = f"{normalize_name(name)}{version}"
        pins.append(f"{pin}; {marker}" if marker else pin)
    return pins


def read_pdm_lock(path: Path) -> list[str]:
    """Return the pins of every group in a pdm.lock."""
    pins = []
    seen = set()
    for package in _load_toml(path).get("package", []):
        if any(key in package for key in ("git", "url", "path", "editable")):
            continue
        name = normalize_name(package["name"])
        if name in seen:
            continue
        seen.add(name)
        pins.append(f"{name}=={package['version']}")
    return pins


def read_compiled_requirements(path: Path) -> list[str]:
    """Return the exact `name==version` lines of a pip-compile output file."""
    pins = []
    for requirement in read_requirements(path).requirements:
        match = _EXACT_PIN.match(requirement.strip())
        if match is None:
            continue
        name = normalize_name(match.group("name"))
        pin = f"{name}=={match.group('version')}"
        marker = (match.group("marker") or "").strip()
        pins.append(f"{pin}; {marker}" if marker else pin)
    return pins


def _load_toml(path: Path) -> dict:
    try:
        return tomllib.loads(decode_text_file(path))
    except tomllib.TOMLDecodeError as error:
        raise InputFileError(
            path, f"is not valid TOML ({error})", "fix or regenerate it"
        ) from None
