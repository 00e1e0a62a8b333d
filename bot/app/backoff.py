"""Waiting out a store that is down, in one log line per step.

Retrying a lost database every poll (half a second) with a full traceback each time filled 36 MB
of logs an hour and hid the one line that mattered. A worker instead waits twice as long after
each failure, up to 30 s, says so in one line naming the error, and says when the store is back.
"""

from __future__ import annotations

import logging

#: the longest wait between two attempts: a store that comes back is noticed within this
MOST_SECONDS = 30.0
#: an error's first line is enough to say what is wrong; SQLAlchemy appends SQL and a link
MAX_REASON_CHARS = 300


def one_line(exc: BaseException) -> str:
    """``Type: first line of the message``, cut: what a log line needs, never a traceback."""
    lines = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 1] + "…"


def _seconds(delay: float) -> str:
    return f"{delay:g} s"


class Backoff:
    """The delays of one worker's retries: ``first``, doubled after each failure, at most ``most``."""

    def __init__(self, log: logging.Logger, what: str, first: float, most: float = MOST_SECONDS) -> None:
        self.log, self.what, self.first, self.most = log, what, first, most
        self.failures = 0

    def failed(self, exc: BaseException) -> float:
        """Log one line for this failure; how long to wait before the next attempt."""
        delay = min(self.first * 2**self.failures, self.most)
        self.failures += 1
        self.log.warning("%s is unavailable (%s); retrying in %s", self.what, one_line(exc), _seconds(delay))
        return delay

    def succeeded(self) -> None:
        """After an outage, say that it ended (once)."""
        if self.failures:
            attempts = "1 failed attempt" if self.failures == 1 else f"{self.failures} failed attempts"
            self.log.warning("%s is back after %s", self.what, attempts)
            self.failures = 0
