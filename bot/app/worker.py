"""Workers: claim a job, run it, record the outcome. At least once, never silently lost.

A job is claimed with a lease that a heartbeat extends while it runs; if the process dies,
the lease runs out and any worker (this process after a restart, or another replica) takes the
job again. Failures are retried with exponential backoff; after the last attempt the job's
check run is concluded with the reason, so no check stays ``in_progress``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from typing import Any

from bot.app.backoff import Backoff, one_line
from bot.app.fencing import LeaseLost
from bot.app.retention import Retention
from bot.app.throttle import Postpone
from bot.store import FAILED, Job, Store

log = logging.getLogger("migration_guard.worker")

Handler = Callable[[Job], None]
GiveUp = Callable[[Job, str], None]


class Workers:
    def __init__(
        self,
        store: Store,
        handlers: dict[str, Handler],
        give_up: GiveUp,
        *,
        count: int = 2,
        lease_seconds: float = 120.0,
        max_attempts: int = 5,
        retry_base_seconds: float = 2.0,
        poll_seconds: float = 0.5,
        wake_event: Any = None,
        retention: Retention | None = None,
    ) -> None:
        self.store = store
        self.handlers = handlers
        self.give_up = give_up
        self.count = count
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.retry_base_seconds = retry_base_seconds
        self.poll_seconds = poll_seconds
        self.retention = retention  # the sweep of finished jobs, run from the loop between jobs
        self._wake = wake_event if wake_event is not None else threading.Event()  # or a multiprocessing.Event
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.identity = f"{socket.gethostname()}:{os.getpid()}"

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._stop.clear()  # startable again after ``stop``
        self._threads = []
        for n in range(self.count):
            thread = threading.Thread(
                target=self._loop, args=(f"{self.identity}:{n}",), daemon=True, name=f"worker-{n}"
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)

    def _loop(self, worker: str) -> None:
        # A handler's failure is the job's (retried in ``run_one``); what reaches here is the store's
        # (claiming, sweeping, recording an outcome): wait it out, one line per step.
        outage = Backoff(log, "the store", first=self.poll_seconds)
        while not self._stop.is_set():
            try:
                if self.retention is not None:
                    self.retention.sweep_if_due()
                job = self.store.claim_job(worker, self.lease_seconds)
                if job is not None:
                    self.run_one(job, worker)
            except Exception as exc:
                self._stop.wait(outage.failed(exc))
                continue
            outage.succeeded()
            if job is None:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()

    def run_one(self, job: Job, worker: str) -> None:
        handler = self.handlers.get(job.kind)
        if handler is None:
            self.store.finish_job(job.id, FAILED, f"no handler for job kind {job.kind!r}")
            return
        if job.attempts > self.max_attempts:
            # Claimed again and again without ever finishing: each run killed its worker (a crash, an
            # out-of-memory kill). Park it with its check run concluded instead of killing the next one.
            reason = f"it stopped the worker running it {job.attempts - 1} times (crash or kill)"
            log.error("job %s parked: %s", job.id, reason)
            try:
                self.give_up(self._refreshed(job), reason)
            except Exception:
                log.exception("could not conclude the check run of job %s", job.id)
            self.store.finish_job(job.id, FAILED, reason, fence=job.fence)
            return
        beating = threading.Event()
        heartbeat = threading.Thread(target=self._heartbeat, args=(job, beating), daemon=True)
        heartbeat.start()
        try:
            handler(job)
        except Postpone as later:  # waits for GitHub (a long rate limit): back in the queue, no attempt used
            log.info("job %s postponed: %s", job.id, later)
            self.store.postpone_job(job.id, later.until, str(later), fence=job.fence)
        except LeaseLost:
            # Frozen past the lease, the job was claimed by another worker meanwhile: it publishes.
            log.warning("job %s: another worker took it over after this one's lease ran out; "
                        "stopping without writing to GitHub", job.id)  # fmt: skip
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            fresh = self._refreshed(job)
            if job.attempts < self.max_attempts:
                delay = self.retry_base_seconds * 2 ** (job.attempts - 1)
                log.warning("job %s attempt %s failed (%s); retry in %.1fs", job.id, job.attempts, reason, delay)
                self.store.retry_job(job.id, reason, delay, fence=job.fence)
            else:
                log.error("job %s failed for good after %s attempts: %s", job.id, job.attempts, reason)
                try:
                    self.give_up(fresh, reason)
                except LeaseLost:
                    log.warning("job %s: another worker took it over; leaving its check run to it", job.id)
                except Exception:
                    log.exception("could not conclude the check run of job %s", job.id)
                self.store.finish_job(job.id, FAILED, reason, fence=job.fence)
        else:
            self.store.finish_job(job.id, fence=job.fence)
        finally:
            beating.set()

    def _refreshed(self, job: Job) -> Job:
        """The job with the check run id a handler may have recorded meanwhile."""
        return Job(job.id, job.kind, job.payload, job.attempts, self.store.check_run_of(job.id), job.fence)

    def _heartbeat(self, job: Job, done: threading.Event) -> None:
        """Extend the lease while the job runs, under this claim's fence: once another worker holds
        the job, stop (extending it would keep the new owner's lease alive from here)."""
        while not done.wait(self.lease_seconds / 3):
            try:
                if not self.store.extend_lease(job.id, job.fence, self.lease_seconds):
                    log.warning("job %s: lease no longer held by this worker; heartbeat stopped", job.id)
                    return
            except Exception as exc:
                log.warning("cannot extend the lease of job %s: %s", job.id, one_line(exc))
