"""The GitHub App end to end: webhooks in, check runs and reviews out, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.store.schema import parsed
from tests.app_harness import Harness
from tests.gitrepo_factory import Repo

GOOSE = "-- +goose Up\nCREATE TABLE {t} (id int);\n\n-- +goose Down\nDROP TABLE {t};\n"
M = "db/migrations"


@pytest.fixture
def app(tmp_path: Path, repo: Repo) -> Iterator[Harness]:
    harness = Harness(tmp_path, repo)
    yield harness
    harness.close()


def collision(repo: Repo) -> Repo:
    """main gains 00003 while `feature` adds 00002 without a Down section and edits 00001."""
    repo.write(f"{M}/00001_users.sql", GOOSE.format(t="users")).commit().branch("feature")
    repo.write(f"{M}/00002_orders.sql", "-- +goose Up\nCREATE TABLE orders (id int);\n")
    repo.write(f"{M}/00001_users.sql", GOOSE.format(t="users").replace("id int", "id bigint")).commit()
    repo.checkout("main").write(f"{M}/00003_tags.sql", GOOSE.format(t="tags")).commit()
    return repo.checkout("feature")


def test_pull_request_gets_check_run_and_review(app: Harness, repo: Repo) -> None:
    collision(repo)
    response = app.open(1)
    assert response.status_code == 202 and response.json()["status"] == "queued"
    app.settle()

    run = app.check_run()
    assert (run["name"], run["status"], run["conclusion"]) == ("Migration Guard", "completed", "failure")
    assert run["output"]["title"] == "3 errors in 2 changed migrations"
    assert [(a["path"], a["start_line"], a["annotation_level"], a["title"]) for a in run["annotations"]] == [
        (f"{M}/00001_users.sql", 2, "failure", "deployed-migration-modified"),
        (f"{M}/00002_orders.sql", 1, "failure", "migration-out-of-order"),
        (f"{M}/00002_orders.sql", 1, "failure", "missing-rollback"),
    ]
    summary = run["output"]["summary"]
    assert "#### `db/migrations/00002_orders.sql`" in summary
    assert "[`missing-rollback`](https://docs.example/rules/missing_rollback.py)" in summary
    assert "- Migrations: goose in `db/migrations` (2 migrations; PostgreSQL, assumed)" in summary

    (review,) = app.double.reviews[1]
    assert review["state"] == "COMMENTED"
    posted = app.double.requests("POST", r"/pulls/1/reviews$")[0].body
    assert posted["event"] == "COMMENT" and posted["commit_id"] == app.double.pulls[1].head_sha
    # two rules on one line share one comment
    assert [(c["path"], c["line"], c["side"]) for c in posted["comments"]] == [
        (f"{M}/00001_users.sql", 2, "RIGHT"),
        (f"{M}/00002_orders.sql", 1, "RIGHT"),
    ]
    body = posted["comments"][1]["body"]
    assert body.startswith("🛑 **`migration-out-of-order`** (error): ")
    assert "**Fix:** Rebase and rename it to `db/migrations/00004_orders.sql`." in body
    assert "🛑 **`missing-rollback`** (error): " in body and "**Why it breaks a deploy:**" in body
    assert body.count("<!-- migration-guard:fp=") == 1 and len(body) <= 2_000
    with app.service.store.engine.connect() as db:  # the findings are kept for a re-run of the same change
        assert any(k.startswith("result|") for (k,) in db.execute(select(parsed.c.k)))


def test_second_push_fixes_one_finding_and_adds_another(app: Harness, repo: Repo) -> None:
    collision(repo)
    app.open(1)
    app.settle()
    first = {c["node_id"]: c["body"] for c in app.double.live_comments(1)}
    assert len(first) == 2  # out-of-order and missing-rollback share line 1 of 00002

    # Fix the missing Down section, add a migration whose Down section is empty.
    repo.write(f"{M}/00002_orders.sql", GOOSE.format(t="orders"))
    repo.write(f"{M}/00004_items.sql", "-- +goose Up\nCREATE TABLE items (id int);\n-- +goose Down\n").commit()
    app.double.push(1, "feature")
    assert app.send("pull_request", app.pr_event("synchronize", 1)).status_code == 202
    app.settle()

    second = app.double.requests("POST", r"/pulls/1/reviews$")[1].body
    # the shared comment lost one of its findings: it is replaced by one for what remains
    assert [(c["path"], c["line"]) for c in second["comments"]] == [
        (f"{M}/00002_orders.sql", 1),
        (f"{M}/00004_items.sql", 3),
    ]
    live = app.double.live_comments(1)
    assert sorted((c["path"], c["line"]) for c in live) == [
        (f"{M}/00001_users.sql", 2),
        (f"{M}/00002_orders.sql", 1),
        (f"{M}/00004_items.sql", 3),
    ]
    minimized = [c for c in app.double.comments[1] if c["node_id"] in app.double.minimized]
    assert [c["path"] for c in minimized] == [f"{M}/00002_orders.sql"]
    assert "`missing-rollback`" in minimized[0]["body"]
    # The unchanged finding keeps its first comment (not posted again): 2 + 2 comments in all.
    assert len(app.double.comments[1]) == 4
    assert {c["node_id"] for c in live} - set(first) == {c["node_id"] for c in app.double.comments[1][-2:]}
    runs = sorted(app.double.check_runs.values(), key=lambda r: r["id"])
    assert [r["conclusion"] for r in runs] == ["failure", "failure"]
    assert runs[1]["head_sha"] == app.double.pulls[1].head_sha


def test_pull_request_without_migrations_is_a_quick_success(app: Harness, repo: Repo) -> None:
    repo.write("README.md", "hi\n").commit().branch("feature").write("app.py", "print(1)\n").commit()
    app.open(1)
    app.settle()
    run = app.check_run()
    assert (run["conclusion"], run["output"]["title"]) == ("success", "No migration changed")
    assert app.double.reviews == {}
    assert (
        app.double.requests("GET", r"/git/trees/")
        == app.double.requests("GET", r"/git/trees/" + run["head_sha"][:0])[:1]
    )


def test_clean_migration_is_a_success_without_review(app: Harness, repo: Repo) -> None:
    repo.write(f"{M}/00001_users.sql", GOOSE.format(t="users")).commit().branch("feature")
    repo.write(f"{M}/00002_orders.sql", GOOSE.format(t="orders")).commit()
    app.open(1)
    app.settle()
    run = app.check_run()
    assert (run["conclusion"], run["output"]["title"]) == ("success", "No problems in 1 changed migration")
    assert app.double.reviews == {}


def test_warnings_only_give_neutral(app: Harness, repo: Repo) -> None:
    repo.write(".github/migration-guard.yml", "rules:\n  missing-rollback: warning\n")
    repo.write(f"{M}/00001_users.sql", GOOSE.format(t="users")).commit().branch("feature")
    repo.write(f"{M}/00002_orders.sql", "-- +goose Up\nSELECT 1;\n").commit()
    app.open(1)
    app.settle()
    run = app.check_run()
    assert (run["conclusion"], run["output"]["title"]) == ("neutral", "1 warning in 1 changed migration")


def test_findings_off_the_diff_go_into_the_review_body(app: Harness, repo: Repo) -> None:
    """A deleted deployed migration has no line to comment on: it goes into the review body."""
    repo.write(f"{M}/00001_users.sql", GOOSE.format(t="users"))
    repo.write(f"{M}/00002_orders.sql", GOOSE.format(t="orders")).commit().branch("feature")
    repo.remove(f"{M}/00002_orders.sql")
    repo.write(f"{M}/00003_items.sql", "-- +goose Up\nCREATE TABLE items (id int);\n").commit()
    app.open(1)
    app.settle()
    posted = app.double.requests("POST", r"/pulls/1/reviews$")[0].body
    assert [(c["path"], c["line"]) for c in posted["comments"]] == [(f"{M}/00003_items.sql", 1)]
    assert posted["body"].startswith("**Migration Guard** found 2 new problems (1 commented inline).")
    assert "- 🛑 `db/migrations/00002_orders.sql` (whole file) · [`deployed-migration-modified`]" in posted["body"]


ALEMBIC = """revision = {rev!r}
down_revision = {parent!r}


def upgrade():
    op.create_table("t{rev}")


def downgrade():
    op.drop_table("t{rev}")
"""


def test_one_line_fix_comes_as_a_suggestion(app: Harness, repo: Repo) -> None:
    repo.write("alembic/env.py", "").write("alembic/versions/a1.py", ALEMBIC.format(rev="a1", parent=None)).commit()
    repo.branch("feature").write("alembic/versions/b2.py", ALEMBIC.format(rev="b2", parent="a1")).commit()
    repo.checkout("main").write("alembic/versions/c3.py", ALEMBIC.format(rev="c3", parent="a1")).commit()
    repo.checkout("feature")
    app.open(1)
    app.settle()
    (comment,) = app.double.requests("POST", r"/pulls/1/reviews$")[0].body["comments"]
    assert (comment["path"], comment["line"]) == ("alembic/versions/b2.py", 2)
    assert "```suggestion\ndown_revision = 'c3'\n```" in comment["body"]


def test_rails_pull_request_through_the_app(app: Harness, repo: Repo) -> None:
    rails = "class {c} < ActiveRecord::Migration[7.1]\n  def up\n    add_column :users, :{f}, :string\n  end\nend\n"
    repo.write("db/migrate/20240101000000_add_a_to_users.rb", rails.format(c="AddAToUsers", f="a")).commit()
    repo.branch("feature").write("db/migrate/20240301000000_add_b_to_users.rb", rails.format(c="AddBToUsers", f="b"))
    repo.commit()
    repo.checkout("main").write("db/migrate/20240301000000_add_c_to_users.rb", rails.format(c="AddCToUsers", f="c"))
    repo.commit()
    repo.checkout("feature")
    app.open(1)
    app.settle()
    run = app.check_run()
    assert [(a["path"], a["start_line"], a["title"]) for a in run["annotations"]] == [
        ("db/migrate/20240301000000_add_b_to_users.rb", 1, "duplicate-migration-version"),
        ("db/migrate/20240301000000_add_b_to_users.rb", 2, "missing-rollback"),
    ]
    assert "- Migrations: rails in `db/migrate`" in run["output"]["summary"]


def test_ignore_paths_that_skip_every_changed_migration_say_so_in_the_check(app: Harness, repo: Repo) -> None:
    repo.write(".github/migration-guard.yml", "ignore_paths: ['db/*']\n")
    repo.write(f"{M}/00001_users.sql", GOOSE.format(t="users")).commit().branch("feature")
    repo.write(f"{M}/00002_orders.sql", "-- +goose Up\nDROP TABLE users;\n").commit()
    app.open(1)
    app.settle()

    run = app.check_run()

    assert (run["conclusion"], run["output"]["title"]) == (
        "success",
        "No migration checked: ignore_paths skips every changed migration",
    )
    assert "`db/migrations/00002_orders.sql`" in run["output"]["summary"]


def test_a_paths_entry_that_matches_nothing_fails_the_check(app: Harness, repo: Repo) -> None:
    repo.write(".github/migration-guard.yml", "paths:\n  - path: db/migrate\n    framework: rails\n")
    repo.write(f"{M}/00001_users.sql", GOOSE.format(t="users")).commit().branch("feature")
    repo.write(f"{M}/00002_orders.sql", "-- +goose Up\nDROP TABLE users;\n").commit()
    app.open(1)
    app.settle()

    run = app.check_run()

    assert (run["conclusion"], run["output"]["title"]) == ("failure", "Invalid .github/migration-guard.yml")
    assert "paths: `db/migrate` matches no directory on `main`" in run["output"]["summary"]


def test_a_multi_line_suggestion_is_posted_over_its_whole_range(app: Harness, repo: Repo) -> None:
    repo.write(f"{M}/00001_users.sql", GOOSE.format(t="users")).commit().branch("feature")
    repo.write(f"{M}/00002_index.sql", "-- +goose Up\nCREATE INDEX users_id ON users (id);\n\n-- +goose Down\nDROP INDEX users_id;\n")
    repo.commit()
    app.open(1)
    app.settle()
    (posted,) = [r.body for r in app.double.requests("POST", r"/pulls/1/reviews$")]
    (comment,) = [c for c in posted["comments"] if c["path"] == f"{M}/00002_index.sql"]
    assert (comment["start_line"], comment["start_side"], comment["line"], comment["side"]) == (1, "RIGHT", 2, "RIGHT")
    assert "```suggestion\n-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY users_id ON users (id);\n```" in comment["body"]
