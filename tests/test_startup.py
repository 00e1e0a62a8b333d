"""`serve` opens its door fast and the tests wait for it patiently.

A clean-clone CI run on a loaded machine failed because a service did not answer `/healthz`
within 20 s. Two fixes, each held here: the web process imports only what the door needs and
starts its workers (and their parsers, rules and GitHub client) after the socket listens; and
every wait in the tests returns as soon as its condition holds but gives up only after minutes.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import httpx

from tests.app_harness import free_port, serve_process
from tests.github_double import wait_for

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
#: what the review needs and the door does not: loaded by the worker processes only
REVIEW_MACHINERY = ("githubkit", "pydantic", "sqlglot", "tree_sitter", "yaml", "rules", "bot.pipeline.engine",
                    "bot.app.review", "bot.core.config", "alembic", "httpx")  # fmt: skip
#: a readiness wait may give up only after this many seconds (a loaded 2-core machine is slow, not broken)
GENEROUS = 120
#: the helpers that wait, and the position of their ``timeout`` argument
WAITERS = {"wait_for": 1, "settle": 0, "reviewed_rules": 1}


def test_the_front_door_imports_none_of_the_review_machinery() -> None:
    """What `migration-guard serve` imports before it listens (bot.cli, then bot.app.serve)."""
    code = "import json, sys\nimport bot.cli, bot.app.serve\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout))
    assert sorted(m for m in REVIEW_MACHINERY if m in loaded) == []


def test_serve_listens_before_it_starts_its_workers_and_a_restart_skips_alembic(tmp_path: Path) -> None:
    port = free_port()
    proc = serve_process(tmp_path, "http://127.0.0.1:9", port, workers=2)
    log = tmp_path / f"service-{port}.log"
    try:
        wait_for(lambda: log.read_text().count("worker ready") == 2, 300, "both workers to be ready")
        text = log.read_text()
        assert text.index("Uvicorn running on") < text.index("starting 2 worker processes") < text.index("worker ready")
        assert "Running upgrade  -> 0001" in text  # a new database: the store's migrations ran
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=30).json()["workers_alive"] == 2
    finally:
        proc.terminate()
        proc.wait(60)
    log.write_text("")
    again = serve_process(tmp_path, "http://127.0.0.1:9", port)  # the same database, now at the newest revision
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=30).json()["status"] == "ok"
        assert "alembic" not in log.read_text()  # one SELECT said the schema is current: Alembic never loaded
    finally:
        again.terminate()
        again.wait(60)


def _short_waits(path: Path) -> list[str]:
    """Calls of the waiting helpers, and their defaults, with a bound under ``GENEROUS`` seconds;
    a hand-made deadline (``time.monotonic() + N``) with a small N."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        bounds: list[ast.expr] = []
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in WAITERS:
                position = WAITERS[name]
                bounds += [node.args[position]] if len(node.args) > position else []
                bounds += [k.value for k in node.keywords if k.arg == "timeout"]
        elif isinstance(node, ast.FunctionDef) and node.name in WAITERS:
            names = [a.arg for a in node.args.args]
            defaults = dict(zip(names[len(names) - len(node.args.defaults) :], node.args.defaults, strict=True))
            bounds += [defaults["timeout"]] if "timeout" in defaults else []
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.left, ast.Call):
            clock = node.left.func
            if isinstance(clock, ast.Attribute) and clock.attr in ("time", "monotonic", "perf_counter"):
                bounds.append(node.right)  # a hand-made deadline: time.monotonic() + N
        for bound in bounds:
            if isinstance(bound, ast.Constant) and isinstance(bound.value, int | float) and bound.value < GENEROUS:
                found.append(f"{path.name}:{bound.lineno}: gives up after {bound.value} s")
    return found


def test_readiness_waits_in_the_tests_give_up_only_after_minutes() -> None:
    assert [w for path in sorted(TESTS.glob("*.py")) for w in _short_waits(path)] == []


def test_the_clis_copy_of_the_configuration_path_is_the_configurations() -> None:
    """The CLI names the configuration file without importing pydantic: its copy must not drift."""
    from bot import cli
    from bot.core import config

    assert cli.DEFAULT_PATH == config.DEFAULT_PATH
