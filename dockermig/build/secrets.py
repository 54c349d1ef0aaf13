"""Build secrets for `dockermig build --secret`: parse, check and format them.

The syntax is the one that `docker build`, `buildah build` and `podman build`
share for `--secret`: `id=NAME,env=VARIABLE` takes the secret from an
environment variable of the build command, and `id=NAME,src=FILE` from a
file. A Dockerfile reads it with `RUN --mount=type=secret,id=NAME`. Only
names and paths are stored here, never a secret's value.
"""

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from dockermig.errors import DockermigError

SECRET_USAGE = "use id=NAME,env=VARIABLE or id=NAME,src=FILE"
# Ids are limited to characters that need no quoting in a shell, a bake file
# or a mount option, such as uv_index_corp_password.
_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_VARIABLE_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class InvalidSecretSpecError(ValueError):
    """A --secret value that is not `id=NAME,env=VARIABLE` or `id=NAME,src=FILE`."""


class SecretUnavailableError(DockermigError):
    """A secret's environment variable is not set or its file cannot be read."""


@dataclass(frozen=True)
class BuildSecret:
    """One build secret: its id and either the environment variable or the file it comes from."""

    secret_id: str
    env: str | None = None
    src: Path | None = None

    @classmethod
    def parse(cls, spec: str) -> "BuildSecret":
        """Parse `id=NAME,env=VARIABLE` or `id=NAME,src=FILE`.

        Raises InvalidSecretSpecError with a one-line reason.
        """
        fields: dict[str, str] = {}
        for part in spec.split(","):
            key, equals, value = part.partition("=")
            key = key.strip()
            if not equals or not key:
                raise InvalidSecretSpecError(
                    f"{spec!r} is not a valid secret: {part!r} is not KEY=VALUE; {SECRET_USAGE}"
                )
            if key not in ("id", "env", "src"):
                raise InvalidSecretSpecError(
                    f"{spec!r} is not a valid secret: unknown key {key!r}; {SECRET_USAGE}"
                )
            if key in fields:
                raise InvalidSecretSpecError(
                    f"{spec!r} is not a valid secret: {key!r} is given twice; {SECRET_USAGE}"
                )
            fields[key] = value

        secret_id = fields.get("id", "")
        if not _ID_PATTERN.match(secret_id):
            reason = (
                "the id is missing" if not secret_id else f"invalid id {secret_id!r}"
            )
            raise InvalidSecretSpecError(
                f"{spec!r} is not a valid secret: {reason} (letters, digits, '.', '_' "
                f"and '-'); {SECRET_USAGE}"
            )
        if ("env" in fields) == ("src" in fields):
            raise InvalidSecretSpecError(
                f"{spec!r} is not a valid secret: give exactly one of env= and src=; "
                f"{SECRET_USAGE}"
            )
        if "env" in fields:
            variable = fields["env"]
            if not _VARIABLE_PATTERN.match(variable):
                raise InvalidSecretSpecError(
                    f"{spec!r} is not a valid secret: {variable!r} is not an environment "
                    f"variable name; {SECRET_USAGE}"
                )
            return cls(secret_id=secret_id, env=variable)
        if not fields["src"]:
            raise InvalidSecretSpecError(
                f"{spec!r} is not a valid secret: src= is empty; {SECRET_USAGE}"
            )
        return cls(secret_id=secret_id, src=Path(fields["src"]))

    def option(self, src_folder: Path | None = None) -> str:
        """Return the `--secret` value, with src relative to src_folder when one is given."""
        if self.env is not None:
            return f"id={self.secret_id},env={self.env}"
        assert self.src is not None
        if src_folder is None:
            source = str(self.src.absolute())
        else:
            source = Path(
                os.path.relpath(self.src.absolute(), src_folder.absolute())
            ).as_posix()
        return f"id={self.secret_id},src={source}"


def parse_secrets(specs: Iterable[str]) -> list[BuildSecret]:
    """Parse every --secret value; raise InvalidSecretSpecError on a bad one or a repeated id."""
    secrets: list[BuildSecret] = []
    seen: set[str] = set()
    for spec in specs:
        secret = BuildSecret.parse(spec)
        if secret.secret_id in seen:
            raise InvalidSecretSpecError(
                f"the secret id {secret.secret_id!r} is given more than once; "
                "pass each id once"
            )
        seen.add(secret.secret_id)
        secrets.append(secret)
    return secrets


def check_secrets_available(
    secrets: Iterable[BuildSecret], environment: Mapping[str, str] | None = None
) -> None:
    """Raise SecretUnavailableError naming every env= variable not set and src= file not readable.

    buildah 1.28 mounts an empty secret file when an env= variable is not
    set, so without this check the build would go on and fail later with a
    less clear message, or pass without the secret.
    """
    environment = os.environ if environment is None else environment
    problems = []
    for secret in secrets:
        if secret.env is not None and secret.env not in environment:
            problems.append(
                f"secret {secret.secret_id}: environment variable {secret.env} is not set"
            )
        if secret.src is not None and not _is_readable_file(secret.src):
            state = "is not a readable file" if secret.src.exists() else "not found"
            problems.append(f"secret {secret.secret_id}: file {secret.src} {state}")
    if problems:
        raise SecretUnavailableError(
            "; ".join(problems)
            + "; set the variables and fix the paths, then run again"
        )


def _is_readable_file(path: Path) -> bool:
    return path.is_file() and os.access(path, os.R_OK)
