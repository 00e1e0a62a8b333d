"""The service's durable state, in SQLite (default, one process) or PostgreSQL (several replicas).

SQLAlchemy Core, no ORM. Twelve tables: ``deliveries`` (deduplication of ``X-GitHub-Delivery``),
``jobs`` (the work a webhook asks for, claimed with a lease so a crashed worker's job is
resumed; finished ones deleted after the retention period, as are old deliveries), ``blobs`` and ``parsed`` (cached by blob SHA, so a warm event costs no call per
historical migration), ``published`` (what the App posted on each pull request, so a re-run
neither piles up nor repeats comments), ``open_prs`` and ``pr_migrations`` (what every open pull
request adds, for collisions between them), ``pr_heads`` (which head a pull request had when),
``waivers`` (`/migrations ignore`) and ``deployed_refs`` (the last successful deployment per
environment), ``app_registration`` (the App's identity when it registered itself at ``/setup``)
``rate_limits`` (installations GitHub rate-limits, until when) and ``redelivery_scan`` (the
newest webhook delivery the scan for missed ones has dealt with).
"""

from __future__ import annotations

from bot.store.cache import CacheStore, StoreRows
from bot.store.database import SCHEMA_LOCK_KEY, Database, sqlalchemy_url
from bot.store.ledger import LedgerStore, Published
from bot.store.open_prs import OpenPr, OpenPrStore
from bot.store.queue import Job, JobSpec, QueueStore
from bot.store.rate_limits import RateLimitStore
from bot.store.redelivery import RedeliveryStore
from bot.store.registration import Registration, RegistrationStore
from bot.store.retention import RetentionStore
from bot.store.schema import DONE, FAILED, QUEUED, RUNNING, SUPERSEDED
from bot.store.waivers import Waiver, WaiverStore


class Store(QueueStore, CacheStore, OpenPrStore, LedgerStore, WaiverStore, RegistrationStore, RateLimitStore, RetentionStore, RedeliveryStore,
            Database):  # fmt: skip
    """The whole store, one object for the service: each concern keeps its own module."""


__all__ = ["DONE", "FAILED", "QUEUED", "RUNNING", "SCHEMA_LOCK_KEY", "SUPERSEDED", "Database", "Job", "JobSpec",
           "OpenPr", "Published", "Registration", "Store", "StoreRows", "Waiver", "sqlalchemy_url"]  # fmt: skip
