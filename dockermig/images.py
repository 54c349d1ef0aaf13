"""Image references and the tag grammar of the official `python` image.

The facts that change over time (the pinned uv release, the default Debian
release) live in rules/images.toml; this module reads them once.
"""

import re
import tomllib
from dataclasses import dataclass
from functools import cache

import dockermig.rules

DEBIAN_RELEASES = ("trixie", "bookworm", "bullseye", "buster", "stretch", "jessie", "wheezy")
PYTHON_REPOSITORIES = ("python", "library/python", "docker.io/library/python", "docker.io/python")

_PYTHON_VERSION = re.compile(r"^(?P<minor>\d+\.\d+)(?:\.\d+)?(?:(?:a|b|rc)\d+)?(?:-rc)?$")


@dataclass(frozen=True)
class ImageRef:
    """An image reference split into repository, tag and digest (tag and digest may be empty)."""

    repository: str
    tag: str
    digest: str

    def __str__(self) -> str:
        text = self.repository
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


@dataclass(frozen=True)
class PythonTag:
    """What a tag of the official python image names.

    `minor` is None for tags such as `3` or `latest` that follow new Python
    releases; `release` is None when the tag leaves the OS release to the
    image's current default.
    """

    minor: str | None
    variant: str  # "slim", "full", "alpine", "windows"
    release: str | None


def parse_image_ref(text: str) -> ImageRef:
    """Split `registry/repo:tag@sha256:...` into its parts."""
    rest, _, digest = text.partition("@")
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        return ImageRef(rest[:colon], rest[colon + 1 :], digest)
    return ImageRef(rest, "", digest)


def is_python_image(ref: ImageRef) -> bool:
    return ref.repository.lower() in PYTHON_REPOSITORIES


def parse_python_tag(tag: str) -> PythonTag | None:
    """Read a python image tag; None when the tag is not in the image's grammar."""
    version, _, variant_text = (tag or "latest").partition("-")
    if version in ("latest", "3"):
        minor = None
    else:
        match = _PYTHON_VERSION.match(version)
        if not match:
            return None
        minor = match.group("minor")
    if variant_text.startswith("rc"):
        variant_text = variant_text[3:] if variant_text.startswith("rc-") else ""
    return _parse_variant(minor, variant_text)


def _parse_variant(minor: str | None, variant_text: str) -> PythonTag | None:
    if variant_text == "":
        return PythonTag(minor, "full", None)
    if variant_text == "slim":
        return PythonTag(minor, "slim", None)
    if variant_text.startswith("slim-") and variant_text[5:] in DEBIAN_RELEASES:
        return PythonTag(minor, "slim", variant_text[5:])
    if variant_text in DEBIAN_RELEASES:
        return PythonTag(minor, "full", variant_text)
    if variant_text == "alpine":
        return PythonTag(minor, "alpine", None)
    if re.fullmatch(r"alpine3\.\d+", variant_text):
        return PythonTag(minor, "alpine", variant_text.removeprefix("alpine"))
    if variant_text.startswith("windowsservercore") or variant_text.startswith("nanoserver"):
        return PythonTag(minor, "windows", None)
    return None


@cache
def image_data() -> dict:
    """Load rules/images.toml once."""
    path = dockermig.rules.__path__[0] + "/images.toml"
    with open(path, "rb") as file:
        return tomllib.load(file)


def pinned_uv_version() -> str:
    return image_data()["uv"]["version"]


def default_debian_release() -> str:
    return image_data()["debian"]["default_release"]
