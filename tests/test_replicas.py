"""Three `migration-guard serve` replicas on one PostgreSQL: 300 events, one replica killed mid-way."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx

from bot.store import Store
from tests.app_harness import APP_ID, NAME, OWNER, Harness, free_port, key_pair, serve_process
from tests.github_double import GitHubDouble, wait_for
from tests.gitrepo_factory import Repo
from tests.test_app_review import GOOSE, M
from tests.test_store import postgres_schema_url

EVENTS = 300


def test_three_replicas_complete_every_check_run_exactly_once(tmp_path: Path, repo: Repo) -> None:
    database = postgres_schema_url()
    url = next(database)
    repo.write(f"{M}/00001_users.sql", GOOSE.format(t="users")).commit().branch("feature")
    repo.write(f"{M}/00002_orders.sql", GOOSE.format(t="orders")).commit()
    double = GitHubDouble(repo.root, OWNER, NAME, APP_ID, key_pair()[1]).start()
    for number in range(1, EVENTS + 1):
        double.open_pr(number, "main", "feature")
    ports = [free_port() for _ in range(3)]
    replicas = [serve_process(tmp_path, double.url, port, workers=2, database_url=url, lease=3.0) for port in ports]
    sender = Harness.__new__(Harness)
    sender.double = double
    try:
        clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) for port in ports]
        alive = [0, 1, 2]
        for number in range(1, EVENTS + 1):
            if number == EVENTS // 3:
                replicas[0].send_signal(signal.SIGKILL)  # mid-way, with jobs in its hands
                replicas[0].wait(10)
                alive = [1, 2]
            sender.http = clients[alive[number % len(alive)]]
            assert sender.send("pull_request", sender.pr_event("opened", number)).status_code == 202

        def all_done() -> bool:
            runs = list(double.check_runs.values())
            return len({r["external_id"] for r in runs}) == EVENTS and all(r["status"] == "completed" for r in runs)

        wait_for(all_done, 900, "every check run to complete")  # a bound for a hung run, not a speed test
        runs = list(double.check_runs.values())
        assert len(runs) == EVENTS  # one per job: none created twice, none left in progress
        # the 300 PRs all add 00002: each later one rightly warns of its siblings (neutral, not failure)
        assert {r["conclusion"] for r in runs} <= {"success", "neutral"}
        reviews = [j["id"] for j in Store(url).job_rows() if j["kind"] == "review"]  # (the scans for missed
        assert len(reviews) == EVENTS  # deliveries each replica queues at start are jobs too)
        assert sorted(int(r["external_id"].removeprefix("job-")) for r in runs) == sorted(reviews)
    finally:
        for replica in replicas:
            replica.kill()
            replica.wait(10)
        double.stop()
        next(database, None)
