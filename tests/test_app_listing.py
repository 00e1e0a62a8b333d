"""A pull request GitHub cannot list whole: the App never decides from a truncated file list."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_harness import Harness
from tests.gitrepo_factory import Repo
from tests.test_app_review import GOOSE, M


@pytest.fixture
def app(tmp_path: Path, repo: Repo) -> Iterator[Harness]:
    harness = Harness(tmp_path, repo)
    yield harness
    harness.close()


def many_docs_and_a_drop(repo: Repo) -> Repo:
    repo.write(f"{M}/00001_users.sql", GOOSE.format(t="users").replace("id int", "id int, name text")).commit()
    repo.branch("feature")
    for n in range(3049):
        repo.write(f"a-docs/page{n:04d}.md", f"page {n}\n")
    repo.write(f"{M}/00002_drop_name.sql", "-- +goose Up\nSELECT 1;\nALTER TABLE users DROP COLUMN name;\n")
    return repo.commit("docs and a migration")


@pytest.mark.git
def test_the_cli_reads_every_file_of_a_large_change(repo: Repo) -> None:
    """The CLI and the Action read the change from git, which lists every file."""
    many_docs_and_a_drop(repo)
    outcome = repo.check("--base", "main")
    assert outcome.code == 1
    assert outcome.found_for("missing-rollback", "ban-drop-column") == [
        ("missing-rollback", f"{M}/00002_drop_name.sql", 1),
        ("ban-drop-column", f"{M}/00002_drop_name.sql", 3),
    ]


@pytest.mark.app
@pytest.mark.slow
def test_a_migration_past_githubs_3000_listed_files_is_still_reviewed(app: Harness, repo: Repo) -> None:
    """3,049 documentation files sort before `db/`'s one migration, which drops a column and has
    no Down: GitHub lists 3,000 files, and the review concluded success, "No migration changed"."""
    many_docs_and_a_drop(repo)

    app.open(1)
    app.settle(timeout=600)

    run = app.check_run()
    assert (run["status"], run["conclusion"]) == ("completed", "failure")
    assert [(a["path"], a["start_line"], a["title"]) for a in run["annotations"] if a["annotation_level"] == "failure"] == [
        (f"{M}/00002_drop_name.sql", 1, "missing-rollback"),
    ]
    assert (f"{M}/00002_drop_name.sql", 3, "ban-drop-column") in [
        (a["path"], a["start_line"], a["title"]) for a in run["annotations"]
    ]
    assert (
        "GitHub listed 3,000 of this pull request's 3,050 changed files (it lists at most 3,000): every change was "
        "derived from the trees of the merge base and the head instead."
    ) in run["output"]["summary"]
    # the lines of a file GitHub did not list come from a diff of its blobs: comments still land inline
    (review,) = [c.body for c in app.double.requests("POST", r"/pulls/1/reviews$")]
    assert {(c["path"], c["line"]) for c in review["comments"]} >= {(f"{M}/00002_drop_name.sql", 3)}


@pytest.mark.app
def test_a_listing_that_disagrees_with_changed_files_is_not_trusted(app: Harness, repo: Repo) -> None:
    """GitHub's count of changed files is the check: a short list is completed from the trees."""
    repo.write(f"{M}/00001_users.sql", GOOSE.format(t="users")).commit().branch("feature")
    repo.write("README.md", "docs\n")
    repo.write(f"{M}/00002_orders.sql", "-- +goose Up\nCREATE TABLE orders (id int);\n").commit()
    app.double.open_pr(1, "main", "feature")
    app.double.fail("GET", r"/pulls/1/files$", status=200, times=1, body=[])  # an empty page, as if cut short

    app.send("pull_request", app.pr_event("opened", 1))
    app.settle(timeout=300)

    run = app.check_run()
    assert (run["conclusion"], [a["title"] for a in run["annotations"]]) == ("failure", ["missing-rollback"])
    assert "GitHub listed 0 of this pull request's 2 changed files" in run["output"]["summary"]
