"""The GitHub App against the API double with 50 ms added to every GitHub call.

Prints, side by side in one run:
- webhook acknowledgement latency at 100 requests/s (p50, p99): handled ``pull_request``
  events (signature, durable job record, 202) beside ignored events (signature only, 200) as
  the baseline of the HTTP stack itself;
- pull request event to completed check run, for a PR adding 3 migrations to a base holding
  2,000: the first (cold) event, then warm ``synchronize`` events (median), and the GitHub API
  calls each costs. With ``--alters`` the 3 migrations widen columns of tables made across the
  base (the first, the middle and the last), so the base's schema must be replayed to judge them.

    python benchmarks/bench_app.py [--history 2000] [--alters] [--latency 0.05] [--rate 100] [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.app_harness import APP_ID, NAME, OWNER, Harness, free_port, key_pair, serve_process, sign
from tests.github_double import GitHubDouble, example, wait_for
from tests.gitrepo_factory import Repo

GOOSE = "-- +goose Up\nCREATE TABLE {t} (id int, name varchar(50));\n\n-- +goose Down\nDROP TABLE {t};\n"
ALTER = "-- +goose Up\nALTER TABLE {t} ALTER COLUMN name TYPE varchar(100);\n\n-- +goose Down\nSELECT 1;\n"


def build(root: Path, history: int, alters: bool) -> Repo:
    repo = Repo(root)
    for n in range(1, history + 1):
        repo.write(f"db/migrations/{n:05d}_t{n}.sql", GOOSE.format(t=f"t{n}"))
    repo.commit("history").branch("feature")
    altered = (1, history // 2, history)
    for i, n in enumerate(range(history + 1, history + 4)):
        text = ALTER.format(t=f"t{altered[i]}") if alters else GOOSE.format(t=f"t{n}")
        repo.write(f"db/migrations/{n:05d}_t{n}.sql", text)
    return repo.commit("three more")


def timed_event(app: Harness, action: str) -> tuple[float, int]:
    """Seconds from sending the webhook to a completed check run, and the API calls it cost."""
    before_runs = set(app.double.check_runs)
    calls_before = len(app.double.calls)
    started = time.perf_counter()
    assert app.send("pull_request", app.pr_event(action, 1)).status_code == 202
    run = wait_for(
        lambda: next(
            (r for i, r in app.double.check_runs.items() if i not in before_runs and r["status"] == "completed"), None
        ),
        120,
        "check run",
    )
    elapsed = time.perf_counter() - started
    # widening a varchar is catalog-only: only the timeout warnings of a migration taking a lock remain
    assert run["conclusion"] in ("success", "neutral"), run["output"]
    return elapsed, len(app.double.calls) - calls_before


async def load(url: str, bodies: list[tuple[str, bytes]], rate: float) -> list[float]:
    """Open-loop load: request i leaves at i / rate seconds, whatever the previous ones do."""
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=url, timeout=10, limits=httpx.Limits(max_connections=64)) as client:

        async def one(i: int, event: str, body: bytes) -> None:
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
            headers = {
                "X-GitHub-Event": event,
                "X-GitHub-Delivery": str(uuid.uuid4()),
                "X-Hub-Signature-256": sign(body),
                "Content-Type": "application/json",
            }
            t = time.perf_counter()
            response = await client.post("/webhook", content=body, headers=headers)
            latencies.append(time.perf_counter() - t)
            assert response.status_code in (200, 202), response.text

        start = time.perf_counter()
        await asyncio.gather(*(one(i, e, b) for i, (e, b) in enumerate(bodies)))
    return latencies


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--history", type=int, default=2000)
    parser.add_argument("--alters", action="store_true", help="the PR widens columns made across the base")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--events", type=int, default=7, help="warm events to time")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="mg-bench-app-"))
    repo = build(tmp / "repo", args.history, args.alters)
    # The service runs as its own process (`migration-guard serve`), as deployed; the GitHub double
    # and the load generator share this one.
    app = Harness.__new__(Harness)
    app.repo = repo
    _private, public = key_pair()
    app.double = GitHubDouble(repo.root, OWNER, NAME, APP_ID, public).start()
    port = free_port()
    service = serve_process(tmp, app.double.url, port, workers=2)
    app.url = f"http://127.0.0.1:{port}"
    app.http = httpx.Client(base_url=app.url, timeout=10)
    try:
        app.double.open_pr(1, "main", "feature")
        app.double.latency = args.latency
        cold, cold_calls = timed_event(app, "opened")
        warm = [timed_event(app, "synchronize") for _ in range(args.events)]

        n = int(args.rate * args.seconds)
        handled = json.dumps(app.pr_event("synchronize", 1)).encode()
        ignored = json.dumps(example("installation", "created.payload.json")).encode()
        base = asyncio.run(load(app.url, [("installation", ignored)] * n, args.rate))
        acks = asyncio.run(load(app.url, [("pull_request", handled)] * n, args.rate))
        print("(handled events left jobs behind; the load ends without waiting for them)", file=sys.stderr)
    finally:
        service.kill()
        service.wait(10)
        app.double.stop()

    print(
        f"\nGitHub double latency {args.latency * 1000:.0f} ms per call; base holds {args.history} migrations; PR adds 3"
        + (" that widen columns made across the base" if args.alters else "")
    )
    print(f"{'':48} {'value':>10}")
    print(f"{'event -> completed check run, cold':48} {cold:9.2f}s   ({cold_calls} API calls)")
    times = [w[0] for w in warm]
    calls = [w[1] for w in warm]
    print(
        f"{'event -> completed check run, warm (median)':48} {statistics.median(times):9.2f}s   "
        f"({min(calls)}-{max(calls)} API calls, {len(warm)} events)"
    )
    print(f"\nwebhook acknowledgement at {args.rate:.0f} requests/s for {args.seconds:.0f} s ({n} each)")
    print(f"{'':48} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, values in (("baseline: ignored event (200, no write)", base), ("handled event (durable job, 202)", acks)):
        print(
            f"{name:48} {percentile(values, 50) * 1000:8.1f} {percentile(values, 99) * 1000:8.1f} "
            f"{max(values) * 1000:8.1f}"
        )


if __name__ == "__main__":
    main()
