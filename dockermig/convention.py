"""The team's image convention, from `[tool.dockermig]` in pyproject.toml or `.dockermig.yaml`.

    [tool.dockermig]
    python = "3.12"              # move every image to this Python minor version
    debian-release = "bookworm"  # bookworm or trixie, for every image
    builder = "python-slim"      # or "uv-image": ghcr.io/astral-sh/uv:<uv>-python3.X-<release>-slim
    uv-version = "0.13.9"        # the uv release to pin
    sync = "frozen"              # or "locked": the flag of `uv sync`
    venv = "/opt/venv"           # where the venv is built and copied
    workdir = "/app"             # the builder's folder when the original sets none

`dockermig migrate` writes images that follow it, and `dockermig check`
reports images that do not. The nearest file above a Dockerfile that has
these settings wins. Sub-tables such as `[tool.dockermig.check]` belong to
one command and are read by it.
"""

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dockermig.errors import DockermigError

CONFIG_YAML = ".dockermig.yaml"
COMMAND_TABLES = {"check", "migrate"}
CHOICES = {
    "debian-release": ("bookworm", "trixie"),
    "builder": ("python-slim", "uv-image"),
    "sync": ("frozen", "locked"),
}
PATTERNS = {
    "python": re.compile(r"^3\.\d+$"),
    "uv-version": re.compile(r"^\d+\.\d+\.\d+$"),
    "venv": re.compile(r"^/\S*$"),
    "workdir": re.compile(r"^/\S*$"),
}


class ConventionError(DockermigError):
    """An invalid convention setting; names the file and the key."""


@dataclass(frozen=True)
class Convention:
    """The settings that every migrated image should follow; None means no preference."""

    source: Path | None = None
    python: str | None = None
    debian_release: str | None = None
    builder: str = "python-slim"
    uv_version: str | None = None
    sync: str = "frozen"
    venv: str | None = None
    workdir: str | None = None


def find_convention(dockerfile: Path) -> Convention:
    """Return the convention nearest above `dockerfile`, or the defaults when there is none."""
    folder = dockerfile.resolve().parent
    for candidate in (folder, *folder.parents):
        convention = _convention_in(candidate)
        if convention is not None:
            return convention
    return Convention()


@cache
def _convention_in(folder: Path) -> Convention | None:
    yaml_path = folder / CONFIG_YAML
    if yaml_path.is_file():
        table = _read_yaml(yaml_path)
        return parse_convention(table, yaml_path) if _has_settings(table) else None
    pyproject = folder / "pyproject.toml"
    if not pyproject.is_file():
        return None
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as error:
        raise ConventionError(
            f"{pyproject}: cannot read it ({error}); fix the file"
        ) from None
    table = data.get("tool", {}).get("dockermig", {})
    return parse_convention(table, pyproject) if _has_settings(table) else None


def _has_settings(table: dict) -> bool:
    return any(key not in COMMAND_TABLES for key in table)


def _read_yaml(path: Path) -> dict:
    from ruamel.yaml import YAML, YAMLError

    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except (YAMLError, UnicodeDecodeError, OSError) as error:
        raise ConventionError(
            f"{path}: cannot read it ({error}); fix the file"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConventionError(
            f"{path}: expected a mapping of settings at the top level"
        )
    return data


def parse_convention(table: dict, source: Path) -> Convention:
    """Validate the settings of one file and return them; raise ConventionError naming a bad key."""
    values = {}
    for key, value in table.items():
        if key in COMMAND_TABLES:
            continue
        if key not in CHOICES and key not in PATTERNS:
            known = ", ".join(sorted([*CHOICES, *PATTERNS]))
            raise ConventionError(
                f"{source}: unknown setting {key!r}; use one of {known}"
            )
        text = str(value)
        if key in CHOICES and text not in CHOICES[key]:
            raise ConventionError(
                f"{source}: invalid {key} {text!r}; use one of {', '.join(CHOICES[key])}"
            )
        if key in PATTERNS and not PATTERNS[key].match(text):
            raise ConventionError(f"{source}: invalid {key} {text!r}")
        values[key.replace("-", "_")] = text
    return Convention(source=source, **values)
