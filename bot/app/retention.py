"""Deleting what the service no longer needs: finished jobs and old delivery ids.

Without it the ``jobs`` and ``deliveries`` tables grow with every webhook, forever. Each worker
sweeps when it starts and then at most once an hour: finished jobs (done, failed, superseded)
and deliveries older than ``MIGRATION_GUARD_JOB_RETENTION_DAYS`` (14 days) go. Delivery ids are
kept as long, so a redelivery is still recognised as a duplicate: GitHub redelivers for 3 days.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot.store import Store

log = logging.getLogger("migration_guard.retention")

#: how often one worker sweeps; several workers and replicas each sweep: the DELETE is cheap
EVERY_SECONDS = 3600.0


class Retention:
    """One worker process's sweeps, shared by its threads."""

    def __init__(self, store: Store, keep_seconds: float, every: float = EVERY_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.store, self.keep_seconds, self.every, self.clock = store, keep_seconds, every, clock
        self._last: float | None = None
        self._lock = threading.Lock()

    def sweep_if_due(self) -> None:
        """Sweep now if this process has not in the last ``every`` seconds (or ever). Raises what
        the store raises: the worker's loop waits it out; the sweep is tried again next time."""
        with self._lock:
            if self._last is not None and self.clock() - self._last < self.every:
                return
            jobs, deliveries = self.store.delete_finished(time.time() - self.keep_seconds)
            self._last = self.clock()
        if jobs or deliveries:
            log.info("deleted %s finished jobs and %s deliveries older than %g days",
                     jobs, deliveries, self.keep_seconds / 86400)  # fmt: skip
