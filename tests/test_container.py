"""The container image: built and started where a container engine runs, its /healthz asked.
Where none runs (this project's CI machine has the docker client but no daemon), the test says so
and the Dockerfile's own steps are run instead: its `pip install` in a fresh environment and its
`CMD`, answering /healthz."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import venv
from pathlib import Path

import httpx
import pytest

from tests.app_harness import free_port
from tests.github_double import wait_for

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def _engine() -> str | None:
    """The container engine that answers, or None (and why, for the skip message)."""
    for engine in ("docker", "podman"):
        try:
            if subprocess.run([engine, "info"], capture_output=True, timeout=20).returncode == 0:
                return engine
        except (OSError, subprocess.TimeoutExpired):
            continue
    return None


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_the_image_builds_and_answers_healthz(tmp_path: Path) -> None:
    engine = _engine()
    if engine is None:
        pytest.skip("no container engine answers on this machine (docker/podman info failed): image not built; "
                    "test_the_dockerfiles_steps_serve_healthz runs its steps instead")  # fmt: skip
    tag = "migration-guard:test"
    built = subprocess.run([engine, "build", "-t", tag, str(ROOT)], capture_output=True, text=True, timeout=1800)
    assert built.returncode == 0, built.stderr[-3000:]
    port = free_port()
    run = subprocess.run([engine, "run", "-d", "--rm", "-p", f"127.0.0.1:{port}:8080",
                          "-e", "MIGRATION_GUARD_PUBLIC_URL=http://127.0.0.1:8080", tag],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr
    container = run.stdout.strip()
    try:
        wait_for(lambda: _healthy(f"http://127.0.0.1:{port}/healthz"), 300, "the container's /healthz")
        user = subprocess.run([engine, "exec", container, "id", "-u"], capture_output=True, text=True).stdout.strip()
        assert user == "10001"  # not root
    finally:
        subprocess.run([engine, "rm", "-f", container], capture_output=True, timeout=60)


def test_the_dockerfiles_steps_serve_healthz(tmp_path: Path) -> None:
    """What the image runs, without the image: the Dockerfile's install and its CMD."""
    install = re.search(r"^RUN pip install (\S+)", DOCKERFILE, re.M)
    command = re.search(r"^CMD (\[.*\])$", DOCKERFILE, re.M)
    assert install and command, "the Dockerfile no longer installs with pip or has no CMD"
    target = shlex.split(install.group(1))[0]
    assert target == ".[app]"  # the image needs the App's server
    env_dir = tmp_path / "image"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    done = subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", f"{ROOT}[app]"],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    argv = json.loads(command.group(1))
    port = free_port()
    argv = [str(env_dir / "bin" / argv[0]), *argv[1:]]
    argv[argv.index("--port") + 1] = str(port)
    argv[argv.index("--host") + 1] = "127.0.0.1"
    proc = subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={"PATH": "/usr/bin:/bin", "MIGRATION_GUARD_PUBLIC_URL": "http://127.0.0.1",
                                 "MIGRATION_GUARD_DATABASE_URL": f"sqlite:///{tmp_path / 'data.sqlite3'}"})  # fmt: skip
    try:
        wait_for(lambda: _healthy(f"http://127.0.0.1:{port}/healthz"), 300, "/healthz")
    finally:
        proc.kill()
        proc.wait(10)
