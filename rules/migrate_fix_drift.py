"""Migrate step (with --fix-drift): repair Dockerfiles that already use uv but drift.

Only fixes whose result is certain are made, each as an edit of the
instruction it touches:

- a python tag that is not in the image's grammar becomes the nearest real
  tag with the same words (`python:3.11-bookworm-slim` becomes
  `python:3.11-slim-bookworm`);
- `AS` in `FROM ... AS name` takes the case of `FROM`;
- `uv sync` without `--locked` or `--frozen` gets the convention's flag, so
  the image installs what uv.lock records;
- a venv copied to another path than the builder made it at is copied to
  the builder's path, because its scripts' shebangs name that path. ENV
  values of the receiving stage that name the old path (PATH, VIRTUAL_ENV)
  follow it;
- a RUN of `uv sync`, `uv pip install` or `uv pip sync` without a cache
  mount gets `--mount=type=cache,target=/root/.cache/uv`, as the migrated
  builder has;
- a stage whose uv cache mount runs without `UV_LINK_MODE=copy` gets
  `ENV UV_LINK_MODE=copy` before that RUN.

A fix whose result is not certain is not made, and `unfixed` gives the reason.
When a venv is built on one Python minor or Debian release and copied to a
stage on another (check's DM101 and DM102), no fix is made at all and
`unfixed` names the stages, so migrate reports the file as needing attention:
which of the two versions the image should use is the user's choice.
Everything else that check reports stays for the user to fix.
"""

import posixpath
import re
from dataclasses import dataclass, field
from datetime import date

from dockermig.check.analysis import (
    Analysis,
    VenvCopy,
    absolute_path,
    cache_mount_targets,
    copy_sources,
    is_within,
    stage_label,
    truthy,
    venv_pairs,
)
from dockermig.images import (
    is_python_image,
    nearest_tag,
    parse_image_ref,
    python_tag_candidates,
    python_tag_exists,
)
from dockermig.migrate.commands import shell_view
from dockermig.model import DockerfileModel, Stage, stage_parent
from dockermig.shell import split_words
from dockermig.syntax import Instruction

_FROM_AS = re.compile(r"(\s)(as)(\s+\S+\s*)$", re.IGNORECASE)
_UV_SYNC = re.compile(r"\buv(\s+)sync\b")
_RUN_KEYWORD = re.compile(r"^\s*RUN[ \t]+", re.IGNORECASE)
# The uv commands that install packages, as DM107 and DM108 read them.
CACHED_CALLS = (("sync",), ("pip", "install"), ("pip", "sync"))
LINK_MODE_CALLS = (*CACHED_CALLS, ("venv",), ("tool", "install"))
UV_CACHE = "/root/.cache/uv"
CACHE_MOUNT = f"--mount=type=cache,target={UV_CACHE}"


@dataclass
class DriftFixes:
    """New text per instruction offset, one note per fix, and the reasons for fixes not made.

    `fixed` contains (check code, instruction offset) for each finding of
    DM104, DM106, DM107, DM108, DM201 or DM301 that the fixes repair.
    """

    texts: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    unfixed: list[str] = field(default_factory=list)
    fixed: set[tuple[str, int]] = field(default_factory=set)


def plan_drift_fixes(
    model: DockerfileModel, sync_flag: str, analysis: Analysis | None = None
) -> DriftFixes:
    """Return the fixes for the whole file; `sync_flag` is "frozen" or "locked".

    `analysis` is check's analysis of the same model, when the caller has one.
    """
    analysis = analysis or Analysis(model, date.today())
    mismatches = _stage_mismatches(analysis)
    if mismatches:
        return DriftFixes(unfixed=mismatches)
    fixes = DriftFixes()
    for copy in analysis.venv_copies:
        if copy.landing != copy.build.path:
            _fix_venv_copy(model, copy, fixes)
    for stage in model.stages:
        _fix_cache_mounts(model, analysis, stage, fixes)
        _fix_link_mode(model, analysis, stage, fixes)
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
    # Every note starts with "line N:"; a stable sort keeps the fixes of one line in order.
    fixes.notes.sort(key=_line_number)
    fixes.unfixed.sort(key=_line_number)
    return fixes


def _stage_mismatches(analysis: Analysis) -> list[str]:
    """Return one reason per stage that runs a venv built on another Python minor or release.

    The conditions are those of check's DM102 and DM101.
    """
    reasons = []
    for pair in venv_pairs(analysis):
        builder = analysis.stage_facts(pair.build.stage)
        runtime = analysis.stage_facts(pair.stage)
        if builder is None or runtime is None:
            continue
        differences = []
        if (
            builder.python_minor
            and runtime.python_minor
            and builder.python_minor != runtime.python_minor
        ):
            differences.append(
                f"Python {builder.python_minor} in {stage_label(pair.build.stage)} "
                f"and Python {runtime.python_minor} in {stage_label(pair.stage)}"
            )
        if (
            builder.release
            and runtime.release
            and builder.release != runtime.release
            and builder.libc == runtime.libc == "glibc"
            and "ubuntu" not in (builder.release, runtime.release)
        ):
            differences.append(
                f"Debian {builder.release} in {stage_label(pair.build.stage)} "
                f"and {runtime.release} in {stage_label(pair.stage)}"
            )
        if differences:
            reasons.append(
                f"line {pair.stage.from_instruction.line}: the venv is built and run on "
                f"different images ({'; '.join(differences)}); --fix-drift does not choose "
                "a Python version or release, so use the same one in both FROM lines first"
            )
    return reasons


def _line_number(note: str) -> int:
    return int(note.split(":", 1)[0].removeprefix("line "))


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
            fixes.fixed.add(("DM201", instruction.start))
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
            fixes.fixed.add(("DM301", instruction.start))
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
    # Only the first `uv sync` of the RUN gets the flag.
    if len(_UV_SYNC.findall(arguments)) == 1:
        fixes.fixed.add(("DM106", instruction.start))
    fixes.notes.append(
        f"line {instruction.line}: added --{sync_flag} to uv sync, so the image installs what uv.lock records"
    )


def _mentions_path(text: str, path: str) -> bool:
    return _path_pattern(path).search(text) is not None


def _path_pattern(path: str) -> re.Pattern:
    """Match `path` as a whole path or a prefix of one, not as part of a longer name."""
    return re.compile(re.escape(path) + r"(?![A-Za-z0-9_.-])")


def _fix_venv_copy(model: DockerfileModel, copy: VenvCopy, fixes: DriftFixes) -> None:
    """Copy the venv to the path it was built at, and move ENV values that name the old path."""
    instruction, built, landing = copy.instruction, copy.build.path, copy.landing
    line = instruction.line

    def leave(reason: str) -> None:
        fixes.unfixed.append(
            f"line {line}: left the copy of the venv built at {built} to {landing}: {reason}"
        )

    paths = copy_sources(instruction)
    if (
        instruction.json_arguments is not None
        or instruction.heredocs
        or paths is None
        or len(paths[0]) != 1
        or not copy.copies_only_venv
    ):
        leave("the COPY carries more than the venv, or is not in shell form")
        return
    if model.tree.escape != "\\":
        leave("the file uses another escape character")
        return
    env_edits: dict[int, str] = {}
    for stage in model.stages:
        for other in stage.instructions:
            if other is instruction or not _mentions_path(other.text, landing):
                continue
            if stage is copy.stage and other.name == "ENV":
                env_edits[other.start] = _path_pattern(landing).sub(
                    built, _current(other, fixes)
                )
                continue
            leave(f"line {other.line} also uses {landing}; change both by hand")
            return
    after = copy.stage.instructions[copy.stage.instructions.index(instruction) + 1 :]
    for other in after:
        if other.name not in ("COPY", "ADD"):
            continue
        target = copy_sources(other)
        if target is None:
            continue
        destination = absolute_path(target[1], copy.stage.workdir_at(other))
        if is_within(built, destination):
            leave(
                f"line {other.line} copies files into {destination}, which would hold "
                f"the venv at {built}"
            )
            return
    text = _current(instruction, fixes)
    words = [
        word
        for word in split_words(shell_view(text, model.tree.escape))
        if not word.is_operator
    ]
    destination = words[-1]
    fixes.texts[instruction.start] = text[: destination.start] + built + text[destination.end :]
    fixes.texts.update(env_edits)
    fixes.fixed.add(("DM104", instruction.start))
    fixes.notes.append(
        f"line {line}: copied the venv to {built}, where the builder made it, in place of "
        f"{landing}, because its scripts' shebangs name {built}/bin/python"
    )
    for start in env_edits:
        env_line = next(item.line for item in copy.stage.instructions if item.start == start)
        fixes.notes.append(f"line {env_line}: the ENV value that named {landing} now names {built}")


def _runs_as_root(model: DockerfileModel, stage: Stage, before: Instruction) -> bool:
    """Return whether the last USER before `before` (in the stage or those it builds FROM) is root."""
    chain = [stage]
    parent = stage_parent(model, stage)
    while parent is not None:
        chain.append(parent)
        parent = stage_parent(model, parent)
    user = None
    for current in reversed(chain):
        for instruction in current.instructions:
            if instruction is before:
                break
            if instruction.name == "USER":
                user = instruction.arguments.strip().split(":")[0]
    return user in (None, "root", "0")


def _fix_cache_mounts(
    model: DockerfileModel, analysis: Analysis, stage: Stage, fixes: DriftFixes
) -> None:
    """Add uv's cache mount to each RUN that installs with uv without one."""
    done: set[int] = set()
    for call in analysis.uv_calls(stage):
        instruction = call.instruction
        if call.subcommand not in CACHED_CALLS or instruction.start in done:
            continue
        env = analysis.env_for(stage, call)
        if call.has_option("--no-cache", "-n") or truthy(env.get("UV_NO_CACHE")):
            continue
        if cache_mount_targets(instruction):
            # Either uv's cache is mounted, or DM107 reports a mount on another folder.
            continue
        done.add(instruction.start)
        line = instruction.line
        cache_dir = call.option_value("--cache-dir") or env.get("UV_CACHE_DIR")
        if cache_dir or not _runs_as_root(model, stage, instruction):
            fixes.unfixed.append(
                f"line {line}: left `uv {' '.join(call.subcommand)}` without a cache mount, "
                "because its cache folder is not /root/.cache/uv (a USER or UV_CACHE_DIR "
                "changes it); add `--mount=type=cache,target=<uv's cache folder>` by hand"
            )
            continue
        text = _current(instruction, fixes)
        keyword = _RUN_KEYWORD.match(text)
        if instruction.heredocs or keyword is None or model.tree.escape != "\\":
            fixes.unfixed.append(
                f"line {line}: left the RUN without a cache mount, because it is a heredoc "
                f"or uses another escape character; add `{CACHE_MOUNT}` by hand"
            )
            continue
        newline = "\r\n" if text.endswith("\r\n") else "\n"
        fixes.texts[instruction.start] = (
            text[: keyword.end()]
            + f"{CACHE_MOUNT} \\{newline}    "
            + text[keyword.end() :]
        )
        fixes.fixed.add(("DM107", instruction.start))
        fixes.notes.append(
            f"line {line}: added `{CACHE_MOUNT}`, so uv reuses downloads and builds "
            "between image builds"
        )


def _fix_link_mode(
    model: DockerfileModel, analysis: Analysis, stage: Stage, fixes: DriftFixes
) -> None:
    """Add `ENV UV_LINK_MODE=copy` before the first RUN whose uv cache mount runs without it."""
    added_before: Instruction | None = None
    for call in analysis.uv_calls(stage):
        instruction = call.instruction
        if call.subcommand not in LINK_MODE_CALLS:
            continue
        mounted = cache_mount_targets(instruction) or (
            ("DM107", instruction.start) in fixes.fixed
        )
        if not mounted:
            continue
        mode = call.option_value("--link-mode") or analysis.env_for(stage, call).get(
            "UV_LINK_MODE"
        )
        if mode == "copy":
            continue
        if mode is not None:
            fixes.unfixed.append(
                f"line {instruction.line}: left the uv link mode {mode} as written; with a "
                "cache mount, uv needs UV_LINK_MODE=copy"
            )
            continue
        fixes.fixed.add(("DM108", instruction.start))
        if added_before is not None:
            continue
        text = _current(instruction, fixes)
        newline = "\r\n" if text.endswith("\r\n") else "\n"
        indent = text[: len(text) - len(text.lstrip(" \t"))]
        fixes.texts[instruction.start] = f"{indent}ENV UV_LINK_MODE=copy{newline}{text}"
        fixes.notes.append(
            f"line {instruction.line}: added `ENV UV_LINK_MODE=copy` before the RUN, because "
            "uv cannot hard-link from a cache mount and copies with a warning on every build"
        )
        added_before = instruction


def drift_fix_repairs(context, code: str, instruction: Instruction) -> bool:
    """Return whether `dockermig migrate --fix-drift` repairs the finding `code` on `instruction`.

    For check rules: the fixes are planned once per file, on first use, with
    check's own analysis.
    """
    model = context.model
    # migrate applies these fixes only to a file that runs `uv sync`.
    if not any(
        item.name == "RUN" and _UV_SYNC.search(item.arguments)
        for item in model.tree.instructions
    ):
        return False
    fixes = model.__dict__.get("_drift_fixes")
    if fixes is None:
        fixes = plan_drift_fixes(model, "frozen", context.analysis)
        model.__dict__["_drift_fixes"] = fixes
    return (code, instruction.start) in fixes.fixed
