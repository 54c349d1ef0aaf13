"""Image references and the tag grammar of the official `python` image.

The facts that change over time (the pinned uv release, the default Debian
release) live in rules/images.toml; this module reads them once.
"""

import re
import tomllib
from dataclasses import dataclass
from datetime import date
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


# --- Tag knowledge for check: releases, floating tags, uv-derived images ---

UV_VERSION = re.compile(r"^(?P<version>\d+\.\d+(?:\.\d+)?)(?:-(?P<base>.+))?$")
_DEBIAN_VARIANT = re.compile(r"^(?P<release>[a-z]+|\d+)(?:-slim)?$")
_DISTROLESS_DEBIAN = re.compile(r"-debian(?P<number>\d+)")


@dataclass(frozen=True)
class ImageFacts:
    """Facts about a base image that check reads from its tag, without a registry.

    `release` is a Debian codename, `alpine` or `alpine3.NN`, or None when
    unknown. `python_minor` and `interpreter` are None when the image has no
    Python or it is unknown; `has_python` distinguishes the two (None = unknown).
    `floating` names what the tag lets change over time: "release", "python".
    """

    family: str  # python, uv, uv-distroless, debian, ubuntu, alpine, distroless, scratch, other
    release: str | None
    python_minor: str | None
    interpreter: str | None
    has_python: bool | None
    has_uv: bool
    floating: tuple[str, ...] = ()

    @property
    def libc(self) -> str | None:
        if self.release is None:
            return None
        return "musl" if self.release.startswith("alpine") else "glibc"


@dataclass(frozen=True)
class UvBase:
    """One row of [[uv_image.bases]] with {python} filled in."""

    name: str
    first: str
    until: str | None
    last: str | None
    release: str | None
    interpreter: str | None
    python_minor: str | None


def version_key(text: str) -> tuple[int, ...]:
    """Turn `0.9.30` into (0, 9, 30) for comparing; missing parts count as 0."""
    parts = [int(part) for part in text.split(".") if part.isdigit()]
    return tuple(parts + [0] * (3 - len(parts)))


def is_uv_image(ref: ImageRef) -> bool:
    return ref.repository.lower() in image_data()["uv_image"]["repositories"]


@cache
def uv_bases() -> tuple[UvBase, ...]:
    """Expand the [[uv_image.bases]] rows of images.toml into one entry per tag base."""
    bases = []
    for row in image_data()["uv_image"]["bases"]:
        minors = row.get("python", [None])
        for template in row["names"]:
            for minor in minors if "{python}" in template else [None]:
                name = template.replace("{python}", minor or "")
                python_minor = minor or _python_minor_in(name)
                bases.append(
                    UvBase(
                        name=name,
                        first=row.get("first", ""),
                        until=row.get("until"),
                        last=row.get("last"),
                        release=row.get("release") or None,
                        interpreter=row.get("interpreter"),
                        python_minor=python_minor,
                    )
                )
    return tuple(bases)


def _python_minor_in(base: str) -> str | None:
    match = re.match(r"^python(\d+\.\d+)", base)
    return match.group(1) if match else None


def split_uv_tag(tag: str) -> tuple[str | None, str | None]:
    """Split a uv image tag into (uv version, base); either may be None.

    `0.9.5-python3.12-trixie-slim` gives ("0.9.5", "python3.12-trixie-slim"),
    `trixie` gives (None, "trixie"), `0.9` gives ("0.9", None).
    """
    if tag in ("", "latest"):
        return None, None
    match = UV_VERSION.match(tag)
    if match:
        return match.group("version"), match.group("base")
    return None, tag


def uv_base_entries(base: str, version: str | None) -> list[UvBase]:
    """Return the entries for `base` that a uv `version` published (any version when None)."""
    entries = [entry for entry in uv_bases() if entry.name == base]
    if version is None:
        return entries
    low = version_key(version)
    # `0.9-bookworm` names the newest 0.9.x, so any 0.9.x inside the window counts.
    high = low if version.count(".") == 2 else (low[0], low[1], 10**6)
    return [
        entry
        for entry in entries
        if (not entry.first or version_key(entry.first) <= high)
        and (entry.until is None or low < version_key(entry.until))
    ]


def current_uv_base(base: str) -> UvBase | None:
    """Return the entry that the unversioned tag `base` follows today, or None when dropped."""
    for entry in uv_bases():
        if entry.name == base and entry.until is None:
            return entry
    return None


def python_default_release(day: date) -> str:
    """Return the Debian release that codename-less python tags named on `day`."""
    for window in image_data()["python"]["default_release"]:
        since = window.get("since", date.min)
        until = window.get("until", date.max)
        if since <= day < until:
            return window["release"]
    return image_data()["python"]["default_release"][-1]["release"]


def python_minors_for(release: str) -> list[str]:
    return image_data()["python"]["debian_minors"].get(release, [])


def end_of_life(minor: str) -> date | None:
    return image_data()["python"]["end_of_life"].get(minor)


def describe_image(text: str, day: date) -> ImageFacts | None:
    """Describe the base image `text` as of `day`; None when it cannot be read (`$VAR`, empty)."""
    if not text or "$" in text:
        return None
    if text.lower() == "scratch":
        return ImageFacts("scratch", None, None, None, False, False)
    ref = parse_image_ref(text)
    if is_python_image(ref):
        return _describe_python(ref, day)
    if is_uv_image(ref):
        return _describe_uv(ref)
    repository = ref.repository.lower().removeprefix("docker.io/").removeprefix("library/")
    if repository == "debian":
        return _describe_debian(ref.tag)
    if repository == "alpine":
        tag = ref.tag or "latest"
        floating = ("release",) if not re.match(r"^3\.\d+", tag) else ()
        release = "alpine" + ".".join(tag.split(".")[:2]) if not floating else "alpine"
        return ImageFacts("alpine", release, None, None, False, False, floating)
    if repository == "ubuntu":
        return ImageFacts("ubuntu", "ubuntu", None, None, False, False)
    if repository.startswith("gcr.io/distroless/"):
        return _describe_distroless(repository)
    return ImageFacts("other", None, None, None, None, False)


def _describe_python(ref: ImageRef, day: date) -> ImageFacts | None:
    parsed = parse_python_tag(ref.tag) or _parse_misordered_python_tag(ref.tag)
    if parsed is None or parsed.variant == "windows":
        return None
    floating: list[str] = []
    minor = parsed.minor
    if minor is None:
        minor = image_data()["python"]["latest_minor"]
        floating.append("python")
    release = parsed.release
    # A patch tag (3.11.6-slim) stops being rebuilt when the next patch comes
    # out, so it does not float; its OS release is the default of that time,
    # which this data does not record.
    patch_pinned = re.match(r"\d+\.\d+\.\d+", ref.tag or "") is not None
    if parsed.variant == "alpine":
        if release is None:
            if not patch_pinned:
                floating.append("release")
            release = "alpine"
        else:
            release = "alpine" + release
    elif release is None and patch_pinned:
        release = None
    elif release is None:
        floating.append("release")
        release = python_default_release(day)
        if minor not in python_minors_for(release):
            # A minor the default release never had stays on the last release that had it.
            having = [name for name in DEBIAN_RELEASES if minor in python_minors_for(name)]
            release = having[0] if having else release
    interpreter = image_data()["python"]["interpreter"]
    return ImageFacts("python", release, minor, interpreter, True, False, tuple(floating))


def _parse_misordered_python_tag(tag: str) -> PythonTag | None:
    """Read a python tag that puts the Debian release before "slim" (`3.12-bookworm-slim`).

    The python image never published such tags, and DM201 flags them, but the
    minor and release they mean are clear, so the stage checks can compare them.
    """
    version, _, variant_text = tag.partition("-")
    release, _, rest = variant_text.partition("-")
    if rest != "slim" or release not in DEBIAN_RELEASES:
        return None
    return parse_python_tag(f"{version}-slim-{release}")


def _describe_uv(ref: ImageRef) -> ImageFacts:
    version, base = split_uv_tag(ref.tag)
    if base is None:
        return ImageFacts("uv-distroless", None, None, None, False, True)
    if version is None:
        entry = current_uv_base(base) or next(iter(uv_base_entries(base, None)[-1:]), None)
    else:
        entry = next(iter(uv_base_entries(base, version)[-1:]), None)
    if entry is None:
        return ImageFacts("uv", None, None, None, None, True)
    release = entry.release
    if release == "alpine" and re.search(r"alpine3\.\d+", base):
        release = re.search(r"alpine3\.\d+", base).group(0)
    has_python = entry.python_minor is not None
    floating = ("release",) if base in ("debian", "debian-slim", "alpine") else ()
    return ImageFacts(
        "uv", release, entry.python_minor, entry.interpreter, has_python, True, floating
    )


def _describe_debian(tag: str) -> ImageFacts:
    numbers = image_data()["debian"]["numbers"]
    by_number = {number: name for name, number in numbers.items()}
    match = _DEBIAN_VARIANT.match(tag or "latest")
    word = match.group("release") if match else ""
    release = by_number.get(word.split(".")[0], word if word in numbers else None)
    floating = () if release else ("release",)
    return ImageFacts("debian", release, None, None, False, False, floating)


def _describe_distroless(repository: str) -> ImageFacts:
    numbers = image_data()["debian"]["numbers"]
    by_number = {number: name for name, number in numbers.items()}
    match = _DISTROLESS_DEBIAN.search(repository)
    release = by_number.get(match.group("number")) if match else None
    if "/python3" in repository:
        minor = image_data()["debian"]["python3"].get(release or "")
        return ImageFacts("distroless", release, minor, "/usr/bin/python3", True, False)
    return ImageFacts("distroless", release, None, None, False, False)


def python_tag_exists(tag: str) -> bool:
    """Return whether `tag` is in the python image's grammar and its minor had that release.

    Minors newer than the data file lists are accepted, because the data may
    be older than the image.
    """
    parsed = parse_python_tag(tag)
    if parsed is None:
        return False
    if parsed.minor is None or parsed.release is None or parsed.variant not in ("full", "slim"):
        return True
    if parsed.minor not in _known_python_minors():
        return version_key(parsed.minor) > version_key(_newest_known_minor())
    return parsed.minor in python_minors_for(parsed.release)


def python_tag_candidates(tag: str) -> list[str]:
    """Return real python tags with the same version part as `tag`, for suggesting a fix."""
    version = tag.split("-")[0]
    if tag.startswith(f"{version}-rc"):
        version += "-rc"
    match = _PYTHON_VERSION.match(version.removesuffix("-rc"))
    minor = match.group("minor") if match else image_data()["python"]["latest_minor"]
    if not match and version not in ("3", "latest"):
        version = minor
    variants = ["", "slim", "alpine", f"alpine{image_data()['python']['latest_alpine']}"]
    for release, minors in image_data()["python"]["debian_minors"].items():
        if minor in minors:
            variants += [release, f"slim-{release}"]
    return [f"{version}-{variant}" if variant else version for variant in variants]


# --- Published full-version tags of the python image (rules/python_tags.toml) ---

_FULL_VERSION = re.compile(
    r"^(?P<minor>\d+\.\d+)\.(?P<patch>\d+)(?:(?P<phase>a|b|rc)(?P<number>\d+))?$"
)
_PHASE_ORDER = {"a": 0, "b": 1, "rc": 2, None: 3}
# Variants that name the default Debian, slim Debian or Alpine image of a
# version. The tag grammar checks judge them, so they need no lookup.
_SHORT_VARIANTS = ("", "slim", "alpine")


@cache
def python_tag_history() -> dict:
    """Load rules/python_tags.toml once, on first use.

    The file is about 26 kB, so it is loaded only for the tags that need it
    (a full version, or a minor with an alpine3.NN or Windows variant).
    """
    path = dockermig.rules.__path__[0] + "/python_tags.toml"
    with open(path, "rb") as file:
        return tomllib.load(file)


def full_version_key(version: str) -> tuple[int, ...]:
    """Order full Python versions: 3.13.0a1 < 3.13.0rc2 < 3.13.0 < 3.13.1."""
    match = _FULL_VERSION.match(version)
    minor = tuple(int(part) for part in match.group("minor").split("."))
    phase = _PHASE_ORDER[match.group("phase")]
    return minor + (int(match.group("patch")), phase, int(match.group("number") or 0))


@cache
def _published_versions(minor: str, variant: str) -> frozenset[str]:
    """Expand the entries of python_tags.toml ("3.9.17-3.9.25", "3.13.0rc2") into versions."""
    versions = set()
    for entry in python_tag_history()["tags"].get(minor, {}).get(variant, []):
        first, _, last = entry.partition("-")
        if not last:
            versions.add(first)
            continue
        for patch in range(int(first.rsplit(".", 1)[1]), int(last.rsplit(".", 1)[1]) + 1):
            versions.add(f"{minor}.{patch}")
    return frozenset(versions)


@cache
def _known_variants() -> frozenset[str]:
    tags = python_tag_history()["tags"]
    return frozenset(variant for variants in tags.values() for variant in variants)


def python_tag_published(version: str, variant: str) -> bool | None:
    """Return whether the python image published the tag `<version>-<variant>`.

    `version` is a full version (3.9.16, 3.13.0rc2) and `variant` the rest of
    the tag (slim-bookworm, alpine3.19, "" for the bare version). A minor
    older than the newest in rules/python_tags.toml but missing from it was
    never built, so it gives False.

    None means the file cannot tell. That is the case for a version outside
    the file's grammar and for a version newer than the file. It is also the
    case when `version` was the newest of its minor when the file was made
    and `variant` is a name the file has never seen, which may have been
    added since.
    """
    match = _FULL_VERSION.match(version)
    if not match:
        return None
    minor = match.group("minor")
    history = python_tag_history()
    if minor not in history["tags"]:
        newest = max(history["tags"], key=version_key)
        return None if version_key(minor) > version_key(newest) else False
    if version in _published_versions(minor, variant):
        return True
    current = history["current"].get(minor)
    if current is None:
        # The image stopped building this minor before the file was made.
        return False
    if full_version_key(version) > full_version_key(current):
        return None
    if version == current and variant not in _known_variants():
        return None
    return False


def python_minor_has_variant(minor: str, variant: str) -> bool | None:
    """Return whether any `<minor>-<variant>` tag of the python image was published.

    None means rules/python_tags.toml cannot tell: the minor is not in the
    file, or the image still builds it and `variant` is a name the file has
    never seen (a newer Alpine or Windows release).
    """
    history = python_tag_history()
    variants = history["tags"].get(minor)
    if variants is None:
        return None
    if variant in variants:
        return True
    if minor in history["current"] and variant not in _known_variants():
        return None
    return False


def published_python_alternatives(tag: str) -> list[str] | None:
    """Return the published python tags nearest to `tag`, or None when `tag` may exist.

    Only tags whose version is a full version (3.9.16-slim-bookworm), or a
    minor with a variant that short grammar checks cannot judge
    (3.8-alpine3.24, 3.12-windowsservercore-1809), are looked up in
    rules/python_tags.toml. The list is empty when no close tag exists.
    """
    version, _, variant = tag.partition("-")
    written_version = version
    if variant == "rc" or variant.startswith("rc-"):
        # `3.15-rc-slim-trixie` names the pre-releases of 3.15.
        written_version = f"{version}-rc"
        variant = variant.removeprefix("rc").removeprefix("-")
    full = _FULL_VERSION.match(version)
    if full:
        if python_tag_published(version, variant) is not False:
            return None
        return _alternatives_for_version(full.group("minor"), version, variant)
    if not re.fullmatch(r"\d+\.\d+", version) or variant in _SHORT_VARIANTS:
        return None
    if not (re.fullmatch(r"alpine3\.\d+", variant) or variant.startswith("windowsservercore")):
        return None
    if python_minor_has_variant(version, variant) is not False:
        return None
    sibling = _nearest_sibling_variant(variant, python_tag_history()["tags"][version])
    return [f"{written_version}-{sibling}"] if sibling else []


def _alternatives_for_version(minor: str, version: str, variant: str) -> list[str]:
    """Return published tags near `<version>-<variant>`, best first.

    The candidates are the next newer version with the same variant, the
    minor tag of that variant, and the same version with the nearest variant
    of the same kind. When the variant has no newer version, the variant
    was dropped before `version`, so the same version comes first.
    """
    target = full_version_key(version)
    final_only = _FULL_VERSION.match(version).group("phase") is None
    versions = [
        item
        for item in sorted(_published_versions(minor, variant), key=full_version_key)
        if not final_only or _FULL_VERSION.match(item).group("phase") is None
    ]
    newer = [item for item in versions if full_version_key(item) > target]
    same_variant = []
    if versions:
        nearest = newer[0] if newer else versions[-1]
        same_variant.append(_join_tag(nearest, variant))
        if any(_FULL_VERSION.match(item).group("phase") is None for item in versions):
            same_variant.append(_join_tag(minor, variant))
    variants = [
        name
        for name in python_tag_history()["tags"].get(minor, {})
        if version in _published_versions(minor, name)
    ]
    sibling = _nearest_sibling_variant(variant, variants)
    same_version = [_join_tag(version, sibling)] if sibling is not None else []
    return same_variant + same_version if newer else same_version + same_variant


def _join_tag(version: str, variant: str) -> str:
    return f"{version}-{variant}" if variant else version


def _nearest_sibling_variant(variant: str, variants) -> str | None:
    """Return the one of `variants` of the same kind as `variant` (alpine3.NN, slim
    Debian, Debian, Windows Server Core) that is nearest to it, the newer on a tie,
    or None."""
    if re.fullmatch(r"alpine3\.\d+", variant):
        target = int(variant.rsplit(".", 1)[1])
        numbers = [
            int(name.rsplit(".", 1)[1])
            for name in variants
            if re.fullmatch(r"alpine3\.\d+", name)
        ]
        best = min(numbers, key=lambda number: (abs(number - target), -number), default=None)
        return None if best is None else f"alpine3.{best}"
    if variant.startswith("windowsservercore"):
        windows = sorted(name for name in variants if name.startswith("windowsservercore-"))
        return windows[-1] if windows else None
    prefix = "slim-" if variant.startswith("slim-") else ""
    codename = variant.removeprefix(prefix)
    if codename not in DEBIAN_RELEASES:
        return None
    target = DEBIAN_RELEASES.index(codename)
    # DEBIAN_RELEASES lists the newest first, so a lower index is newer.
    having = [
        index for index, release in enumerate(DEBIAN_RELEASES) if prefix + release in variants
    ]
    best = min(having, key=lambda index: (abs(index - target), index), default=None)
    return None if best is None else prefix + DEBIAN_RELEASES[best]


def uv_tag_candidates(version: str | None) -> list[str]:
    """Return uv image tags that exist, current ones first, with `version` as their prefix."""
    current = [entry.name for entry in uv_bases() if entry.until is None]
    dropped = [entry.name for entry in uv_bases() if entry.until is not None]
    names = list(dict.fromkeys(current + dropped))
    if version is not None:
        names = [name for name in names if uv_base_entries(name, version)]
        return [f"{version}-{name}" for name in names]
    return names


def nearest_tag(tag: str, candidates: list[str]) -> str | None:
    """Return the candidate closest to `tag`: the same dash-separated words in another
    order first, then the one that keeps most of its words and adds fewest."""
    import difflib

    words = set(tag.split("-"))
    best: tuple | None = None
    for order, candidate in enumerate(candidates):
        candidate_words = set(candidate.split("-"))
        # Losing a versioned word (python3.12, alpine3.23) costs more than losing a name.
        missing = sum(
            2 if any(char.isdigit() for char in word) else 1
            for word in words - candidate_words
        )
        extra = len(candidate_words - words)
        similarity = difflib.SequenceMatcher(None, tag, candidate).ratio()
        score = (missing, extra, -similarity, order)
        if best is None or score < best[0]:
            best = (score, candidate)
    return best[1] if best else None


@cache
def _known_python_minors() -> frozenset[str]:
    minors = image_data()["python"]["debian_minors"].values()
    return frozenset(minor for group in minors for minor in group)


def _newest_known_minor() -> str:
    return max(_known_python_minors(), key=version_key)
