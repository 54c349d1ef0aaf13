"""pip's resolver and download options, and the [tool.uv] settings that keep their effect.

pip reads `--pre`, `--trusted-host`, `--no-binary` and `--only-binary` from
its command line and from requirements files. uv 0.13.9 reads the matching
settings from `[tool.uv]` in pyproject.toml: `prerelease`,
`allow-insecure-host`, `no-binary`, `no-binary-package`, `no-build` and
`no-build-package`. A form whose uv meaning differs raises PipOptionError
with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dockermig.errors import CompanionError

_ALL = ":all:"
_NONE = ":none:"


class PipOptionError(CompanionError):
    """A pip option whose effect has no exact [tool.uv] equivalent."""


@dataclass
class PipOptions:
    """The pip options of one install that uv reads from [tool.uv].

    `binary_options` lists each `--no-binary` or `--only-binary` value in
    the order pip read it, as ("no-binary" or "only-binary", value), because
    each value can undo an earlier one.
    """

    prerelease: bool = False
    trusted_hosts: list[str] = field(default_factory=list)
    binary_options: list[tuple[str, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.prerelease or bool(self.trusted_hosts or self.binary_options)

    def add_trusted_host(self, host: str) -> None:
        if host not in self.trusted_hosts:
            self.trusted_hosts.append(host)

    def extend(self, later: PipOptions) -> None:
        """Add the options that pip read after these, such as a requirements file's."""
        self.prerelease = self.prerelease or later.prerelease
        for host in later.trusted_hosts:
            self.add_trusted_host(host)
        self.binary_options.extend(later.binary_options)

    @property
    def applies_to_every_package(self) -> bool:
        """Return whether an option changes how every package is chosen, not only named ones."""
        return self.prerelease or any(
            _ALL in value.split(",") for _, value in self.binary_options
        )


def format_control(
    binary_options: list[tuple[str, str]],
) -> tuple[set[str], set[str]]:
    """Return pip's final (no-binary, only-binary) sets after reading the options in order.

    This follows `FormatControl.handle_mutual_excludes` of pip 26: `:all:`
    clears both sets, `:none:` clears the option's own set, and a package
    name moves from the other set to this one.
    """
    no_binary: set[str] = set()
    only_binary: set[str] = set()
    for option, value in binary_options:
        target, other = (
            (no_binary, only_binary) if option == "no-binary" else (only_binary, no_binary)
        )
        names = value.split(",")
        while _ALL in names:
            other.clear()
            target.clear()
            target.add(_ALL)
            names = names[names.index(_ALL) + 1 :]
            if _NONE not in names:
                names = []
        for name in names:
            if name == _NONE:
                target.clear()
                continue
            name = _normalize_name(name)
            other.discard(name)
            target.add(name)
    return no_binary, only_binary


def uv_settings(options: PipOptions) -> dict[str, object]:
    """Return the [tool.uv] settings that give uv the effect of `options`; raise PipOptionError."""
    settings: dict[str, object] = {}
    if options.prerelease:
        # pip --pre lets every package resolve to a pre-release, as uv's "allow" does.
        settings["prerelease"] = "allow"
    if options.trusted_hosts:
        settings["allow-insecure-host"] = list(options.trusted_hosts)
    no_binary, only_binary = format_control(options.binary_options)
    mixed = (_ALL in no_binary and only_binary) or (_ALL in only_binary and no_binary)
    if mixed:
        # pip lets a named package override the other option's :all:; whether uv's
        # settings combine the same way is not checked, so this form is not translated.
        raise PipOptionError(
            f"pip runs with --no-binary {_describe(no_binary)} and --only-binary "
            f"{_describe(only_binary)}; dockermig does not translate :all: together with "
            "package names of the other option, so set [tool.uv] no-binary, "
            "no-binary-package, no-build and no-build-package in pyproject.toml by hand"
        )
    if no_binary == {_ALL}:
        settings["no-binary"] = True
    elif no_binary:
        settings["no-binary-package"] = sorted(no_binary)
    if only_binary == {_ALL}:
        settings["no-build"] = True
    elif only_binary:
        settings["no-build-package"] = sorted(only_binary)
    return settings


def uv_settings_notes(settings: dict[str, object]) -> list[str]:
    """Return one summary line for each setting that keeps a pip option's effect."""
    notes = []
    if "prerelease" in settings:
        notes.append(
            'pip ran with --pre, so pyproject.toml sets [tool.uv] prerelease = "allow" '
            "and uv may lock pre-release versions too"
        )
    hosts = settings.get("allow-insecure-host")
    if hosts:
        notes.append(
            f"pip trusted {', '.join(hosts)} (--trusted-host), so pyproject.toml lists "
            f"{_them(hosts)} in [tool.uv] allow-insecure-host and uv skips TLS certificate "
            "checks there, as pip did"
        )
    if settings.get("no-binary") is True:
        notes.append(
            "pip ran with --no-binary :all:, so pyproject.toml sets [tool.uv] "
            "no-binary = true and the builder builds every package from source"
        )
    if settings.get("no-binary-package"):
        names = settings["no-binary-package"]
        notes.append(
            f"pip built {', '.join(names)} from source (--no-binary), so pyproject.toml "
            f"lists {_them(names)} in [tool.uv] no-binary-package"
        )
    if settings.get("no-build") is True:
        notes.append(
            "pip ran with --only-binary :all:, so pyproject.toml sets [tool.uv] "
            "no-build = true and uv installs wheels only"
        )
    if settings.get("no-build-package"):
        names = settings["no-build-package"]
        notes.append(
            f"pip installed {', '.join(names)} from wheels only (--only-binary), so "
            f"pyproject.toml lists {_them(names)} in [tool.uv] no-build-package"
        )
    return notes


def _them(items: list) -> str:
    return "it" if len(items) == 1 else "them"


def _describe(names: set[str]) -> str:
    return ",".join(sorted(names)) or _NONE


def _normalize_name(name: str) -> str:
    """Return the PEP 503 normalized form of a project name, as pip compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()
