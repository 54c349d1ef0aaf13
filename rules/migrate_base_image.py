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

X.Y and a patch pin are never changed, with one exception: when a patch
pin (`python:3.9.16-slim`) moves to a Debian release that the tag did not
name, rules/python_tags.toml must show that the tag was published on that
release. A patch-pinned Alpine tag without a release gets the newest
alpine3.NN release that had the patch. When the data shows no such tag, or
cannot tell, the convention's `python = "X.Y"` moves the image to the minor
tag, and without that setting the file is not migrated.
"""

import re
from dataclasses import dataclass, replace
from datetime import date

from dockermig.images import (
    DEBIAN_RELEASES,
    end_of_life,
    image_data,
    is_python_image,
    parse_image_ref,
    parse_python_tag,
    python_default_release,
    python_minors_for,
    python_tag_history,
    python_tag_published,
)
from dockermig.migrate.outcome import CannotMigrate
from dockermig.model import Stage

# No CPython minor has reached patch 99 (3.9 ended at 3.9.25, 2.7 at 2.7.18).
_MAX_PATCH = 99
_ALPINE_VARIANT = re.compile(r"alpine3\.(\d+)")
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
    written_release = tag.release
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
    if tag.release is None and patch_pinned and not explicit_release and tag.variant != "alpine":
        # A patch tag stopped changing when the next patch came out, on the
        # release that was the default then; without release dates per patch
        # that release cannot be known.
        raise CannotMigrate(
            f"line {line}: {stage.base} pins a patch release but no OS release, and "
            "which release that tag was built on depends on when it came out; "
            f"{_release_advice(version, tag.variant == 'slim')}"
        )
    convention_names_minor = forced_python == tag.minor
    chosen_alpine = None
    if patch_pinned and tag.release is None and tag.variant == "alpine":
        chosen_alpine, fact = _newest_alpine_with_patch(version)
        if chosen_alpine is None and not convention_names_minor:
            raise CannotMigrate(
                f"line {line}: {stage.base} pins a patch release but no Alpine release, "
                f"and {fact}; add -alpine3.NN to the tag, or set python = "
                f'"{tag.minor}" in [tool.dockermig] to move the image to the {tag.minor} tag'
            )
        if chosen_alpine is None:
            version_text, patch_pinned = tag.minor, False
            notes.append(
                f"moved {written} to the {tag.minor} tag, as the convention's python = "
                f'"{tag.minor}" asks, because {fact}'
            )
    if (
        tag.variant == "alpine"
        and tag.release is None
        and chosen_alpine is None
        and not _maintained(tag.minor)
    ):
        raise CannotMigrate(
            f"line {line}: Python {tag.minor} is past its end of life, so the Alpine "
            f"release that {stage.base} last used is not known; add -alpine3.NN to the tag"
        )
    if tag.variant == "alpine":
        # Both stages keep musl and the same Alpine release.
        alpine = tag.release or chosen_alpine or image_data()["python"]["latest_alpine"]
        image = f"{ref.repository}:{version_text}-alpine{alpine}"
        release = "alpine"
    else:
        release = tag.release or default_release
        variant = "slim-" if tag.variant == "slim" else ""
        if patch_pinned and release != written_release:
            version_text = _published_version(
                version,
                version_text,
                release,
                written,
                line,
                convention_names_minor,
                notes,
                slim=tag.variant == "slim",
            )
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
        if chosen_alpine is not None:
            note += f", the newest Alpine release that had python {version}"
        notes.insert(0, note)
    return BaseChoice(image, tag.minor, release, True, tuple(notes))


def _maintained(minor: str) -> bool:
    """Return whether the python image still publishes new builds of `minor`."""
    ends = end_of_life(minor)
    return ends is None or ends > date.today()


def patch_published(version: str, release: str, slim: bool = True) -> bool | None:
    """Return whether the python image published patch `version` (X.Y.Z) on Debian `release`.

    The tag looked up is `<version>-slim-<release>`, or `<version>-<release>`
    for the full image. None means rules/python_tags.toml cannot tell, for
    example because the patch is newer than the file.
    """
    return python_tag_published(version, _debian_variant(release, slim))


def releases_with_patch(version: str, slim: bool = True) -> list[str]:
    """Return the Debian releases, newest first, that had a python tag of patch `version`."""
    return [
        release
        for release in DEBIAN_RELEASES
        if patch_published(version, release, slim)
    ]


def _debian_variant(release: str, slim: bool) -> str:
    return f"slim-{release}" if slim else release


def _published_patches(minor: str, variant: str) -> list[int]:
    """Return the final patch numbers of `minor` that had the tag variant `variant`, in order."""
    return [
        patch
        for patch in range(_MAX_PATCH + 1)
        if python_tag_published(f"{minor}.{patch}", variant)
    ]


def _release_advice(version: str, slim: bool) -> str:
    """Return how to choose the Debian release for a patch-pinned tag that names none."""
    releases = releases_with_patch(version, slim)
    choosable = [release for release in releases if release in ("bookworm", "trixie")]
    if choosable:
        options = " or ".join(f"--debian-release {release}" for release in choosable)
        return f"add the release to the tag or pass {options}"
    if releases:
        return (
            f"python {version} was published on {' and '.join(releases)}, so add one of "
            "them to the tag"
        )
    return "add the release to the tag or pass --debian-release"


def _published_version(
    version: str,
    version_text: str,
    release: str,
    written: str,
    line: int,
    convention_names_minor: bool,
    notes: list[str],
    slim: bool,
) -> str:
    """Return the version part of the new tag for a patch pin moved to `release`.

    The patch stays when the data shows it was published on `release`. When
    the data shows it was not, or cannot tell, the minor tag is used if the
    convention's `python` setting names that minor, and CannotMigrate is
    raised otherwise.
    """
    published = patch_published(version, release, slim)
    if published:
        return version_text
    minor = version.rsplit(".", 1)[0]
    if published is False:
        fact = (
            f"python {version} was never published on {release} "
            f"({_published_range(minor, release, slim)})"
        )
    else:
        fact = (
            f"dockermig's image data cannot tell whether python {version} was published "
            f"on {release}"
        )
    if convention_names_minor:
        notes.append(
            f"moved {written} to the {minor} tag on {release}, as the convention's python = "
            f'"{minor}" asks, because {fact}'
        )
        return minor
    other = [
        other
        for other in releases_with_patch(version, slim)
        if other in ("bookworm", "trixie") and other != release
    ]
    choices = [f"pass --debian-release {other}" for other in other]
    choices.append(f'set python = "{minor}" in [tool.dockermig] to move the image to the {minor} tag')
    raise CannotMigrate(
        f"line {line}: {written} cannot be pinned to {release}, because {fact}; "
        + ", or ".join(choices)
    )


def _published_range(minor: str, release: str, slim: bool) -> str:
    """Describe which patches of `minor` the python image published on `release`."""
    variant = _debian_variant(release, slim)
    patches = _published_patches(minor, variant)
    if not patches:
        return f"the python image never built {minor} on {release}"
    first, last = f"{minor}.{patches[0]}", f"{minor}.{patches[-1]}"
    still = ""
    if python_tag_history()["current"].get(minor) == last:
        still = ", and still builds it"
    return f"the python image built {minor} on {release} from {first} to {last}{still}"


def _newest_alpine_with_patch(version: str) -> tuple[str | None, str]:
    """Return the newest Alpine release ("3.20") with a `<version>-alpine3.NN` tag, and why none when None.

    The `<version>-alpine` tag stopped changing when the next patch came out,
    and it then pointed at the newest Alpine release built with that patch.
    The second value is the reason, for a message, when no release is found.
    """
    minor = version.rsplit(".", 1)[0]
    variants = python_tag_history()["tags"].get(minor, {})
    numbers = sorted(
        (
            int(match.group(1))
            for match in map(_ALPINE_VARIANT.fullmatch, variants)
            if match is not None
        ),
        reverse=True,
    )
    unknown = python_tag_published(version, "alpine") is None
    for number in numbers:
        published = python_tag_published(version, f"alpine3.{number}")
        if published:
            return f"3.{number}", ""
        unknown = unknown or published is None
    if unknown:
        return None, (
            "dockermig's image data cannot tell which Alpine releases had "
            f"python {version}"
        )
    return None, f"the python image published {version} on no alpine3.NN tag"
