"""Generate a deterministic corpus of realistic Dockerfiles for the lint and migrate benchmarks.

Each file gets its own folder (svc-0000/Dockerfile) with the files it copies
(requirements.txt, app.py), so `dockermig migrate` has the inputs it reads.
The same seed and count always give the same bytes. The mix:

- single-stage pip images on python slim tags, with long apt-get chains,
  some with heredoc RUN scripts (the files `dockermig migrate` rewrites);
- uv builder and runtime stages, as migrate writes them;
- a Node front-end stage feeding a Python runtime;
- Go builds copied into a distroless or Debian runtime;
- heredoc-heavy images that write config files and run scripts.

Usage: python benchmarks/corpus.py OUT_DIR [--count 1000] [--seed 6]
"""

import argparse
import random
from pathlib import Path

DEFAULT_SEED = 6

PYTHON_TAGS = [
    "3.9-slim",
    "3.10-slim",
    "3.11-slim",
    "3.11-slim-bookworm",
    "3.12-slim",
    "3.12-slim-bookworm",
    "3.13-slim-bookworm",
]
BUILD_PACKAGES = ["gcc", "g++", "make", "libpq-dev", "libffi-dev", "libssl-dev", "pkg-config"]
RUNTIME_PACKAGES = ["curl", "ca-certificates", "tini", "libpq5", "locales", "tzdata", "git"]
REQUIREMENTS = [
    "flask==3.0.3",
    "gunicorn==23.0.0",
    "requests==2.32.3",
    "psycopg2==2.9.10",
    "sqlalchemy==2.0.36",
    "pydantic==2.9.2",
    "fastapi==0.115.4",
    "uvicorn[standard]==0.32.0",
    "celery==5.4.0",
    "redis==5.2.0",
    "httpx[http2]==0.27.2",
    "boto3==1.35.54",
]
SHELL_STEPS = [
    "mkdir -p /var/log/app /var/run/app",
    "chmod 0755 /var/log/app",
    "ln -sf /dev/stdout /var/log/app/access.log",
    "echo 'Etc/UTC' > /etc/timezone",
    "sed -i 's/^# *en_US.UTF-8/en_US.UTF-8/' /etc/locale.gen",
    "find / -xdev -name '*.pyc' -delete",
    "rm -rf /tmp/* /var/tmp/*",
    "test -d /etc/ssl/certs",
    "groupadd --system app",
    "useradd --system --gid app --home /srv app",
    'if [ -f /etc/os-release ]; then . /etc/os-release && echo "$ID"; fi',
    "update-ca-certificates",
]


def _continued(commands: list[str], indent: str = "    ") -> str:
    """Join shell commands into one RUN body with `&&` and line continuations."""
    return f" \\\n{indent}&& ".join(commands)


def _apt_install(rng: random.Random, packages: list[str]) -> str:
    chosen = rng.sample(packages, rng.randint(1, min(4, len(packages))))
    lines = " \\\n        ".join(sorted(chosen))
    return (
        "RUN apt-get update \\\n"
        "    && apt-get install -y --no-install-recommends \\\n"
        f"        {lines} \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
    )


def _long_chain(rng: random.Random) -> str:
    steps = [rng.choice(SHELL_STEPS) for _ in range(rng.randint(6, 18))]
    return "RUN " + _continued(steps) + "\n"


def _heredoc_run(rng: random.Random) -> str:
    steps = "\n".join(rng.sample(SHELL_STEPS, rng.randint(3, 7)))
    return f"RUN <<EOF\nset -eux\n{steps}\nEOF\n"


def _heredoc_copy(rng: random.Random) -> str:
    port = rng.choice([8000, 8080, 9000])
    return (
        "COPY <<EOF /etc/app/settings.ini\n"
        "[server]\n"
        f"port = {port}\n"
        "workers = 4\n"
        "EOF\n"
    )


def pip_single_stage(rng: random.Random, name: str) -> str:
    tag = rng.choice(PYTHON_TAGS)
    workdir = rng.choice(["/app", f"/srv/{name}", "/opt/app"])
    parts = [
        f"# {name}: a pip-based service.\n",
        f"FROM python:{tag}\n",
        f'LABEL org.opencontainers.image.title="{name}"\n',
        "ENV PYTHONDONTWRITEBYTECODE=1 \\\n    PYTHONUNBUFFERED=1\n",
    ]
    if rng.random() < 0.7:
        parts.append(_apt_install(rng, BUILD_PACKAGES + RUNTIME_PACKAGES))
    if rng.random() < 0.5:
        parts.append(_long_chain(rng))
    parts += [
        f"WORKDIR {workdir}\n",
        "COPY requirements.txt .\n",
        "RUN pip install --no-cache-dir -r requirements.txt\n",
        "COPY . .\n",
    ]
    if rng.random() < 0.3:
        parts.append(_heredoc_copy(rng))
    if rng.random() < 0.5:
        parts.append("RUN groupadd --system app && useradd --system --gid app app\nUSER app\n")
    port = rng.choice([8000, 8080, 5000])
    parts += [
        f"EXPOSE {port}\n",
        f'CMD ["gunicorn", "--bind", "0.0.0.0:{port}", "app:app"]\n',
    ]
    return "".join(parts)


def uv_multi_stage(rng: random.Random, name: str) -> str:
    tag = rng.choice(["3.11-slim-bookworm", "3.12-slim-bookworm", "3.13-slim-bookworm"])
    workdir = rng.choice(["/app", f"/srv/{name}"])
    parts = [
        f"FROM python:{tag} AS builder\n",
        "COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /uvx /bin/\n",
        "ENV UV_COMPILE_BYTECODE=1 \\\n    UV_LINK_MODE=copy \\\n    UV_PYTHON_DOWNLOADS=0\n",
        f"WORKDIR {workdir}\n",
    ]
    if rng.random() < 0.5:
        parts.append(_apt_install(rng, BUILD_PACKAGES))
    parts += [
        "RUN --mount=type=cache,target=/root/.cache/uv \\\n"
        f"    --mount=type=bind,source=uv.lock,target={workdir}/uv.lock \\\n"
        f"    --mount=type=bind,source=pyproject.toml,target={workdir}/pyproject.toml \\\n"
        "    uv sync --frozen --no-dev --no-install-project\n",
        "\n",
        f"FROM python:{tag}\n",
    ]
    if rng.random() < 0.5:
        parts.append(_apt_install(rng, RUNTIME_PACKAGES))
    parts += [
        f"WORKDIR {workdir}\n",
        f"COPY --from=builder {workdir}/.venv {workdir}/.venv\n",
        f'ENV PATH="{workdir}/.venv/bin:$PATH"\n',
        "COPY . .\n",
        "USER nobody\n",
        'CMD ["python", "-m", "app"]\n',
    ]
    return "".join(parts)


def node_and_python(rng: random.Random, name: str) -> str:
    node = rng.choice(["20-bookworm-slim", "22-bookworm-slim"])
    tag = rng.choice(PYTHON_TAGS)
    return (
        f"FROM node:{node} AS frontend\n"
        "WORKDIR /web\n"
        "COPY package.json package-lock.json ./\n"
        "RUN npm ci\n"
        "COPY web/ ./\n"
        "RUN npm run build\n"
        "\n"
        f"FROM python:{tag}\n"
        + _apt_install(rng, RUNTIME_PACKAGES)
        + "WORKDIR /app\n"
        "COPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\n"
        "COPY --from=frontend /web/dist /app/static\n"
        "COPY . .\n"
        + _heredoc_run(rng)
        + f'CMD ["python", "app.py", "--name", "{name}"]\n'
    )


def go_service(rng: random.Random, name: str) -> str:
    runtime = rng.choice(
        ["gcr.io/distroless/static-debian12", "debian:bookworm-slim", "alpine:3.20"]
    )
    return (
        f"ARG GO_VERSION={rng.choice(['1.22', '1.23'])}\n"
        "FROM golang:${GO_VERSION}-bookworm AS build\n"
        "WORKDIR /src\n"
        "COPY go.mod go.sum ./\n"
        "RUN --mount=type=cache,target=/go/pkg/mod go mod download\n"
        "COPY . .\n"
        "RUN --mount=type=cache,target=/root/.cache/go-build \\\n"
        f"    CGO_ENABLED=0 go build -trimpath -o /out/{name} ./cmd/{name}\n"
        "\n"
        f"FROM {runtime}\n"
        f"COPY --from=build /out/{name} /usr/local/bin/{name}\n"
        "USER 65532:65532\n"
        f'ENTRYPOINT ["/usr/local/bin/{name}"]\n'
    )


def heredoc_heavy(rng: random.Random, name: str) -> str:
    tag = rng.choice(PYTHON_TAGS)
    return (
        "# syntax=docker/dockerfile:1\n"
        f"FROM python:{tag}\n"
        + _heredoc_run(rng)
        + _heredoc_copy(rng)
        + "WORKDIR /app\n"
        "COPY requirements.txt .\n"
        "RUN <<EOF\n"
        "set -eux\n"
        "pip install --no-cache-dir -r requirements.txt\n"
        "python -m compileall -q /app\n"
        "EOF\n"
        + _long_chain(rng)
        + "COPY . .\n"
        f'CMD ["python", "app.py", "{name}"]\n'
    )


# Generators and their weights in the corpus.
KINDS = [
    (pip_single_stage, 45),
    (uv_multi_stage, 20),
    (node_and_python, 10),
    (go_service, 10),
    (heredoc_heavy, 15),
]


def generate(out_dir: Path, count: int, seed: int) -> list[Path]:
    """Write count service folders under out_dir and return their Dockerfile paths."""
    rng = random.Random(seed)
    generators = [kind for kind, _ in KINDS]
    weights = [weight for _, weight in KINDS]
    paths = []
    for index in range(count):
        name = f"svc-{index:04d}"
        folder = out_dir / name
        folder.mkdir(parents=True, exist_ok=True)
        generator = rng.choices(generators, weights)[0]
        (folder / "Dockerfile").write_text(generator(rng, name))
        requirements = rng.sample(REQUIREMENTS, rng.randint(1, 5))
        (folder / "requirements.txt").write_text("\n".join(sorted(requirements)) + "\n")
        (folder / "app.py").write_text(f"print({name!r})\n")
        paths.append(folder / "Dockerfile")
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    arguments = parser.parse_args()
    generate(arguments.out_dir, arguments.count, arguments.seed)


if __name__ == "__main__":
    main()
