"""Jobs wait out GitHub's rate limit in the queue, not in a worker.

A rate limit belongs to one installation: its reset can be most of an hour away, and a worker
sleeping through it (githubkit's way) holds a worker from every other installation's pull
requests and looks healthy meanwhile. So a job that GitHub refuses for a long rate limit is put
back in the queue until the reset (``Postpone``; the claim does not count as one of its
``max_attempts``: it waited, it did not fail), the installation is marked throttled in the store
(shared by every process and replica: ``/healthz`` reports it), and a job of the same
installation claimed before the reset is put back at once, without spending a call. Other
installations' jobs run as usual. Short waits are still waited in place (``bot.github.rate_limit``).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable

from bot.store import Job, Store

log = logging.getLogger("migration_guard.throttle")

Handler = Callable[[Job], None]
#: says on GitHub that a job waits (its check run), best effort: ``(job, until)``
Announce = Callable[[Job, float], None]


class Postpone(Exception):
    """Raised by a handler: run this job again at ``until`` (epoch seconds); not a failure."""

    def __init__(self, until: float, reason: str) -> None:
        super().__init__(reason)
        self.until = until


def clock(until: float) -> str:
    """``14:05 UTC``: the minute the wait ends, rounded up (never says a time before the reset)."""
    minute = math.ceil(until / 60) * 60
    return dt.datetime.fromtimestamp(minute, dt.UTC).strftime("%H:%M UTC")


def waiting(until: float) -> str:
    return f"waiting for GitHub's API rate limit until {clock(until)}"


def throttled(handler: Handler, store: Store, announce: Announce | None = None) -> Handler:
    """``handler`` for jobs that call GitHub as their installation: postponed while it is throttled."""

    def run(job: Job) -> None:
        installation = job.payload.get("installation_id")
        if isinstance(installation, int):
            until = store.throttled_until(installation)
            if until is not None:
                raise Postpone(until, waiting(until))
        try:
            handler(job)
        except Postpone:
            raise
        except Exception as exc:
            from bot.github.rate_limit import rate_limited_until  # lazy: githubkit stays out of the web process

            until = rate_limited_until(exc)
            if until is None:
                raise
            log.warning("job %s: GitHub's rate limit for installation %s; %s", job.id, installation, waiting(until))
            if isinstance(installation, int):
                store.throttle(installation, until)
            if announce is not None:
                try:
                    announce(job, until)
                except Exception as failed:  # rate-limited too, most likely: the queue still waits
                    log.warning("could not say on GitHub that job %s waits: %s", job.id, type(failed).__name__)
            raise Postpone(until, waiting(until)) from exc

    return run
