"""Workers over time: a worker that lost its lease publishes nothing (the job's fence), a store
that is down is retried with a backoff in one line per step, finished jobs are deleted after the
retention period."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import select, update

from bot.app.backoff import Backoff
from bot.app.retention import Retention
from bot.app.serve import build_workers
from bot.store import Store
from bot.store.schema import deliveries, jobs
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
    # "still the head?", just before publishing (the first GET of the pull request reads its changed_files)
    frozen = app.double.hold("GET", r"/pulls/1$", skip=1)
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


def test_a_store_that_is_down_is_retried_with_a_backoff_in_one_line_per_step(
    tmp_path: Path, repo: Repo, caplog: pytest.LogCaptureFixture
) -> None:
    """The database goes away: each attempt is one warning (no traceback), the waits double; when
    it is back the worker says so and reviews again."""
    caplog.set_level(logging.INFO, logger="migration_guard.worker")
    collision(repo)
    home = tmp_path / "db"
    home.mkdir()
    app = Harness(tmp_path, repo, database_url=f"sqlite:///{home / 'service.sqlite3'}")
    try:
        caplog.clear()
        home.rename(tmp_path / "db-away")  # the database is gone ...
        app.service.store.engine.dispose()  # ... and so is every connection to it

        def lines() -> list[logging.LogRecord]:
            return [r for r in caplog.records if r.name == "migration_guard.worker"]

        wait_for(lambda: len(lines()) >= 3, 120, "three failed attempts")
        first = lines()[:3]
        assert [(r.levelname, r.exc_info, "\n" in r.getMessage()) for r in first] == [("WARNING", None, False)] * 3
        pattern = r"the store is unavailable \(OperationalError: \(sqlite3\.OperationalError\) unable to open database file\); retrying in (\S+) s"
        assert [re.fullmatch(pattern, r.getMessage()).group(1) for r in first] == ["0.5", "1", "2"]  # type: ignore[union-attr]

        (tmp_path / "db-away").rename(home)  # back
        back = wait_for(lambda: [r for r in lines() if "is back" in r.getMessage()], 120, "the store to be back")
        failed = len(lines()) - 1
        assert [r.getMessage() for r in back] == [f"the store is back after {failed} failed attempts"]  # 3 or more
        app.open(1)
        app.settle(timeout=120)
        assert app.check_run()["status"] == "completed"
    finally:
        app.close()


def test_a_store_lost_in_the_middle_of_a_job_does_not_kill_the_worker(
    tmp_path: Path, repo: Repo, caplog: pytest.LogCaptureFixture
) -> None:
    """The database goes away while a review waits on GitHub: recording the outcome fails too. The
    worker waits the outage out (before, its thread died and the process reviewed nothing more);
    once the job's lease lapses it is taken again and completed once."""
    caplog.set_level(logging.INFO, logger="migration_guard.worker")
    collision(repo)
    home = tmp_path / "db"
    home.mkdir()
    app = Harness(tmp_path, repo, database_url=f"sqlite:///{home / 'service.sqlite3'}", job_lease_seconds=3600.0)
    try:
        waiting = app.double.hold("GET", r"/pulls/1$")
        app.open(1)
        wait_for(waiting.arrived.is_set, 120, "the review to reach GitHub")
        home.rename(tmp_path / "db-away")
        app.service.store.engine.dispose()
        waiting.released.set()
        wait_for(lambda: "the store is unavailable" in caplog.text, 120, "the worker to wait for the store")
        (tmp_path / "db-away").rename(home)
        wait_for(lambda: "the store is back" in caplog.text, 120, "the store to be back")
        assert all(thread.is_alive() for thread in app.service.workers._threads)
        with app.service.store.engine.begin() as db:  # the interrupted run's lease lapses
            db.execute(update(jobs).values(lease_until=0.0))
        app.service.workers.wake()
        app.settle(timeout=120)
        run = app.check_run()
        assert (run["status"], run["conclusion"], len(run["annotations"])) == ("completed", "failure", 3)
        assert len([c for c in app.double.requests("PATCH", r"/check-runs/") if "conclusion" in c.body]) == 1
    finally:
        app.close()


def test_backoff_doubles_up_to_30_seconds() -> None:
    backoff = Backoff(logging.getLogger("test"), "the store", first=0.5)
    assert [backoff.failed(OSError("down")) for _ in range(9)] == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]
    backoff.succeeded()
    assert backoff.failed(OSError("down again")) == 0.5


def test_finished_jobs_and_deliveries_are_deleted_after_the_retention_period(
    app: Harness, repo: Repo, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="migration_guard.retention")
    collision(repo)
    app.double.open_pr(1, "main", "feature")
    assert app.send("pull_request", app.pr_event("opened", 1), delivery="old").status_code == 202
    app.settle(timeout=120)
    assert app.send("pull_request", app.pr_event("synchronize", 1), delivery="recent").status_code == 202
    app.settle(timeout=120)
    fortnight_and_a_day = 15 * 86400
    with app.service.store.engine.begin() as db:  # the first review finished 15 days ago
        db.execute(update(jobs).where(jobs.c.delivery_id == "old").values(finished_at=jobs.c.finished_at - fortnight_and_a_day))
        db.execute(update(deliveries).where(deliveries.c.id == "old").values(received_at=deliveries.c.received_at - fortnight_and_a_day))

    app.service.workers.stop(timeout=120)
    app.service.workers = build_workers(app.settings, app.service.store)  # a new worker process
    app.service.workers.start()  # sweeps when it starts, then once an hour

    def delivery_ids() -> list[str]:
        with app.service.store.engine.connect() as db:
            return list(db.execute(select(deliveries.c.id).order_by(deliveries.c.id)).scalars())

    wait_for(lambda: "old" not in delivery_ids(), 120, "the sweep")
    assert [(j["delivery_id"], j["state"]) for j in app.service.store.job_rows()] == [("recent", "done")]
    assert delivery_ids() == ["recent"]
    assert app.send("pull_request", app.pr_event("synchronize", 1), delivery="recent").status_code == 200  # still deduped
    assert "deleted 1 finished jobs and 1 deliveries older than 14 days" in caplog.text


def test_each_worker_process_sweeps_when_it_starts_then_once_an_hour() -> None:
    cutoffs: list[float] = []

    class Rows:
        def delete_finished(self, before: float) -> tuple[int, int]:
            cutoffs.append(before)
            return 0, 0

    now = [0.0]
    retention = Retention(cast(Store, Rows()), keep_seconds=14 * 86400, clock=lambda: now[0])
    retention.sweep_if_due()
    retention.sweep_if_due()
    now[0] = 3599.0
    retention.sweep_if_due()
    assert len(cutoffs) == 1 and abs(cutoffs[0] - (time.time() - 14 * 86400)) < 3600
    now[0] = 3600.0
    retention.sweep_if_due()
    assert len(cutoffs) == 2
