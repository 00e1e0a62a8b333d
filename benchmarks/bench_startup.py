"""How long `migration-guard serve` takes to open its door: from the process's start to the first
200 from ``/healthz`` (what a load balancer, a container's health check and the tests wait for).

Starts the service with App credentials and a fresh SQLite database, polls ``/healthz`` every
10 ms, stops it, and repeats; prints each run, the median and the worst. Also prints the time
until the worker processes are ready to claim jobs (the ``worker ready`` log lines), which the
door no longer waits for.

    python benchmarks/bench_startup.py [--runs 5] [--workers 2] [--door-only]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.app_harness import APP_ID, SECRET, free_port, key_pair

WORKERS_READY = re.compile(r"worker ready")


def _healthz(port: int) -> int | None:
    """One plain GET (http.client: no TLS context per call, so the poller costs the machine nothing)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


def one_start(tmp: Path, n: int, workers: int, door_only: bool = False) -> tuple[float, float | None]:
    port = free_port()
    log = tmp / f"serve-{n}.log"
    env = {
        **os.environ,
        "GITHUB_APP_ID": str(APP_ID),
        "GITHUB_PRIVATE_KEY": key_pair()[0],
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "GITHUB_API_URL": "http://127.0.0.1:9",
        "MIGRATION_GUARD_DATABASE_URL": f"sqlite:///{tmp / f'startup-{n}.sqlite3'}",
        "MIGRATION_GUARD_WORKERS": str(workers),
    }
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))  # fmt: skip
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"serve exited with {proc.returncode}: {log.read_text()[-2000:]}")
            if _healthz(port) == 200:
                door = time.perf_counter() - started
                break
            time.sleep(0.01)
        ready = None
        deadline = time.perf_counter() + (0 if door_only else 120)
        while time.perf_counter() < deadline:
            if len(WORKERS_READY.findall(log.read_text())) >= workers:
                ready = time.perf_counter() - started
                break
            time.sleep(0.01)
        return door, ready
    finally:
        proc.terminate()
        proc.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--door-only", action="store_true", help="do not wait for the workers' 'worker ready' lines")
    args = parser.parse_args()
    doors, readies = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.runs):
            door, ready = one_start(Path(tmp), n, args.workers, args.door_only)
            doors.append(door)
            readies.append(ready)
            said = f"{ready:.2f} s" if ready is not None else "no 'worker ready' line"
            print(f"run {n + 1}: first 200 from /healthz after {door:.2f} s; workers ready after {said}")
    print(f"first 200 from /healthz: median {statistics.median(doors):.2f} s, worst {max(doors):.2f} s "
          f"({args.runs} runs, {args.workers} workers)")  # fmt: skip
    seen = [r for r in readies if r is not None]
    if seen:
        print(f"workers ready: median {statistics.median(seen):.2f} s, worst {max(seen):.2f} s")


if __name__ == "__main__":
    main()
