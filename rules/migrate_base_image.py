"""Migrate step: choose the python image that both stages use.

Both stages use the same image, so the venv is built and run on the same
Python minor version and the same Debian release:

- a slim tag becomes `python:X.Y-slim-<release>`. A tag that leaves the
  release open (`python:3.11-slim` moved from bookworm to trixie on
  2025-08-11) is pinned to the default release, and the summary states it;
- a full tag becomes `python:X.Y-<release>` in both stages, because a slim
  runtime would lack the tools and libraries the full image has;
- an Alpine tag keeps musl and its Alpine release in both stages, and a tag
  without a release is pinned to the newest one;
- a digest-pinned reference is kept exactly as written in both stages;
- a version from a build argument (`python:${PYTHON_VERSION}-slim`) stays a
  variable, and the lock is made for the argument's default.

X.Y and a patch pin are never changed.
"""

import re
from dataclasses import dataclass, replace
from datetime import date

from dockermig.images import (
    image_data,
    is_python_image,
    parse_image_ref,
    parse_python_tag,
    end_of_life,
    python_default_release,
    python_minors_for,
)
from dockermig.migrate.outcome import CannotMigrate
from dockermig.model import Stage

_VARIABLE_VERSION = re.compile(
    r"^(?P<repository>[^:$@]+):(?P<version>\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)(?P<rest>-[^$@]*)?$"
)


@dataclass(frozen=True)
class BaseChoice:
    image: str
    minor: str
    release: str
    # False when a digest pins the image and the tag names no release.
    release_known: bool = True
    notes: tuple[str, ...] = ()


def choose_base_image(
    stage: Stage,
    default_release: str,
    forced_release: str | None = None,
    forced_python: str | None = None,
    explicit_release: bool = False,
) -> BaseChoice:
    """Return the image for both stages; raise CannotMigrate when the tag does not allow a safe one.

    `default_release` is used when the tag does not name a Debian release.
    `forced_release` and `forced_python` come from an explicit convention and
    replace what the tag names, with a note. `explicit_release` is true when
    the user chose `default_release`, which a patch-pinned tag needs.
    """
    line = stage.from_instruction.line
    written = stage.from_instruction.arguments.split()[0]
    variable = None
    if "$" in written:
        variable = _VARIABLE_VERSION.match(written)
        if variable is None:
            raise CannotMigrate(
                f"line {line}: the base image {written} is set by a build argument in a "
                "way dockermig does not rewrite; only the version part may be a variable"
            )
    ref = parse_image_ref(stage.base)
    if not is_python_image(ref):
        raise CannotMigrate(
            f"line {line}: the base image {stage.base} is not a python image, so the "
            "venv's interpreter would not match; move the image to python:X.Y-slim first"
        )
    tag = parse_python_tag(ref.tag)
    if tag is None:
        raise CannotMigrate(
            f"line {line}: {stage.base} is not a tag of the python image"
        )
    if tag.minor is None:
        raise CannotMigrate(
            f"line {line}: {stage.base} does not name a Python minor version; pin one "
            "(for example python:3.12-slim) so the migration cannot change it"
        )
    if tag.variant == "windows":
        raise CannotMigrate(f"line {line}: Windows python images are not migrated")
    version = ref.tag.split("-")[0]
    if not re.fullmatch(r"\d+\.\d+(\.\d+)?", version) or "-rc" in ref.tag:
        raise CannotMigrate(
            f"line {line}: {stage.base} is a Python pre-release, which dockermig "
            "does not migrate"
        )
    notes = []
    if ref.digest:
        if forced_python or forced_release:
            notes.append(
                "kept the digest-pinned base as written, so the convention's version does not apply"
            )
        if tag.variant == "full":
            notes.append("both stages use the full python image, as the original does")
        release = tag.release or default_release
        return BaseChoice(
            written, tag.minor, release, tag.release is not None, tuple(notes)
        )
    if forced_python and forced_python != tag.minor:
        notes.append(
            f"moved Python {tag.minor} to {forced_python}, as the convention asks"
        )
        version, tag, variable = forced_python, replace(tag, minor=forced_python), None
    if forced_release and tag.variant != "alpine" and forced_release != tag.release:
        if tag.release:
            notes.append(
                f"moved {tag.release} to {forced_release}, as the convention asks"
            )
        else:
            notes.append(
                f"pinned {written} to {forced_release}, as the convention asks"
            )
        tag = replace(tag, release=forced_release)
        default_release = forced_release
    if tag.variant == "full":
        notes.append(
            "both stages use the full python image, because a slim runtime would lack "
            "its tools and libraries; switch to -slim once you know what the app needs"
        )

    # The version is kept as written, so a patch pin (3.11.9) stays pinned.
    version_text = variable.group("version") if variable else version
    patch_pinned = version.count(".") == 2
    if tag.release is None and patch_pinned and not explicit_release:
        # A patch tag stopped changing when the next patch came out, on the
        # release that was the default then; without release dates per patch
        # that release cannot be known.
        raise CannotMigrate(
            f"line {line}: {stage.base} pins a patch release but no OS release, and "
            "which release that tag was built on depends on when it came out; add the "
            "release to the tag or pass --debian-release"
        )
    if tag.variant == "alpine" and tag.release is None and not _maintained(tag.minor):
        raise CannotMigrate(
            f"line {line}: Python {tag.minor} is past its end of life, so the Alpine "
            f"release that {stage.base} last used is not known; add -alpine3.NN to the tag"
        )
    if tag.variant == "alpine":
        # Both stages keep musl and the same Alpine release.
        alpine = tag.release or image_data()["python"]["latest_alpine"]
        image = f"{ref.repository}:{version_text}-alpine{alpine}"
        release = "alpine"
    else:
        release = tag.release or default_release
        variant = "slim-" if tag.variant == "slim" else ""
        image = f"{ref.repository}:{version_text}-{variant}{release}"
    if variable:
        notes.append(
            f"uv.lock is made for Python {tag.minor}, the default of "
            f"{variable.group('version')}; a build with another version fails at uv sync"
        )
    if tag.release is None:
        note = f"pinned {written} to {image}"
        today = python_default_release(date.today())
        builds_today = tag.minor in python_minors_for(today) and _maintained(tag.minor)
        if release != "alpine" and today != release and builds_today:
            note += f" ({stage.base} means {today} today)"
        notes.insert(0, note)
    return BaseChoice(image, tag.minor, release, True, tuple(notes))


def _maintained(minor: str) -> bool:
    """Return whether the python image still publishes new builds of `minor`."""
    ends = end_of_life(minor)
    return ends is None or ends > date.today()
