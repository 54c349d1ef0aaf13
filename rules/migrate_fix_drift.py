"""Migrate step (with --fix-drift): repair Dockerfiles that already use uv but drift.

Only fixes whose result is certain are made, each as an edit of the
instruction it touches:

- a python tag that is not in the image's grammar becomes the nearest real
  tag with the same words (`python:3.11-bookworm-slim` becomes
  `python:3.11-slim-bookworm`);
- `AS` in `FROM ... AS name` takes the case of `FROM`;
- `uv sync` without `--locked` or `--frozen` gets the convention's flag, so
  the image installs what uv.lock records.

Everything else that check reports stays for the user to fix.
"""

import re
from dataclasses import dataclass, field

from dockermig.images import (
    is_python_image,
    nearest_tag,
    parse_image_ref,
    python_tag_candidates,
    python_tag_exists,
)
from dockermig.model import DockerfileModel
from dockermig.syntax import Instruction

_FROM_AS = re.compile(r"(\s)(as)(\s+\S+\s*)$", re.IGNORECASE)
_UV_SYNC = re.compile(r"\buv(\s+)sync\b")


@dataclass
class DriftFixes:
    """New text per instruction offset, and one note per fix."""

    texts: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def plan_drift_fixes(model: DockerfileModel, sync_flag: str) -> DriftFixes:
    """Return the fixes for the whole file; `sync_flag` is "frozen" or "locked"."""
    fixes = DriftFixes()
    for stage in model.stages:
        _fix_from(stage.from_instruction, fixes)
        # UV_FROZEN or UV_LOCKED in the environment already pin the sync.
        pinned = any(
            item.name == "ENV"
            and re.search(r"\bUV_(?:FROZEN|LOCKED)\b", item.arguments)
            for item in stage.instructions
        )
        for instruction in stage.instructions:
            if instruction.name == "RUN" and not pinned:
                _fix_sync_flag(instruction, sync_flag, fixes)
    return fixes


def _current(instruction: Instruction, fixes: DriftFixes) -> str:
    return fixes.texts.get(instruction.start, instruction.text)


def _fix_from(instruction: Instruction, fixes: DriftFixes) -> None:
    words = instruction.arguments.split()
    if not words or "$" in words[0]:
        return
    ref = parse_image_ref(words[0])
    if (
        is_python_image(ref)
        and ref.tag
        and not ref.digest
        and not python_tag_exists(ref.tag)
    ):
        suggestion = nearest_tag(ref.tag, python_tag_candidates(ref.tag))
        if suggestion and python_tag_exists(suggestion):
            fixed = f"{ref.repository}:{suggestion}"
            fixes.texts[instruction.start] = _current(instruction, fixes).replace(
                words[0], fixed, 1
            )
            fixes.notes.append(
                f"line {instruction.line}: replaced {words[0]}, which does not exist, with {fixed}"
            )
    text = _current(instruction, fixes)
    body = text.rstrip("\r\n")
    match = _FROM_AS.search(body)
    if match:
        wanted = (
            "AS"
            if instruction.keyword.isupper()
            else "as"
            if instruction.keyword.islower()
            else None
        )
        if wanted and match.group(2) != wanted:
            start, end = match.span(2)
            fixes.texts[instruction.start] = (
                body[:start] + wanted + body[end:] + text[len(body) :]
            )
            fixes.notes.append(
                f"line {instruction.line}: wrote `{wanted}` in the case of {instruction.keyword}"
            )


def _fix_sync_flag(instruction: Instruction, sync_flag: str, fixes: DriftFixes) -> None:
    arguments = instruction.arguments
    if not _UV_SYNC.search(arguments) or re.search(r"--(?:locked|frozen)\b", arguments):
        return
    text = _current(instruction, fixes)
    match = _UV_SYNC.search(text)
    if match is None:
        return
    fixes.texts[instruction.start] = (
        text[: match.end()] + f" --{sync_flag}" + text[match.end() :]
    )
    fixes.notes.append(
        f"line {instruction.line}: added --{sync_flag} to uv sync, so the image installs what uv.lock records"
    )
