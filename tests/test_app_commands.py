"""Slash commands in the pull request conversation, and the deployed ref from GitHub deployments."""

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
    repo.write(f"{M}/00001_users.sql", GOOSE.format(t="users")).commit().branch("feature")
    repo.write(f"{M}/00002_orders.sql", "-- +goose Up\nCREATE TABLE orders (id int);\n").commit()
    harness = Harness(tmp_path, repo)
    harness.open(1)
    harness.settle()
    yield harness
    harness.close()


def comment(app: Harness, body: str, login: str = "octocat", kind: str = "issue", user_type: str = "User",
            action: str = "created", comment_id: int = 5000) -> int:  # fmt: skip
    if kind == "issue":
        payload = app._adjust(example("issue_comment", "created.with-installation.payload.json"))
        payload["issue"]["number"] = 1
        payload["issue"]["pull_request"] = {"url": "https://api.github.com/repos/octo-org/shop/pulls/1"}
        event = "issue_comment"
    else:
        payload = app._adjust(example("pull_request_review_comment", "created.payload.json"))
        payload["pull_request"]["number"] = 1
        event = "pull_request_review_comment"
    payload["action"] = action
    payload["comment"].update(id=comment_id, body=body)
    payload["comment"]["user"].update(login=login, type=user_type)
    response = app.send(event, payload)
    app.settle()
    return response.status_code


def replies(app: Harness) -> list[str]:
    return [c["body"] for c in app.double.conversation.get(1, [])]


def test_help_and_typos(app: Harness) -> None:
    assert comment(app, "/migrations help") == 202
    assert replies(app)[-1].startswith("@octocat **Migration Guard commands**")
    assert app.double.reactions == [("issue", 5000, "eyes"), ("issue", 5000, "+1")]
    comment(app, "/migrations rechek", comment_id=5001)
    assert "Did you mean `/migrations recheck`?" in replies(app)[-1]
    assert app.double.reactions[-1] == ("issue", 5001, "confused")


def test_explain_replies_in_a_review_thread(app: Harness) -> None:
    comment(app, "/migrations explain missing-rollback\nthanks!", kind="review", comment_id=6000)
    (reply,) = replies(app)
    assert reply.startswith("@octocat **`missing-rollback`** (error by default)")
    assert ("review", 6000, "+1") in app.double.reactions


def test_recheck_runs_the_review_again(app: Harness) -> None:
    before = len(app.double.check_runs)
    comment(app, "/migrations recheck")
    assert len(app.double.check_runs) == before + 1
    assert replies(app) == ["@octocat Re-checking this pull request now."]


def test_ignore_needs_write_permission(app: Harness) -> None:
    comment(app, "/migrations ignore missing-rollback -- orders are append-only")
    assert replies(app)[-1].startswith("@octocat Sorry, waiving findings needs write permission")
    assert app.double.reactions[-1] == ("issue", 5000, "confused")
    assert app.service.store.waivers_for("octo-org/shop", 1) == []


def test_ignore_needs_a_reason(app: Harness) -> None:
    app.double.permissions["octocat"] = "write"
    comment(app, "/migrations ignore missing-rollback")
    assert "A waiver needs a reason" in replies(app)[-1]


def test_waiver_moves_the_finding_and_stops_failing_until_the_file_changes(app: Harness, repo: Repo) -> None:
    app.double.permissions["octocat"] = "maintain"
    assert app.check_run()["conclusion"] == "failure"
    comment(app, f"/migrations ignore missing-rollback {M}/00002_orders.sql -- orders are append-only")
    assert replies(app)[-1].startswith(f"@octocat Waived `missing-rollback` on `{M}/00002_orders.sql`")
    waived_run = max(app.double.check_runs.values(), key=lambda r: r["id"])
    assert waived_run["conclusion"] == "success"
    assert "### Waived (1)" in waived_run["output"]["summary"]
    assert "*Waived by octocat:* orders are append\\-only" in waived_run["output"]["summary"]

    # A later change to the file ends the waiver.
    repo.write(f"{M}/00002_orders.sql", "-- +goose Up\nCREATE TABLE orders (id bigint);\n").commit()
    app.double.push(1, "feature")
    app.send("pull_request", app.pr_event("synchronize", 1))
    app.settle()
    latest = max(app.double.check_runs.values(), key=lambda r: r["id"])
    assert latest["conclusion"] == "failure" and "Waived" not in latest["output"]["summary"]

    comment(app, "/migrations unignore missing-rollback", comment_id=5002)
    assert replies(app)[-1].startswith("@octocat Took back the waiver of `missing-rollback`")


def test_bots_edits_and_other_comments_are_ignored(app: Harness) -> None:
    assert comment(app, "/migrations recheck", login="migration-guard[bot]", user_type="Bot") == 200
    assert comment(app, "/migrations recheck", action="edited") == 200
    assert comment(app, "looks good, /migrations recheck later") == 200
    assert replies(app) == [] and app.double.reactions == []


def test_deployed_environment_from_github_deployments(tmp_path: Path, repo: Repo) -> None:
    repo.write(".github/migration-guard.yml", "deployed:\n  environment: production\n")
    repo.write(f"{M}/00001_users.sql", GOOSE.format(t="users")).commit("v1")
    released = repo.git("rev-parse", "HEAD").strip()
    repo.write(f"{M}/00002_orders.sql", GOOSE.format(t="orders")).commit("not released yet").branch("feature")
    repo.write(f"{M}/00002_orders.sql", GOOSE.format(t="orders").replace("id int", "id bigint")).commit()
    app = Harness(tmp_path, repo)
    try:
        app.double.deployments = [
            {"id": 2, "sha": "f" * 40, "ref": "v2", "environment": "production", "state": "failure"},
            {"id": 1, "sha": released, "ref": "v1", "environment": "production", "state": "success"},
        ]
        app.open(1)
        app.settle()
        run = app.check_run()
        assert run["conclusion"] == "success"  # 00002 never ran in production: editing it is fine
        assert f"- Deployed: `production (deployment of v1)` at `{released[:12]}`" in run["output"]["summary"]

        # A new successful deployment (of main) arrives: the edit now touches a deployed migration.
        status = app._adjust(example("deployment_status", "with-installation.payload.json"))
        main_sha = repo.git("rev-parse", "main").strip()
        status["deployment"].update(sha=main_sha, environment="production", ref="v2")
        status["deployment_status"].update(state="success", environment="production")
        assert app.send("deployment_status", status).status_code == 202
        app.settle()
        app.send("pull_request", app.pr_event("synchronize", 1))
        app.settle()
        latest = max(app.double.check_runs.values(), key=lambda r: r["id"])
        assert latest["conclusion"] == "failure"
        assert [a["title"] for a in latest["annotations"]] == ["deployed-migration-modified"]
    finally:
        app.close()


def test_deployed_tag_pattern_picks_the_newest_release(tmp_path: Path, repo: Repo) -> None:
    repo.write(".github/migration-guard.yml", "deployed:\n  tag: 'v*'\n")
    repo.write(f"{M}/00001_users.sql", GOOSE.format(t="users")).commit("v1.9")
    repo.git("tag", "v1.9")
    repo.write(f"{M}/00002_orders.sql", GOOSE.format(t="orders")).commit("v1.10")
    repo.git("tag", "v1.10")
    repo.write(f"{M}/00003_tags.sql", GOOSE.format(t="tags")).commit("unreleased").branch("feature")
    repo.write(f"{M}/00002_orders.sql", GOOSE.format(t="orders").replace("id int", "id bigint"))
    repo.write(f"{M}/00003_tags.sql", GOOSE.format(t="tags").replace("id int", "id bigint")).commit()
    app = Harness(tmp_path, repo)
    try:
        app.open(1)
        app.settle()
        run = app.check_run()
        assert [(a["path"], a["title"]) for a in run["annotations"]] == [
            (f"{M}/00002_orders.sql", "deployed-migration-modified")  # in v1.10; 00003 is not released yet
        ]
        assert "- Deployed: `v1.10`" in run["output"]["summary"]
    finally:
        app.close()
