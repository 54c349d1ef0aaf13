"""Properties of `dockermig migrate` over generated pip-based Dockerfiles (hypothesis).

For every generated file that migrate rewrites: the new Dockerfile parses,
and a second run over the written result changes nothing.
"""

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockermig.migrate.engine import plan_migration
from dockermig.migrate.outcome import Outcome
from dockermig.syntax import parse

BASES = [
    "python:3.11-slim",
    "python:3.12-slim-bookworm",
    "python:3.12-slim-trixie",
    "python:3.11",
    "python:3.12-alpine3.22",
]
DEBIAN_PACKAGES = ["gcc", "libpq-dev", "curl", "build-essential", "libffi-dev", "git"]
ALPINE_PACKAGES = ["gcc", "musl-dev", "postgresql-dev", "curl", "libffi-dev"]
WORKDIRS = [None, "/app", "/srv/service", "/opt/app"]
PIP_COMMANDS = [
    "pip install -r requirements.txt",
    "pip install --no-cache-dir -r requirements.txt",
    "pip install --upgrade pip && pip install -r requirements.txt",
    "python -m pip install -r requirements.txt gunicorn==23.0.0",
    "pip install -r requirements.txt && python -m compileall -q .",
]
ENDINGS = ['CMD ["python", "-m", "app"]', "EXPOSE 8000", "USER nobody", "LABEL team=payments"]


@st.composite
def dockerfiles(draw) -> str:
    base = draw(st.sampled_from(BASES))
    alpine = "alpine" in base
    lines = [f"FROM {base}"]
    packages = draw(
        st.lists(st.sampled_from(ALPINE_PACKAGES if alpine else DEBIAN_PACKAGES), unique=True)
    )
    if packages:
        if alpine:
            lines.append(f"RUN apk add --no-cache {' '.join(packages)}")
        else:
            lines.append(
                "RUN apt-get update && apt-get install -y --no-install-recommends "
                f"{' '.join(packages)} && rm -rf /var/lib/apt/lists/*"
            )
    workdir = draw(st.sampled_from(WORKDIRS))
    if workdir:
        lines.append(f"WORKDIR {workdir}")
    lines.append("COPY requirements.txt .")
    lines.append(f"RUN {draw(st.sampled_from(PIP_COMMANDS))}")
    lines.append("COPY . .")
    lines.extend(draw(st.lists(st.sampled_from(ENDINGS), unique=True, max_size=3)))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(lines) + newline


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfiles())
def test_migrate_output_parses_and_is_stable(text):
    folder = Path(tempfile.mkdtemp(prefix="dockermig-property-"))
    try:
        (folder / "Dockerfile").write_bytes(text.encode())
        (folder / "requirements.txt").write_text("flask==3.0.3\n")

        first = plan_migration(folder / "Dockerfile", run_lock=False)

        assert first.outcome is Outcome.MIGRATED, first.reason
        new_text = first.writes[folder / "Dockerfile"]
        parse(new_text)
        for path, content in first.writes.items():
            # No lock in this test; the second run only needs the file to exist.
            path.write_bytes((content if content is not None else "version = 1\n").encode())
        second = plan_migration(folder / "Dockerfile", run_lock=False)
        assert second.outcome is Outcome.UNCHANGED
        assert (folder / "Dockerfile").read_bytes().decode() == new_text
    finally:
        shutil.rmtree(folder)
