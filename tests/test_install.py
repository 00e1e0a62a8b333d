"""The package as a user installs it: `pip install migration-guard` (no extra) gives the CLI, the
Action and the pre-commit hook without the App's server stack, and `serve` then names the extra."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVER_STACK = {"starlette", "uvicorn", "sqlalchemy", "alembic", "psycopg"}


@pytest.fixture(scope="module")
def bare_install(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the bare package installed from this checkout."""
    env = tmp_path_factory.mktemp("bare") / "venv"
    venv.EnvBuilder(with_pip=True).create(env)
    python = env / "bin" / "python"
    done = subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(ROOT)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return env


def test_the_bare_package_checks_a_repository_without_the_server_stack(bare_install: Path, tmp_path: Path) -> None:
    python = bare_install / "bin" / "python"
    installed = subprocess.run([str(python), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True)
    names = {line.split("==")[0].lower() for line in installed.stdout.splitlines()}
    assert names & SERVER_STACK == set()

    demo = subprocess.run([str(bare_install / "bin" / "migration-guard"), "demo", str(tmp_path / "demo")],
                          capture_output=True, text=True)  # fmt: skip
    assert demo.returncode == 1, demo.stderr  # the demo's collision is an error finding
    assert "multiple-migration-heads" in demo.stdout and demo.stderr == ""


def test_serve_without_the_app_extra_names_it(bare_install: Path) -> None:
    served = subprocess.run([str(bare_install / "bin" / "migration-guard"), "serve"], capture_output=True, text=True)
    assert served.returncode == 2
    assert served.stderr.startswith("migration-guard: error: serve needs the App's packages (")
    assert "pip install 'migration-guard[app]'" in served.stderr and "Traceback" not in served.stderr


def test_the_check_path_imports_no_server_package() -> None:
    """Even with the extra installed (as here), `check` never loads the server's packages."""
    code = ("import sys, io, contextlib, tempfile\nfrom bot.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n    main(['demo', tempfile.mkdtemp()])\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({sorted(SERVER_STACK)!r})))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.strip() == "[]", done.stderr
