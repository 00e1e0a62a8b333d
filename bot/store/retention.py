"""Deleting finished jobs and old deliveries (``bot.app.retention`` decides when)."""

from __future__ import annotations

from sqlalchemy import Delete, delete, select

from bot.store.database import Database
from bot.store.schema import DONE, FAILED, SUPERSEDED, deliveries, jobs

#: rows per DELETE: the first sweep of a table that grew for months must not hold SQLite's one
#: write lock (and the webhook's 202 behind it) for seconds; later sweeps fit in one statement
BATCH = 5000


class RetentionStore(Database):
    """What the retention sweep deletes."""

    def delete_finished(self, before: float) -> tuple[int, int]:
        """Delete jobs that finished before ``before`` (queued and running jobs stay, whatever their
        age) and deliveries received before it; (jobs deleted, deliveries deleted)."""
        finished = select(jobs.c.id).where(jobs.c.state.in_([DONE, FAILED, SUPERSEDED]), jobs.c.finished_at < before)
        old = select(deliveries.c.id).where(deliveries.c.received_at < before)
        return (
            self._delete_in_batches(delete(jobs).where(jobs.c.id.in_(finished.limit(BATCH)))),
            self._delete_in_batches(delete(deliveries).where(deliveries.c.id.in_(old.limit(BATCH)))),
        )

    def _delete_in_batches(self, statement: Delete) -> int:
        """One DELETE of at most ``BATCH`` rows per transaction, until fewer remain."""
        total = 0
        while True:
            with self._write() as db:
                count = db.execute(statement).rowcount
            total += count
            if count < BATCH:
                return total
