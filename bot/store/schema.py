"""The store's tables as SQLAlchemy Core sees them; their history is in ``migrations/versions``
(Alembic), and a test keeps the two equal."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()


deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("event", String(100), nullable=False),
    Column("received_at", Float, nullable=False),
)


jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(50), nullable=False),
    Column("dedupe_key", String(500), nullable=False, index=True),
    Column("payload", Text, nullable=False),
    Column("state", String(20), nullable=False, index=True),  # queued running done failed superseded
    Column("attempts", Integer, nullable=False, default=0),
    Column("run_after", Float, nullable=False),
    Column("lease_until", Float),
    Column("worker", String(200)),
    Column("check_run_id", BigInteger),
    Column("last_error", Text),
    Column("delivery_id", String(200)),
    Column("created_at", Float, nullable=False),
    Column("finished_at", Float),
    # +1 at every claim: the claimer's value, asked before each write to GitHub (a worker that lost
    # its lease to another holds a smaller one and publishes nothing)
    Column("fence", Integer, nullable=False, default=0, server_default="0"),
)


blobs = Table(
    "blobs",
    metadata,
    Column("sha", String(64), primary_key=True),
    Column("content", LargeBinary, nullable=False),
)


parsed = Table(
    "parsed",
    metadata,
    Column("k", String(2000), primary_key=True),
    Column("v", Text, nullable=False),
)


published = Table(
    "published",
    metadata,
    Column("repo", String(300), primary_key=True),
    Column("pr", Integer, primary_key=True),
    Column("fingerprint", String(64), primary_key=True),
    Column("kind", String(20), nullable=False),  # comment | body
    Column("state", String(20), nullable=False),  # active | hidden
    Column("review_id", BigInteger),
    Column("head_sha", String(64)),
    Column("updated_at", Float, nullable=False),
)


open_prs = Table(
    "open_prs",
    metadata,
    Column("repo", String(300), primary_key=True),
    Column("pr", Integer, primary_key=True),
    Column("installation_id", BigInteger, nullable=False),
    Column("base_ref", String(300), nullable=False),
    Column("head_sha", String(64), nullable=False),
    Column("updated_at", Float, nullable=False),
)


pr_migrations = Table(
    "pr_migrations",
    metadata,
    Column("repo", String(300), nullable=False, index=True),
    Column("pr", Integer, nullable=False),
    Column("framework", String(50), nullable=False),
    Column("namespace", String(500), nullable=False),
    Column("key", String(500), nullable=False),
    Column("parents", Text, nullable=False),  # JSON list
    Column("path", Text, nullable=False),
)


waivers = Table(
    "waivers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("repo", String(300), nullable=False, index=True),
    Column("pr", Integer, nullable=False),
    Column("rule", String(100), nullable=False),
    Column("path", Text, nullable=False),  # "*" for every file
    Column("reason", Text, nullable=False),
    Column("author", String(200), nullable=False),
    Column("head_sha", String(64), nullable=False),
    Column("blobs", Text, nullable=False),  # JSON path -> blob SHA when waived: a later edit ends it
    Column("created_at", Float, nullable=False),
)


#: each head a pull request had, and when we heard of it: a waiver covers the head at its comment's time
pr_heads = Table(
    "pr_heads",
    metadata,
    Column("repo", String(300), nullable=False, index=True),
    Column("pr", Integer, nullable=False),
    Column("head_sha", String(64), nullable=False),
    Column("seen_at", Float, nullable=False),
)


deployed_refs = Table(
    "deployed_refs",
    metadata,
    Column("repo", String(300), primary_key=True),
    Column("environment", String(300), primary_key=True),
    Column("sha", String(64), nullable=False),
    Column("ref", String(300)),
    Column("updated_at", Float, nullable=False),
)


#: the App's own identity when it was registered through /setup (GitHub's manifest flow): one row.
#: Secrets stay here: never logged, never returned by an endpoint.
app_registration = Table(
    "app_registration",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1
    Column("app_id", BigInteger, nullable=False),
    Column("slug", String(200), nullable=False),
    Column("html_url", String(500), nullable=False),
    Column("private_key", Text, nullable=False),
    Column("webhook_secret", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)


#: installations whose calls GitHub refuses for a rate limit, until its reset (``bot.app.throttle``)
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("installation_id", BigInteger, primary_key=True, autoincrement=False),
    Column("until", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

#: the newest GitHub webhook delivery the scan for missed deliveries has dealt with: one row
redelivery_scan = Table(
    "redelivery_scan",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1
    Column("newest_delivery_id", BigInteger, nullable=False),
    Column("scanned_at", Float, nullable=False),
)


QUEUED, RUNNING, DONE, FAILED, SUPERSEDED = "queued", "running", "done", "failed", "superseded"
