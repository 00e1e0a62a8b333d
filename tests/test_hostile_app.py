"""Hostile pull requests against the App: reviews still complete, workers come back, poison jobs park."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.app_harness import Harness, free_port, reviewed_rules, serve_process
from tests.github_double import wait_for
from tests.gitrepo_factory import Repo
from tests.test_app_review import GOOSE, M
from tests.test_hostile_input import DEEP_VIEW, JOINS, goose


@pytest.fixture
def app(tmp_path: Path, repo: Repo) -> Iterator[Harness]:
    harness = Harness(tmp_path, repo)
    yield harness
    harness.close()


def three_pull_requests(repo: Repo) -> None:
    """#1 hostile (a 20,000-level view and joins that backtrack), #2 normal, #3 opened later."""
    repo.write(".github/migration-guard.yml", "limits:\n  seconds: 1\n")
    repo.write(f"{M}/00001_users.sql", GOOSE.format(t="users")).commit()
    repo.branch("hostile").write(f"{M}/00002_deep.sql", goose(DEEP_VIEW))
    repo.write(f"{M}/00003_joins.sql", goose(JOINS)).commit()
    repo.checkout("main").branch("normal").write(f"{M}/00004_orders.sql", "-- +goose Up\nCREATE TABLE o (id int);\n")
    repo.commit()
    repo.checkout("main").branch("third").write(f"{M}/00005_index.sql", goose("CREATE INDEX i ON users (id);"))
    repo.commit()


def test_a_hostile_pull_request_does_not_stall_the_others(app: Harness, repo: Repo) -> None:
    three_pull_requests(repo)
    app.double.open_pr(1, "main", "hostile")
    app.double.open_pr(2, "main", "normal")
    app.double.open_pr(3, "main", "third")
    app.send("pull_request", app.pr_event("opened", 1))
    app.send("pull_request", app.pr_event("opened", 2))
    app.settle(300)
    app.send("pull_request", app.pr_event("opened", 3))
    app.settle(300)

    hostile = app.check_run(app.double.pulls[1].head_sha)
    normal = app.check_run(app.double.pulls[2].head_sha)
    third = app.check_run(app.double.pulls[3].head_sha)
    # not analysed is an error: a required check must not pass what nothing checked (it was neutral)
    assert (hostile["status"], hostile["conclusion"]) == ("completed", "failure")
    assert [a["message"].split(":")[0] for a in hostile["annotations"]] == [
        "This migration was not analysed (brackets nested over 200 levels deep; the limit is 200)",
        "This migration was not analysed (its analysis took longer than 1 s and was stopped)",
    ]
    assert [a["annotation_level"] for a in hostile["annotations"]] == ["failure", "failure"]
    assert (normal["status"], normal["conclusion"]) == ("completed", "failure")
    assert [a["title"] for a in normal["annotations"]] == ["missing-rollback"]
    assert (third["status"], third["conclusion"]) == ("completed", "neutral")
    assert [a["title"] for a in third["annotations"]] == ["require-concurrent-index-creation", "require-lock-timeout", "require-statement-timeout"]


def test_a_job_that_killed_its_workers_is_parked_with_its_check_run_concluded(app: Harness, repo: Repo) -> None:
    three_pull_requests(repo)
    app.double.open_pr(2, "main", "normal")
    app.service.workers.stop()
    app.send("pull_request", app.pr_event("opened", 2))
    job = app.service.store.claim_job("lost-worker", 0.01)  # each claim that never finished: a crashed run
    assert job is not None
    for _ in range(app.service.workers.max_attempts):
        time.sleep(0.02)
        assert app.service.store.claim_job("lost-worker", 0.01) is not None
    time.sleep(0.02)
    app.service.workers.start()
    app.settle()

    run = app.check_run()
    assert (run["status"], run["conclusion"]) == ("completed", "failure")
    assert "stopped the worker running it" in run["output"]["summary"]


def _workers_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[1]) == pid and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads worker processes from /proc")
def test_a_killed_worker_is_replaced_and_health_says_so(app: Harness, repo: Repo, tmp_path: Path) -> None:
    three_pull_requests(repo)
    app.close()
    double = app.double.start()
    double.open_pr(3, "main", "third")
    port = free_port()
    proc = serve_process(tmp_path, double.url, port)
    try:
        health = httpx.get(f"http://127.0.0.1:{port}/healthz").json()
        assert health["workers_alive"] == 1
        (worker,) = _workers_of(proc.pid)
        os.kill(worker, signal.SIGKILL)
        wait_for(lambda: _workers_of(proc.pid) not in ([], [worker]), 300, "a new worker")
        wait_for(lambda: httpx.get(f"http://127.0.0.1:{port}/healthz").json()["workers_alive"] == 1, 300, "health")

        app.url = f"http://127.0.0.1:{port}"
        app.http = httpx.Client(base_url=app.url, timeout=10)
        assert app.send("pull_request", app.pr_event("opened", 3)).status_code == 202
        assert reviewed_rules(double) == ["require-concurrent-index-creation", "require-lock-timeout", "require-statement-timeout"]
    finally:
        proc.kill()
        proc.wait(10)
        double.stop()
