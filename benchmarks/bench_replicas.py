"""Three `migration-guard serve` replicas on one PostgreSQL, against the GitHub double with 50 ms per call.

Prints, in one run: throughput (pull request events per second until their check runs are
completed) for one replica and for three, side by side; and the extra GitHub API calls a push
to the base branch costs per open pull request that touches migrations.

    MIGRATION_GUARD_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \\
        python benchmarks/bench_replicas.py [--events 150] [--latency 0.05] [--open-prs 20]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.app_harness import APP_ID, NAME, OWNER, Harness, free_port, key_pair, serve_process
from tests.github_double import GitHubDouble, example, wait_for
from tests.gitrepo_factory import Repo
from tests.test_store import postgres_schema_url

GOOSE = "-- +goose Up\nCREATE TABLE {t} (id int);\n\n-- +goose Down\nDROP TABLE {t};\n"


def run(replica_count: int, events: int, latency: float, tmp: Path) -> float:
    repo = Repo(tmp / f"repo{replica_count}")
    repo.write("db/migrations/00001_users.sql", GOOSE.format(t="users")).commit().branch("feature")
    repo.write("db/migrations/00002_orders.sql", GOOSE.format(t="orders")).commit()
    database = postgres_schema_url()
    url = next(database)
    double = GitHubDouble(repo.root, OWNER, NAME, APP_ID, key_pair()[1]).start()
    for number in range(1, events + 1):
        double.open_pr(number, "main", "feature")
    ports = [free_port() for _ in range(replica_count)]
    replicas = [serve_process(tmp, double.url, port, workers=2, database_url=url) for port in ports]
    sender = Harness.__new__(Harness)
    sender.double = double
    try:
        clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) for port in ports]
        double.latency = latency
        started = time.perf_counter()
        for number in range(1, events + 1):
            sender.http = clients[number % len(clients)]
            sender.send("pull_request", sender.pr_event("opened", number))
        wait_for(
            lambda: sum(r["status"] == "completed" for r in double.check_runs.values()) >= events, 600, "check runs"
        )
        return events / (time.perf_counter() - started)
    finally:
        for replica in replicas:
            replica.kill()
            replica.wait(10)
        double.stop()
        next(database, None)


def base_push_cost(open_prs: int, latency: float, tmp: Path) -> float:
    """API calls per open pull request caused by one push to the base branch."""
    repo = Repo(tmp / "push")
    repo.write("db/migrations/00001_users.sql", GOOSE.format(t="users")).commit()
    for n in range(open_prs):
        repo.checkout("main").branch(f"f{n}").write(f"db/migrations/{n + 2:05d}_t{n}.sql", GOOSE.format(t=f"t{n}"))
        repo.commit()
    repo.checkout("main")
    database = postgres_schema_url()
    url = next(database)
    double = GitHubDouble(repo.root, OWNER, NAME, APP_ID, key_pair()[1]).start()
    port = free_port()
    replica = serve_process(tmp, double.url, port, workers=2, database_url=url)
    sender = Harness.__new__(Harness)
    sender.double = double
    sender.http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
    try:
        for n in range(open_prs):
            double.open_pr(n + 1, "main", f"f{n}")
            sender.send("pull_request", sender.pr_event("opened", n + 1))
        wait_for(lambda: sum(r["status"] == "completed" for r in double.check_runs.values()) >= open_prs, 300, "runs")
        double.latency = latency
        repo.write("README", "moved\n").commit("base moves")
        push = example("push", "with-installation.payload.json")
        push.update(ref="refs/heads/main", after=repo.git("rev-parse", "HEAD").strip(), deleted=False)
        push["repository"].update(name=NAME, full_name=f"{OWNER}/{NAME}")
        push["repository"]["owner"]["login"] = OWNER
        push["installation"] = {"id": 77, "node_id": "x"}
        before = len(double.calls)
        sender.send("push", push)
        wait_for(
            lambda: sum(r["status"] == "completed" for r in double.check_runs.values()) >= 2 * open_prs,
            300,
            "re-checks",
        )
        time.sleep(1.0)
        return (len(double.calls) - before) / open_prs
    finally:
        replica.kill()
        replica.wait(10)
        double.stop()
        next(database, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=150)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--open-prs", type=int, default=20)
    args = parser.parse_args()
    if not os.environ.get("MIGRATION_GUARD_TEST_POSTGRES_URL"):
        raise SystemExit("set MIGRATION_GUARD_TEST_POSTGRES_URL to a PostgreSQL the replicas can share")
    tmp = Path(tempfile.mkdtemp(prefix="mg-bench-replicas-"))
    one = run(1, args.events, args.latency, tmp / "one")
    three = run(3, args.events, args.latency, tmp / "three")
    cost = base_push_cost(args.open_prs, args.latency, tmp / "push")
    print(f"\n{args.events} pull request events, GitHub double with {args.latency * 1000:.0f} ms per call")
    print(f"{'baseline: 1 replica (2 worker processes)':46} {one:7.1f} events/s")
    print(f"{'3 replicas on one PostgreSQL':46} {three:7.1f} events/s  ({three / one:.1f}x)")
    print(f"\nbase branch push with {args.open_prs} open PRs touching migrations: {cost:.1f} API calls per open PR")


if __name__ == "__main__":
    main()
