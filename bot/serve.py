"""``migration-guard serve``: the webhook front door in one process, workers in their own processes.

Reviewing a pull request is CPU work (parsing, rules); in the web process it would compete for
the GIL with the event loop and slow down the webhook answer GitHub waits for. So the web
process only verifies, records and acknowledges; ``MIGRATION_GUARD_WORKERS`` worker processes
claim jobs from the database. A worker process dies with its parent (Linux), so a killed
service leaves no orphan running its jobs; the jobs' leases lapse and a restart resumes them.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette

from bot.commands import give_up_command, run_command
from bot.github.client import GitHubApp
from bot.review_job import (
    conclude_failed,
    forget_pull_request,
    recheck_open_pull_requests,
    record_deployment,
    run_review,
)
from bot.settings import Settings
from bot.store import Job, Store
from bot.web import create_app
from bot.webhooks import BASE_MOVED, COMMAND, DEPLOYMENT, FORGET, REVIEW
from bot.worker import Workers

LOG_FORMAT = "%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s"


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per GitHub call is noise


@dataclass
class Service:
    settings: Settings
    store: Store
    workers: Workers
    web: Starlette


def open_store(settings: Settings, checkpoints: bool = True) -> Store:
    store = Store(settings.database_url, checkpoints=checkpoints)
    store.create_schema()
    return store


def build_workers(settings: Settings, store: Store, wake_event: Any = None, count: int | None = None) -> Workers:
    github = GitHubApp(settings)
    return Workers(
        store,
        {
            REVIEW: lambda job: run_review(job, github, store, settings),
            FORGET: lambda job: forget_pull_request(job, store),
            BASE_MOVED: lambda job: recheck_open_pull_requests(job, store),
            COMMAND: lambda job: run_command(job, github, store, settings),
            DEPLOYMENT: lambda job: record_deployment(job, store),
        },
        lambda job, reason: give_up(job, github, store, settings, reason),
        count=settings.workers if count is None else count,
        lease_seconds=settings.job_lease_seconds,
        max_attempts=settings.max_attempts,
        retry_base_seconds=settings.retry_base_seconds,
        wake_event=wake_event,
    )


def give_up(job: Job, github: GitHubApp, store: Store, settings: Settings, reason: str) -> None:
    """A job failed for good: leave nothing hanging (a check run in progress, a command unanswered)."""
    if job.kind == REVIEW:
        conclude_failed(job, github, store, settings, reason)
    elif job.kind == COMMAND:
        give_up_command(job, github, reason)


def build_service(settings: Settings) -> Service:
    """Everything in one process, nothing started: what the tests drive."""
    store = open_store(settings)
    if store.is_sqlite:
        store.release_all_running()  # one service per SQLite file: its running jobs died with it
    workers = build_workers(settings, store)
    web = create_app(store, settings.webhook_secret, workers.wake)
    return Service(settings, store, workers, web)


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (prctl PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)


def _worker_main(settings: Settings, wake_event: Any) -> None:
    _die_with_parent()
    with contextlib.suppress(OSError):
        os.nice(5)  # the webhook answer is what GitHub waits for: on a busy machine the front door wins
    _configure_logging()
    store = Store(settings.database_url)
    workers = build_workers(settings, store, wake_event=wake_event, count=1)
    workers.start()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})  # blocked in the parent before the start, so inherited
    workers.stop()


def serve(host: str, port: int) -> None:
    import uvicorn

    _configure_logging()
    settings = Settings.from_env()
    store = open_store(settings, checkpoints=False)
    if store.is_sqlite:
        store.release_all_running()
    context = multiprocessing.get_context("spawn")
    wake_event = context.Event()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})  # children inherit: sigwait
    processes = [
        context.Process(target=_worker_main, args=(settings, wake_event), name=f"worker-{n}", daemon=False)
        for n in range(settings.workers)
    ]
    for process in processes:
        process.start()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    web = create_app(store, settings.webhook_secret, wake_event.set)
    try:
        uvicorn.run(web, host=host, port=port, log_level="info", access_log=False)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(10)
