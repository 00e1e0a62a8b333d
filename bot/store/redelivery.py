"""What the scan for missed webhook deliveries has already looked at (``bot.app.redeliver``).

GitHub keeps a list of every delivery it attempted, newest first, with ids that only grow. The
scan remembers the newest id it has dealt with, so the next scan (a restart, or the next round
a few minutes later) reads only what came after it instead of the whole list again.
"""

from __future__ import annotations

import time

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.store.database import Database
from bot.store.schema import deliveries, redelivery_scan


class RedeliveryStore(Database):
    def redelivery_horizon(self) -> int | None:
        """The newest GitHub delivery id an earlier scan dealt with; None before the first scan."""
        with self.engine.connect() as db:
            return db.execute(select(redelivery_scan.c.newest_delivery_id).where(redelivery_scan.c.id == 1)).scalar()

    def advance_redelivery_horizon(self, newest_delivery_id: int) -> None:
        """Remember ``newest_delivery_id`` (never moving back: two scans that overlap keep the larger)."""
        for _attempt in range(2):
            try:
                with self._write() as db:
                    if db.execute(select(redelivery_scan.c.id)).first() is None:
                        db.execute(insert(redelivery_scan).values(id=1, newest_delivery_id=newest_delivery_id,
                                                                  scanned_at=time.time()))  # fmt: skip
                    else:
                        db.execute(update(redelivery_scan)
                                   .where(redelivery_scan.c.newest_delivery_id < newest_delivery_id)
                                   .values(newest_delivery_id=newest_delivery_id, scanned_at=time.time()))  # fmt: skip
                return
            except IntegrityError:  # another replica wrote the first row meanwhile: update it instead
                continue

    def recorded_deliveries(self, guids: list[str]) -> set[str]:
        """Which of these ``X-GitHub-Delivery`` values the front door has recorded (they queued a job)."""
        if not guids:
            return set()
        with self.engine.connect() as db:
            return set(db.execute(select(deliveries.c.id).where(deliveries.c.id.in_(guids))).scalars())
