"""``migration-guard serve``: the webhook service and its workers in one process."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from starlette.applications import Starlette

from bot.github.client import GitHubApp
from bot.review_job import conclude_failed, run_review
from bot.settings import Settings
from bot.store import Store
from bot.web import create_app
from bot.webhooks import REVIEW
from bot.worker import Workers


@dataclass
class Service:
    settings: Settings
    store: Store
    github: GitHubApp
    workers: Workers
    web: Starlette


def build_service(settings: Settings) -> Service:
    """Everything wired, nothing started (tests start the parts they need)."""
    store = Store(settings.database_url)
    store.create_schema()
    if store.is_sqlite:
        store.release_all_running()  # one process per SQLite file: its running jobs died with it
    github = GitHubApp(settings)
    workers = Workers(
        store,
        {REVIEW: lambda job: run_review(job, github, store, settings)},
        lambda job, reason: conclude_failed(job, github, store, settings, reason),
        count=settings.workers,
        lease_seconds=settings.job_lease_seconds,
        max_attempts=settings.max_attempts,
        retry_base_seconds=settings.retry_base_seconds,
    )
    web = create_app(store, settings.webhook_secret, workers.wake)
    return Service(settings, store, github, workers, web)


def serve(host: str, port: int) -> None:
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    service = build_service(Settings.from_env())
    service.workers.start()
    try:
        uvicorn.run(service.web, host=host, port=port, log_level="info", access_log=False)
    finally:
        service.workers.stop()
