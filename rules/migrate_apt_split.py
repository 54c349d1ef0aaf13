"""Migrate step: split apt packages between the builder and the runtime stage.

Compilers, build tools and `-dev` header packages move to the builder, where
`uv sync` compiles source distributions. The runtime keeps every other
package, swaps each `-dev` package for the shared library it stands for
(libpq-dev becomes libpq5), and keeps a build tool that a later command still
runs. An `apt-get install` left with no packages disappears with its RUN.
"""

import tomllib
from dataclasses import dataclass, field
from functools import cache

import dockermig.rules
from dockermig.migrate.commands import command_name, run_script
from dockermig.shell import Word
from dockermig.syntax import Instruction, parse

APT_PROGRAMS = ("apt-get", "apt")
# Options of `apt-get install` and `apk add` that take a value in the next word.
OPTIONS_WITH_VALUE = (
    "-o",
    "-t",
    "--target-release",
    "--option",
    "--virtual",
    "--repository",
    "-X",
)
# The subcommand that installs packages, per package manager.
INSTALL_SUBCOMMANDS = {"apt-get": "install", "apt": "install", "apk": "add"}


@dataclass
class AptPlan:
    builder_packages: list[str] = field(default_factory=list)
    # New text for each edited RUN by its offset; None removes the RUN.
    runtime_texts: dict[int, str | None] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    replaced: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> list[str]:
        """Return one line each for what the builder installs and what the runtime lost or swapped."""
        lines = []
        if self.builder_packages:
            lines.append(f"builder installs {' '.join(self.builder_packages)}")
        if self.removed:
            lines.append(f"runtime no longer installs {' '.join(self.removed)}")
        for dev, library in self.replaced:
            lines.append(f"runtime installs {library} in place of {dev}")
        return lines + self.notes


@cache
def library_table() -> dict:
    path = dockermig.rules.__path__[0] + "/runtime_libraries.toml"
    with open(path, "rb") as file:
        return tomllib.load(file)


def programs_of(package: str) -> set[str]:
    """Return the program names a build-only package puts on PATH (its own name at least)."""
    return {
        package,
        *library_table()["build_only"].get("programs", {}).get(package, []),
    }


def is_build_only(package: str, release: str = "") -> bool:
    name = package.split("=")[0].split(":")[0]
    if release == "alpine":
        return name.endswith("-dev") or name in library_table()["alpine"]["build_only"]
    return name.endswith("-dev") or name in library_table()["build_only"]["packages"]


def runtime_library(package: str, release: str) -> str | None:
    """Return the library a -dev package stands for ("" for none), or None when unknown."""
    name = package.split("=")[0].split(":")[0]
    return library_table()["runtime"].get(release, {}).get(name)


def plan_apt_split(
    runs: list[tuple[Instruction, str]],
    escape: str,
    release: str,
    used_programs: set[str],
) -> AptPlan:
    """Plan the split for the stage's RUN instructions, given as (instruction, current text)."""
    plan = AptPlan()
    deleted_groups = _deleted_groups(runs, escape)
    for instruction, text in runs:
        current = (
            parse(text).instructions[0] if text != instruction.text else instruction
        )
        script = run_script(current, escape)
        if script is None:
            continue
        installs = [words for words in script.commands if install_packages(words)]
        if not installs:
            continue
        new_text = _split_run(script, installs, release, used_programs, plan, deleted_groups)
        if new_text != text:
            plan.runtime_texts[instruction.start] = new_text
    return plan


def install_packages(command: list[Word]) -> list[Word]:
    subcommand = INSTALL_SUBCOMMANDS.get(command_name(command))
    values = [word.value for word in command]
    if subcommand is None or subcommand not in values:
        return []
    packages = []
    skip_next = False
    for word in command[values.index(subcommand) + 1 :]:
        if skip_next:
            skip_next = False
            continue
        if word.value in OPTIONS_WITH_VALUE:
            skip_next = True
            continue
        if not word.value.startswith("-"):
            packages.append(word)
    return packages


def _virtual_name(command: list[Word]) -> str | None:
    """Return the group name of `apk add --virtual NAME` (or `-t NAME`), or None."""
    values = [word.value for word in command]
    for index, value in enumerate(values):
        if value.startswith("--virtual="):
            return value.split("=", 1)[1]
        if value in ("--virtual", "-t") and index + 1 < len(values):
            return values[index + 1]
    return None


def _deleted_groups(runs: list[tuple[Instruction, str]], escape: str) -> set[str]:
    """Return the names that an `apk del` in any of the RUN texts removes."""
    deleted = set()
    for instruction, text in runs:
        current = parse(text).instructions[0] if text != instruction.text else instruction
        script = run_script(current, escape)
        for command in script.commands if script else []:
            values = [word.value for word in command]
            if command_name(command) == "apk" and "del" in values:
                deleted.update(value for value in values[values.index("del") + 1 :] if not value.startswith("-"))
    return deleted


def _split_run(script, installs, release: str, used_programs: set[str], plan: AptPlan, deleted_groups: set[str]):
    text = script.instruction.text
    edits: list[tuple[int, int, str]] = []
    kept_libraries: set[str] = set()
    removed_before, replaced_before = len(plan.removed), len(plan.replaced)
    emptied = False
    for command in installs:
        packages = install_packages(command)
        words = list(command)
        # A group that a later `apk del` removes never kept its libraries.
        virtual = _virtual_name(command) in deleted_groups
        remaining = 0
        for package in packages:
            name = package.value.split("=")[0]
            if not is_build_only(name, release) or programs_of(name) & used_programs:
                remaining += 1
                continue
            if name not in plan.builder_packages:
                plan.builder_packages.append(name)
            # A virtual group is deleted again later, so its libraries were never kept.
            library = "" if virtual else runtime_library(name, release)
            if library is None and name.endswith("-dev"):
                plan.notes.append(
                    f"runtime keeps {name}, because no runtime library is known for it"
                )
                remaining += 1
                continue
            if library and library not in kept_libraries:
                kept_libraries.add(library)
                edits.append((package.start, package.end, library))
                plan.replaced.append((name, library))
                remaining += 1
                continue
            previous = words[words.index(package) - 1]
            edits.append((previous.end, package.end, ""))
            plan.removed.append(name)
        emptied = emptied or remaining == 0
    if emptied:
        if all(_is_apt_housekeeping(command) for command in script.commands):
            return None
        plan.notes.append(
            f"kept the build packages of line {script.instruction.line} in the runtime "
            "stage, because that RUN does more than install packages"
        )
        del plan.removed[removed_before:]
        del plan.replaced[replaced_before:]
        return text
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _is_apt_housekeeping(command: list[Word]) -> bool:
    """Return whether a command only updates, installs, cleans or lists apt packages."""
    name = command_name(command)
    if name in APT_PROGRAMS or name in ("apk", "apt-mark", "dpkg-reconfigure"):
        return True
    if name == "rm":
        targets = [word.value for word in command[1:] if not word.value.startswith("-")]
        prefixes = ("/var/lib/apt", "/var/cache/apt", "/var/cache/apk", "/tmp")
        return all(target.startswith(prefixes) for target in targets)
    return False


def builder_apt_run(packages: list[str], newline: str, release: str = "") -> str:
    """Return the builder's RUN that installs the build-only packages."""
    if release == "alpine":
        return f"RUN apk add --no-cache {' '.join(packages)}{newline}"
    return (
        f"RUN apt-get update \\{newline}"
        f"    && apt-get install -y --no-install-recommends {' '.join(packages)} \\{newline}"
        f"    && rm -rf /var/lib/apt/lists/*{newline}"
    )
