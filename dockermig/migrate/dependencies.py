"""The contents of a migrated image's venv: requirements files, a project's metadata, indexes.

Requirements files are found where the Dockerfile copies them from the build
context. When pip installs the project itself, or Poetry or Pipenv install
from their files, the project's own metadata is read instead. Index settings
from requirements files, a copied pip.conf and ARG or ENV values become uv
indexes, and their credentials become build secrets.
"""

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from dockermig.companions.indexes import (
    IndexPlan,
    IndexSecret,
    index_settings_from_build_args,
    index_settings_from_requirements,
    plan_indexes,
    read_pip_conf,
    strip_credentials,
)
from dockermig.companions.pip_options import PipOptions, uv_settings, uv_settings_notes
from dockermig.companions.requirements import RequirementSet, read_requirements
from dockermig.companions.sources import (
    detect_dependency_source,
    read_dependency_source,
)
from dockermig.companions.spec import DependencySource, ProjectSpec, SourceKind
from dockermig.migrate.commands import heredoc_script, run_script
from dockermig.migrate.context import (
    copy_sources_and_destination,
    find_context_file,
    missing_copy_source,
)
from dockermig.migrate.outcome import CannotMigrate
from dockermig.migrate.workdir import resolved_workdir
from dockermig.model import Stage, parse_arg_pairs, parse_env_pairs
from dockermig.rules.migrate_pip_installs import PipPlan
from dockermig.syntax import Instruction

# ARG and ENV names that carry index settings; migrate moves them into pyproject.toml.
INDEX_VARIABLES = (
    "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_NO_INDEX",
    "UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_INDEX", "UV_DEFAULT_INDEX", "UV_FIND_LINKS",
)  # fmt: skip


_PIP_CONF = re.compile(r"(?:^|/)pip\.(?:conf|ini)$")


@dataclass
class Dependencies:
    """The source of the venv's packages: requirements files, or a project's own metadata."""

    requirement_set: RequirementSet | None = None
    spec: ProjectSpec | None = None
    # Install the project itself into the venv, after its dependencies.
    install_project: bool = False
    # Indexes from requirements files, pip.conf and ARG or ENV settings, with their secrets.
    index_plan: IndexPlan | None = None
    # Files in the build context whose index URLs carry credentials, for .dockerignore.
    credential_files: list[str] = field(default_factory=list)
    # The --hash values of requirements files read beside a project's metadata.
    project_requirement_hashes: dict[str, list[str]] = field(default_factory=dict)
    # The setuptools requirement that migrate added for the image's setuptools, or None.
    added_setuptools: str | None = None

    @property
    def hashes(self) -> dict[str, list[str]]:
        """The --hash values of the requirements files, by requirement text."""
        if self.requirement_set is not None:
            return self.requirement_set.hashes
        return self.project_requirement_hashes

    @property
    def requirements(self) -> list[str]:
        if self.spec is not None:
            return self.spec.dependencies
        return self.requirement_set.requirements if self.requirement_set else []

    @property
    def notes(self) -> list[str]:
        """The summary lines about what changed in the dependencies on the way to uv."""
        if self.spec is not None:
            return list(self.spec.notes)
        if self.requirement_set is None:
            return []
        return uv_settings_notes(uv_settings(self.requirement_set.pip_options))


def read_dependencies(
    stage: Stage, pip_plan: PipPlan, context: Path, global_args: dict[str, str]
) -> Dependencies:
    """Read what the venv needs: the requirements files, or the project's own metadata.

    When pip installs the project (`pip install .`) or Poetry or Pipenv
    install from their files, the project's metadata is read with its old
    lock's pins; requirements files installed beside it are added to it.
    """
    requirement_set = read_requirement_files(stage, pip_plan, context, global_args)
    if not pip_plan.project_paths and not pip_plan.manager:
        return Dependencies(requirement_set=requirement_set)
    for container_path, instruction in pip_plan.project_paths:
        if not _copies_context_to(stage, instruction, container_path, global_args):
            raise CannotMigrate(
                f"line {instruction.line}: pip installs the project in {container_path}, "
                f"but no `COPY . {container_path}` puts the whole build context there "
                "before it, so dockermig cannot tell which files the project has"
            )
    source = detect_dependency_source(context)
    if source is not None and source.kind in (
        SourceKind.REQUIREMENTS,
        SourceKind.PIP_TOOLS,
    ):
        source = None
    if source is None:
        raise CannotMigrate(_no_project_reason(pip_plan, context))
    spec = read_dependency_source(source)
    if spec.problems:
        problem = spec.problems[0]
        raise CannotMigrate(f"{problem.file}: {problem.item}: {problem.reason}")
    spec.dependencies.extend(
        requirement
        for requirement in requirement_set.requirements
        if requirement not in spec.dependencies
    )
    _add_uv_settings(spec, requirement_set)
    install_project = spec.is_package and (
        bool(pip_plan.project_paths) or pip_plan.manager_installs_project
    )
    if install_project and not _has_package_code(context, spec):
        # Poetry installs such a project's dependencies and skips the project
        # with a warning; uv would fail to build it.
        install_project = False
        spec.notes.append(
            f"{spec.name or 'the project'} has no package folder, so only its "
            "dependencies are installed, as Poetry does"
        )
    if pip_plan.manager == "poetry" and spec.dev_dependencies and not pip_plan.manager_excludes_dev:
        spec.notes.append(
            "poetry install also installed the dev group; the image now leaves it out (--no-dev)"
        )
    if install_project and pip_plan.editable:
        spec.notes.append(
            "installs the project non-editable, so the runtime needs only the venv"
        )
    return Dependencies(
        spec=spec,
        install_project=install_project,
        project_requirement_hashes=requirement_set.hashes,
    )


def _no_project_reason(pip_plan: PipPlan, context: Path) -> str:
    """Return why the project that the image installs cannot be read, naming the command."""
    has_pyproject = (context / "pyproject.toml").is_file()
    if pip_plan.manager == "pipenv":
        return (
            f"line {pip_plan.manager_instruction.line} runs `pipenv install`, but "
            f"{context} has no Pipfile or Pipfile.lock to read"
        )
    if pip_plan.manager == "poetry":
        command = f"line {pip_plan.manager_instruction.line} runs `poetry install`"
        if has_pyproject:
            return (
                f"{command}, but {context / 'pyproject.toml'} has no [tool.poetry] or "
                "[project] table to install, so poetry install fails on the original too"
            )
        return f"{command}, but {context} has no pyproject.toml or poetry.lock to read"
    container_path, instruction = pip_plan.project_paths[0]
    command = f"line {instruction.line} installs the project in {container_path}"
    if has_pyproject:
        return (
            f"{command}, but {context / 'pyproject.toml'} has no [project] table and "
            f"{context} has no setup.py or setup.cfg to read it from"
        )
    return (
        f"{command}, but {context} has no pyproject.toml, setup.py, setup.cfg, "
        "Pipfile or poetry.lock to read it from"
    )


def index_secrets(dependencies: "Dependencies") -> list[IndexSecret]:
    return dependencies.index_plan.secrets if dependencies.index_plan else []


def index_setting_instructions(stage: Stage) -> list[Instruction]:
    """Return the ARG and ENV instructions that set only index variables; raise when one mixes them."""
    found = []
    for instruction in stage.instructions:
        if instruction.name not in ("ARG", "ENV"):
            continue
        pairs = (parse_arg_pairs if instruction.name == "ARG" else parse_env_pairs)(
            instruction.arguments
        )
        index_names = [name for name in pairs if name in INDEX_VARIABLES]
        if not index_names:
            continue
        if len(index_names) != len(pairs):
            raise CannotMigrate(
                f"line {instruction.line}: {instruction.name} sets {', '.join(index_names)} "
                "together with other values; give the index settings their own line"
            )
        found.append(instruction)
    return found


def read_index_settings(
    stage: Stage, context: Path, global_args: dict[str, str]
) -> list:
    """Read index settings from ARG and ENV values and from a pip.conf copied from the context."""
    settings = []
    values: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for instruction in index_setting_instructions(stage):
        pairs = (parse_arg_pairs if instruction.name == "ARG" else parse_env_pairs)(
            instruction.arguments
        )
        for name, value in pairs.items():
            value = value or global_args.get(name, "")
            if not value or "$" in value:
                raise CannotMigrate(
                    f"line {instruction.line}: {name} is given only when the image is built, "
                    "so dockermig cannot write the index into pyproject.toml; set its URL "
                    "(without credentials) in the Dockerfile or a requirements file"
                )
            values[name] = value
            kinds[name] = instruction.name
    if values:
        settings.append(index_settings_from_build_args(values, kinds))
    for instruction in stage.instructions:
        if instruction.name not in ("COPY", "ADD") or instruction.flag("from"):
            continue
        sources, _ = copy_sources_and_destination(instruction)
        for source in sources:
            if _PIP_CONF.search(source):
                local = context / source.lstrip("/")
                if not local.is_file():
                    raise CannotMigrate(
                        f"line {instruction.line}: {source} is not in the build context"
                    )
                settings.append(read_pip_conf(local))
    return settings


def plan_index_secrets(
    dependencies: "Dependencies", settings: list, context: Path
) -> None:
    """Move the index settings into the dependencies, so pyproject.toml gets them without credentials."""
    if dependencies.spec is None:
        requirement_set = dependencies.requirement_set
        dependencies.spec = ProjectSpec(
            source=DependencySource(
                SourceKind.REQUIREMENTS, context, tuple(requirement_set.files)
            ),
            dependencies=list(requirement_set.requirements),
            constraints=list(requirement_set.constraints),
            index_settings=[
                index_settings_from_requirements(requirement_set, "the pip install command")
            ],
        )
        _add_uv_settings(dependencies.spec, requirement_set)
    spec = dependencies.spec
    spec.index_settings.extend(settings)
    plan = plan_indexes(spec.index_settings)
    if plan.problems:
        raise CannotMigrate(plan.problems[0])
    dependencies.index_plan = plan


def _add_uv_settings(spec: ProjectSpec, requirement_set: RequirementSet) -> None:
    """Give `spec` the [tool.uv] settings of the pip options, with their summary lines."""
    settings = uv_settings(requirement_set.pip_options)
    for key, value in settings.items():
        spec.uv_settings.setdefault(key, value)
    spec.notes.extend(uv_settings_notes(settings))


def _has_package_code(context: Path, spec: ProjectSpec) -> bool:
    """Return whether the project's importable code is where build backends look for it.

    Projects that name their packages in the build backend's settings are
    trusted; otherwise the folder or module named after the project must exist.
    """
    pyproject = context / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8", errors="replace") if pyproject.is_file() else ""
    if re.search(r"^\s*packages\s*=|^\s*py-modules\s*=|^\[tool\.(?:setuptools|hatch\.build)", text, re.M):
        return True
    if (context / "setup.py").is_file():
        return True
    module = re.sub(r"[-.]+", "_", (spec.name or "")).lower()
    if not module:
        return False
    candidates = [context / module, context / "src" / module, context / f"{module}.py"]
    return any(path.exists() for path in candidates)


def _copies_context_to(
    stage: Stage, before: Instruction, container_path: str, global_args: dict[str, str]
) -> bool:
    """Return whether a COPY or ADD before `before` puts the whole build context at `container_path`."""
    for instruction in stage.instructions:
        if instruction is before:
            return False
        if instruction.name not in ("COPY", "ADD") or instruction.flag("from"):
            continue
        sources, destination = copy_sources_and_destination(instruction)
        workdir = resolved_workdir(stage, instruction, global_args)
        target = posixpath.normpath(posixpath.join(workdir, destination))
        if target == container_path and any(
            source.strip("/") in ("", ".") for source in sources
        ):
            return True
    return False


def read_requirement_files(
    stage: Stage, pip_plan: PipPlan, context: Path, global_args: dict[str, str]
) -> RequirementSet:
    combined = RequirementSet()
    scopes = {key: list(options) for key, options in pip_plan.index_scopes.items()}
    file_requirements: list[list[str]] = []
    for position, (container_path, instruction) in enumerate(pip_plan.requirement_files):
        local = find_context_file(
            stage, instruction, container_path, context, global_args
        )
        if local is None:
            generated = _generated_requirements_reason(
                stage, instruction, container_path, global_args
            )
            if generated:
                raise CannotMigrate(generated)
            missing = missing_copy_source(
                stage, instruction, container_path, context, global_args
            )
            if missing is not None:
                copy, source = missing
                raise CannotMigrate(
                    f"line {copy.line} copies {source}, but {context} (the Dockerfile's "
                    f"folder, which dockermig reads as the build context) has no {source}, "
                    "so the requirements of line "
                    f"{instruction.line} cannot be read; if the image is built from "
                    "another folder, move the Dockerfile there"
                )
            raise CannotMigrate(
                f"line {instruction.line}: {container_path} is not copied into the image "
                "from the build context (the Dockerfile's folder), so its requirements "
                "cannot be read"
            )
        requirement_set = read_requirements(local)
        file_requirements.append(requirement_set.requirements)
        if position < len(pip_plan.requirement_file_scopes):
            scopes[pip_plan.requirement_file_scopes[position]].extend(
                _index_options(requirement_set)
            )
        _merge(combined, requirement_set)
    _check_index_scopes(scopes)
    _check_upgrades(pip_plan, file_requirements)
    combined.requirements.extend(
        package for package in pip_plan.packages if package not in combined.requirements
    )
    # Index options of the pip command line count like those of a requirements file.
    combined.index_url = pip_plan.index_url or combined.index_url
    combined.extra_index_urls.extend(
        url for url in pip_plan.extra_index_urls if url not in combined.extra_index_urls
    )
    combined.find_links.extend(url for url in pip_plan.find_links if url not in combined.find_links)
    if combined.problems:
        problem = combined.problems[0]
        raise CannotMigrate(
            f"{problem.file}:{problem.line}: {problem.text!r}: {problem.reason}"
        )
    # pip reads its command line before the requirements files.
    options = PipOptions()
    options.extend(pip_plan.pip_options)
    options.extend(combined.pip_options)
    if options.applies_to_every_package and pip_plan.installing_commands > 1:
        raise CannotMigrate(
            f"the image runs {pip_plan.installing_commands} pip install commands, and "
            "--pre or an :all: value of --no-binary or --only-binary applies only to the "
            "command that reads it, but uv applies [tool.uv] settings to the whole lock; "
            "install everything with one pip command first"
        )
    # Raises PipOptionError now, so check learns of the refusal without planning pyproject.toml.
    uv_settings(options)
    combined.pip_options = options
    return combined


def _index_options(requirement_set: RequirementSet) -> list[str]:
    """Return the index options of a requirements file as "option url" texts."""
    options = [f"--index-url {requirement_set.index_url}"] if requirement_set.index_url else []
    options += [f"--extra-index-url {url}" for url in requirement_set.extra_index_urls]
    options += [f"--find-links {url}" for url in requirement_set.find_links]
    if requirement_set.no_index:
        options.append("--no-index")
    return options


def _check_index_scopes(scopes: dict[tuple[int, int], list[str]]) -> None:
    """Raise CannotMigrate when the pip install commands of the image use different indexes.

    pip applies index options only to the command that reads them, on its
    command line or in its requirements files, but uv locks every package
    against the indexes of pyproject.toml.
    """
    distinct = {tuple(sorted(set(options))): key for key, options in scopes.items()}
    if len(distinct) < 2:
        return
    (first_options, first), (second_options, second) = sorted(
        distinct.items(), key=lambda item: item[1]
    )[:2]

    def describe(options: tuple[str, ...]) -> str:
        if not options:
            return "no index options, so pip uses PyPI"
        return " ".join(
            f"{option.split(' ', 1)[0]} {strip_credentials(option.split(' ', 1)[1])}"
            if " " in option
            else option
            for option in options
        )

    raise CannotMigrate(
        f"line {first[0]} installs with {describe(first_options)}, but line {second[0]} "
        f"installs with {describe(second_options)}; pip applies index options only to "
        "its own command, and uv locks every package against one set of indexes, so "
        "give every pip install the same index options first"
    )


def _check_upgrades(pip_plan: PipPlan, file_requirements: list[list[str]]) -> None:
    """Raise CannotMigrate when `pip install -U` upgrades a package that an earlier install pinned.

    pip installs the newest version on the later command, but uv finds one
    version that satisfies both requirements, which is the pinned one.
    """
    for package, line, files_before, packages_before in pip_plan.upgrades:
        name = _requirement_key(package)
        earlier = [
            requirement
            for requirements in file_requirements[:files_before]
            for requirement in requirements
        ] + pip_plan.packages[:packages_before]
        for requirement in earlier:
            # Only an upper bound, an exact pin or a URL can keep pip's newer version out.
            capped = re.search(r"<|==|~=|@", requirement.split(";", 1)[0])
            if _requirement_key(requirement) == name and capped and requirement != package:
                raise CannotMigrate(
                    f"line {line}: `pip install -U {package}` upgrades {name} after an "
                    f"earlier install asked for {requirement}, but uv installs one version "
                    "that meets both requirements; drop the upgrade, or change the "
                    "earlier requirement to the version you want"
                )


def _requirement_key(requirement: str) -> str:
    name = re.split(r"[<>=!~;@\[ ]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


# Programs whose -o, --output or --output-file option writes a requirements file.
_REQUIREMENTS_WRITERS = {"poetry", "pdm", "uv", "pip-compile", "pipenv", "pip"}
_OUTPUT_OPTIONS = ("-o", "--output", "--output-file")


def _generated_requirements_reason(
    stage: Stage, before: Instruction, container_path: str, global_args: dict[str, str]
) -> str | None:
    """Return the reason naming the earlier RUN that writes `container_path`, or None.

    A command counts when its output option or a `>` redirect names the file,
    relative to the RUN's WORKDIR and any `cd` before it in the same RUN.
    """
    for instruction in stage.instructions:
        if instruction is before:
            return None
        if instruction.name != "RUN":
            continue
        # Files with Windows' backtick escape are refused before dependencies are read.
        script = run_script(instruction, "\\") or heredoc_script(instruction)
        if script is None:
            continue
        cwd = resolved_workdir(stage, instruction, global_args)
        for command in script.commands:
            values = [word.value for word in command]
            if values[:1] == ["cd"] and len(values) == 2:
                cwd = posixpath.normpath(posixpath.join(cwd, values[1]))
                continue
            for output in _command_outputs(values):
                if posixpath.normpath(posixpath.join(cwd, output)) != container_path:
                    continue
                program = posixpath.basename(values[0])
                generator = " ".join([program, *values[1:2]])
                reason = (
                    f"line {before.line} installs {container_path}, which line "
                    f"{instruction.line} generates with `{generator}` at build time, and "
                    "dockermig reads requirements only from files in the build context; "
                )
                if program == "poetry":
                    return reason + (
                        "install from pyproject.toml and poetry.lock with `poetry install`, "
                        "which dockermig migrates, or commit the exported file and COPY it in"
                    )
                return reason + "commit the generated file and COPY it in"
    return None


def _command_outputs(values: list[str]) -> list[str]:
    """Return the files a command writes with an output option or a `>` redirect."""
    outputs = []
    writes_requirements = posixpath.basename(values[0]) in _REQUIREMENTS_WRITERS
    for index, value in enumerate(values):
        following = values[index + 1] if index + 1 < len(values) else None
        if value in (">", ">>") and following:
            outputs.append(following)
        elif value.startswith(">") and value.lstrip(">"):
            outputs.append(value.lstrip(">"))
        elif not writes_requirements:
            continue
        elif value in _OUTPUT_OPTIONS and following:
            outputs.append(following)
        elif value.split("=", 1)[0] in _OUTPUT_OPTIONS[1:] and "=" in value:
            outputs.append(value.split("=", 1)[1])
    return outputs


def _merge(combined: RequirementSet, addition: RequirementSet) -> None:
    """Add the requirements, constraints, indexes and problems of `addition` to `combined`."""
    for name in (
        "requirements",
        "constraints",
        "extra_index_urls",
        "find_links",
        "problems",
        "files",
    ):
        target = getattr(combined, name)
        target.extend(item for item in getattr(addition, name) if item not in target)
    if addition.index_url:
        combined.index_url = addition.index_url
    combined.pip_options.extend(addition.pip_options)
    combined.no_index = combined.no_index or addition.no_index
    for requirement, hashes in addition.hashes.items():
        combined.hashes.setdefault(requirement, []).extend(hashes)
    for url, files in addition.url_files.items():
        known = combined.url_files.setdefault(url, [])
        known.extend(path for path in files if path not in known)
