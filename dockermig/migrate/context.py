"""Map paths inside the image back to files in the build context."""

import glob
import posixpath
from pathlib import Path

from dockermig.migrate.workdir import resolved_workdir
from dockermig.model import Stage
from dockermig.shell import split_words
from dockermig.syntax import Instruction


def copy_sources_and_destination(instruction: Instruction) -> tuple[list[str], str]:
    """Return the sources and destination of a COPY or ADD instruction."""
    if instruction.json_arguments is not None:
        values = instruction.json_arguments
    else:
        values = [
            word.value
            for word in split_words(instruction.arguments)
            if not word.is_operator
        ]
    if len(values) < 2:
        return [], ""
    return values[:-1], values[-1]


def find_context_file(
    stage: Stage,
    before: Instruction,
    container_path: str,
    context: Path,
    global_args: dict[str, str],
) -> Path | None:
    """Return the context file that the stage copied to `container_path` before `before`.

    Only COPY and ADD from the build context count (not `--from`). The latest
    copy that put a file at that path wins, as in the image.
    """
    instructions = stage.instructions
    end = next(index for index, item in enumerate(instructions) if item is before)
    for instruction in reversed(instructions[:end]):
        if instruction.name not in ("COPY", "ADD") or instruction.flag("from"):
            continue
        sources, destination = copy_sources_and_destination(instruction)
        if not sources:
            continue
        workdir = resolved_workdir(stage, instruction, global_args)
        target = posixpath.normpath(posixpath.join(workdir, destination))
        into_folder = (
            destination.endswith("/") or len(sources) > 1 or destination in (".", "./")
        )
        for source in sources:
            found = _match_source(source, target, into_folder, container_path, context)
            if found is not None:
                return found
    return None


def missing_copy_source(
    stage: Stage,
    before: Instruction,
    container_path: str,
    context: Path,
    global_args: dict[str, str],
) -> tuple[Instruction, str] | None:
    """Return the COPY or ADD before `before` that names a source for `container_path`
    which the build context does not have, with that source; None when there is none.

    Only plain sources count (no wildcards), because a wildcard that matches
    nothing names no file.
    """
    instructions = stage.instructions
    end = next(index for index, item in enumerate(instructions) if item is before)
    for instruction in reversed(instructions[:end]):
        if instruction.name not in ("COPY", "ADD") or instruction.flag("from"):
            continue
        sources, destination = copy_sources_and_destination(instruction)
        workdir = resolved_workdir(stage, instruction, global_args)
        target = posixpath.normpath(posixpath.join(workdir, destination))
        into_folder = (
            destination.endswith("/") or len(sources) > 1 or destination in (".", "./")
        )
        for source in sources:
            relative = posixpath.normpath(source.lstrip("/"))
            if glob.has_magic(relative) or (context / relative).exists():
                continue
            name = posixpath.basename(relative)
            targets = [posixpath.join(target, name)]
            if not into_folder:
                targets.append(target)
            if container_path in targets:
                return instruction, source
    return None


def _match_source(
    source: str, target: str, into_folder: bool, container_path: str, context: Path
) -> Path | None:
    relative = posixpath.normpath(source.lstrip("/")) if source.strip("/") else "."
    candidates = (
        sorted(glob.glob(relative, root_dir=context))
        if glob.has_magic(relative)
        else [relative]
    )
    for candidate in candidates:
        local = context / candidate
        if not _inside(local, context):
            continue
        if local.is_dir():
            if container_path == target or container_path.startswith(
                target.rstrip("/") + "/"
            ):
                inner = local / posixpath.relpath(container_path, target)
                if inner.is_file() and _inside(inner, context):
                    return inner
            continue
        name = posixpath.basename(candidate)
        targets = (
            [posixpath.join(target, name)]
            if into_folder
            else [target, posixpath.join(target, name)]
        )
        if container_path in targets and local.is_file():
            return local
    return None


def _inside(path: Path, context: Path) -> bool:
    return path.resolve().is_relative_to(context.resolve())
