"""The service's durable state, in SQLite (default, one process) or PostgreSQL (several replicas).

SQLAlchemy Core, no ORM. Ten tables: ``deliveries`` (deduplication of ``X-GitHub-Delivery``),
``jobs`` (the work a webhook asks for, claimed with a lease so a crashed worker's job is
resumed), ``blobs`` and ``parsed`` (cached by blob SHA, so a warm event costs no call per
historical migration), ``published`` (what the App posted on each pull request, so a re-run
neither piles up nor repeats comments), ``open_prs`` and ``pr_migrations`` (what every open pull
request adds, for collisions between them), ``pr_heads`` (which head a pull request had when),
``waivers`` (`/migrations ignore`) and ``deployed_refs`` (the last successful deployment per
environment).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

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
    create_engine,
    delete,
    event,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.core.model import OpenPrMigration
from bot.pipeline.parse_cache import CachedResult, CacheKey, dump_result, key_text, load_result

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

QUEUED, RUNNING, DONE, FAILED, SUPERSEDED = "queued", "running", "done", "failed", "superseded"
SCHEMA_LOCK_KEY = 0x6D67_7363  # "mgsc": the advisory lock that serialises schema creation


def sqlalchemy_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 (the driver we ship), not SQLAlchemy's psycopg2 default."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@dataclass(frozen=True)
class JobSpec:
    """What a webhook asks for; ``dedupe_key`` lets a newer request replace a queued older one."""

    kind: str
    dedupe_key: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int  # including the current one
    check_run_id: int | None


@dataclass(frozen=True)
class OpenPr:
    repo: str
    pr: int
    installation_id: int
    base_ref: str
    head_sha: str


@dataclass(frozen=True)
class Waiver:
    id: int
    rule: str
    path: str
    reason: str
    author: str
    head_sha: str
    blobs: dict[str, str]


@dataclass(frozen=True)
class Published:
    fingerprint: str
    kind: str
    state: str
    review_id: int | None


class Store:
    def __init__(self, url: str, checkpoints: bool = True) -> None:
        """``checkpoints=False`` (SQLite, the webhook process): never pay for a WAL checkpoint while
        GitHub waits for an answer; the worker processes' commits checkpoint instead."""
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self._write_lock = threading.Lock() if self.is_sqlite else None
        if self.is_sqlite:
            self.engine: Engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
            event.listen(self.engine, "connect", _sqlite_pragmas)
            if not checkpoints:
                event.listen(self.engine, "connect", _no_autocheckpoint)
        else:
            self.engine = create_engine(sqlalchemy_url(url), pool_pre_ping=True, pool_size=5, max_overflow=5)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction. SQLite allows one writer: threads of this process queue on a lock
        instead of spinning in SQLite's busy handler (which sleeps in coarse steps)."""
        if self._write_lock is None:
            with self.engine.begin() as db:
                yield db
            return
        with self._write_lock, self.engine.begin() as db:
            yield db

    def create_schema(self) -> None:
        """Create missing tables; on PostgreSQL under an advisory lock, so replicas starting
        together do not race on ``CREATE TABLE``."""
        if self.is_sqlite:
            for attempt in range(5):  # two processes may both see a table missing; the loser retries
                try:
                    metadata.create_all(self.engine)
                    return
                except OperationalError as exc:
                    if ("already exists" not in str(exc) and "locked" not in str(exc)) or attempt == 4:
                        raise
                    time.sleep(0.1)
        with self.engine.begin() as db:
            db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
            metadata.create_all(db)

    def ping(self) -> bool:
        try:
            with self.engine.connect() as db:
                db.execute(select(1))
            return True
        except Exception:
            return False

    # -- webhooks ------------------------------------------------------------------------
    def record_delivery(self, delivery_id: str, event_name: str, spec: JobSpec | None) -> str:
        """Record a delivery and its job in one transaction: ``"duplicate"`` or ``"queued"``."""
        now = time.time()
        try:
            with self._write() as db:
                db.execute(insert(deliveries).values(id=delivery_id, event=event_name, received_at=now))
                if spec is not None:
                    _queue(db, spec, now, run_after=now, delivery_id=delivery_id)
                    _note_head(db, spec, now)
        except IntegrityError:
            return "duplicate"
        return "queued"

    # -- jobs ----------------------------------------------------------------------------
    def claim_job(self, worker: str, lease_seconds: float) -> Job | None:
        """Take the oldest runnable job (or one whose worker's lease ran out)."""
        now = time.time()
        other = jobs.alias("other")
        busy = (
            select(other.c.id)
            .where(
                other.c.dedupe_key == jobs.c.dedupe_key,
                other.c.state == RUNNING,
                other.c.lease_until >= now,
                other.c.id != jobs.c.id,
            )
            .exists()
        )
        candidate = (
            select(jobs.c.id)
            .where(
                or_(
                    (jobs.c.state == QUEUED) & (jobs.c.run_after <= now),
                    (jobs.c.state == RUNNING) & (jobs.c.lease_until < now),
                ),
                ~busy,  # one job per pull request at a time: two reviews never publish at once
            )
            .order_by(jobs.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        with self._write() as db:
            row = db.execute(
                update(jobs)
                .where(jobs.c.id == candidate)
                .values(state=RUNNING, worker=worker, lease_until=now + lease_seconds, attempts=jobs.c.attempts + 1)
                .returning(jobs.c.id, jobs.c.kind, jobs.c.payload, jobs.c.attempts, jobs.c.check_run_id)
            ).first()
        if row is None:
            return None
        return Job(row.id, row.kind, json.loads(row.payload), row.attempts, row.check_run_id)

    def release_all_running(self) -> int:
        """At start-up of a single-process (SQLite) service: whatever was running died with it."""
        with self._write() as db:
            return db.execute(update(jobs).where(jobs.c.state == RUNNING).values(state=QUEUED, worker=None)).rowcount

    def extend_lease(self, job_id: int, worker: str, lease_seconds: float) -> None:
        with self._write() as db:
            db.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.worker == worker)
                .values(lease_until=time.time() + lease_seconds)
            )

    def set_check_run(self, job_id: int, check_run_id: int) -> None:
        with self._write() as db:
            db.execute(update(jobs).where(jobs.c.id == job_id).values(check_run_id=check_run_id))

    def finish_job(self, job_id: int, state: str = DONE, error: str | None = None) -> None:
        with self._write() as db:
            db.execute(
                update(jobs)
                .where(jobs.c.id == job_id)
                .values(state=state, last_error=error, finished_at=time.time(), lease_until=None)
            )

    def retry_job(self, job_id: int, error: str, delay: float) -> None:
        with self._write() as db:
            db.execute(
                update(jobs)
                .where(jobs.c.id == job_id)
                .values(state=QUEUED, last_error=error, run_after=time.time() + delay, worker=None)
            )

    def take_superseded_check_runs(self, job_id: int) -> list[int]:
        """Check runs that superseded jobs of this job's pull request created and never concluded
        (a job resumed after a restart, then replaced by a newer push); each is handed out once."""
        with self._write() as db:
            key = db.execute(select(jobs.c.dedupe_key).where(jobs.c.id == job_id)).scalar()
            if key is None:
                return []
            rows = db.execute(
                select(jobs.c.id, jobs.c.check_run_id).where(
                    jobs.c.dedupe_key == key, jobs.c.state == SUPERSEDED, jobs.c.check_run_id.is_not(None)
                )
            ).all()
            if rows:
                db.execute(update(jobs).where(jobs.c.id.in_([r.id for r in rows])).values(check_run_id=None))
        return [r.check_run_id for r in rows]

    def head_at(self, repo: str, pr: int, when: float) -> str | None:
        """The pull request's head as we knew it at ``when`` (the last one heard of by then)."""
        with self.engine.connect() as db:
            return db.execute(
                select(pr_heads.c.head_sha)
                .where(pr_heads.c.repo == repo, pr_heads.c.pr == pr, pr_heads.c.seen_at <= when)
                .order_by(pr_heads.c.seen_at.desc())
                .limit(1)
            ).scalar()

    def check_run_of(self, job_id: int) -> int | None:
        with self.engine.connect() as db:
            return db.execute(select(jobs.c.check_run_id).where(jobs.c.id == job_id)).scalar()

    def job_counts(self) -> dict[str, int]:
        with self.engine.connect() as db:
            rows = db.execute(select(jobs.c.state, func.count()).group_by(jobs.c.state)).all()
        return {state: count for state, count in rows}

    def job_rows(self) -> list[dict[str, Any]]:
        with self.engine.connect() as db:
            return [dict(r._mapping) for r in db.execute(select(jobs).order_by(jobs.c.id))]

    # -- blob and parse caches (immutable by SHA) ----------------------------------------
    def get_blobs(self, shas: Iterable[str]) -> dict[str, bytes]:
        wanted = list(dict.fromkeys(shas))
        found: dict[str, bytes] = {}
        with self.engine.connect() as db:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                for sha, content in db.execute(select(blobs.c.sha, blobs.c.content).where(blobs.c.sha.in_(chunk))):
                    found[sha] = bytes(content)
        return found

    def put_blobs(self, items: Mapping[str, bytes]) -> None:
        self._put_immutable(blobs, "sha", "content", dict(items))

    def parse_cache(self) -> StoreParseCache:
        return StoreParseCache(self)

    def _put_immutable(self, table: Table, key: str, value: str, items: dict[str, Any]) -> None:
        """Insert content-addressed rows; a key that exists already holds the same value."""
        if not items:
            return
        dialect_insert = sqlite_insert if self.is_sqlite else postgresql_insert
        rows = [{key: k, value: v} for k, v in items.items()]
        with self._write() as db:
            for start in range(0, len(rows), 500):
                db.execute(dialect_insert(table).on_conflict_do_nothing(), rows[start : start + 500])

    def enqueue(self, spec: JobSpec, delay: float = 0.0) -> None:
        """A job asked for by another job (not by a webhook): same supersede rule."""
        now = time.time()
        with self._write() as db:
            _queue(db, spec, now, run_after=now + delay)

    # -- open pull requests and what they add ----------------------------------------------
    def remember_pr(self, pr: OpenPr, migrations: Iterable[OpenPrMigration]) -> None:
        now = time.time()
        rows = [
            {"repo": pr.repo, "pr": pr.pr, "framework": m.framework, "namespace": m.namespace, "key": m.key,
             "parents": json.dumps(list(m.parents)), "path": m.path}
            for m in migrations
            if len(m.key) <= 500 and len(m.namespace) <= 500  # a 600-character revision id: not indexed
        ]  # fmt: skip
        with self._write() as db:
            db.execute(delete(open_prs).where(open_prs.c.repo == pr.repo, open_prs.c.pr == pr.pr))
            db.execute(delete(pr_migrations).where(pr_migrations.c.repo == pr.repo, pr_migrations.c.pr == pr.pr))
            db.execute(
                insert(open_prs).values(
                    repo=pr.repo,
                    pr=pr.pr,
                    installation_id=pr.installation_id,
                    base_ref=pr.base_ref,
                    head_sha=pr.head_sha,
                    updated_at=now,
                )
            )
            if rows:
                db.execute(insert(pr_migrations), rows)

    def forget_pr(self, repo: str, pr: int) -> None:
        with self._write() as db:
            db.execute(delete(open_prs).where(open_prs.c.repo == repo, open_prs.c.pr == pr))
            db.execute(delete(pr_migrations).where(pr_migrations.c.repo == repo, pr_migrations.c.pr == pr))

    def open_prs_on(self, repo: str, base_ref: str) -> list[OpenPr]:
        with self.engine.connect() as db:
            rows = db.execute(
                select(open_prs).where(open_prs.c.repo == repo, open_prs.c.base_ref == base_ref).order_by(open_prs.c.pr)
            )
            return [OpenPr(r.repo, r.pr, r.installation_id, r.base_ref, r.head_sha) for r in rows]

    def migrations_of_other_prs(self, repo: str, base_ref: str, pr: int) -> list[OpenPrMigration]:
        with self.engine.connect() as db:
            rows = db.execute(
                select(pr_migrations)
                .join(open_prs, (open_prs.c.repo == pr_migrations.c.repo) & (open_prs.c.pr == pr_migrations.c.pr))
                .where(pr_migrations.c.repo == repo, open_prs.c.base_ref == base_ref, pr_migrations.c.pr != pr)
                .order_by(pr_migrations.c.pr, pr_migrations.c.path)
            )
            return [
                OpenPrMigration(r.pr, r.framework, r.namespace, r.key, tuple(json.loads(r.parents)), r.path)
                for r in rows
            ]

    # -- waivers -------------------------------------------------------------------------------
    def add_waiver(self, repo: str, pr: int, rule: str, path: str, reason: str, author: str, head_sha: str,
                   blobs: Mapping[str, str]) -> None:  # fmt: skip
        with self._write() as db:
            db.execute(
                delete(waivers).where(waivers.c.repo == repo, waivers.c.pr == pr, waivers.c.rule == rule,
                                      waivers.c.path == path)
            )  # fmt: skip
            db.execute(
                insert(waivers).values(repo=repo, pr=pr, rule=rule, path=path, reason=reason, author=author,
                                       head_sha=head_sha, blobs=json.dumps(dict(blobs)), created_at=time.time())
            )  # fmt: skip

    def remove_waiver(self, repo: str, pr: int, rule: str, path: str | None) -> int:
        condition = (waivers.c.repo == repo) & (waivers.c.pr == pr) & (waivers.c.rule == rule)
        if path is not None:
            condition = condition & (waivers.c.path == path)
        with self._write() as db:
            return db.execute(delete(waivers).where(condition)).rowcount

    def waivers_for(self, repo: str, pr: int) -> list[Waiver]:
        with self.engine.connect() as db:
            rows = db.execute(select(waivers).where(waivers.c.repo == repo, waivers.c.pr == pr).order_by(waivers.c.id))
            return [Waiver(r.id, r.rule, r.path, r.reason, r.author, r.head_sha, json.loads(r.blobs)) for r in rows]

    # -- deployed refs ---------------------------------------------------------------------
    def deployed_sha(self, repo: str, environment: str) -> tuple[str, str | None, float] | None:
        """(commit, ref, when it was read) of the environment's newest known deployment."""
        with self.engine.connect() as db:
            row = db.execute(
                select(deployed_refs.c.sha, deployed_refs.c.ref, deployed_refs.c.updated_at).where(
                    deployed_refs.c.repo == repo, deployed_refs.c.environment == environment
                )
            ).first()
        return (row.sha, row.ref, row.updated_at) if row else None

    def set_deployed(self, repo: str, environment: str, sha: str, ref: str | None) -> None:
        with self._write() as db:
            db.execute(
                delete(deployed_refs).where(deployed_refs.c.repo == repo, deployed_refs.c.environment == environment)
            )
            db.execute(insert(deployed_refs).values(repo=repo, environment=environment, sha=sha, ref=ref,
                                                    updated_at=time.time()))  # fmt: skip

    # -- what was published on a pull request --------------------------------------------
    def published_for(self, repo: str, pr: int) -> dict[str, Published]:
        with self.engine.connect() as db:
            rows = db.execute(select(published).where(published.c.repo == repo, published.c.pr == pr))
            return {r.fingerprint: Published(r.fingerprint, r.kind, r.state, r.review_id) for r in rows}

    def record_published(
        self, repo: str, pr: int, head_sha: str, items: Mapping[str, str], review_id: int | None, state: str = "active"
    ) -> None:
        """``items``: fingerprint -> kind (``comment`` or ``body``)."""
        now = time.time()
        with self._write() as db:
            if items:
                db.execute(
                    delete(published).where(
                        published.c.repo == repo, published.c.pr == pr, published.c.fingerprint.in_(list(items))
                    )
                )
                db.execute(
                    insert(published),
                    [
                        {
                            "repo": repo,
                            "pr": pr,
                            "fingerprint": fp,
                            "kind": kind,
                            "state": state,
                            "review_id": review_id,
                            "head_sha": head_sha,
                            "updated_at": now,
                        }
                        for fp, kind in items.items()
                    ],
                )

    def mark_hidden(self, repo: str, pr: int, fingerprints: Iterable[str]) -> None:
        fps = list(fingerprints)
        if not fps:
            return
        with self._write() as db:
            db.execute(
                update(published)
                .where(published.c.repo == repo, published.c.pr == pr, published.c.fingerprint.in_(fps))
                .values(state="hidden", updated_at=time.time())
            )


class StoreParseCache:
    """The parse cache (see ``bot.pipeline.parse_cache``) kept in the service's database."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get_many(self, keys: Iterable[CacheKey]) -> dict[CacheKey, CachedResult]:
        wanted = {key_text(k): k for k in keys}
        found: dict[CacheKey, CachedResult] = {}
        names = list(wanted)
        with self.store.engine.connect() as db:
            for start in range(0, len(names), 500):
                chunk = names[start : start + 500]
                for k, v in db.execute(select(parsed.c.k, parsed.c.v).where(parsed.c.k.in_(chunk))):
                    found[wanted[k]] = load_result(v)
        return found

    def put_many(self, items: Mapping[CacheKey, CachedResult]) -> None:
        self.store._put_immutable(parsed, "k", "v", {key_text(k): dump_result(v) for k, v in items.items()})


def _queue(db: Connection, spec: JobSpec, now: float, run_after: float, delivery_id: str | None = None) -> None:
    """Insert a job; a queued job with the same dedupe key is superseded (bursts collapse to one)."""
    db.execute(
        update(jobs)
        .where(jobs.c.dedupe_key == spec.dedupe_key, jobs.c.state == QUEUED)
        .values(state=SUPERSEDED, finished_at=now)
    )
    db.execute(
        insert(jobs).values(
            kind=spec.kind,
            dedupe_key=spec.dedupe_key,
            payload=json.dumps(spec.payload),
            state=QUEUED,
            attempts=0,
            run_after=run_after,
            delivery_id=delivery_id,
            created_at=now,
        )
    )


def _note_head(db: Connection, spec: JobSpec, now: float) -> None:
    p = spec.payload
    if spec.kind == "review" and isinstance(p.get("number"), int) and p.get("head_sha"):
        db.execute(
            insert(pr_heads).values(repo=f"{p['owner']}/{p['repo']}", pr=p["number"], head_sha=p["head_sha"], seen_at=now)
        )


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for _ in range(50):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the webhook's writes
            break
        except sqlite3.OperationalError:  # another process is switching it at this moment
            time.sleep(0.05)
    # WAL + NORMAL: a committed job survives any crash of the service (the 202 promise); only a
    # power loss of the machine may lose the last commits. PostgreSQL for more.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
