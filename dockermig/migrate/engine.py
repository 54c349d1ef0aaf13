"""Decide what to do with one Dockerfile and compute every file migrate would write.

The engine reads the file, classifies it (migrate, unchanged, skip, or needs
attention with the reason), runs the rewrite steps in rules/migrate_*.py and
returns the new text of the Dockerfile and its companion files. It writes
nothing itself: dockermig.writer does that, so a refused or failed file
leaves the disk as it was.
"""

import re
from pathlib import Path

from dockermig.companions.dockerignore import plan_dockerignore
from dockermig.companions.lock import lock as run_uv_lock
from dockermig.companions.pyproject import IndexCredentialsError, PyprojectError, plan_pyproject
from dockermig.companions.requirements import RequirementSet, read_requirements
from dockermig.errors import DockermigError
from dockermig.migrate.commands import command_name, run_script, _shell_view
from dockermig.migrate.context import find_context_file
from dockermig.migrate.outcome import CannotMigrate, FileResult, Outcome
from dockermig.model import DockerfileModel, Stage, build_model
from dockermig.rules.migrate_apt_split import builder_apt_run, plan_apt_split
from dockermig.rules.migrate_base_image import choose_base_image
from dockermig.rules.migrate_builder_stage import builder_stage_text, venv_copy_text
from dockermig.rules.migrate_network_source import find_network_source
from dockermig.rules.migrate_pip_installs import PipPlan, plan_pip_installs
from dockermig.shell import split_words
from dockermig.syntax import Dockerfile, Instruction, read_dockerfile

_PIP_INSTALL = re.compile(r"\bpip[0-9.]*\s+install\b|-m\s+pip\s+install\b")
_UV_SYNC = re.compile(r"\buv\s+sync\b")
DEFAULT_WORKDIR = "/app"


def plan_migration(path: Path, run_lock: bool = True) -> FileResult:
    """Return the outcome for one Dockerfile and, when it migrates, the new file texts.

    With `run_lock` false, uv.lock is not made; its entry in `writes` is None.
    """
    try:
        tree, data = read_dockerfile(path)
    except DockermigError as error:
        return FileResult(path, Outcome.ERROR, str(error))
    result = FileResult(path, Outcome.MIGRATED, originals={path: data})
    try:
        _plan(tree, build_model(tree), result, run_lock)
    except (CannotMigrate, IndexCredentialsError, PyprojectError) as reason:
        return FileResult(path, Outcome.NEEDS_ATTENTION, str(reason))
    except DockermigError as error:
        return FileResult(path, Outcome.ERROR, str(error))
    return result


def _instruction_text(instruction: Instruction) -> str:
    return "\n".join([instruction.arguments, *(doc.content for doc in instruction.heredocs)])


def _plan(tree: Dockerfile, model: DockerfileModel, result: FileResult, run_lock: bool) -> None:
    if not model.stages:
        result.outcome, result.reason = Outcome.SKIPPED, "no FROM instruction"
        return
    runs = [item for item in tree.instructions if item.name == "RUN"]
    if any(_UV_SYNC.search(_instruction_text(run)) for run in runs):
        result.outcome, result.reason = Outcome.UNCHANGED, "already builds its venv with uv sync"
        return
    if not any(_PIP_INSTALL.search(_instruction_text(run)) for run in runs):
        result.outcome = Outcome.SKIPPED
        python_bases = [stage.base for stage in model.stages if "python" in stage.base.lower()]
        result.reason = (
            "Python image without pip installs" if python_bases else "not a Python image"
        )
        return
    if tree.escape != "\\":
        raise CannotMigrate("uses the backtick escape character of Windows images")
    if len(model.stages) > 1:
        raise CannotMigrate(
            f"has {len(model.stages)} stages; dockermig migrates single-stage pip builds so far"
        )
    stage = model.stages[0]
    source = find_network_source(stage)
    if source:
        raise CannotMigrate(source)
    _plan_single_stage(tree, model, stage, result, run_lock)


def _plan_single_stage(
    tree: Dockerfile, model: DockerfileModel, stage: Stage, result: FileResult, run_lock: bool
) -> None:
    path = result.path
    context = path.parent
    base = choose_base_image(stage)
    pip_plan = plan_pip_installs(stage, tree.escape, tree.newline)
    requirement_set = _read_requirements(stage, pip_plan, context)

    current_texts = {
        run.start: pip_plan.rewritten.get(run.start, run.text)
        for run in stage.instructions
        if run.name == "RUN" and run not in pip_plan.removed
    }
    by_start = {item.start: item for item in stage.instructions}
    apt_plan = plan_apt_split(
        [(by_start[start], text) for start, text in current_texts.items()],
        tree.escape,
        base.release,
        _programs_used_after(stage, pip_plan.anchor, tree.escape),
    )
    workdir = stage.workdir_at(pip_plan.anchor)
    if workdir == "/":
        workdir = DEFAULT_WORKDIR
    venv = f"{workdir}/.venv"
    builder_name = "builder" if (stage.name or "").lower() != "builder" else "uv-builder"
    apt_run = builder_apt_run(apt_plan.builder_packages, tree.newline) if apt_plan.builder_packages else ""
    platform = stage.from_instruction.flag("platform")
    builder = builder_stage_text(
        base.image,
        builder_name,
        workdir,
        apt_run,
        f"--platform={platform} " if platform else "",
        tree.newline,
    )

    parts = [tree.bom, *(node.text for node in model.preamble), builder, tree.newline]
    for node in stage.nodes:
        if node is stage.from_instruction:
            parts.append(_replace_from_image(node, base.image, tree.escape))
            continue
        if node is pip_plan.anchor:
            parts.append(venv_copy_text(builder_name, venv, tree.newline))
        if isinstance(node, Instruction) and node.name == "RUN":
            if node in pip_plan.removed:
                continue
            text = current_texts[node.start]
            if node.start in apt_plan.runtime_texts:
                text = apt_plan.runtime_texts[node.start]
            if text is not None:
                parts.append(text)
            continue
        parts.append(node.text)
    new_text = "".join(parts)

    result.writes[path] = new_text
    result.notes.extend(note for note in [base.note, *apt_plan.notes] if note)
    if apt_plan.builder_packages:
        result.notes.append(f"moved {', '.join(apt_plan.builder_packages)} to the builder stage")
    _plan_companions(context, requirement_set, base.minor, result, run_lock)


def _read_requirements(stage: Stage, pip_plan: PipPlan, context: Path):
    combined = RequirementSet()
    for container_path, instruction in pip_plan.requirement_files:
        local = find_context_file(stage, instruction, container_path, context)
        if local is None:
            raise CannotMigrate(
                f"line {instruction.line}: {container_path} is not copied into the image "
                "from the build context (the Dockerfile's folder), so its requirements "
                "cannot be read"
            )
        _merge(combined, read_requirements(local))
    combined.requirements.extend(
        package for package in pip_plan.packages if package not in combined.requirements
    )
    if combined.problems:
        problem = combined.problems[0]
        raise CannotMigrate(
            f"{problem.file}:{problem.line}: {problem.text!r}: {problem.reason}"
        )
    return combined


def _merge(combined, addition) -> None:
    """Add the requirements, constraints, indexes and problems of `addition` to `combined`."""
    for name in ("requirements", "constraints", "extra_index_urls", "find_links", "problems", "files"):
        target = getattr(combined, name)
        target.extend(item for item in getattr(addition, name) if item not in target)
    if addition.index_url:
        combined.index_url = addition.index_url
    combined.no_index = combined.no_index or addition.no_index


def _programs_used_after(stage: Stage, anchor: Instruction | None, escape: str) -> set[str]:
    """Return the program names that RUN, CMD, ENTRYPOINT and HEALTHCHECK call after the pip install."""
    programs: set[str] = set()
    seen_anchor = anchor is None
    for instruction in stage.instructions:
        if instruction is anchor:
            seen_anchor = True
            continue
        if not seen_anchor:
            continue
        if instruction.name == "RUN":
            script = run_script(instruction, escape)
            if script is not None:
                programs.update(command_name(command) for command in script.commands)
        elif instruction.name in ("CMD", "ENTRYPOINT", "HEALTHCHECK"):
            words = instruction.json_arguments or instruction.arguments.split()
            programs.update(word.rsplit("/", 1)[-1] for word in words)
    return programs


def _replace_from_image(instruction: Instruction, image: str, escape: str) -> str:
    """Return the FROM text with its image replaced, keeping flags, stage name, case and comments."""
    view = _shell_view(instruction.text, escape)
    words = [word for word in split_words(view) if not word.is_operator]
    image_word = words[1 + len(instruction.flags)]
    text = instruction.text
    return text[: image_word.start] + image + text[image_word.end :]


def _plan_companions(
    context: Path, requirement_set, python_minor: str, result: FileResult, run_lock: bool
) -> None:
    pyproject_path = context / "pyproject.toml"
    lock_path = context / "uv.lock"
    ignore_path = context / ".dockerignore"
    for companion in (pyproject_path, lock_path, ignore_path):
        result.originals[companion] = companion.read_bytes() if companion.exists() else None

    pyproject_text = plan_pyproject(context, requirement_set, python_minor)
    existing_lock = lock_path.read_text(encoding="utf-8") if lock_path.exists() else None
    old_pyproject = result.originals[pyproject_path]
    if old_pyproject is None or pyproject_text.encode("utf-8") != old_pyproject:
        result.writes[pyproject_path] = pyproject_text
    if existing_lock is None or pyproject_path in result.writes:
        lock_text = run_uv_lock(context, pyproject_text, existing_lock) if run_lock else None
        if lock_text is None or lock_text != existing_lock:
            result.writes[lock_path] = lock_text
    ignore_text = plan_dockerignore(context)
    if ignore_text is not None:
        result.writes[ignore_path] = ignore_text
    # The Dockerfile is written last, so an interrupted run leaves it as it was.
    result.writes[result.path] = result.writes.pop(result.path)
