"""Migrate step: write the uv builder stage.

The builder starts from the same image as the runtime and copies uv from a
pinned uv image. It syncs the locked dependencies into `<workdir>/.venv`
with a cache mount, and bind-mounts pyproject.toml and uv.lock at absolute
paths, because buildah rejects relative mount targets.
"""

from dockermig.images import pinned_uv_version

BUILDER_ENVIRONMENT = (
    ("UV_COMPILE_BYTECODE", "1"),
    ("UV_LINK_MODE", "copy"),
    ("UV_PYTHON_DOWNLOADS", "0"),
)


def builder_stage_text(
    image: str,
    name: str,
    workdir: str,
    apt_run: str,
    platform_flag: str,
    newline: str,
    project_environment: str | None = None,
    uv_version: str | None = None,
    sync_flag: str = "frozen",
    uv_derived: bool = False,
    install_project: bool = False,
    secrets: list[tuple[str, str]] | None = None,
) -> str:
    """Return the text of the builder stage, ending with a newline.

    `project_environment` makes uv build the venv at that path in place of
    `<workdir>/.venv`, for builds whose venv path the runtime already uses.
    With `uv_derived`, `image` is a uv image that has Python and uv already,
    so uv is not copied in. With `install_project`, a second sync installs
    the project itself, not editable, after the dependencies' layer.
    `secrets` are (mount option, shell assignment) pairs that give each sync
    the index credentials from build secrets.
    """
    uv_image = f"ghcr.io/astral-sh/uv:{uv_version or pinned_uv_version()}"
    settings = list(BUILDER_ENVIRONMENT)
    if project_environment:
        settings.append(("UV_PROJECT_ENVIRONMENT", project_environment))
    environment = f" \\{newline}    ".join(f"{key}={value}" for key, value in settings)
    secret_mounts = [mount for mount, _ in secrets or []]
    # Each credential on its own line before uv, set for that command only.
    uv = f" \\{newline}    ".join([*(assignment for _, assignment in secrets or []), "uv"])
    mounts = [
        "--mount=type=cache,target=/root/.cache/uv",
        *secret_mounts,
        f"--mount=type=bind,source=uv.lock,target={workdir}/uv.lock",
        f"--mount=type=bind,source=pyproject.toml,target={workdir}/pyproject.toml",
    ]
    sync = f" \\{newline}    ".join(
        [*mounts, f"{uv} sync --{sync_flag} --no-dev --no-install-project"]
    )
    lines = [
        f"FROM {platform_flag}{image} AS {name}{newline}",
        "" if uv_derived else f"COPY --from={uv_image} /uv /uvx /bin/{newline}",
        f"ENV {environment}{newline}",
        apt_run,
        f"WORKDIR {workdir}{newline}",
        f"RUN {sync}{newline}",
    ]
    if install_project:
        project_sync = f" \\{newline}    ".join(
            [mounts[0], *secret_mounts, f"{uv} sync --{sync_flag} --no-dev --no-editable"]
        )
        lines += [f"COPY . {workdir}{newline}", f"RUN {project_sync}{newline}"]
    return "".join(lines)


def venv_copy_text(
    stage_name: str, venv: str, newline: str, add_path: bool = True
) -> str:
    """Return the runtime lines that copy the venv and, unless the file does already, put its bin first on PATH."""
    text = f"COPY --from={stage_name} {venv} {venv}{newline}"
    if add_path:
        text += f'ENV PATH="{venv}/bin:$PATH"{newline}'
    return text
