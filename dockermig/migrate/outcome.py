"""The outcome of migrating one Dockerfile, and the exception a rewrite step raises to refuse."""

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


class Outcome(str, Enum):
    MIGRATED = "migrated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    NEEDS_ATTENTION = "needs attention"
    ERROR = "error"


class CannotMigrate(Exception):
    """Raised by a rewrite step when the file cannot be migrated safely; the message is the reason."""


@dataclass
class FileResult:
    """Migrate's decision for one Dockerfile, and the text of every file it would write."""

    path: Path
    outcome: Outcome
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    # New text per path; None as the value means "run uv lock to make this file".
    writes: dict[Path, str] = field(default_factory=dict)
    originals: dict[Path, bytes | None] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "path": str(self.path),
            "outcome": self.outcome.value,
            "reason": self.reason,
            "notes": self.notes,
            "files": sorted(str(path) for path in self.writes),
        }
