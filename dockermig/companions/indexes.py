"""Plan `[[tool.uv.index]]` entries from pip, pip.conf, Poetry, Pipenv and PDM index settings.

pip merges every index it is given and installs the highest version found on
any of them, so a project published on PyPI under an internal package's name
can replace the internal package. uv's default `index-strategy = "first-index"`
takes each package from the first index that has it. The plan therefore puts
the indexes that only their owners publish to first, and the open indexes
(PyPI and its public mirrors) last.

Credentials never go into the plan. An index URL with `user:password@` loses
them, and uv reads them at build time from `UV_INDEX_<NAME>_USERNAME` and
`UV_INDEX_<NAME>_PASSWORD`, where <NAME> is the index name upper-cased with
every character other than A-Z and 0-9 replaced by "_" (uv's
`IndexName::to_env_var`).
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from dockermig.companions.requirements import RequirementSet
from dockermig.errors import InputFileError

PYPI_URL = "https://pypi.org/simple"
_PYPI_HOSTS = {"pypi.org", "pypi.python.org"}
# Indexes on which anyone can register an unused project name: TestPyPI and
# public PyPI mirrors. NOTE: the mirror list is incomplete; an unlisted mirror
# is ordered like a private index, which keeps pip's order for it.
_OPEN_HOSTS = {
    "test.pypi.org",
    "pypi.tuna.tsinghua.edu.cn",
    "mirrors.tuna.tsinghua.edu.cn",
    "mirrors.aliyun.com",
    "pypi.doubanio.com",
    "mirrors.cloud.tencent.com",
    "repo.huaweicloud.com",
    "pypi.mirrors.ustc.edu.cn",
    "mirror.baidu.com",
}
# Query parameters that commonly carry an access token in index URLs.
_SECRET_QUERY_KEYS = re.compile(
    r"token|key|secret|password|passwd|auth|signature|sig", re.IGNORECASE
)
_INVALID_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")
_TRUE_WORDS = {"1", "true", "yes", "on"}
# Build arguments and environment variables that pip and uv read index settings from.
_INDEX_URL_VARIABLES = ("PIP_INDEX_URL", "UV_INDEX_URL", "UV_DEFAULT_INDEX")
_EXTRA_INDEX_VARIABLES = ("PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_INDEX")
_FIND_LINKS_VARIABLES = ("PIP_FIND_LINKS", "UV_FIND_LINKS")


@dataclass
class IndexSettings:
    """Index settings as one tool or file declared them.

    `index_url` replaces PyPI, as pip's --index-url does; None keeps PyPI.
    `extra_index_urls` are searched together with it, `find_links` are flat
    pages of wheel links, `supplemental_urls` are searched after PyPI (Poetry's
    "supplemental" priority) and `explicit_urls` only for the packages pinned
    to them. `names` maps a URL to the name the old tool gave it, and
    `origins` maps a URL to where it was found when that differs from `origin`.
    The URLs are kept as found, credentials included, so never print them.
    """

    origin: str
    index_url: str | None = None
    extra_index_urls: list[str] = field(default_factory=list)
    find_links: list[str] = field(default_factory=list)
    supplemental_urls: list[str] = field(default_factory=list)
    explicit_urls: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    no_index: bool = False
    # The pip.conf or pip.ini these settings were read from, if any.
    path: Path | None = None

    def is_empty(self) -> bool:
        return not (
            self.index_url
            or self.extra_index_urls
            or self.find_links
            or self.supplemental_urls
            or self.explicit_urls
            or self.no_index
        )


@dataclass(frozen=True)
class PlannedIndex:
    """One `[[tool.uv.index]]` entry, with a URL that carries no credentials.

    `authenticated` is true when uv must read credentials for this index from
    UV_INDEX_<NAME>_USERNAME and UV_INDEX_<NAME>_PASSWORD. `source_name` is
    the name the old tool gave the index, which its packages refer to.
    """

    name: str
    url: str
    default: bool = False
    explicit: bool = False
    flat: bool = False
    authenticated: bool = False
    source_name: str | None = None

    def toml_entry(self) -> dict[str, object]:
        """Return the keys and values of the `[[tool.uv.index]]` table."""
        entry: dict[str, object] = {"name": self.name, "url": self.url}
        if self.flat:
            entry["format"] = "flat"
        if self.explicit:
            entry["explicit"] = True
        if self.default:
            entry["default"] = True
        if self.authenticated:
            # uv then fails when the credentials are missing, instead of falling
            # back to an anonymous request that some servers serve from PyPI.
            entry["authenticate"] = "always"
        return entry


@dataclass(frozen=True)
class IndexSecret:
    """A credential the user must pass to the build: never its value, only its names.

    `variable` is the environment variable uv reads. `secret_id` is the id for
    `RUN --mount=type=secret,id=<secret_id>` in the Dockerfile and
    `docker build --secret id=<secret_id>,env=<variable>` on the host.
    The RUN reads the secret's file into the variable for its own command
    only. (The `env=` form of the mount would be shorter, but buildah 1.28
    rejects it.)
    """

    index_name: str
    variable: str
    secret_id: str
    origin: str

    @property
    def path(self) -> str:
        return f"/run/secrets/{self.secret_id}"

    @property
    def mount_option(self) -> str:
        return f"--mount=type=secret,id={self.secret_id},target={self.path}"

    @property
    def assignment(self) -> str:
        """The shell assignment that sets the variable from the mounted secret, before uv's command."""
        return f'{self.variable}="$(cat {self.path})"'

    @property
    def build_option(self) -> str:
        return f"--secret id={self.secret_id},env={self.variable}"


@dataclass
class IndexPlan:
    """The uv indexes for a project, in priority order, and what the user must know.

    A non-empty `problems` list means an index could not be translated without
    a secret reaching a committed file, so the project must not be migrated.
    """

    indexes: list[PlannedIndex] = field(default_factory=list)
    secrets: list[IndexSecret] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    no_index: bool = False


@dataclass
class _Candidate:
    url: str
    role: str
    name_hint: str | None
    source_name: str | None
    origin: str
    username: bool
    password: bool


def env_variable_name(index_name: str) -> str:
    """Return <NAME> as uv builds it for UV_INDEX_<NAME>_USERNAME: upper case, others "_"."""
    return "".join(
        character.upper() if character.isascii() and character.isalnum() else "_"
        for character in index_name
    )


def strip_credentials(url: str) -> str:
    """Return the URL without a user name, password or query string."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}"


def has_credentials(url: str) -> bool:
    """Return whether the URL names a user, a password or a token-like query parameter."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        return True
    return any(
        _SECRET_QUERY_KEYS.search(key)
        for key, _ in parse_qsl(parts.query, keep_blank_values=True)
    )


def is_pypi(url: str) -> bool:
    parts = urlsplit(url)
    return parts.hostname in _PYPI_HOSTS and parts.path.rstrip("/") in ("/simple", "")


def index_name_for_url(url: str) -> str:
    host = urlsplit(url).hostname or "index"
    return re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-") or "index"


def index_settings_from_requirements(
    requirements: RequirementSet, origin: str
) -> IndexSettings:
    """Return the index options of pip requirements files as IndexSettings.

    A URL that a requirements file names gets that file as its origin, and
    `origin` is used for the others (those of the pip command line).
    """
    return IndexSettings(
        origin=origin,
        index_url=requirements.index_url,
        extra_index_urls=list(requirements.extra_index_urls),
        find_links=list(requirements.find_links),
        origins={url: str(files[0]) for url, files in requirements.url_files.items()},
        no_index=requirements.no_index,
    )


def read_pip_conf(path: Path) -> IndexSettings:
    """Read index-url, extra-index-url, find-links and no-index from a pip.conf or pip.ini.

    The [install] section overrides [global] key by key, as for `pip install`.
    Raises InputFileError when the file is missing or is not an INI file.
    """
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with path.open(encoding="utf-8") as file:
            parser.read_file(file)
    except FileNotFoundError:
        raise InputFileError(path, "file not found", "fix the path") from None
    except (configparser.Error, UnicodeDecodeError) as error:
        raise InputFileError(
            path, f"is not a valid pip configuration file ({error})", "fix its syntax"
        ) from None

    values: dict[str, str] = {}
    for section in ("global", "install"):
        if parser.has_section(section):
            values.update(parser.items(section))
    settings = IndexSettings(origin=str(path), path=path)
    settings.index_url = values.get("index-url", "").strip() or None
    settings.extra_index_urls = values.get("extra-index-url", "").split()
    settings.find_links = values.get("find-links", "").split()
    settings.no_index = values.get("no-index", "").strip().lower() in _TRUE_WORDS
    return settings


def index_settings_from_build_args(
    arguments: Mapping[str, str], kinds: Mapping[str, str] | None = None
) -> IndexSettings:
    """Read the index settings that pip and uv take from environment variables.

    `arguments` maps ARG or ENV names to their values in the Dockerfile, and
    `kinds` maps each name to the instruction that set it ("ARG" when absent).
    Each URL's origin names both, such as "ARG PIP_INDEX_URL".
    """
    kinds = kinds or {}
    settings = IndexSettings(origin="build arguments")
    for variable in _INDEX_URL_VARIABLES:
        value = arguments.get(variable, "").strip()
        if value and settings.index_url is None:
            url = _without_uv_name(value, settings)
            settings.index_url = url
            settings.origins[url] = f"{kinds.get(variable, 'ARG')} {variable}"
    for variable in _EXTRA_INDEX_VARIABLES:
        for value in arguments.get(variable, "").split():
            url = _without_uv_name(value, settings)
            settings.extra_index_urls.append(url)
            settings.origins[url] = f"{kinds.get(variable, 'ARG')} {variable}"
    for variable in _FIND_LINKS_VARIABLES:
        for url in arguments.get(variable, "").split():
            settings.find_links.append(url)
            settings.origins[url] = f"{kinds.get(variable, 'ARG')} {variable}"
    no_index = arguments.get("PIP_NO_INDEX", arguments.get("UV_NO_INDEX", ""))
    settings.no_index = no_index.strip().lower() in _TRUE_WORDS
    return settings


def _without_uv_name(value: str, settings: IndexSettings) -> str:
    """Split uv's `name=url` form, recording the name, and return the URL."""
    name, equals, url = value.partition("=")
    if equals and "://" in url and "://" not in name:
        settings.names[url] = name
        return url
    return value


def plan_indexes(settings: Iterable[IndexSettings]) -> IndexPlan:
    """Combine index settings into uv indexes, their secrets and notes for the user.

    Earlier settings take precedence for `index_url`, so pass the project's
    own files before pip.conf and build arguments. URLs are compared without
    credentials, and PyPI is left out because uv adds it as the default index.
    """
    plan = IndexPlan()
    settings = list(settings)
    candidates: list[_Candidate] = []
    primary: _Candidate | None = None
    for setting in settings:
        plan.no_index = plan.no_index or setting.no_index
        for role, urls in (
            ("extra", setting.extra_index_urls),
            ("flat", setting.find_links),
            ("supplemental", setting.supplemental_urls),
            ("explicit", setting.explicit_urls),
        ):
            for url in urls:
                candidate = _candidate(url, role, setting, plan)
                if candidate is not None:
                    candidates.append(candidate)
        if setting.index_url is not None:
            candidate = _candidate(setting.index_url, "primary", setting, plan)
            if candidate is None:
                continue
            if primary is None:
                primary = candidate
            elif candidate.url.rstrip("/") != primary.url.rstrip("/"):
                plan.notes.append(
                    f"{candidate.origin} sets the index URL {candidate.url}, but "
                    f"{primary.origin} already sets {primary.url}, which takes precedence"
                )

    pypi_used = not plan.no_index and (primary is None or is_pypi(primary.url))
    if primary is not None and not is_pypi(primary.url):
        candidates.append(primary)
    if any(is_pypi(c.url) for c in candidates if c.role != "explicit"):
        pypi_used = not plan.no_index
    candidates = _unique_by_url([c for c in candidates if not is_pypi(c.url)])

    ordered = _priority_order(candidates)
    supplemental = [c for c in candidates if c.role == "supplemental"]
    explicit = [c for c in candidates if c.role == "explicit"]
    if supplemental and pypi_used:
        # uv always searches the default index last, so PyPI becomes an
        # ordinary index in front of the ones Poetry searched after it.
        ordered.append(
            _Candidate(
                PYPI_URL, "extra", "pypi", None, "the PyPI default", False, False
            )
        )
        pypi_used = False
    ordered += supplemental

    used_names: set[str] = set()
    default_position = None
    if not pypi_used and not plan.no_index:
        simple = [i for i, c in enumerate(ordered) if c.role != "flat"]
        default_position = simple[-1] if simple else None
    for position, candidate in enumerate(ordered + explicit):
        name = _unique_name(
            candidate.name_hint or index_name_for_url(candidate.url), used_names
        )
        used_names.add(name)
        authenticated = candidate.username or candidate.password
        plan.indexes.append(
            PlannedIndex(
                name=name,
                url=candidate.url,
                default=position == default_position,
                explicit=candidate.role == "explicit",
                flat=candidate.role == "flat",
                authenticated=authenticated,
                source_name=candidate.source_name,
            )
        )
        if authenticated:
            _add_secrets(plan, name, candidate)
    # The default index is searched last whatever its position, so it is written last.
    plan.indexes.sort(key=lambda index: index.default)
    _add_order_note(plan, pypi_used)
    return plan


def _candidate(
    url: str, role: str, setting: IndexSettings, plan: IndexPlan
) -> _Candidate | None:
    origin = setting.origins.get(url, setting.origin)
    parts = urlsplit(url)
    clean = strip_credentials(url)
    secret_keys = [
        key
        for key, _ in parse_qsl(parts.query, keep_blank_values=True)
        if _SECRET_QUERY_KEYS.search(key)
    ]
    if secret_keys:
        plan.problems.append(
            f"the index URL {clean} in {origin} carries a credential in its query "
            f"string ({', '.join(secret_keys)}), which uv cannot read from an "
            "environment variable; use a URL that takes the token as the password "
            "(https://user:TOKEN@host/...), or configure the index by hand"
        )
        return None
    if parts.query:
        clean = f"{clean}?{parts.query}"
    return _Candidate(
        url=clean,
        role=role,
        name_hint=_valid_name(setting.names.get(url)),
        source_name=setting.names.get(url),
        origin=origin,
        username=bool(parts.username),
        password=bool(parts.password),
    )


def _valid_name(name: str | None) -> str | None:
    if not name:
        return None
    cleaned = _INVALID_NAME_CHARACTERS.sub("-", name.strip()).strip("-")
    return cleaned or None


def _unique_by_url(candidates: list[_Candidate]) -> list[_Candidate]:
    seen: dict[str, _Candidate] = {}
    for candidate in candidates:
        key = candidate.url.rstrip("/")
        if key not in seen:
            seen[key] = candidate
        else:
            # Credentials found for a URL in any file apply to the one index.
            kept = seen[key]
            kept.username = kept.username or candidate.username
            kept.password = kept.password or candidate.password
    return list(seen.values())


def _priority_order(candidates: list[_Candidate]) -> list[_Candidate]:
    """Order the searched indexes: private ones as pip listed them, then open ones."""
    searched = [c for c in candidates if c.role in ("extra", "flat", "primary")]
    # pip's --extra-index-url and --find-links come before --index-url, as in uv's
    # own translation of those options.
    searched.sort(key=lambda c: c.role == "primary")
    private = [c for c in searched if urlsplit(c.url).hostname not in _OPEN_HOSTS]
    open_indexes = [c for c in searched if urlsplit(c.url).hostname in _OPEN_HOSTS]
    return private + open_indexes


def _add_secrets(plan: IndexPlan, name: str, candidate: _Candidate) -> None:
    prefix = f"UV_INDEX_{env_variable_name(name)}"
    variables = [f"{prefix}_USERNAME"] if candidate.username else []
    if candidate.password:
        variables.append(f"{prefix}_PASSWORD")
    for variable in variables:
        plan.secrets.append(
            IndexSecret(
                index_name=name,
                variable=variable,
                secret_id=variable.lower(),
                origin=candidate.origin,
            )
        )
    options = " ".join(f"--secret id={v.lower()},env={v}" for v in variables)
    plan.notes.append(
        f"the index {name} ({candidate.url}) had credentials in {candidate.origin}; "
        "they were left out of pyproject.toml, uv.lock, the Dockerfile and the image. Set "
        f"{' and '.join(variables)} where `uv lock` runs, pass them to the build with "
        f"`dockermig build {options}` or `docker build {options}`, and remove them "
        f"from {candidate.origin}"
    )


def _add_order_note(plan: IndexPlan, pypi_used: bool) -> None:
    searched = [index.name for index in plan.indexes if not index.explicit]
    if pypi_used:
        searched.append("PyPI")
    if len(searched) < 2:
        return
    plan.notes.append(
        "pip searched all indexes and installed the highest version found on any of "
        "them; uv takes each package from the first index that has it, in this order: "
        f"{', '.join(searched)}. Private indexes come first so a package published on "
        "a public index under an internal name is never used; pin a package that "
        "must come from a later index with [tool.uv.sources]"
    )


def _unique_name(name: str, used_names: set[str]) -> str:
    candidate = name
    suffix = 2
    while candidate in used_names:
        candidate = f"{name}-{suffix}"
        suffix += 1
    return candidate
