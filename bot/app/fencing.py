"""Fencing: a worker writes to GitHub only while the job is still its own.

A worker frozen past its lease (SIGSTOP, a long GC pause, a stalled VM) and then resumed would
otherwise publish after another worker took the job over: the check run completed twice, every
annotation doubled. Each claim increments the job's fence (``bot.store.queue``); before every
write (``bot.github.client.needs``) the worker asks the store to extend its lease under its own
fence value. If the store says no, ``LeaseLost`` stops the job quietly: the new owner publishes.
Renewing the lease at the check (rather than only reading it) keeps a rival from claiming the job
between the check and the write.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.store import Job, Store

if TYPE_CHECKING:  # the worker imports this module in the web process too: no GitHub client there
    from bot.github.client import BeforeWrite


class LeaseLost(Exception):
    """The job was claimed by another worker (or ended) since this one claimed it."""


def lease_guard(store: Store, job: Job, lease_seconds: float) -> BeforeWrite:
    """The check a job's ``RepoApi`` runs before each write to GitHub."""

    def confirm() -> None:
        if not store.extend_lease(job.id, job.fence, lease_seconds):
            raise LeaseLost(f"job {job.id} is no longer held by this worker (its fence {job.fence} is stale)")

    return confirm
