"""The App reading a repository it does not trust and a GitHub that fails: the first review of a
big repository survives a failed archive download, and what was read is kept for the next attempt."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_harness import Harness
from tests.github_double import wait_for
from tests.gitrepo_factory import Repo
from tests.test_app_review import GOOSE, M
from tests.test_reading_limits import FOREIGN_COMMIT, add_gitlink

#: generous bounds: the machine is shared, and a review reading 60 blobs one by one takes seconds
SETTLE = 300.0


@pytest.fixture
def app(tmp_path: Path, repo: Repo) -> Iterator[Harness]:
    harness = Harness(tmp_path, repo)
    yield harness
    harness.close()


def _history(repo: Repo, count: int) -> None:
    """``count`` migrations on main (over the 40 uncached files that make the App ask for the
    tarball), and a branch adding one more."""
    for n in range(1, count + 1):
        repo.write(f"{M}/{n:05d}_t{n}.sql", GOOSE.format(t=f"t{n}"))
    repo.commit("history").branch("feature")
    repo.write(f"{M}/{count + 1:05d}_t{count + 1}.sql", GOOSE.format(t=f"t{count + 1}")).commit("one more")


def _completed(app: Harness) -> dict:
    """The one check run once it is completed and its job has finished."""
    wait_for(lambda: any(r["status"] == "completed" for r in app.double.check_runs.values()), SETTLE, "the review")
    app.settle(timeout=SETTLE)
    return app.check_run()


def test_a_failed_archive_download_falls_back_to_blobs_one_by_one(app: Harness, repo: Repo) -> None:
    """The tarball answers 404 (as it did for a 20,000-migration repository): the review reads the
    history blob by blob, completes, and caches it, so the next event reads nothing again."""
    _history(repo, 60)
    app.double.fail("GET", r"/tarball/", status=404, times=10, body={"message": "Not Found"})  # every attempt
    app.open(1)
    run = _completed(app)

    assert (run["conclusion"], run["output"]["title"]) == ("success", "No problems in 1 changed migration")
    assert [c.status for c in app.double.requests("GET", r"/tarball/")] == [404]
    blob_reads = app.double.requests("GET", r"/git/blobs/")
    assert len(blob_reads) == 61 and {c.status for c in blob_reads} == {200}
    assert [job["state"] for job in app.service.store.job_rows()] == ["done"]

    app.double.calls.clear()
    app.send("pull_request", app.pr_event("synchronize", 1))
    app.settle(timeout=SETTLE)
    assert app.double.requests("GET", r"/git/blobs/") == [] and app.double.requests("GET", r"/tarball/") == []


def test_blobs_read_before_an_attempt_failed_are_kept_for_the_next(app: Harness, repo: Repo) -> None:
    """No archive, and one blob that GitHub keeps failing (500 through every retry): that attempt
    fails, but the blobs it did read are stored as they arrived, so the retry asks only for the rest."""
    _history(repo, 60)
    app.double.fail("GET", r"/tarball/", status=404, times=10, body={"message": "Not Found"})
    stubborn = app.double.git("rev-parse", f"main:{M}/00030_t30.sql").strip()
    app.double.fail("GET", rf"/git/blobs/{stubborn}$", status=500, times=4)  # the first try and 3 retries
    app.open(1)
    run = _completed(app)

    assert (run["conclusion"], run["output"]["title"]) == ("success", "No problems in 1 changed migration")
    assert [c.status for c in app.double.requests("GET", rf"/git/blobs/{stubborn}$")] == [500, 500, 500, 500, 200]
    read = Counter(c.path for c in app.double.requests("GET", r"/git/blobs/") if c.status == 200)
    assert len(read) == 61 and set(read.values()) == {1}  # no blob read twice
    assert [job["attempts"] for job in app.service.store.job_rows()] == [2]


def test_a_submodule_named_like_a_migration_is_noted_not_fetched(app: Harness, repo: Repo) -> None:
    """The trees API lists a submodule as an item of type ``commit``; the pull request's files list
    it with that commit's SHA, which no blob call can answer. As in the CLI: a note, the rest checked."""
    repo.write(f"{M}/00001_a.sql", GOOSE.format(t="a")).commit().branch("feature")
    repo.write(f"{M}/00002_b.sql", "-- +goose Up\nCREATE TABLE b (id int);\n").commit()
    add_gitlink(repo, f"{M}/00003_vendored.sql")
    app.open(1)
    run = _completed(app)

    assert (run["conclusion"], [a["title"] for a in run["annotations"]]) == ("failure", ["missing-rollback"])
    assert f"`{M}/00003_vendored.sql` is a submodule (a commit of another repository), not a migration: not checked." in (
        run["output"]["summary"]
    )
    assert app.double.requests("GET", rf"/git/blobs/{FOREIGN_COMMIT}") == []
    assert [job["attempts"] for job in app.service.store.job_rows()] == [1]


def test_a_configuration_file_over_1_mb_concludes_failure_naming_it(app: Harness, repo: Repo) -> None:
    repo.write(".github/migration-guard.yml", "# padding\n" * 110_000)
    repo.write(f"{M}/00001_a.sql", GOOSE.format(t="a")).commit().branch("feature")
    repo.write(f"{M}/00002_b.sql", GOOSE.format(t="b")).commit()
    config_blob = app.double.git("rev-parse", "main:.github/migration-guard.yml").strip()
    app.open(1)
    run = _completed(app)

    assert app.double.requests("GET", rf"/git/blobs/{config_blob}$") == []  # refused from the tree's size
    assert (run["conclusion"], run["output"]["title"]) == ("failure", "Invalid .github/migration-guard.yml")
    assert (
        "    .github/migration-guard.yml: 1,100,000 bytes, over the 1 MB (1,000,000 bytes) a configuration file may "
        "have\n" in run["output"]["summary"]
    )


def test_a_configuration_nested_thousands_deep_concludes_failure_naming_it(app: Harness, repo: Repo) -> None:
    repo.write(".github/migration-guard.yml", "dialect: " + "[" * 20_000 + "]" * 20_000 + "\n")
    repo.write(f"{M}/00001_a.sql", GOOSE.format(t="a")).commit().branch("feature")
    repo.write(f"{M}/00002_b.sql", GOOSE.format(t="b")).commit()
    app.open(1)
    run = _completed(app)

    assert (run["conclusion"], run["output"]["title"]) == ("failure", "Invalid .github/migration-guard.yml")
    assert (
        "    .github/migration-guard.yml: nested too deeply to be read (a configuration is a few levels deep)\n"
        in run["output"]["summary"]
    )
    assert [job["attempts"] for job in app.service.store.job_rows()] == [1]


def test_a_file_over_10_mib_is_refused_from_the_trees_size_never_fetched(app: Harness, repo: Repo) -> None:
    """The trees API gives each blob's ``size``: a 12 MiB file is reported without its blob call
    (GitHub's blob API would send 16 MB of base64 for it)."""
    repo.write(f"{M}/00001_a.sql", GOOSE.format(t="a")).commit().branch("feature")
    size = 12 * 1024 * 1024
    repo.write(f"{M}/00002_huge.sql", b"\0" * size)
    repo.write(f"{M}/00003_b.sql", GOOSE.format(t="b")).commit()
    huge = app.double.git("rev-parse", f"feature:{M}/00002_huge.sql").strip()
    app.open(1)
    run = _completed(app)

    assert run["conclusion"] == "failure"
    (annotation,) = run["annotations"]
    assert (annotation["title"], annotation["path"]) == ("unparsable-migration", f"{M}/00002_huge.sql")
    assert f"{size:,} bytes, over the 10 MiB a migration may have: not read" in annotation["message"]
    assert app.double.requests("GET", rf"/git/blobs/{huge}$") == []
    assert len(app.double.requests("GET", r"/git/blobs/")) == 2  # the two small migrations
