"""The job store on SQLite and on a real PostgreSQL (``MIGRATION_GUARD_TEST_POSTGRES_URL``)."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, text

from bot.store import JobSpec, Store, queue, sqlalchemy_url

POSTGRES = os.environ.get("MIGRATION_GUARD_TEST_POSTGRES_URL")


def postgres_schema_url() -> Iterator[str]:
    """A fresh schema per test on the shared server, dropped afterwards."""
    if not POSTGRES:
        pytest.skip("MIGRATION_GUARD_TEST_POSTGRES_URL is not set (CI sets it): PostgreSQL store tests skipped")
    schema = f"mg_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(sqlalchemy_url(POSTGRES))
    with admin.begin() as db:
        db.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in POSTGRES else "?"
    yield f"{POSTGRES}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as db:
        db.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
    else:
        yield from postgres_schema_url()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store(store_url)
    s.create_schema()
    yield s
    s.engine.dispose()


def spec(n: int = 1) -> JobSpec:
    return JobSpec("review", f"o/r#{n}", {"number": n})


def test_deliveries_are_recorded_once(store: Store) -> None:
    assert store.record_delivery("d1", "pull_request", spec()) == "queued"
    assert store.record_delivery("d1", "pull_request", spec()) == "duplicate"
    assert store.job_counts() == {"queued": 1}


def test_a_newer_request_supersedes_a_queued_one(store: Store) -> None:
    store.record_delivery("d1", "pull_request", spec())
    store.record_delivery("d2", "pull_request", spec())
    store.record_delivery("d3", "pull_request", spec(2))
    assert store.job_counts() == {"queued": 2, "superseded": 1}
    assert [j.payload["number"] for j in iter(lambda: store.claim_job("w", 30), None)] == [1, 2]


def test_concurrent_claims_take_each_job_once(store: Store) -> None:
    for n in range(40):
        store.record_delivery(f"d{n}", "pull_request", spec(n))
    claimed: list[int] = []
    lock = threading.Lock()

    def worker(name: str) -> None:
        while (job := store.claim_job(name, 30)) is not None:
            with lock:
                claimed.append(job.id)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == 40


def test_a_job_whose_lease_ran_out_is_claimed_again(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    # the queue's clock, moved by the test: a real 0.2 s lease ran out before the second claim on
    # a loaded machine, and the test failed for the machine's load, not the code
    clock = [time.time()]
    monkeypatch.setattr(queue, "time", SimpleNamespace(time=lambda: clock[0]))
    store.record_delivery("d1", "pull_request", spec())
    first = store.claim_job("dead-worker", 0.2)
    assert first is not None and store.claim_job("other", 30) is None
    store.set_check_run(first.id, 99)
    clock[0] += 0.3
    again = store.claim_job("other", 30)
    assert again is not None and (again.id, again.attempts, again.check_run_id) == (first.id, 2, 99)


def test_schema_setup_is_safe_when_replicas_start_together(store_url: str) -> None:
    errors: list[BaseException] = []

    def start() -> None:
        try:
            s = Store(store_url)
            s.create_schema()
            s.engine.dispose()
        except BaseException as exc:  # collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_caches_are_content_addressed(store: Store) -> None:
    store.put_blobs({"a" * 40: b"one"})
    store.put_blobs({"a" * 40: b"one", "b" * 40: b"two"})
    assert store.get_blobs(["a" * 40, "b" * 40, "c" * 40]) == {"a" * 40: b"one", "b" * 40: b"two"}


def test_an_overlong_migration_key_is_not_indexed_and_breaks_nothing(store: Store) -> None:
    """A 600-character Alembic revision id exceeds the column: PostgreSQL would refuse the row."""
    from bot.core.model import OpenPrMigration
    from bot.store import OpenPr

    long_key = "r" * 600
    store.remember_pr(
        OpenPr("o/r", 7, 1, "main", "a" * 40),
        [OpenPrMigration(7, "alembic", "migrations", long_key, (), "v/x.py"),
         OpenPrMigration(7, "alembic", "migrations", "abc", (), "v/y.py")],
    )  # fmt: skip
    assert [m.key for m in store.migrations_of_other_prs("o/r", "main", 8)] == ["abc"]


def test_one_job_per_pull_request_runs_at_a_time(store: Store) -> None:
    store.enqueue(JobSpec("review", "o/r#1", {"n": 1}))
    first = store.claim_job("w1", 60)
    assert first is not None
    store.enqueue(JobSpec("review", "o/r#1", {"n": 2}))  # a push while the first review runs
    store.enqueue(JobSpec("review", "o/r#2", {"n": 3}))
    other = store.claim_job("w2", 60)
    assert other is not None and other.payload == {"n": 3}  # another pull request is not held up
    assert store.claim_job("w2", 60) is None  # the second review of #1 waits for the first
    store.finish_job(first.id)
    second = store.claim_job("w2", 60)
    assert second is not None and second.payload == {"n": 2}


def test_check_runs_of_superseded_jobs_are_handed_out_once(store: Store) -> None:
    """A job resumed after a restart, then superseded by a newer push, left its check run open:
    the next job of the same pull request gets it to conclude, exactly once."""
    store.enqueue(JobSpec("review", "o/r#1", {"n": 1}))
    resumed = store.claim_job("w1", 60)
    assert resumed is not None
    store.set_check_run(resumed.id, 4242)
    assert store.release_all_running() == 1  # the restart
    store.enqueue(JobSpec("review", "o/r#1", {"n": 2}))  # the push supersedes it while queued
    newer = store.claim_job("w1", 60)
    assert newer is not None and newer.payload == {"n": 2}
    assert store.take_superseded_check_runs(newer.id) == [4242]
    assert store.take_superseded_check_runs(newer.id) == []


def test_a_claim_taken_over_can_neither_extend_nor_end_the_job(store: Store) -> None:
    """Each claim increments the job's fence; the stale claim's value no longer opens it."""
    store.enqueue(spec())
    stale = store.claim_job("host:1:0", -1.0)  # its lease has already run out
    assert stale is not None
    current = store.claim_job("host:1:0", 60)  # same name: a container restarted with the same host and pid
    assert current is not None and (stale.fence, current.fence) == (1, 2)
    assert store.extend_lease(stale.id, stale.fence, 600) is False
    store.finish_job(stale.id, fence=stale.fence)
    store.retry_job(stale.id, "stale", 0.0, fence=stale.fence)
    (row,) = store.job_rows()
    assert (row["state"], row["fence"], row["last_error"]) == ("running", 2, None)
    assert store.extend_lease(current.id, current.fence, 600) is True
    store.finish_job(current.id, fence=current.fence)
    assert store.extend_lease(current.id, current.fence, 600) is False  # ended: nobody holds it now
    assert [r["state"] for r in store.job_rows()] == ["done"]


def test_finished_jobs_and_old_deliveries_are_deleted_and_nothing_else(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import select, update

    from bot.store import retention
    from bot.store.schema import deliveries, jobs

    monkeypatch.setattr(retention, "BATCH", 2)  # several DELETEs, each bounded
    for n in range(1, 5):
        store.record_delivery(f"d{n}", "pull_request", spec(n))
    done, failed, running = (store.claim_job("w", 60) for _ in range(3))
    assert done and failed and running
    store.finish_job(done.id)
    store.finish_job(failed.id, "failed", "broke")
    store.record_delivery("d5", "pull_request", spec(4))  # supersedes the queued job of #4
    month = 30 * 86400
    with store.engine.begin() as db:  # everything but d5 happened a month ago
        db.execute(update(jobs).values(created_at=jobs.c.created_at - month,
                                       finished_at=jobs.c.finished_at - month))  # fmt: skip
        db.execute(update(deliveries).where(deliveries.c.id != "d5").values(received_at=deliveries.c.received_at - month))
    assert store.delete_finished(time.time() - 14 * 86400) == (3, 4)
    assert [(r["delivery_id"], r["state"]) for r in store.job_rows()] == [("d3", "running"), ("d5", "queued")]
    with store.engine.connect() as db:
        assert list(db.execute(select(deliveries.c.id)).scalars()) == ["d5"]
    assert store.record_delivery("d5", "pull_request", spec(4)) == "duplicate"
    assert store.delete_finished(time.time() - 14 * 86400) == (0, 0)
