"""Workers over time: a worker that lost its lease publishes nothing (the job's fence), a store
that is down is retried with a backoff in one line per step, finished jobs are deleted after the
retention period."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.store.schema import jobs
from tests.app_harness import Harness
from tests.github_double import wait_for
from tests.gitrepo_factory import Repo
from tests.test_app_review import collision


@pytest.fixture
def app(tmp_path: Path, repo: Repo) -> Iterator[Harness]:
    # a lease of an hour: the heartbeat (every 20 minutes) never runs during a test, so a lease
    # lapses only when the test says so
    harness = Harness(tmp_path, repo, workers=2, job_lease_seconds=3600.0)
    yield harness
    harness.close()


def test_a_worker_that_lost_its_lease_publishes_nothing(
    app: Harness, repo: Repo, caplog: pytest.LogCaptureFixture
) -> None:
    """Frozen in a GitHub call past its lease (SIGSTOP, a stalled VM), a worker resumes after
    another one took the job over and completed the check run: it must not complete it again."""
    caplog.set_level(logging.WARNING, logger="migration_guard.worker")
    collision(repo)
    frozen = app.double.hold("GET", r"/pulls/1$")  # "still the head?", just before publishing
    app.open(1)
    wait_for(frozen.arrived.is_set, 120, "the first worker to reach GitHub")
    with app.service.store.engine.begin() as db:  # the frozen worker's lease runs out
        db.execute(update(jobs).values(lease_until=0.0))
    app.service.workers.wake()
    wait_for(lambda: [j["state"] for j in app.service.store.job_rows()] == ["done"], 120, "the other worker")
    run = app.check_run()
    assert (run["status"], run["conclusion"], len(run["annotations"])) == ("completed", "failure", 3)

    before = len(app.double.calls)
    frozen.released.set()  # the frozen worker resumes where it stopped
    app.service.workers.stop(timeout=120)
    assert not any(thread.is_alive() for thread in app.service.workers._threads)
    # its held call is answered; then it writes nothing: no PATCH, no review, no comment
    assert [(c.method, c.path) for c in app.double.calls[before:]] == [("GET", "/repos/octo-org/shop/pulls/1")]
    completions = [c for c in app.double.requests("PATCH", r"/check-runs/") if "conclusion" in c.body]
    assert len(completions) == 1
    assert len(app.check_run()["annotations"]) == 3
    assert len(app.double.reviews[1]) == 1
    (row,) = app.service.store.job_rows()
    assert (row["state"], row["attempts"], row["fence"]) == ("done", 2, 2)
    lost = [r for r in caplog.records if "took it over" in r.getMessage()]
    assert [(r.levelname, r.exc_info) for r in lost] == [("WARNING", None)]  # one line, no traceback
