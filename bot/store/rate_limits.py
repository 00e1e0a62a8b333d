"""Installations GitHub rate-limits, and until when: kept in the store because every worker
process and replica must see it (a job of a throttled installation waits without a call) and
``/healthz``, in the web process, reports it."""

from __future__ import annotations

import time

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.store.database import Database
from bot.store.schema import rate_limits


class RateLimitStore(Database):
    def throttle(self, installation_id: int, until: float) -> None:
        """GitHub refuses this installation's calls until ``until`` (epoch seconds); a later reset
        already recorded stands. Limits that have lifted are deleted on the way."""
        now = time.time()
        for _ in range(2):  # two processes inserting at once: the loser updates
            try:
                with self._write() as db:
                    db.execute(delete(rate_limits).where(rate_limits.c.until < now))
                    done = db.execute(
                        update(rate_limits)
                        .where(rate_limits.c.installation_id == installation_id, rate_limits.c.until < until)
                        .values(until=until, updated_at=now)
                    ).rowcount
                    exists = db.execute(
                        select(rate_limits.c.installation_id).where(rate_limits.c.installation_id == installation_id)
                    ).first()
                    if not done and exists is None:
                        db.execute(insert(rate_limits).values(installation_id=installation_id, until=until,
                                                              updated_at=now))  # fmt: skip
                return
            except IntegrityError:
                continue

    def throttled_until(self, installation_id: int) -> float | None:
        """When the installation's rate limit lifts, if it has not yet."""
        with self.engine.connect() as db:
            until = db.execute(
                select(rate_limits.c.until).where(
                    rate_limits.c.installation_id == installation_id, rate_limits.c.until > time.time()
                )
            ).scalar()
        return None if until is None else float(until)

    def throttled(self) -> dict[int, float]:
        """installation id -> when its rate limit lifts, for every installation limited now."""
        with self.engine.connect() as db:
            rows = db.execute(
                select(rate_limits.c.installation_id, rate_limits.c.until)
                .where(rate_limits.c.until > time.time())
                .order_by(rate_limits.c.installation_id)
            ).all()
        return {int(row.installation_id): float(row.until) for row in rows}
