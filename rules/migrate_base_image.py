"""Migrate step: choose the python image that both stages use.

Both stages use `python:X.Y-slim-<release>`, so the venv is built and run
on the same Python minor version and the same Debian release. X.Y comes from
the original tag and is never changed. A tag that leaves the Debian release
open (`python:3.11-slim` moved from bookworm to trixie on 2025-08-11) is
pinned to the configured default release, and the summary says so.
"""

import re
from dataclasses import dataclass
from datetime import date

from dockermig.images import (
    is_python_image,
    parse_image_ref,
    parse_python_tag,
    python_default_release,
)
from dockermig.migrate.outcome import CannotMigrate
from dockermig.model import Stage


@dataclass(frozen=True)
class BaseChoice:
    image: str
    minor: str
    release: str
    note: str = ""


def choose_base_image(stage: Stage, default_release: str) -> BaseChoice:
    """Return the image for both stages; raise CannotMigrate when the tag does not allow a safe one.

    `default_release` is used when the tag does not name a Debian release.
    """
    line = stage.from_instruction.line
    written = stage.from_instruction.arguments.split()[0]
    if "$" in written:
        raise CannotMigrate(
            f"line {line}: the base image {written} is set by a build argument, "
            "which dockermig does not rewrite yet"
        )
    ref = parse_image_ref(stage.base)
    if not is_python_image(ref):
        raise CannotMigrate(
            f"line {line}: the base image {stage.base} is not a python image, so the "
            "venv's interpreter would not match; move the image to python:X.Y-slim first"
        )
    if ref.digest:
        raise CannotMigrate(
            f"line {line}: the base image is pinned by digest, and a rewritten tag "
            "would drop that pin; dockermig does not migrate digest pins yet"
        )
    tag = parse_python_tag(ref.tag)
    if tag is None:
        raise CannotMigrate(f"line {line}: {stage.base} is not a tag of the python image")
    if tag.minor is None:
        raise CannotMigrate(
            f"line {line}: {stage.base} does not name a Python minor version; pin one "
            "(for example python:3.12-slim) so the migration cannot change it"
        )
    if tag.variant in ("alpine", "windows"):
        raise CannotMigrate(
            f"line {line}: {tag.variant} python images are not migrated yet"
        )
    if tag.variant == "full":
        # TODO: migrate full images; a slim runtime lacks the tools (curl, git, gcc)
        # that the full image has and the original may use.
        raise CannotMigrate(
            f"line {line}: {stage.base} is a full python image; its slim runtime would "
            "lack tools the full image has, so switch to the -slim variant first"
        )
    version = ref.tag.split("-")[0]
    if not re.fullmatch(r"\d+\.\d+(\.\d+)?", version) or "-rc" in ref.tag:
        raise CannotMigrate(
            f"line {line}: {stage.base} is a Python pre-release, which dockermig "
            "does not migrate"
        )
    release = tag.release or default_release
    # The version is kept as written, so a patch pin (3.11.9) stays pinned.
    image = f"{ref.repository}:{version}-slim-{release}"
    note = ""
    if tag.release is None:
        today = python_default_release(date.today())
        note = f"pinned {stage.base} to {image}"
        if today != release:
            note += f" ({stage.base} means {today} today)"
    return BaseChoice(image=image, minor=tag.minor, release=release, note=note)
