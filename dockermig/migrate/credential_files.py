"""Keep files that carry index credentials out of the migrated image.

A requirements file or pip.conf whose index URLs carry a user name or
password is read at migrate time, and its credentials become build secrets.
The uv builder reads only pyproject.toml and uv.lock, so the runtime stage
has no use for such a file: a COPY of it would put the token in the image.
This step drops those sources from the runtime's COPY and ADD instructions,
and migrate adds the files to .dockerignore, so a `COPY . .` leaves them out
too.
"""

import glob
import json
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dockermig.companions.indexes import IndexSettings
from dockermig.companions.requirements import RequirementSet
from dockermig.migrate.commands import shell_view
from dockermig.migrate.context import copy_sources_and_destination
from dockermig.migrate.outcome import CannotMigrate
from dockermig.model import Stage
from dockermig.shell import split_commands, split_words
from dockermig.syntax import Instruction


@dataclass
class CredentialCopies:
    """The runtime edits that keep credential files out of the image.

    `texts` maps an instruction's offset to its new text, None to drop it.
    `files` are the credential files as paths relative to the build context.
    """

    files: list[str]
    texts: dict[int, str | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def find_credential_files(
    requirement_set: RequirementSet | None,
    settings: Iterable[IndexSettings],
    context: Path,
) -> list[str]:
    """Return the requirements files and pip.conf files in `context` whose index URLs carry credentials.

    The paths are relative to the context, with "/" separators, in the order
    found. A file outside the context cannot reach the image and is left out.
    """
    found: list[Path] = []
    if requirement_set is not None:
        for url, files in requirement_set.url_files.items():
            if _has_user_info(url):
                found.extend(files)
    for setting in settings:
        urls = [setting.index_url, *setting.extra_index_urls, *setting.find_links]
        if setting.path is not None and any(url and _has_user_info(url) for url in urls):
            found.append(setting.path)
    relative = []
    root = context.resolve()
    for path in found:
        resolved = path.resolve()
        if not resolved.is_relative_to(root):
            continue
        name = resolved.relative_to(root).as_posix()
        if name not in relative:
            relative.append(name)
    return relative


def _has_user_info(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.username or parts.password)


def plan_credential_copies(
    stage: Stage,
    files: list[str],
    context: Path,
    texts: dict[int, str | None],
    escape: str,
) -> CredentialCopies:
    """Drop the credential files from the runtime stage's COPY and ADD sources.

    `texts` contains the new text of the stage's instructions that other
    steps already changed (None when dropped). A COPY whose sources are all such
    files is dropped, and one that names other files too loses only those
    sources. A RUN that only deletes such files is dropped as well, because
    the files are no longer there. Raises CannotMigrate when another
    instruction still names one of the files, or when a COPY cannot be
    rewritten cleanly.
    """
    plan = CredentialCopies(files=list(files))
    if not files:
        return plan
    for instruction in stage.instructions:
        if instruction.start in texts and texts[instruction.start] is None:
            continue
        if instruction.name in ("COPY", "ADD") and not instruction.flag("from"):
            _plan_copy(instruction, files, context, escape, plan)
    for instruction in stage.instructions:
        text = texts.get(instruction.start, instruction.text)
        text = plan.texts.get(instruction.start, text)
        if text is None or instruction.name == "FROM":
            continue
        named = _named_files(text, files)
        if not named:
            continue
        if instruction.name == "RUN" and _only_removes(text, files, escape):
            plan.texts[instruction.start] = None
            plan.notes.append(
                f"dropped line {instruction.line} (`{_one_line(text)}`), because it only "
                f"deleted {_join(named)}, which the image no longer gets"
            )
            continue
        raise CannotMigrate(
            f"line {instruction.line} uses {_join(named)}, which {_carry(named)} index "
            "credentials that must not reach the image, so the migrated image does not "
            "get it; remove that use first"
        )
    plan.notes.append(
        f".dockerignore now excludes {_join(files)}, which {_carry(files)} index "
        "credentials, so no COPY puts them in the image"
    )
    return plan


def _plan_copy(
    instruction: Instruction,
    files: list[str],
    context: Path,
    escape: str,
    plan: CredentialCopies,
) -> None:
    if instruction.heredocs:
        return
    sources, destination = copy_sources_and_destination(instruction)
    credential = [
        position
        for position, source in enumerate(sources)
        if _is_credential_source(source, files, context)
    ]
    if not credential:
        return
    named = [sources[position] for position in credential]
    reason = (
        f"because {_join(named)} {_carry(named)} index credentials and the uv builder "
        "reads only pyproject.toml and uv.lock"
    )
    if len(credential) == len(sources):
        plan.texts[instruction.start] = None
        plan.notes.append(
            f"dropped line {instruction.line} (`{_one_line(instruction.text)}`) from the "
            f"runtime stage, {reason}"
        )
        return
    plan.texts[instruction.start] = _without_sources(
        instruction, credential, sources, destination, escape
    )
    plan.notes.append(
        f"removed {_join(named)} from the sources of line {instruction.line}, {reason}"
    )


def _is_credential_source(source: str, files: list[str], context: Path) -> bool:
    """Return whether a COPY source names only credential files.

    A folder, or a pattern that also matches other files, stays: the
    .dockerignore entry keeps the credential file out of what it copies.
    """
    relative = posixpath.normpath(source.lstrip("/")) if source.strip("/") else "."
    if not glob.has_magic(relative):
        return relative in files
    matches = [
        Path(match).as_posix()
        for match in glob.glob(relative, root_dir=context)
        if (context / match).is_file()
    ]
    return bool(matches) and all(match in files for match in matches)


def _without_sources(
    instruction: Instruction,
    removed: list[int],
    sources: list[str],
    destination: str,
    escape: str,
) -> str:
    """Return the COPY text without the sources at the positions in `removed`.

    With one source left, a destination without a final "/" would become a
    file name instead of a folder, so a "/" is added to it.
    """
    kept = [source for position, source in enumerate(sources) if position not in removed]
    as_folder = len(kept) == 1 and not _names_folder(destination)
    text = instruction.text
    if instruction.json_arguments is not None:
        opening, closing = text.find("["), text.rfind("]")
        if opening == -1 or text.count("[") != 1 or text.count("]") != 1:
            raise CannotMigrate(
                f"line {instruction.line}: the COPY copies files that carry index "
                "credentials together with others, in a form dockermig does not rewrite; "
                "copy those files in their own COPY, or remove them from it"
            )
        values = [*kept, destination + "/" if as_folder else destination]
        return text[:opening] + json.dumps(values) + text[closing + 1 :]
    view = shell_view(text, escape)
    words = [word for word in split_words(view) if not word.is_operator]
    arguments = words[1 + len(instruction.flags) :]
    if len(arguments) != len(sources) + 1:
        raise CannotMigrate(
            f"line {instruction.line}: the COPY copies files that carry index credentials "
            "together with others, and dockermig cannot split its sources; copy those "
            "files in their own COPY, or remove them from it"
        )
    # Each cut runs from a removed source to the next argument, so a source
    # on its own continuation line takes the line break with it.
    cuts = [
        (arguments[position].start, arguments[position + 1].start) for position in removed
    ]
    target = arguments[-1]
    if as_folder:
        text = text[: target.end] + "/" + text[target.end :]
    for start, end in sorted(cuts, reverse=True):
        text = text[:start] + text[end:]
    return text


def _names_folder(destination: str) -> bool:
    return destination.endswith("/") or posixpath.basename(destination) in (".", "..")


def _named_files(text: str, files: list[str]) -> list[str]:
    """Return the credential files whose name appears as a path in `text`."""
    named = []
    for name in files:
        basename = re.escape(posixpath.basename(name))
        if re.search(rf"(?<![\w.-]){basename}(?![\w.-])", text):
            named.append(name)
    return named


def _only_removes(text: str, files: list[str], escape: str) -> bool:
    """Return whether a shell-form RUN does nothing but `rm` credential files."""
    words = split_words(shell_view(text, escape))
    if not words or words[0].value.upper() != "RUN":
        return False
    commands = split_commands(words[1:])
    if not commands:
        return False
    basenames = {posixpath.basename(name) for name in files}
    for command in commands:
        values = [word.value for word in command]
        if values[0] != "rm":
            return False
        operands = [value for value in values[1:] if not value.startswith("-")]
        if not operands:
            return False
        if any(posixpath.basename(operand) not in basenames for operand in operands):
            return False
    return True


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _join(names: list[str]) -> str:
    return " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + f" and {names[-1]}"


def _carry(names: list[str]) -> str:
    return "carries" if len(names) == 1 else "carry"
