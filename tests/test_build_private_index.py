"""A private index with credentials, end to end: migrate, lock, and build with build secrets.

The test serves a PEP 503 simple index with HTTP basic auth on 127.0.0.1. A
pip Dockerfile reads it through PIP_EXTRA_INDEX_URL, or through
--extra-index-url in its requirements file, with the credentials in the URL.
`dockermig migrate` must lock against it with the real uv, keep the token out
of every file it writes and out of the image, and `dockermig build --secret`
must build the migrated file with buildah. buildah's chroot isolation shares the host's
network, so the build's `uv sync` reaches the server too.
"""

import base64
import hashlib
import io
import json
import os
import re
import secrets
import subprocess
import threading
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from build_helpers import (
    TEST_TAG_PREFIX,
    remove_test_images,
    require_buildah,
    require_stand_in_images,
    run_cli,
)

from dockermig.build import get_builder

USERNAME = "build"
WHEEL_NAME = "corp_tools-1.0-py3-none-any.whl"
# A value of the wheel's module. Printing it in the image proves that the
# installed corp_tools came from this index.
MARKER = "corp-tools-from-the-private-index"
# uv's variable names for the index that migrate names "127-0-0-1" after the host.
USERNAME_VARIABLE = "UV_INDEX_127_0_0_1_USERNAME"
PASSWORD_VARIABLE = "UV_INDEX_127_0_0_1_PASSWORD"


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def make_wheel() -> bytes:
    """Return a minimal valid wheel of corp-tools 1.0 (py3-none-any) with a correct RECORD."""
    dist_info = "corp_tools-1.0.dist-info"
    files = {
        "corp_tools/__init__.py": f'__version__ = "1.0"\nMARKER = "{MARKER}"\n'.encode(),
        f"{dist_info}/METADATA": (
            b"Metadata-Version: 2.1\nName: corp-tools\nVersion: 1.0\n"
        ),
        f"{dist_info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: dockermig-tests\n"
            b"Root-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record_lines = [
        f"{name},{_record_hash(data)},{len(data)}" for name, data in files.items()
    ]
    record_lines.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record_lines) + "\n").encode()

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in files.items():
            wheel.writestr(name, data)
    return buffer.getvalue()


@dataclass
class PrivateIndex:
    """A running index server: its port, the token it accepts and the requests it received."""

    port: int
    # Kept out of repr, so a failing test's report does not print it.
    token: str = field(repr=False)
    wheel: bytes = field(repr=False)
    # (path, authorized) for every request, in arrival order.
    requests: list[tuple[str, bool]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/simple"

    @property
    def url_with_credentials(self) -> str:
        return f"http://{USERNAME}:{self.token}@127.0.0.1:{self.port}/simple"

    def wheel_requests(self, start: int = 0) -> list[bool]:
        """Return whether each wheel request from position start on had the right credentials."""
        with self.lock:
            return [
                authorized
                for path, authorized in self.requests[start:]
                if path.endswith(".whl")
            ]

    def request_count(self) -> int:
        with self.lock:
            return len(self.requests)


def _handler_class(index: PrivateIndex) -> type[BaseHTTPRequestHandler]:
    expected = (
        "Basic " + base64.b64encode(f"{USERNAME}:{index.token}".encode()).decode()
    )
    wheel_hash = hashlib.sha256(index.wheel).hexdigest()
    pages = {
        "/simple/": '<!DOCTYPE html><html><body><a href="corp-tools/">corp-tools</a></body></html>',
        "/simple/corp-tools/": (
            "<!DOCTYPE html><html><body>"
            f'<a href="/packages/{WHEEL_NAME}#sha256={wheel_hash}">{WHEEL_NAME}</a>'
            "</body></html>"
        ),
    }

    class IndexHandler(BaseHTTPRequestHandler):
        # http.server dispatches to do_<METHOD>. `uv lock` (uv 0.13.9) sends a
        # HEAD request for the wheel's URL before it downloads the wheel.
        def do_GET(self) -> None:
            self._respond(send_body=True)

        def do_HEAD(self) -> None:
            self._respond(send_body=False)

        def _respond(self, send_body: bool) -> None:
            authorized = self.headers.get("Authorization") == expected
            with index.lock:
                index.requests.append((self.path, authorized))
            if not authorized:
                self._send(401, b"credentials required\n", "text/plain", send_body,
                           {"WWW-Authenticate": 'Basic realm="corp"'})  # fmt: skip
                return
            path = self.path.split("?", 1)[0]
            if not path.endswith("/") and not path.endswith(".whl"):
                path += "/"
            if path in pages:
                self._send(200, pages[path].encode(), "text/html", send_body)
            elif path == f"/packages/{WHEEL_NAME}":
                self._send(200, index.wheel, "application/octet-stream", send_body)
            else:
                self._send(404, b"not found\n", "text/plain", send_body)

        def _send(
            self,
            status: int,
            body: bytes,
            content_type: str,
            send_body: bool,
            headers: dict | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            # Request lines stay out of the test output. index.requests records them.
            pass

    return IndexHandler


@pytest.fixture
def private_index() -> Iterator[PrivateIndex]:
    """Serve the index on 127.0.0.1 at a free port, and stop the server thread at the end."""
    index = PrivateIndex(
        port=0, token="tok" + secrets.token_hex(16), wheel=make_wheel()
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(index))
    server.daemon_threads = True
    index.port = server.server_address[1]
    thread = threading.Thread(
        target=server.serve_forever, name="private-index", daemon=True
    )
    thread.start()
    try:
        yield index
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the index server thread did not stop"


@pytest.fixture
def buildah_ready() -> Iterator[None]:
    require_buildah()
    require_stand_in_images()
    yield
    remove_test_images()


def _status(url: str, credentials: tuple[str, str] | None) -> int:
    request = urllib.request.Request(url)
    if credentials is not None:
        encoded = base64.b64encode(":".join(credentials).encode()).decode()
        request.add_header("Authorization", f"Basic {encoded}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_private_index_requires_credentials(private_index):
    page = private_index.url + "/corp-tools/"

    assert _status(page, None) == 401
    assert _status(page, (USERNAME, "wrong-token")) == 401
    assert _status(page, (USERNAME, private_index.token)) == 200


def _write_service(folder: Path, index: PrivateIndex, shape: str = "env") -> None:
    """Write a pip service that reads the index from ENV ("env") or from its requirements file."""
    folder.mkdir()
    requirements = "corp-tools==1.0\nsix==1.17.0\n"
    if shape == "env":
        (folder / "Dockerfile").write_text(
            "FROM python:3.11-slim-bookworm\n"
            f"ENV PIP_EXTRA_INDEX_URL={index.url_with_credentials}\n"
            "WORKDIR /srv/corp\n"
            "COPY requirements.txt .\n"
            "RUN pip install -r requirements.txt\n"
        )
    else:
        # `COPY . .` would carry the requirements file too, unless .dockerignore excludes it.
        (folder / "Dockerfile").write_text(
            "FROM python:3.11-slim-bookworm\n"
            "WORKDIR /srv/corp\n"
            "COPY requirements.txt .\n"
            "RUN pip install -r requirements.txt\n"
            "COPY . .\n"
        )
        requirements = f"--extra-index-url {index.url_with_credentials}\n{requirements}"
    (folder / "requirements.txt").write_text(requirements)


def _files_containing(folder: Path, text: str) -> list[str]:
    return [
        str(path.relative_to(folder))
        for path in sorted(folder.rglob("*"))
        if path.is_file() and text.encode() in path.read_bytes()
    ]


def _build(
    service: Path, cache_dir: Path, env: dict[str, str], *options: str
) -> tuple[subprocess.CompletedProcess, dict]:
    completed = run_cli(
        "build", "--builder", "buildah", "--format", "json",
        "--tag-prefix", TEST_TAG_PREFIX, "--cache-dir", str(cache_dir),
        *options, str(service),
        env=env,
    )  # fmt: skip
    assert completed.stdout, f"no JSON on stdout; stderr:\n{completed.stderr}"
    [row] = json.loads(completed.stdout)
    return completed, row


def test_private_index_lock_names_variables(tmp_path, private_index):
    """Without the variables, migrate's `uv lock` error names the ones to set."""
    service = tmp_path / "corp"
    _write_service(service, private_index, "requirements")
    env = {
        name: value for name, value in os.environ.items() if not name.startswith("UV_INDEX_")
    }
    before = {path.name: path.read_bytes() for path in service.iterdir()}

    migrated = run_cli("migrate", "--format", "json", str(service), env=env)

    [row] = json.loads(migrated.stdout)
    assert row["outcome"] == "error", row
    assert row["reason"] == (
        f"uv lock for {service} found no credentials for the index 127-0-0-1 "
        f"({private_index.url}); set {USERNAME_VARIABLE} and {PASSWORD_VARIABLE} in the "
        "environment of `dockermig migrate` and run again"
    )
    assert {path.name: path.read_bytes() for path in service.iterdir()} == before


@pytest.mark.build
@pytest.mark.parametrize("shape", ["env", "requirements"])
def test_private_index_migrate_and_build(tmp_path, private_index, buildah_ready, shape):
    token = private_index.token
    service = tmp_path / "corp"
    _write_service(service, private_index, shape)
    credentials = {USERNAME_VARIABLE: USERNAME, PASSWORD_VARIABLE: token}
    env = {**os.environ, **credentials}

    # migrate runs the real `uv lock`, which reads the credentials from the environment.
    migrated = run_cli("migrate", "--format", "json", str(service), env=env)

    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    [row] = json.loads(migrated.stdout)
    assert row["outcome"] == "migrated", row
    assert token not in migrated.stdout + migrated.stderr
    if shape == "env":
        assert _files_containing(service, token) == []
    else:
        # migrate leaves the requirements file as it was, and keeps it out of the image.
        assert _files_containing(service, token) == ["requirements.txt"]
        assert (service / ".dockerignore").read_text() == ".venv\nrequirements.txt\n"
        assert "COPY requirements.txt" not in (service / "Dockerfile").read_text()
    assert _files_containing(service, private_index.url) == [
        "pyproject.toml",
        "uv.lock",
    ]
    notes = " ".join(row["notes"])
    dockermig_build = re.search(r"`dockermig build ([^`]*)`", notes)
    assert dockermig_build is not None, notes
    assert f"`docker build {dockermig_build.group(1)}`" in notes
    secret_options = re.findall(r"--secret (id=[\w.-]+,env=\w+)", dockermig_build.group(1))
    assert secret_options == [
        f"id={USERNAME_VARIABLE.lower()},env={USERNAME_VARIABLE}",
        f"id={PASSWORD_VARIABLE.lower()},env={PASSWORD_VARIABLE}",
    ]
    secret_arguments = [
        argument for option in secret_options for argument in ("--secret", option)
    ]
    cache_dir = tmp_path / "cache"

    # Without --secret, uv in the build gets no credentials, although the
    # variables are set for dockermig. This build runs first, so the wheel
    # cannot come from the uv cache of the build that passes.
    start = private_index.request_count()
    unauthenticated, failed_row = _build(service, cache_dir, env)

    assert unauthenticated.returncode == 1
    assert failed_row["ok"] is False
    assert failed_row["failed_stage"] == "build"
    assert "401" in failed_row["error"]
    assert private_index.wheel_requests(start) == [False]

    start = private_index.request_count()
    completed, built_row = _build(
        service,
        cache_dir,
        env,
        *secret_arguments,
        "--smoke",
        "python -c 'import corp_tools'",
    )

    assert completed.returncode == 0, built_row["error"]
    assert built_row["ok"] is True
    assert True in private_index.wheel_requests(start)
    assert token not in completed.stdout + completed.stderr

    tag = built_row["tag"]
    inspected = subprocess.run(
        ["buildah", "inspect", "--type", "image", tag],
        capture_output=True,
        text=True,
        check=True,
    )
    assert token not in inspected.stdout
    buildah = get_builder("buildah")
    marker = buildah.smoke(
        tag, "python -c 'import corp_tools; print(corp_tools.MARKER)'"
    )
    assert marker.ok, marker.output
    assert MARKER in marker.output
    # Every file of the image, outside the kernel's file systems.
    found = buildah.smoke(
        tag,
        f"grep -rlsF --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev {token} / ; true",
    )
    assert found.ok, found.output
    assert found.output.strip() == ""
