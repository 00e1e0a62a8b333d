"""The job queue and webhook deliveries: jobs claimed under a lease, retried, superseded by newer
requests with the same key; the heads each pull request had when its reviews were queued."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from bot.store.database import Database
from bot.store.schema import DONE, QUEUED, RUNNING, SUPERSEDED, deliveries, jobs, pr_heads


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
    fence: int  # the job's fencing value when this worker claimed it (``jobs.fence``)


class QueueStore(Database):
    """Deliveries, jobs and pull request heads."""

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

    def enqueue(self, spec: JobSpec, delay: float = 0.0) -> None:
        """A job asked for by another job (not by a webhook): same supersede rule."""
        now = time.time()
        with self._write() as db:
            _queue(db, spec, now, run_after=now + delay)

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
                .values(state=RUNNING, worker=worker, lease_until=now + lease_seconds, attempts=jobs.c.attempts + 1,
                        fence=jobs.c.fence + 1)
                .returning(jobs.c.id, jobs.c.kind, jobs.c.payload, jobs.c.attempts, jobs.c.check_run_id, jobs.c.fence)
            ).first()
        if row is None:
            return None
        return Job(row.id, row.kind, json.loads(row.payload), row.attempts, row.check_run_id, row.fence)

    def release_all_running(self) -> int:
        """At start-up of a single-process (SQLite) service: whatever was running died with it."""
        with self._write() as db:
            return db.execute(update(jobs).where(jobs.c.state == RUNNING).values(state=QUEUED, worker=None)).rowcount

    def extend_lease(self, job_id: int, fence: int, lease_seconds: float) -> bool:
        """Compare and set: extend the lease only while the job is still running under ``fence``
        (the claim this worker made). False: another worker claimed it since, or it ended; the
        caller holds it no longer and must write nothing more. The heartbeat and the check before
        every write to GitHub (``bot.app.fencing``) both ask this: one UPDATE."""
        with self._write() as db:
            return bool(
                db.execute(
                    update(jobs)
                    .where(jobs.c.id == job_id, jobs.c.fence == fence, jobs.c.state == RUNNING)
                    .values(lease_until=time.time() + lease_seconds)
                ).rowcount
            )

    def set_check_run(self, job_id: int, check_run_id: int) -> None:
        with self._write() as db:
            db.execute(update(jobs).where(jobs.c.id == job_id).values(check_run_id=check_run_id))

    def finish_job(self, job_id: int, state: str = DONE, error: str | None = None, fence: int | None = None) -> None:
        """``fence``: only if this claim still holds the job (a stale worker must not end the new owner's run)."""
        with self._write() as db:
            db.execute(
                update(jobs)
                .where(jobs.c.id == job_id, *_held(fence))
                .values(state=state, last_error=error, finished_at=time.time(), lease_until=None)
            )

    def retry_job(self, job_id: int, error: str, delay: float, fence: int | None = None) -> None:
        with self._write() as db:
            db.execute(
                update(jobs)
                .where(jobs.c.id == job_id, *_held(fence))
                .values(state=QUEUED, last_error=error, run_after=time.time() + delay, worker=None)
            )

    def postpone_job(self, job_id: int, until: float, reason: str, fence: int | None = None) -> None:
        """Run the job again at ``until``; this claim does not count as an attempt (the job waited
        for GitHub, e.g. its rate limit, it did not fail). Fenced like ``retry_job``."""
        with self._write() as db:
            db.execute(
                update(jobs)
                .where(jobs.c.id == job_id, *_held(fence))
                .values(
                    state=QUEUED,
                    last_error=reason,
                    run_after=until,
                    worker=None,
                    lease_until=None,
                    attempts=jobs.c.attempts - 1,
                )
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


def _held(fence: int | None) -> tuple[ColumnElement[bool], ...]:
    """The condition that the claim holding ``fence`` still owns the job (none without a fence)."""
    return () if fence is None else (jobs.c.fence == fence, jobs.c.state == RUNNING)


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
