"""Deliveries missed while the service was down are asked for again.

GitHub does not retry a webhook the service failed to answer (down, restarting, unreachable), so
a pull request opened meanwhile would never get its check run, and a required check would block
it for good. At start and every ``redelivery_interval_seconds`` a job (kind ``redeliver``, one
queued at a time: every replica enqueues it under the same key, and a key's jobs run one at a
time, so only one replica scans) reads the App's delivery list, newest first, down to the newest
delivery an earlier scan dealt with (kept in the store), and asks GitHub to redeliver each one
that failed. Not asked: one the front door recorded anyway (its ``X-GitHub-Delivery`` is in the
store: GitHub gave up waiting, the job is queued), one with a later attempt that succeeded, and
one the service refused on purpose (a bad signature or payload gets the same answer again).
The scan is bounded: at most ``MAX_PAGES`` pages, nothing older than GitHub redelivers (3 days).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.github.hook_deliveries import PER_PAGE, HookDelivery, deliveries, redeliver
from bot.store import JobSpec, Store

if TYPE_CHECKING:
    from githubkit import GitHub

log = logging.getLogger("migration_guard.redeliver")
KIND = "redeliver"  # ``bot.app.serve`` queues the first one at start
SPEC = JobSpec(KIND, KIND, {})  # one key for every replica: one scan queued and running at a time
MAX_PAGES = 10  # 1,000 attempts a scan at most
MAX_AGE = dt.timedelta(days=3)  # GitHub redelivers nothing older
#: what the front door answers to a body it will never accept; the same bytes get the same answer
REFUSED_ON_PURPOSE = frozenset({400, 401, 413, 422})


def missed(attempts: list[HookDelivery], recorded: set[str]) -> list[HookDelivery]:
    """The newest failed attempt of each event that never got through, in the list's order."""
    through = {a.guid for a in attempts if not a.failed} | recorded
    chosen: dict[str, HookDelivery] = {}
    for attempt in attempts:
        if attempt.failed and attempt.status_code not in REFUSED_ON_PURPOSE and attempt.guid not in through:
            chosen.setdefault(attempt.guid, attempt)
    return list(chosen.values())


def scan(app: GitHub, store: Store, now: dt.datetime | None = None) -> list[HookDelivery]:
    """Read the attempts since the last scan, ask for the missed ones again; what was asked."""
    horizon = store.redelivery_horizon()
    oldest = (now or dt.datetime.now(dt.UTC)) - MAX_AGE
    seen: list[HookDelivery] = []
    for attempt in deliveries(app):
        if (horizon is not None and attempt.id <= horizon) or attempt.delivered_at < oldest:
            break
        seen.append(attempt)
        if len(seen) >= MAX_PAGES * PER_PAGE:
            log.warning("redelivery scan stopped after %s attempts (the bound); older ones are not looked at",
                        len(seen))  # fmt: skip
            break
    asked = missed(seen, store.recorded_deliveries(sorted({a.guid for a in seen})))
    for attempt in asked:
        redeliver(app, attempt.id)
        log.info("asked GitHub to redeliver %s %s (delivery %s, %s)", attempt.event, attempt.action or "",
                 attempt.guid, attempt.delivered_at.isoformat())  # fmt: skip
    if seen:
        store.advance_redelivery_horizon(max(a.id for a in seen))
    log.info("redelivery scan: %s attempts read, %s redelivery asked", len(seen), len(asked))
    return asked


def run_redelivery_scan(app: GitHub, store: Store, interval: float, enqueue: Callable[[JobSpec, float], None]) -> None:
    """The job: one scan, then the next one queued ``interval`` seconds on. A failed scan (GitHub
    down) says so in one line and leaves the horizon where it was; the next round reads it again."""
    try:
        scan(app, store)
    except Exception as exc:
        log.warning("redelivery scan failed (%s: %s); next one in %.0f s", type(exc).__name__, exc, interval)
    finally:
        enqueue(SPEC, interval)
