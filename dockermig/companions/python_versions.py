"""Tell whether a requires-python specifier admits the Python release of an image.

The project does not depend on `packaging`, and only final releases such as
3.11.9 are ever compared, so this reads the PEP 440 operators on release
numbers alone.
"""

import re

_CLAUSE = re.compile(r"^\s*(~=|===|==|!=|<=|>=|<|>)\s*([^\s,]+)\s*$")
_RELEASE = re.compile(r"^\d+(?:\.\d+)*$")
# A patch number above any CPython release, which stands for the newest patch
# that an image tag without a patch (python:3.11-slim) floats to.
NEWEST_PATCH = 999


def admits_python(specifier: str, minor: str, patch: int | None = None) -> bool | None:
    """Return whether `specifier` admits Python `minor` ("3.11") at `patch`.

    `patch` None stands for the newest patch of that minor version. Returns
    None when a clause has a version this reader does not compare (a
    pre-release, a local version), so the caller can leave the decision to uv.
    """
    candidate = tuple(int(part) for part in minor.split(".")) + (
        NEWEST_PATCH if patch is None else patch,
    )
    for clause in specifier.split(","):
        if not clause.strip():
            continue
        match = _CLAUSE.match(clause)
        if match is None:
            return None
        operator, version = match.groups()
        admitted = _admits(operator, version, candidate)
        if admitted is None:
            return None
        if not admitted:
            return False
    return True


def _admits(operator: str, version: str, candidate: tuple[int, ...]) -> bool | None:
    if operator == "===":
        return version == ".".join(map(str, candidate))
    wildcard = version.endswith(".*")
    release = version[:-2] if wildcard else version
    if not _RELEASE.match(release):
        return None
    parts = tuple(int(part) for part in release.split("."))
    if wildcard:
        if operator not in ("==", "!="):
            return None
        matches = candidate[: len(parts)] == parts
        return matches if operator == "==" else not matches
    width = max(len(parts), len(candidate))
    padded = parts + (0,) * (width - len(parts))
    current = candidate + (0,) * (width - len(candidate))
    if operator == "~=":
        if len(parts) < 2:
            return None
        return current >= padded and candidate[: len(parts) - 1] == parts[:-1]
    return {
        "==": current == padded,
        "!=": current != padded,
        "<=": current <= padded,
        ">=": current >= padded,
        "<": current < padded,
        ">": current > padded,
    }[operator]
