"""Decide what to do with one Dockerfile and compute every file migrate would write.

The engine reads the file, classifies it (migrate, unchanged, skip, or needs
attention with the reason), runs the rewrite steps in rules/migrate_*.py and
returns the new text of the Dockerfile and its companion files. It writes
nothing itself: dockermig.writer does that, so a refused or failed file
leaves the disk as it was.
"""

import fnmatch
import posixpath
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from dockermig.convention import Convention, find_convention
from dockermig.discovery import is_dockerfile_name
from dockermig.errors import CompanionError, DockermigError
from dockermig.images import (
    default_debian_release,
    pinned_uv_version,
    python_minors_for,
)
from dockermig.migrate.commands import command_name, pip_arguments, run_script, shell_view
from dockermig.migrate.context import copy_sources_and_destination
from dockermig.migrate.credential_files import (
    find_credential_files,
    plan_credential_copies,
)
from dockermig.migrate.dependencies import (
    Dependencies,
    index_secrets,
    index_setting_instructions,
    plan_index_secrets,
    read_dependencies,
    read_index_settings,
    read_requirement_files,
)
from dockermig.migrate.outcome import CannotMigrate, FileResult, Outcome
from dockermig.migrate.workdir import resolved_workdir
from dockermig.model import DockerfileModel, Stage, build_model, stage_env, substitute
from dockermig.rules.migrate_apt_split import builder_apt_run, plan_apt_split
from dockermig.rules.migrate_base_image import BaseChoice, choose_base_image
from dockermig.rules.migrate_builder_stage import builder_stage_text, venv_copy_text
from dockermig.rules.migrate_fix_drift import plan_drift_fixes
from dockermig.rules.migrate_multi_stage import plan_multi_stage
from dockermig.rules.migrate_network_source import find_network_source
from dockermig.rules.migrate_pip_installs import (
    PipPlan,
    find_tool_uses,
    mentions_pip_install,
    plan_pip_installs,
)
from dockermig.shell import split_words
from dockermig.syntax import Dockerfile, Instruction, read_dockerfile

_UV_SYNC = re.compile(r"\buv\s+sync\b")
_LEGACY_INSTALL = re.compile(r"\bsetup\.py\s+(?:install|develop)\b|\beasy_install\b")
# pip settings that uv does not read and migrate does not translate.
_PIP_SETTINGS = re.compile(
    r"\bPIP_(?:CONSTRAINT|REQUIREMENT|CONFIG_FILE)\b|\bpip\s+config\b"
)
# ARG and ENV names that carry index settings; migrate moves them into pyproject.toml.
_IMAGE_PROGRAM_PATH = re.compile(r"/usr/local/bin/([A-Za-z0-9_.+-]+)")
_UV_IMAGE = re.compile(r"^(?:ghcr\.io/astral-sh|(?:docker\.io/)?astral)/uv(?::|@|$)")
DEFAULT_WORKDIR = "/app"


def plan_migration(
    path: Path,
    run_lock: bool = True,
    release: str | None = None,
    convention: Convention | None = None,
    companions: bool = True,
    parsed: tuple[Dockerfile, bytes] | None = None,
    fix_drift: bool = False,
) -> FileResult:
    """Return the outcome for one Dockerfile and, when it migrates, the new file texts.

    With `run_lock` false, uv.lock is not made and its entry in `writes` is
    None. `release` is the Debian release for tags that do not name one; it
    overrides the convention's. `convention` defaults to the one found above
    the file. With `companions` false, only the Dockerfile is planned, which
    is all `check` needs to tell whether migrate would rewrite it. `parsed`
    is the tree and bytes of the file when the caller has read them already.
    With `fix_drift`, a file that already uses uv gets the fixes of
    rules/migrate_fix_drift.py.
    """
    if path.is_symlink():
        return FileResult(
            path,
            Outcome.ERROR,
            f"{path}: is a symbolic link; migrate the file it points to instead",
        )
    try:
        tree, data = parsed or read_dockerfile(path)
    except DockermigError as error:
        return FileResult(path, Outcome.ERROR, str(error))
    result = FileResult(path, Outcome.MIGRATED, originals={path: data})
    try:
        if convention is None:
            convention = find_convention(path)
        if release:
            convention = replace(convention, debian_release=release)
        model = build_model(tree)
        if fix_drift and _uses_uv_sync(tree):
            _fix_drift(tree, model, result, convention)
        else:
            _plan(tree, model, result, run_lock, convention, companions)
    except (CannotMigrate, CompanionError) as reason:
        return FileResult(path, Outcome.NEEDS_ATTENTION, str(reason))
    except DockermigError as error:
        return FileResult(path, Outcome.ERROR, str(error))
    return result


def _uses_uv_sync(tree: Dockerfile) -> bool:
    return any(
        run.name == "RUN" and _UV_SYNC.search(run.arguments)
        for run in tree.instructions
    )


def _fix_drift(
    tree: Dockerfile, model: DockerfileModel, result: FileResult, convention: Convention
) -> None:
    fixes = plan_drift_fixes(model, convention.sync)
    if not fixes.texts and fixes.unfixed:
        result.outcome, result.reason = Outcome.NEEDS_ATTENTION, "; ".join(fixes.unfixed)
        return
    if not fixes.texts:
        result.outcome, result.reason = (
            Outcome.UNCHANGED,
            "already builds its venv with uv sync",
        )
        return
    parts = [tree.bom]
    for node in tree.nodes:
        parts.append(
            fixes.texts.get(node.start, node.text)
            if isinstance(node, Instruction)
            else node.text
        )
    result.writes[result.path] = "".join(parts)
    result.notes.extend(fixes.notes)
    result.notes.extend(fixes.unfixed)


def _plan(
    tree: Dockerfile,
    model: DockerfileModel,
    result: FileResult,
    run_lock: bool,
    convention: Convention,
    companions: bool = True,
) -> None:
    if not model.stages:
        result.outcome, result.reason = Outcome.SKIPPED, "no FROM instruction"
        return
    runs = [item for item in tree.instructions if item.name == "RUN"]
    if any(_UV_SYNC.search(run.arguments) for run in runs):
        result.outcome, result.reason = (
            Outcome.UNCHANGED,
            "already builds its venv with uv sync",
        )
        return
    if not any(mentions_pip_install(run) for run in runs):
        result.outcome = Outcome.SKIPPED
        onbuild = next(
            (
                item
                for item in tree.instructions
                if item.name == "ONBUILD"
                and item.trigger is not None
                and mentions_pip_install(item.trigger)
            ),
            None,
        )
        if onbuild is not None:
            result.reason = (
                f"line {onbuild.line}: pip install runs only in an ONBUILD step, which "
                "runs in the images built FROM this one, so it is left alone"
            )
            return
        python_bases = [
            stage.base for stage in model.stages if "python" in stage.base.lower()
        ]
        result.reason = (
            "Python image without pip installs"
            if python_bases
            else "not a Python image"
        )
        return
    result.notes.extend(_check_migratable(tree, model, result.path))
    if len(model.stages) > 1:
        _plan_multi_stage(tree, model, result, run_lock, convention, companions)
    else:
        _plan_single_stage(
            tree, model, model.stages[0], result, run_lock, convention, companions
        )


def _check_migratable(
    tree: Dockerfile, model: DockerfileModel, path: Path
) -> list[str]:
    """Raise CannotMigrate for the shapes that migrate does not rewrite, else return notes on the folder."""
    if tree.escape != "\\":
        raise CannotMigrate("uses the backtick escape character of Windows images")
    neighbours = sorted(
        other
        for other in path.parent.iterdir()
        if other != path and other.is_file() and is_dockerfile_name(other.name)
    )
    conflicts = [
        f"{neighbour.name}, {conflict}"
        for neighbour in neighbours
        if (conflict := _neighbour_conflict(neighbour))
    ]
    if conflicts:
        raise CannotMigrate(
            "shares its folder, and so pyproject.toml and uv.lock, with "
            f"{'; and with '.join(conflicts)}; give each Dockerfile its own folder first"
        )
    notes = [
        f"{neighbour.name} shares the folder and its .dockerignore, but it is not a Python "
        "image and copies none of the files migrate writes"
        for neighbour in neighbours
    ]
    for stage in model.stages:
        source = find_network_source(stage)
        if source:
            raise CannotMigrate(source)
    for instruction in tree.instructions:
        text = instruction.text
        if instruction.name == "RUN" and _LEGACY_INSTALL.search(text):
            raise CannotMigrate(
                f"line {instruction.line}: `setup.py install` or easy_install would run "
                "with the venv's Python, which has no setuptools; install the project "
                "with `pip install .` first"
            )
        if instruction.name == "RUN" and mentions_pip_install(instruction):
            _check_pip_config_mounts(instruction)
        match = _PIP_SETTINGS.search(text)
        if match and match.group(0) == "PIP_CONFIG_FILE":
            raise CannotMigrate(
                f"line {instruction.line}: PIP_CONFIG_FILE makes pip read index settings "
                "from a file that dockermig does not read, so uv.lock would resolve from "
                "PyPI; copy the pip.conf from the build context instead, or write its "
                "index URL (without credentials) into requirements.txt"
            )
        if match:
            raise CannotMigrate(
                f"line {instruction.line}: {match.group(0)} configures pip in a way "
                "dockermig does not translate for uv"
            )
        if instruction.name in ("RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK"):
            _check_program_paths(instruction, tree)
    return notes


_PIP_CONFIG_TARGET = re.compile(r"(?:^|/)pip\.(?:conf|ini)$")


def _check_pip_config_mounts(run: Instruction) -> None:
    """Raise CannotMigrate when a pip RUN mounts a pip config file or an index variable.

    pip then reads its index settings from a file or secret that exists only
    during the build, so a lock made from the build context would use PyPI.
    """
    for mount in run.flag_values("mount"):
        options = dict(
            part.partition("=")[::2] for part in mount.split(",") if part.strip()
        )
        target = options.get("target") or options.get("dst") or options.get("destination")
        variable = options.get("env", "")
        config_file = re.search(r"\bPIP_CONFIG_FILE=(\S+)", run.arguments)
        names_config = target and (
            _PIP_CONFIG_TARGET.search(target)
            or (config_file and config_file.group(1).strip("'\"") == target)
        )
        if names_config or variable.startswith(("PIP_", "UV_")):
            kind = options.get("type", "bind")
            mounted = f"{variable} from a secret" if variable and not names_config else target
            raise CannotMigrate(
                f"line {run.line}: pip reads index settings from {mounted}, which the "
                f"{kind} mount gives it only at build time and dockermig cannot see, so "
                "uv.lock would resolve from PyPI; write the index URL (without "
                "credentials) into requirements.txt or the Dockerfile, and pass the "
                "credentials as a build secret"
            )


# The files and folders beside a Dockerfile that migrate writes or adds to .dockerignore.
_COMPANION_NAMES = ("pyproject.toml", "uv.lock", ".dockerignore", ".venv")


def _neighbour_conflict(neighbour: Path) -> str | None:
    """Return how another Dockerfile in the folder would be affected by the migration, or None.

    It is affected when it is a Python image, which would read or need the
    same pyproject.toml and uv.lock, or when it copies the whole build context
    or one of the files migrate writes, so its image would change too.
    """
    try:
        tree, _ = read_dockerfile(neighbour)
    except DockermigError:
        return "which dockermig cannot read to tell whether it uses them"
    model = build_model(tree)
    for stage in model.stages:
        base = stage.base.lower()
        if "python" in base or "$" in base:
            return (
                f"whose line {stage.from_instruction.line} builds on {stage.base}, "
                "a Python image that would use the same files"
            )
    for instruction in tree.instructions:
        if instruction.name == "RUN" and re.search(
            r"\b(?:pip[0-9.]*|uv|poetry|pipenv|pdm)\b", instruction.text
        ):
            return (
                f"whose line {instruction.line} runs Python packaging tools that "
                "would use the same files"
            )
        if instruction.name not in ("COPY", "ADD") or instruction.flag("from"):
            continue
        sources, _ = copy_sources_and_destination(instruction)
        for source in sources:
            relative = (
                posixpath.normpath(source.lstrip("/")) if source.strip("/") else "."
            )
            if relative == "." or any(
                fnmatch.fnmatchcase(name, relative) for name in _COMPANION_NAMES
            ):
                return (
                    f"whose line {instruction.line} copies {source} from the build context, "
                    "which would then include the files migrate writes"
                )
    return None


def _check_program_paths(instruction: Instruction, tree: Dockerfile) -> None:
    """Raise CannotMigrate when a command calls the image's Python or a pip-installed script by path.

    Programs that the Dockerfile itself puts in /usr/local/bin (gosu, a
    downloaded tool) are left alone.
    """
    matches = list(_IMAGE_PROGRAM_PATH.finditer(instruction.text))
    if not matches:
        return
    # `/usr/local/bin/python -m pip install` is a pip command, which migrate translates.
    script = run_script(instruction, tree.escape) if instruction.name == "RUN" else None
    pip_programs = [
        command[0] for command in (script.commands if script else []) if pip_arguments(command)
    ]
    matches = [
        match
        for match in matches
        if not any(word.start <= match.start() < word.end for word in pip_programs)
    ]
    creators = [
        other.text
        for other in tree.instructions
        if other is not instruction and other.name in ("RUN", "COPY", "ADD")
    ]
    for match in matches:
        program = match.group(1)
        is_python = re.match(r"(python|pip)[0-9.]*$", program)
        created = any(
            match.group(0) in text or f"{program} /usr/local/bin" in text
            for text in creators
        )
        if is_python or not created:
            raise CannotMigrate(
                f"line {instruction.line}: {match.group(0)} is the image's own path, which "
                "will not see the venv; call the program by name"
            )


@dataclass
class _Rewrite:
    """Everything needed to write the two new stages."""

    base: BaseChoice
    builder_image: str
    builder_name: str
    platform: str | None
    workdir: str
    venv: str
    # Set when the venv keeps the original's path outside the workdir (python -m venv DIR).
    project_environment: str | None
    builder_packages: list[str]
    runtime: Stage
    anchor: Instruction
    add_path: bool
    dependencies: Dependencies
    convention: Convention
    # New text of runtime instructions by their offset; None drops the instruction.
    texts: dict[int, str | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _plan_single_stage(
    tree: Dockerfile,
    model: DockerfileModel,
    stage: Stage,
    result: FileResult,
    run_lock: bool,
    convention: Convention,
    companions: bool = True,
) -> None:
    context = result.path.parent
    base = _choose_base(stage, convention)
    pip_plan = plan_pip_installs(stage, tree.escape, tree.newline, model.global_args)
    tool_uses = find_tool_uses(stage, pip_plan, tree.escape)
    if not pip_plan.installs_packages:
        result.outcome = Outcome.SKIPPED
        result.reason = _nothing_installed_reason(pip_plan, tool_uses)
        return
    dependencies = read_dependencies(stage, pip_plan, context, model.global_args)
    if not dependencies.requirements and not dependencies.install_project:
        result.outcome = Outcome.SKIPPED
        names = _dependency_files(dependencies)
        verb = "list" if " and " in names else "lists"
        result.reason = f"{names} {verb} no packages, so there is no venv to build"
        return
    if tool_uses:
        tool, user = tool_uses[0]
        installer = next(run for name, run in pip_plan.tools if name == tool)
        raise CannotMigrate(
            f"line {installer.line} installs {tool} with pip, and line {user.line} still "
            f"runs it, but the migrated image has only the venv from uv.lock and no "
            f"{tool}, so line {user.line} would fail"
        )
    index_settings = read_index_settings(stage, context, model.global_args)
    if index_settings or _names_indexes(dependencies):
        plan_index_secrets(dependencies, index_settings, context)

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
        _programs_used(stage, pip_plan, tree.escape),
    )
    if apt_plan.replaced and not base.release_known:
        raise CannotMigrate(
            f"line {stage.from_instruction.line}: the digest-pinned base names no Debian "
            "release, so the runtime library names for "
            f"{', '.join(dev for dev, _ in apt_plan.replaced)} cannot be chosen"
        )
    workdir = resolved_workdir(stage, pip_plan.anchor, model.global_args)
    if workdir == "/":
        workdir = convention.workdir or DEFAULT_WORKDIR
    venv_creation = _find_venv_creation(stage, model, pip_plan, tree.escape)
    project_environment = convention.venv
    if venv_creation is not None:
        venv_path, creator = venv_creation
        if convention.venv and convention.venv != venv_path:
            raise CannotMigrate(
                f"line {creator.line} creates the venv {venv_path}, but the convention "
                f"puts the venv at {convention.venv}; make the two agree"
            )
        project_environment = venv_path
    rewrite = _Rewrite(
        base=base,
        builder_image=base.image,
        builder_name="builder"
        if (stage.name or "").lower() != "builder"
        else "uv-builder",
        platform=stage.from_instruction.flag("platform"),
        workdir=workdir,
        venv=project_environment or f"{workdir}/.venv",
        project_environment=project_environment,
        builder_packages=apt_plan.builder_packages,
        runtime=stage,
        anchor=pip_plan.anchor,
        add_path=not (
            venv_creation is not None
            and f"{venv_creation[0]}/bin" in stage_env(model, stage).get("PATH", "")
        ),
        dependencies=dependencies,
        convention=convention,
        notes=[*base.notes, *apt_plan.summary()],
    )
    for run in pip_plan.removed:
        rewrite.texts[run.start] = None
    for instruction in index_setting_instructions(stage):
        # The index settings now live in pyproject.toml, and any credential in a build secret.
        rewrite.texts[instruction.start] = None
    for start, text in current_texts.items():
        rewrite.texts[start] = apt_plan.runtime_texts.get(start, text)
    if venv_creation is not None:
        # uv sync in the builder makes the venv at that path, so the empty one goes.
        rewrite.texts[venv_creation[1].start] = None
        rewrite.notes.append(
            f"the builder makes the venv at {venv_creation[0]}, where line "
            f"{venv_creation[1].line} created it, and that line is dropped"
        )
    credential_copies = plan_credential_copies(
        stage,
        find_credential_files(dependencies.requirement_set, index_settings, context),
        context,
        rewrite.texts,
        tree.escape,
    )
    rewrite.texts.update(credential_copies.texts)
    rewrite.notes.extend(credential_copies.notes)
    dependencies.credential_files = credential_copies.files
    for start, comments in pip_plan.comments.items():
        # Comments from inside a rewritten RUN go above it, or in place of a dropped one.
        rewrite.texts[start] = comments + (rewrite.texts.get(start) or "")
    _finish(tree, model, rewrite, result, run_lock, companions)


def _plan_multi_stage(
    tree: Dockerfile,
    model: DockerfileModel,
    result: FileResult,
    run_lock: bool,
    convention: Convention,
    companions: bool = True,
) -> None:
    context = result.path.parent
    plan = plan_multi_stage(model, tree.escape, tree.newline)
    base = _choose_base(plan.runtime, convention)
    dependencies = Dependencies(
        requirement_set=read_requirement_files(
            plan.builder, plan.pip, context, model.global_args
        )
    )
    workdir = resolved_workdir(plan.builder, plan.pip.anchor, model.global_args)
    if workdir == "/":
        workdir = convention.workdir or DEFAULT_WORKDIR
    builder_image = base.image
    notes = list(base.notes)
    if plan.builder_is_full_image and "-slim-" in base.image:
        # The old builder compiled with the full image's tools, so the new one keeps them.
        builder_image = base.image.replace("-slim-", "-", 1)
        notes.append(
            f"the builder uses {builder_image}, like the original builder, for its compilers"
        )
    rewrite = _Rewrite(
        base=base,
        builder_image=builder_image,
        builder_name=plan.builder.name,
        platform=plan.builder.from_instruction.flag("platform"),
        workdir=workdir,
        venv=plan.venv or convention.venv or f"{workdir}/.venv",
        project_environment=plan.venv or convention.venv,
        builder_packages=list(plan.builder_packages),
        runtime=plan.runtime,
        anchor=plan.anchor,
        add_path=not plan.path_already_set,
        dependencies=dependencies,
        convention=convention,
        notes=[*notes, "replaced the pip builder stage with the uv builder"],
    )
    for instruction in plan.runtime_removed:
        rewrite.texts[instruction.start] = None
    _finish(tree, model, rewrite, result, run_lock, companions)


# `python -m venv` options that leave an empty venv like the one `uv sync` makes.
_PLAIN_VENV_OPTIONS = {"--copies", "--clear", "--upgrade-deps", "--without-pip"}


def _find_venv_creation(
    stage: Stage, model: DockerfileModel, pip_plan: PipPlan, escape: str
) -> tuple[str, Instruction] | None:
    """Return the venv path and RUN of the stage's `python -m venv DIR`, or None.

    Raises CannotMigrate when that RUN does more than create the venv (besides
    pip commands), or creates a venv that uv sync would not reproduce.
    """
    found = None
    for instruction in stage.instructions:
        script = run_script(instruction, escape) if instruction.name == "RUN" else None
        if script is None:
            continue
        commands = script.commands
        creators = [
            command
            for command in commands
            if re.match(r"^(?:.*/)?python[0-9.]*$", command_name(command))
            and [word.value for word in command[1:3]] == ["-m", "venv"]
        ]
        if not creators:
            continue
        if found is not None or len(creators) > 1:
            raise CannotMigrate(
                f"line {instruction.line} creates a second venv with `python -m venv`, "
                "and the migrated image has one venv"
            )
        values = [word.value for word in creators[0][3:]]
        options = [value for value in values if value.startswith("-")]
        targets = [value for value in values if not value.startswith("-")]
        unusual = [option for option in options if option not in _PLAIN_VENV_OPTIONS]
        if unusual or len(targets) != 1:
            raise CannotMigrate(
                f"line {instruction.line}: `python -m venv {' '.join(values)}` makes a venv "
                "that uv sync would not make the same way; create it with only a path"
            )
        others = [
            command
            for command in commands
            if command is not creators[0] and not pip_arguments(command)
        ]
        if others:
            raise CannotMigrate(
                f"line {instruction.line} runs `python -m venv` together with "
                f"`{command_name(others[0])}`; give `python -m venv` its own RUN first"
            )
        variables = {**model.global_args, **stage_env(model, stage, instruction)}
        target = substitute(targets[0], variables)
        if "$" in targets[0] and not target or "$" in target:
            raise CannotMigrate(
                f"line {instruction.line}: the venv path {targets[0]} comes from a "
                "variable that the Dockerfile does not set"
            )
        workdir = resolved_workdir(stage, instruction, model.global_args)
        found = (posixpath.normpath(posixpath.join(workdir, target)), instruction)
    return found


def _dependency_files(dependencies: Dependencies) -> str:
    """Name the files the dependencies were read from, for a reason or a note."""
    if dependencies.spec is not None:
        files = dependencies.spec.source.files
    elif dependencies.requirement_set is not None:
        files = dependencies.requirement_set.files
    else:
        files = ()
    return " and ".join(path.name for path in files) or "the install commands"


def _nothing_installed_reason(
    pip_plan: PipPlan, tool_uses: list[tuple[str, Instruction]]
) -> str:
    """Return why a stage whose pip commands install only installers has no venv to build."""
    if tool_uses:
        tool, user = tool_uses[0]
        return (
            f"pip installs only {tool}, which line {user.line} runs, and no packages for "
            "the app, so there is no venv to build"
        )
    tools = sorted({name for name, _ in pip_plan.tools})
    installed = " and ".join(tools) if tools else "pip, setuptools or wheel"
    return (
        f"pip installs only {installed}, and no packages for the app, so there is "
        "no venv to build"
    )


def _choose_base(stage: Stage, convention: Convention) -> BaseChoice:
    base = choose_base_image(
        stage,
        convention.debian_release or default_debian_release(),
        forced_release=convention.debian_release if convention.source else None,
        forced_python=convention.python,
        explicit_release=convention.debian_release is not None,
    )
    if base.release_known:
        _check_tag_exists(base, stage)
    return base


def _finish(
    tree: Dockerfile,
    model: DockerfileModel,
    rewrite: _Rewrite,
    result: FileResult,
    run_lock: bool,
    companions: bool = True,
) -> None:
    """Write the new Dockerfile text into `result`, then plan the companion files when `companions` is true."""
    dependencies = rewrite.dependencies
    _reject_credentials_in_requirements(dependencies)
    if any("git+" in requirement for requirement in dependencies.requirements):
        if "git" not in rewrite.builder_packages:
            rewrite.builder_packages.append("git")
    _keep_image_setuptools(rewrite, result)
    result.writes[result.path] = _render(tree, model, rewrite)
    result.notes.extend(rewrite.notes)
    if not companions:
        return
    # Imported here: the companion files pull in tomlkit, which check does not need.
    from dockermig.migrate.companion_files import plan_companions, setuptools_note

    result.notes.extend(dependencies.notes)
    if dependencies.index_plan is not None:
        # These notes name the secrets the build needs, never their values.
        result.notes.extend(dependencies.index_plan.notes)
    result.notes.extend(setuptools_note(result.path.parent, dependencies.requirements))
    patch = re.search(r":\d+\.\d+\.(\d+)", rewrite.base.image)
    plan_companions(
        result.path.parent,
        dependencies,
        rewrite.base.minor,
        result,
        run_lock,
        python_patch=int(patch.group(1)) if patch else None,
    )


_REQUIREMENT_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s;#]+")


def _reject_credentials_in_requirements(dependencies: Dependencies) -> None:
    """Raise CannotMigrate when a requirement's URL carries a user name, password or token.

    pyproject.toml and uv.lock keep requirement URLs as written, so the
    credential would reach committed files. An ssh user name (git@) is not a
    secret and passes.
    """
    constraints = []
    if dependencies.spec is not None:
        constraints = dependencies.spec.constraints
    elif dependencies.requirement_set is not None:
        constraints = dependencies.requirement_set.constraints
    from dockermig.companions.indexes import has_credentials, strip_credentials

    for requirement in [*dependencies.requirements, *constraints]:
        for url in _REQUIREMENT_URL.findall(requirement):
            scheme = url.split("://", 1)[0].lower()
            if "ssh" in scheme and not urlsplit(url).password:
                continue
            if has_credentials(url):
                raise CannotMigrate(
                    f"the requirement {strip_credentials(url)} carries credentials in "
                    "its URL, which pyproject.toml and uv.lock would keep; write the URL "
                    "without them and give them to the build another way (such as a "
                    "netrc file as a build secret)"
                )


def _render(tree: Dockerfile, model: DockerfileModel, rewrite: _Rewrite) -> str:
    apt_run = ""
    if rewrite.builder_packages:
        apt_run = builder_apt_run(
            rewrite.builder_packages, tree.newline, rewrite.base.release
        )
    convention = rewrite.convention
    builder_image = rewrite.builder_image
    if convention.builder == "uv-image":
        builder_image = _uv_derived_image(rewrite.base, convention)
    builder = builder_stage_text(
        builder_image,
        rewrite.builder_name,
        rewrite.workdir,
        apt_run,
        f"--platform={rewrite.platform} " if rewrite.platform else "",
        tree.newline,
        project_environment=rewrite.project_environment,
        uv_version=convention.uv_version,
        sync_flag=convention.sync,
        uv_derived=convention.builder == "uv-image",
        install_project=rewrite.dependencies.install_project,
        secrets=[
            (secret.mount_option, secret.assignment)
            for secret in index_secrets(rewrite.dependencies)
        ],
    )
    parts = [tree.bom, *(node.text for node in model.preamble), builder, tree.newline]
    runtime = rewrite.runtime
    for node in runtime.nodes:
        if node is runtime.from_instruction:
            parts.append(_replace_from_image(node, rewrite.base.image, tree.escape))
            continue
        if node is rewrite.anchor:
            parts.append(
                venv_copy_text(
                    rewrite.builder_name, rewrite.venv, tree.newline, rewrite.add_path
                )
            )
        if _copies_uv_binary(node):
            # The builder has uv now, and the runtime does not need it.
            continue
        if isinstance(node, Instruction) and node.start in rewrite.texts:
            text = rewrite.texts[node.start]
            if text is not None:
                parts.append(text)
            continue
        parts.append(node.text)
    return "".join(parts)


# The python images of these minors ship setuptools; those of 3.12 and later do not.
IMAGE_SETUPTOOLS_MINORS = ("3.7", "3.8", "3.9", "3.10", "3.11")
# setuptools 81 and later may drop pkg_resources, which such packages import.
IMAGE_SETUPTOOLS_REQUIREMENT = "setuptools<81"


def _keep_image_setuptools(rewrite: _Rewrite, result: FileResult) -> None:
    """Add setuptools to the venv's dependencies when the original image had it.

    Packages such as drf-yasg import pkg_resources without declaring setuptools
    and worked because the python image ships it; a uv venv has no setuptools.
    This holds for every dependency source. A [project] table that the folder
    already has, and a project with its own uv.lock, belong to the project, so
    they get a note in place of the new dependency.
    """
    if rewrite.base.minor not in IMAGE_SETUPTOOLS_MINORS:
        return
    dependencies = rewrite.dependencies
    if any(re.match(r"setuptools\b", item, re.I) for item in dependencies.requirements):
        return
    spec = dependencies.spec
    context = result.path.parent
    owner = None
    if spec is not None and spec.uses_existing_lock:
        owner = "the project's own uv.lock is used as it is"
    elif _has_project_table(context / "pyproject.toml"):
        owner = "the [project] table of pyproject.toml belongs to the project"
    if owner is not None:
        rewrite.notes.append(
            f"the python {rewrite.base.minor} image ships setuptools, but the venv has "
            f"it only when a dependency requires it, and {owner}; add "
            f"{IMAGE_SETUPTOOLS_REQUIREMENT} to its dependencies if a package imports "
            "pkg_resources"
        )
        return
    requirement = IMAGE_SETUPTOOLS_REQUIREMENT
    locked = _locked_setuptools_major(spec.pins if spec is not None else [])
    if locked is not None and locked >= 81:
        # The old lock installed a newer setuptools, which the pins keep.
        requirement = "setuptools"
    if spec is not None:
        spec.dependencies.append(requirement)
    elif dependencies.requirement_set is not None:
        dependencies.requirement_set.requirements.append(requirement)
    else:
        return
    dependencies.added_setuptools = requirement
    rewrite.notes.append(
        f"added {requirement} to the dependencies: the python "
        f"{rewrite.base.minor} image ships setuptools, and some packages import "
        "pkg_resources without declaring it"
    )


def _has_project_table(pyproject: Path) -> bool:
    """Return whether pyproject.toml has a [project] table. A file that is not valid TOML has none."""
    if not pyproject.is_file():
        return False
    try:
        return "project" in tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        # plan_companions reports the broken file with its own message.
        return False


def _locked_setuptools_major(pins: list[str]) -> int | None:
    """Return the major version of setuptools in the old lock's pins, or None."""
    for pin in pins:
        match = re.match(r"setuptools\s*===?\s*(\d+)", pin, re.I)
        if match:
            return int(match.group(1))
    return None


def _names_indexes(dependencies: Dependencies) -> bool:
    """Return whether the requirements or project name an index or links besides PyPI."""
    if dependencies.spec is not None:
        return bool(dependencies.spec.index_settings)
    requirements = dependencies.requirement_set
    return bool(
        requirements.index_url
        or requirements.extra_index_urls
        or requirements.find_links
    )


def _uv_derived_image(base: BaseChoice, convention: Convention) -> str:
    """Return the uv image with the same Python and Debian release as `base`."""
    if base.release != "trixie" or not base.release_known or "-slim-" not in base.image:
        raise CannotMigrate(
            f"the convention asks for a uv-derived builder, but uv publishes no image for "
            f"{base.image} (only slim trixie bases since uv 0.10.0); use builder = "
            '"python-slim" or debian-release = "trixie"'
        )
    version = convention.uv_version or pinned_uv_version()
    return f"ghcr.io/astral-sh/uv:{version}-python{base.minor}-trixie-slim"


def _copies_uv_binary(node) -> bool:
    if not isinstance(node, Instruction) or node.name != "COPY":
        return False
    source = node.flag("from") or ""
    return bool(_UV_IMAGE.match(source))


def _check_tag_exists(base: BaseChoice, stage: Stage) -> None:
    minors = python_minors_for(base.release)
    if minors and base.minor not in minors:
        raise CannotMigrate(
            f"line {stage.from_instruction.line}: the python image has no "
            f"{base.minor} build on {base.release} (it has {minors[0]} to {minors[-1]}); "
            "choose another release with --debian-release"
        )


def _programs_used(stage: Stage, pip_plan: PipPlan, escape: str) -> set[str]:
    """Return the program names that the stage's commands call, outside the removed pip RUNs."""
    programs: set[str] = set()
    for instruction in stage.instructions:
        if instruction in pip_plan.removed:
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
    view = shell_view(instruction.text, escape)
    words = [word for word in split_words(view) if not word.is_operator]
    image_word = words[1 + len(instruction.flags)]
    text = instruction.text
    return text[: image_word.start] + image + text[image_word.end :]
