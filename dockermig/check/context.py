"""The input of every rule: the parsed file, its stage model and its build context on disk."""

import glob
import posixpath
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

from dockermig.dockerignore import (
    Pattern,
    ignore_file_path,
    is_excluded,
    parse_dockerignore,
)
from dockermig.convention import Convention, find_convention
from dockermig.model import DockerfileModel, build_model
from dockermig.syntax import Dockerfile


@dataclass
class BuildContext:
    """The build context folder, its .dockerignore, and the project's pyproject.toml.

    `assumed` is True when the context is the Dockerfile's folder by default
    rather than configured. When none of the file's sources are there, the
    build probably uses another folder, so rules about missing files stay quiet.
    """

    root: Path
    dockerignore: list[Pattern] | None
    assumed: bool = True
    pyproject: dict | None = None
    # The name of the ignore file that `dockerignore` comes from, for messages.
    ignore_file: str = ".dockerignore"

    @classmethod
    def load(cls, dockerfile: Path, root: Path | None) -> "BuildContext":
        assumed = root is None
        root = root if root is not None else dockerfile.parent
        ignore_path = ignore_file_path(dockerfile, root)
        return cls(
            root=root,
            dockerignore=_read_dockerignore(ignore_path),
            assumed=assumed,
            pyproject=_read_pyproject(root / "pyproject.toml"),
            ignore_file=ignore_path.name,
        )

    def exists(self, source: str) -> bool:
        """Return whether a COPY source (which may be a glob) names something in the context."""
        relative = posixpath.normpath(source).lstrip("/")
        if relative in ("", "."):
            return True
        if glob.has_magic(relative):
            return bool(glob.glob(relative, root_dir=self.root, include_hidden=True))
        return (self.root / relative).exists()

    def excluded(self, source: str) -> bool:
        """Return whether the ignore file leaves `source` out of the context."""
        if not self.dockerignore:
            return False
        return is_excluded(self.dockerignore, source)

    @property
    def project_is_packaged(self) -> bool | None:
        """Return whether uv installs the project itself (None when pyproject.toml is unknown).

        uv installs a project that declares a build system unless
        `[tool.uv] package = false`, and skips one without a build system
        unless `package = true`.
        """
        if self.pyproject is None:
            return None
        package = self.pyproject.get("tool", {}).get("uv", {}).get("package")
        if isinstance(package, bool):
            return package
        return "build-system" in self.pyproject


def _read_dockerignore(path: Path) -> list[Pattern] | None:
    try:
        return parse_dockerignore(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None


def _read_pyproject(path: Path) -> dict | None:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError):
        return None


@dataclass
class CheckContext:
    """Everything one check run over one file can read. Rules never open files themselves."""

    path: Path
    tree: Dockerfile
    build_context: BuildContext | None
    today: date = field(default_factory=date.today)

    @cached_property
    def model(self) -> DockerfileModel:
        return build_model(self.tree)

    @cached_property
    def convention(self) -> Convention:
        """The team's convention above this file; the defaults for text that is not on disk."""
        if not self.path.is_file():
            return Convention()
        return find_convention(self.path)

    @cached_property
    def migration_refusal(self) -> str | None:
        """Return why `dockermig migrate` would not rewrite this file, "" when it would.

        None for text that is not the file on disk. No lock is made, so this
        stays offline.
        """
        try:
            data = self.path.read_bytes()
            on_disk = data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        if on_disk != self.tree.to_text():
            return None
        from dockermig.migrate.engine import plan_migration
        from dockermig.migrate.outcome import Outcome

        result = plan_migration(
            self.path,
            run_lock=False,
            convention=self.convention,
            companions=False,
            parsed=(self.tree, data),
        )
        return "" if result.outcome is Outcome.MIGRATED else result.reason

    def drift_fix_repairs(self, code: str, instruction) -> bool:
        """Return whether `dockermig migrate --fix-drift` repairs finding `code` on `instruction`."""
        # Imported here, so a file with no such finding does not load migrate's modules.
        from dockermig.rules.migrate_fix_drift import drift_fix_repairs

        return drift_fix_repairs(self, code, instruction)

    @cached_property
    def analysis(self):
        from dockermig.check.analysis import Analysis

        return Analysis(self.model, self.today)
