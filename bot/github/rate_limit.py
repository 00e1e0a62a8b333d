"""GitHub's rate limits: a short wait is waited in place, a long one ends the call.

githubkit's own ``RetryRateLimit`` sleeps in the calling thread for as long as GitHub says, and
a primary limit's ``x-ratelimit-reset`` can be most of an hour away: the worker holding that job
then does nothing else, and with every worker asleep no other installation's pull request gets a
check run either. So a wait of at most ``WAIT_IN_PLACE_SECONDS`` is retried in place, as before;
a longer one raises githubkit's ``RateLimitExceeded`` and ``rate_limited_until`` tells the App
when to run the job again (``bot.app.throttle`` puts it back in the queue until then). GitHub's
answers: 403 or 429 with ``x-ratelimit-remaining: 0`` and ``x-ratelimit-reset: <epoch>``, or
with ``retry-after: <seconds>`` (a secondary limit).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from githubkit.exception import GitHubException, RateLimitExceeded, RequestError, RequestFailed
from githubkit.typing import RetryOption

log = logging.getLogger("migration_guard.github")

#: a rate-limit wait up to this long is slept in the worker; a longer one re-queues the job
WAIT_IN_PLACE_SECONDS = 5.0


class WaitBriefly:
    """Retry decision: retry a rate-limited call after GitHub's wait when that wait is short."""

    def __init__(self, max_seconds: float = WAIT_IN_PLACE_SECONDS, max_retry: int = 3) -> None:
        self.max_seconds = max_seconds
        self.max_retry = max_retry

    def __call__(self, exc: GitHubException, retry_count: int) -> RetryOption:
        if retry_count >= self.max_retry or not isinstance(exc, RateLimitExceeded):
            return RetryOption(False)
        wait = exc.retry_after.total_seconds()
        if wait > self.max_seconds:
            return RetryOption(False)  # the job waits in the queue instead (``rate_limited_until``)
        log.warning("GitHub's rate limit on %s %s: waiting %.0f s", exc.request.method, exc.request.url, wait)
        return RetryOption(True, timedelta(seconds=max(wait, 0.5)))  # githubkit waits 60 s on a zero delay


def answered(exc: BaseException) -> BaseException:
    """GitHub's own answer inside ``exc``: a refusal met inside githubkit's auth flow (asking for
    the installation token) comes wrapped in a ``RequestError``."""
    if isinstance(exc, RequestError) and not isinstance(exc, RequestFailed) and isinstance(exc.exc, RequestFailed):
        return exc.exc
    return exc


def rate_limited_until(exc: BaseException, now: float | None = None) -> float | None:
    """The time (epoch seconds) GitHub's rate limit lifts when ``exc`` is GitHub refusing a call
    for one, else ``None``. Never sooner than ``WAIT_IN_PLACE_SECONDS`` from now: a reset our clock
    puts in the past (skew) was already retried in place."""
    exc = answered(exc)
    if not isinstance(exc, RateLimitExceeded):
        return None
    now = time.time() if now is None else now
    headers = exc.response.headers
    until = now + exc.retry_after.total_seconds()
    try:
        if "retry-after" in headers:
            until = now + float(headers["retry-after"])
        elif "x-ratelimit-reset" in headers:
            until = float(headers["x-ratelimit-reset"])
    except ValueError:
        pass
    return max(until, now + WAIT_IN_PLACE_SECONDS)
