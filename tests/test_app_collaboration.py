"""Collisions with other open pull requests, and re-checks when the base branch moves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_harness import Harness
from tests.github_double import example
from tests.gitrepo_factory import Repo
from tests.test_app_review import GOOSE, M


@pytest.fixture
def app(tmp_path: Path, repo: Repo) -> Iterator[Harness]:
    harness = Harness(tmp_path, repo)
    yield harness
    harness.close()


def two_branches_same_version(repo: Repo) -> Repo:
    repo.write(f"{M}/00001_users.sql", GOOSE.format(t="users")).commit()
    repo.branch("orders").write(f"{M}/00002_orders.sql", GOOSE.format(t="orders")).commit()
    repo.checkout("main").branch("tags").write(f"{M}/00002_tags.sql", GOOSE.format(t="tags")).commit()
    return repo


def conflicts(app: Harness, head_sha: str) -> list[str]:
    runs = [r for r in app.double.check_runs.values() if r["head_sha"] == head_sha]
    latest = max(runs, key=lambda r: r["id"])
    return [a["message"] for a in latest["annotations"] if a["title"] == "migration-conflicts-with-open-pr"]


def test_two_open_prs_adding_the_same_version_both_hear_of_it(app: Harness, repo: Repo) -> None:
    two_branches_same_version(repo)
    app.open(1, head="orders")
    app.settle()
    assert conflicts(app, app.double.pulls[1].head_sha) == []  # alone so far
    app.open(2, head="tags")
    app.settle()
    (message,) = conflicts(app, app.double.pulls[2].head_sha)
    assert message.startswith("#1 also adds version 2 (db/migrations/00002_orders.sql): whichever merges second")

    app.send("pull_request", app.pr_event("synchronize", 1))
    app.settle()
    (message,) = conflicts(app, app.double.pulls[1].head_sha)
    assert message.startswith("#2 also adds version 2 (db/migrations/00002_tags.sql)")
    assert app.check_run(app.double.pulls[2].head_sha)["conclusion"] == "neutral"


def test_alembic_children_of_the_same_parent(app: Harness, repo: Repo) -> None:
    rev = 'revision = "{r}"\ndown_revision = {p!r}\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    op.drop_table("x")\n'
    repo.write("alembic/env.py", "").write("alembic/versions/a1.py", rev.format(r="a1", p=None)).commit()
    repo.branch("one").write("alembic/versions/b2.py", rev.format(r="b2", p="a1")).commit()
    repo.checkout("main").branch("two").write("alembic/versions/c3.py", rev.format(r="c3", p="a1")).commit()
    app.open(1, head="one")
    app.settle()
    app.open(2, head="two")
    app.settle()
    assert conflicts(app, app.double.pulls[2].head_sha) == [
        "#1 also adds b2 after a1: whichever merges second must re-parent (two heads otherwise).\n\nFix: "
        "Agree with #1 who merges first; the other re-parents onto it or adds a merge migration."
    ]


def test_base_push_rechecks_open_prs_with_migrations(app: Harness, repo: Repo) -> None:
    two_branches_same_version(repo)
    app.open(1, head="orders")
    app.settle()
    runs_before = len(app.double.check_runs)
    # PR 2 merges: main now holds 00002_tags; PR 1 must turn red on its own.
    repo.checkout("main").git("merge", "-q", "--no-ff", "tags", "-m", "Merge #2")
    push = example("push", "with-installation.payload.json")
    push.update(ref="refs/heads/main", after=repo.git("rev-parse", "HEAD").strip(), deleted=False)
    push["repository"].update(name="shop", full_name="octo-org/shop")
    push["repository"]["owner"]["login"] = "octo-org"
    push["installation"] = {"id": 77, "node_id": "x"}
    app.double.calls.clear()
    assert app.send("push", push).status_code == 202
    app.settle()
    assert len(app.double.check_runs) == runs_before + 1
    latest = max(app.double.check_runs.values(), key=lambda r: r["id"])
    assert latest["head_sha"] == app.double.pulls[1].head_sha and latest["conclusion"] == "failure"
    assert [a["title"] for a in latest["annotations"]] == ["duplicate-migration-version"]
    calls = [c for c in app.double.calls if not c.path.startswith("/app/")]
    assert len(calls) <= 10  # what a base push costs per open pull request (with the head check and changed_files)


def test_push_to_a_branch_without_open_prs_is_ignored(app: Harness, repo: Repo) -> None:
    repo.commit("start")
    push = example("push", "with-installation.payload.json")
    push["repository"].update(name="shop", full_name="octo-org/shop")
    push["repository"]["owner"]["login"] = "octo-org"
    response = app.send("push", push)
    assert (response.status_code, response.json()["status"]) == (200, "ignored")
