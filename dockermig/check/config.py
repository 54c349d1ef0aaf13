"""Check settings from `[tool.dockermig.check]` in pyproject.toml or the `check:` mapping
of .dockermig.yaml, whichever is nearest above each Dockerfile.

    [tool.dockermig.check]
    select = ["DM1", "DM2"]          # codes, code prefixes or rule names; default all
    ignore = ["DM203"]
    fail-level = "warning"           # error, warning, info or none
    context = "."                    # build context, relative to this file's folder

    [[tool.dockermig.check.overrides]]
    files = ["services/legacy/**"]   # globs relative to this file's folder
    ignore = ["DM204"]

An unknown key or an invalid value raises ConfigError naming the file and key.
Other tables under [tool.dockermig] belong to the other commands and are not read here.
"""

import fnmatch
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from dockermig.check.findings import Severity
from dockermig.check.registry import validate_selector
from dockermig.errors import DockermigError

CONFIG_YAML = ".dockermig.yaml"
TOP_LEVEL_KEYS = {"select", "ignore", "fail-level", "context", "overrides"}
OVERRIDE_KEYS = {"files", "select", "ignore", "context"}
FAIL_LEVELS = ("error", "warning", "info", "none")


class ConfigError(DockermigError):
    """An invalid configuration file; exit code 2."""


@dataclass(frozen=True)
class Override:
    files: list[str]
    select: list[str] | None
    ignore: list[str]
    context: Path | None


@dataclass(frozen=True)
class CheckConfig:
    """Settings from one configuration file (or the defaults when there is none)."""

    source: Path | None = None
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    fail_level: str | None = None
    context: Path | None = None
    overrides: list[Override] = field(default_factory=list)

    def for_file(self, path: Path) -> "FileSettings":
        """Apply the overrides whose globs match `path`."""
        select, ignore, context = self.select, list(self.ignore), self.context
        base = self.source.parent if self.source else None
        for override in self.overrides:
            if base is None or not _matches_any(path, base, override.files):
                continue
            if override.select is not None:
                select = override.select
            ignore += override.ignore
            if override.context is not None:
                context = override.context
        return FileSettings(select, ignore, context)


@dataclass(frozen=True)
class FileSettings:
    select: list[str] | None
    ignore: list[str]
    context: Path | None


def _matches_any(path: Path, base: Path, patterns: list[str]) -> bool:
    try:
        relative = path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return False
    return any(fnmatch.fnmatch(relative, pattern) for pattern in patterns)


class ConfigFinder:
    """Find and cache the nearest configuration above each Dockerfile."""

    def __init__(self) -> None:
        self._by_folder: dict[Path, CheckConfig] = {}

    def config_for(self, dockerfile: Path) -> CheckConfig:
        folder = dockerfile.resolve().parent
        visited = []
        config = None
        for candidate in [folder, *folder.parents]:
            if candidate in self._by_folder:
                config = self._by_folder[candidate]
                break
            visited.append(candidate)
            config = load_config_in(candidate)
            if config is not None:
                break
        config = config or CheckConfig()
        for candidate in visited:
            self._by_folder[candidate] = config
        return config


def load_config_in(folder: Path) -> CheckConfig | None:
    """Read .dockermig.yaml or pyproject.toml [tool.dockermig] in `folder`; None when neither exists."""
    yaml_path = folder / CONFIG_YAML
    if yaml_path.is_file():
        return parse_config(
            _read_yaml(yaml_path).get("check") or {}, yaml_path, "check"
        )
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise ConfigError(
                f"{pyproject}: invalid TOML ({error}); fix the file"
            ) from None
        tool = data.get("tool", {}).get("dockermig")
        if tool is not None:
            return parse_config(
                tool.get("check") or {}, pyproject, "tool.dockermig.check"
            )
    return None


def _read_yaml(path: Path) -> dict:
    from ruamel.yaml import YAML, YAMLError

    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YAMLError) as error:
        raise ConfigError(f"{path}: invalid YAML ({error}); fix the file") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def parse_config(table: object, source: Path, prefix: str) -> CheckConfig:
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: {prefix} must be a table of settings")
    _reject_unknown(table, TOP_LEVEL_KEYS, source, prefix)
    fail_level = table.get("fail-level")
    if fail_level is not None and fail_level not in FAIL_LEVELS:
        raise ConfigError(
            f"{source}: invalid {prefix}.fail-level {fail_level!r}; "
            f"expected one of {', '.join(FAIL_LEVELS)}"
        )
    overrides = table.get("overrides", [])
    if not isinstance(overrides, list):
        raise ConfigError(f"{source}: {prefix}.overrides must be a list of tables")
    return CheckConfig(
        source=source,
        select=_selectors(table, "select", source, prefix),
        ignore=_selectors(table, "ignore", source, prefix) or [],
        fail_level=fail_level,
        context=_context(table, source, prefix),
        overrides=[
            _parse_override(item, source, f"{prefix}.overrides[{index}]")
            for index, item in enumerate(overrides)
        ],
    )


def _parse_override(item: object, source: Path, prefix: str) -> Override:
    if not isinstance(item, dict):
        raise ConfigError(f"{source}: {prefix} must be a table")
    _reject_unknown(item, OVERRIDE_KEYS, source, prefix)
    files = item.get("files")
    if (
        not isinstance(files, list)
        or not files
        or not all(isinstance(f, str) for f in files)
    ):
        raise ConfigError(f"{source}: {prefix}.files must be a non-empty list of globs")
    return Override(
        files=files,
        select=_selectors(item, "select", source, prefix),
        ignore=_selectors(item, "ignore", source, prefix) or [],
        context=_context(item, source, prefix),
    )


def _reject_unknown(table: dict, allowed: set[str], source: Path, prefix: str) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(
                f"{source}: unknown key {prefix}.{key}; expected one of {', '.join(sorted(allowed))}"
            )


def _selectors(table: dict, key: str, source: Path, prefix: str) -> list[str] | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(
            f"{source}: {prefix}.{key} must be a list of rule codes or names"
        )
    for item in value:
        try:
            validate_selector(item)
        except ValueError as error:
            raise ConfigError(f"{source}: {prefix}.{key}: {error}") from None
    return value


def _context(table: dict, source: Path, prefix: str) -> Path | None:
    value = table.get("context")
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{source}: {prefix}.context must be a folder path")
    return (source.parent / value).resolve()


def parse_fail_level(text: str) -> Severity | None:
    """Return the lowest severity that fails the run; None for `none`."""
    return None if text == "none" else Severity.parse(text)
